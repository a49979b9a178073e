// ids.ts — every id the extension shares with its manifest (package.json's
// contributes): commands, views, settings, context keys, the trace editor and
// the task type. Code uses these, never the strings; test/vscode/manifest.test.mjs
// checks that the two say the same. No `vscode` import: the test reads this file.

export const Command = {
  build: 'slabscope.build',
  run: 'slabscope.run',
  attach: 'slabscope.attach',
  openTrace: 'slabscope.openTrace',
  stop: 'slabscope.stop',
  showHeap: 'slabscope.showHeap',
  exportReport: 'slabscope.exportReport',
  runDemo: 'slabscope.runDemo',
  openSource: 'slabscope.openSource',
  showInHeap: 'slabscope.showInHeap',
  breakOnLinkWrite: 'slabscope.breakOnLinkWrite',
  breakOnHeaderWrite: 'slabscope.breakOnHeaderWrite',
  clearHeapBreakpoints: 'slabscope.clearHeapBreakpoints',
  debugTrace: 'slabscope.debugTrace',
  debugFromHere: 'slabscope.debugFromHere',
} as const;
export type CommandId = (typeof Command)[keyof typeof Command];

export const View = {
  findings: 'slabscope.findings',
  threads: 'slabscope.threads',
  superslabs: 'slabscope.superslabs',
  /** the stopped process's heap, in Run and Debug */
  stoppedHeap: 'slabscope.stoppedHeap',
} as const;
export type ViewId = (typeof View)[keyof typeof View];

/** The command VS Code makes for every view: reveals it and gives it focus. */
export function focusCommand(view: ViewId): string {
  return `${view}.focus`;
}

/** Full setting ids, read with `workspace.getConfiguration().get(id)`. */
export const Setting = {
  socketDirectory: 'slabscope.socketDirectory',
  ringEvents: 'slabscope.ringEvents',
  lossy: 'slabscope.lossy',
  defaultLayout: 'slabscope.defaultLayout',
  symbolizerPath: 'slabscope.symbolizerPath',
  routeRegressionThreshold: 'slabscope.routeRegressionThreshold',
  /** the BASE/USER language server for C and C++ files */
  sourceAnalysis: 'slabscope.sourceAnalysis.enabled',
  sourceDefines: 'slabscope.sourceAnalysis.defines',
} as const;

/** Context keys the manifest's `when` clauses test. */
export const ContextKey = {
  running: 'slabscope.running',
  hasTrace: 'slabscope.hasTrace',
  /** a debug session is stopped and its heap was read */
  heapStopped: 'slabscope.heapStopped',
} as const;

/** The Heap view's context value of a block's item (its menus test `viewItem == heapBlock`). */
export const HEAP_BLOCK_ITEM = 'heapBlock';

/** The custom editor for `*.hktrace` files (contributes.customEditors). */
export const TRACE_EDITOR = 'slabscope.traceEditor';

/** The debug type that runs gdb and reads the stopped heap (contributes.debuggers). */
export const DEBUG_TYPE = 'slabscope-gdb';

/** The debug type that replays a trace file, forwards and backwards (contributes.debuggers). */
export const REPLAY_DEBUG_TYPE = 'slabscope-replay';

/** The task type of Build Allocator's tasks (contributes.taskDefinitions). */
export const TASK_TYPE = 'slabscope';

// Not in the manifest, but named once here all the same.

/** The Show Heap panel's webview type (its serializer restores it after a reload). */
export const HEAP_PANEL = 'slabscope.heap';

/** Workspace state: the programs Run was last given, newest first. */
export const RECENT_PROGRAMS = 'slabscope.programs';

/** The BASE/USER language server's client id (its output channel and trace setting derive from it). */
export const SOURCE_SERVER = 'slabscope.source';
