// gdb-session.ts — the debug type slabscope-gdb's adapter: cdt-gdb-adapter's
// GDBDebugSession, with what it lacks for a heap:
// - a core-file request of its own: `coreFile` loads the core after the program and,
//   at configurationDone, reports the process stopped instead of running it
//   (cdt-gdb-adapter has no core request);
// - the heap of each stop, read once by the session itself (stop-heap.ts) over gdb/MI
//   the moment gdb reports the stop, before the `stopped` event goes out (so the
//   editor's own requests do not queue in gdb ahead of the read, and its first
//   `variables` finds the heap read), and every pointer value of its `variables` and
//   `evaluate` answers labelled from it;
// - Stop that ends the session (cdt-gdb-adapter leaves `terminate` unanswered in effect);
// - the heap's data breakpoints (heap-watch.ts), kept beside the editor's own: the
//   editor's setDataBreakpoints replaces only its own, and a watchpoint's stop says
//   'data breakpoint'.
// Imported from dist/desktop, not the package root, which loads serialport.
import { StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import { GDBDebugSession } from 'cdt-gdb-adapter/dist/desktop/GDBDebugSession';
import { sendBreakList } from 'cdt-gdb-adapter/dist/mi/breakpoint';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DapRequest } from './dap-port';
import type { StopLocation } from './heap-image';
import type { MemoryPort } from './memory-port';
import { MiMemoryPort } from './mi-port';
import {
  HeapWatchError,
  SET_HEAP_WATCHPOINTS,
  setHeapWatchpointsArguments,
  tooManyWatchpoints,
  watchExpression,
  type SetHeapWatchpointsResult,
} from './heap-watch';
import { layoutsForLibrary, ownLibrary } from './launch-config';
import { labelResponse, StopHeaps, WRITING_REQUESTS } from './stop-heap';
import type { LayoutStructs } from './structs';

export interface SlabscopeLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  program?: string;
  coreFile?: string;
  initCommands?: string[];
  /** the configuration's preload choice (launch-config.ts), which names the layout descriptions too */
  preload?: string;
  cwd?: string;
}

/** One stop as gdb reported it: the thread, its top frame, and when the report came. */
export interface GdbStop {
  readonly threadId: number;
  readonly stoppedAt: StopLocation;
  /** performance.now() when gdb's *stopped record arrived */
  readonly since: number;
}

/** Reads what it needs through `port` while the stop waits; the `stopped` event follows it. */
export type StopHook = (port: MemoryPort, stop: GdbStop) => Promise<void>;

/** A read at the stop that has not finished by then lets the stop go out anyway. */
const STOP_READ_MS = 3000;

interface MiFrame {
  readonly func?: unknown;
  readonly fullname?: unknown;
  readonly file?: unknown;
  readonly line?: unknown;
}

export interface SlabscopeSessionOptions {
  /** the allocator's tree (native/): its build's layout descriptions let the session read each stop's heap */
  readonly nativeDir?: string;
}

export class SlabscopeGdbSession extends GDBDebugSession {
  private coreFile: string | undefined;
  private launchArgs: SlabscopeLaunchArguments = {};
  private layouts: ReadonlyMap<string, LayoutStructs> | null | undefined;
  /** requests the session sends itself (negative sequence numbers: never a client's) */
  private internalSeq = -1;
  private readonly internal = new Map<number, { resolve: (body: unknown) => void; reject: (error: Error) => void }>();
  /** the context of each evaluate request in flight, by its sequence number */
  private readonly evaluateContexts = new Map<number, string | undefined>();
  private editorDataBreakpoints: DebugProtocol.DataBreakpoint[] = [];
  private heapDataBreakpoints: DebugProtocol.DataBreakpoint[] = [];
  /** the heap of the current stop */
  readonly heaps: StopHeaps;
  private stopHook: StopHook | null = null;
  /** gdb's last *stopped record: its top frame and when it came */
  private lastStop: { frame: MiFrame | null; at: number } = { frame: null, at: 0 };
  /** the stop whose `stopped` event the session is sending itself (its heap already read) */
  private sendingStop = false;

  constructor(private readonly options: SlabscopeSessionOptions = {}) {
    super();
    this.heaps = new StopHeaps(
      this.request,
      () => this.stopLayouts(),
      () => this.launchArgs.program ?? '',
    );
  }

  /** Sends this session a request of its own; its response comes back here, not to the client. */
  private readonly request: DapRequest = (command, args) =>
    new Promise((resolve, reject) => {
      const seq = this.internalSeq--;
      this.internal.set(seq, { resolve, reject });
      this.dispatchRequest({ seq, type: 'request', command, arguments: args });
    });

  private stopLayouts(): ReadonlyMap<string, LayoutStructs> | null {
    if (this.layouts !== undefined) return this.layouts;
    const { nativeDir } = this.options;
    if (!nativeDir) return (this.layouts = null);
    try {
      this.layouts = layoutsForLibrary(nativeDir, ownLibrary(this.launchArgs.preload, this.launchArgs.cwd ?? process.cwd()));
    } catch (error) {
      this.heaps.problem = `no layout description to read the heap with: ${(error as Error).message}`;
      this.layouts = null;
    }
    return this.layouts;
  }

  override sendResponse(response: DebugProtocol.Response): void {
    const waiting = this.internal.get(response.request_seq);
    if (waiting) {
      this.internal.delete(response.request_seq);
      if (response.success) waiting.resolve(response.body ?? {});
      else waiting.reject(new Error(`${response.command}: ${response.message ?? 'failed'}`));
      return;
    }
    if (response.request_seq < 0) return; // a second answer to a request of its own (cdt-gdb-adapter answers a failed watchpoint twice)
    if (response.command === 'initialize' && response.body)
      // the editor then copies a value through an evaluate in the clipboard context, which is left bare
      (response.body as DebugProtocol.Capabilities).supportsClipboardContext = true;
    if (WRITING_REQUESTS.has(response.command)) this.heaps.wrote();
    if (response.command !== 'variables' && response.command !== 'evaluate') return super.sendResponse(response);
    const context = this.evaluateContexts.get(response.request_seq);
    this.evaluateContexts.delete(response.request_seq);
    // what is typed in the console may call the program's own functions (or be a gdb command): free, say
    if (context === 'repl') this.heaps.wrote();
    // the answer waits for the stop's one heap read (already done, or in flight for an earlier answer)
    void this.heaps.current().then(
      (heap) => {
        if (heap) labelResponse(response, heap, context);
        super.sendResponse(response);
      },
      () => super.sendResponse(response),
    );
  }

  override sendEvent(event: DebugProtocol.Event): void {
    if (event.event === 'stopped' && !this.sendingStop) {
      const threadId = (event as DebugProtocol.StoppedEvent).body.threadId;
      this.heaps.atStop(typeof threadId === 'number' ? threadId : undefined);
    } else if (event.event === 'continued' || event.event === 'terminated' || event.event === 'exited') this.heaps.ran();
    super.sendEvent(event);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: SlabscopeLaunchArguments): Promise<void> {
    this.coreFile = args.coreFile;
    this.launchArgs = args;
    const launch = this.coreFile ? { ...args, initCommands: [...(args.initCommands ?? []), `core-file ${this.coreFile}`] } : args;
    await super.launchRequest(response, launch as never);
    // the layout descriptions are read now, while the program starts, not at its first stop
    this.stopLayouts();
  }

  protected override async attachRequest(
    response: DebugProtocol.AttachResponse,
    args: DebugProtocol.AttachRequestArguments,
  ): Promise<void> {
    // the program (when named) names the heap's executable; an attached process was started with its own preload
    this.launchArgs = { program: (args as SlabscopeLaunchArguments).program, cwd: (args as SlabscopeLaunchArguments).cwd };
    return super.attachRequest(response, args as never);
  }

  protected override async configurationDoneRequest(
    response: DebugProtocol.ConfigurationDoneResponse,
    args: DebugProtocol.ConfigurationDoneArguments,
  ): Promise<void> {
    if (!this.coreFile) return super.configurationDoneRequest(response, args);
    this.sendResponse(response);
    this.sendEvent(new StoppedEvent('core file', 1) as DebugProtocol.StoppedEvent);
  }

  protected override async evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): Promise<void> {
    this.evaluateContexts.set(response.request_seq, args.context);
    return super.evaluateRequest(response, args);
  }

  protected override async setDataBreakpointsRequest(
    response: DebugProtocol.SetDataBreakpointsResponse,
    args: DebugProtocol.SetDataBreakpointsArguments,
  ): Promise<void> {
    // the editor's own; the heap's come back in through the session's own request below
    this.editorDataBreakpoints = args.breakpoints.filter((asked) => !this.heapDataBreakpoints.some((heap) => heap.dataId === asked.dataId));
    return super.setDataBreakpointsRequest(response, { breakpoints: [...this.editorDataBreakpoints, ...this.heapDataBreakpoints] });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command !== SET_HEAP_WATCHPOINTS) return super.customRequest(command, response, args);
    void this.setHeapWatchpoints(response, args);
  }

  private async setHeapWatchpoints(response: DebugProtocol.Response, args: unknown): Promise<void> {
    try {
      const { watchpoints } = setHeapWatchpointsArguments(args);
      // gdb would take them all, and fail to insert them when the program runs on (a stop for an 'error')
      const refused = tooManyWatchpoints(watchpoints);
      if (refused) throw new HeapWatchError(refused);
      const expressions = watchpoints.map(watchExpression);
      this.heapDataBreakpoints = watchpoints.map((watchpoint, i) => ({ dataId: expressions[i]!, accessType: watchpoint.accessType }));
      // cdt-gdb-adapter reconciles gdb's watchpoints with the list it is given: give it the editor's and the heap's
      await this.request('setDataBreakpoints', { breakpoints: [...this.editorDataBreakpoints, ...this.heapDataBreakpoints] });
      const listed = (await sendBreakList(this.gdb)).BreakpointTable.body;
      const result: SetHeapWatchpointsResult = {
        watchpoints: expressions.map((expression) => {
          const set = listed.find((entry) => entry.type.includes('watchpoint') && entry.what === expression);
          return { expression, number: set ? Number(set.number) : null, verified: set?.enabled === 'y' };
        }),
      };
      response.body = result;
      this.sendResponse(response);
    } catch (error) {
      this.sendErrorResponse(response, 1, (error as Error).message);
    }
  }

  /** Runs `hook` at each stop, over gdb/MI, before the `stopped` event is sent (benchmarks, other front ends). */
  onStop(hook: StopHook): void {
    this.stopHook = hook;
  }

  /**
   * Stop in the editor. GDBDebugSession says it supports `terminate` but leaves it to the base
   * class, which only answers: the editor then waits for a `terminated` that never comes, and
   * only a second Stop (a disconnect) ends the session. Here gdb quits (killing a process it
   * started, leaving one it attached to) and the session says it ended.
   */
  protected override async terminateRequest(response: DebugProtocol.TerminateResponse): Promise<void> {
    this.sendResponse(response);
    try {
      await this.gdb?.sendGDBExit();
    } catch {
      // gdb already gone: the session has ended all the same
    }
    this.sendEvent(new TerminatedEvent() as DebugProtocol.TerminatedEvent);
  }

  protected override sendStoppedEvent(reason: string, threadId: number, allThreadsStopped?: boolean): void {
    const layouts = this.stopLayouts();
    const hook = this.stopHook;
    if ((!layouts && !hook) || !this.gdb) return super.sendStoppedEvent(reason, threadId, allThreadsStopped);
    const frame = this.lastStop.frame;
    const stop: GdbStop = {
      threadId,
      since: this.lastStop.at || performance.now(),
      stoppedAt: {
        file: typeof frame?.fullname === 'string' ? frame.fullname : typeof frame?.file === 'string' ? frame.file : null,
        line: typeof frame?.line === 'string' && Number(frame.line) > 0 ? Number(frame.line) : null,
        function: typeof frame?.func === 'string' ? frame.func : null,
      },
    };
    const gdb = this.gdb;
    const port = new MiMemoryPort((command) => gdb.sendCommand(command));
    this.heaps.atStop(threadId);
    const reads: Promise<unknown>[] = [];
    if (layouts) reads.push(this.heaps.readAtStop(port, stop, layouts));
    if (hook) reads.push(hook(port, stop).catch(() => undefined));
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_READ_MS);
    });
    // each read says its own failure; whatever happens, the stop is sent once
    void Promise.race([Promise.all(reads), bounded]).then(() => {
      clearTimeout(timer);
      this.sendingStop = true;
      try {
        super.sendStoppedEvent(reason, threadId, allThreadsStopped);
      } finally {
        this.sendingStop = false;
      }
    });
  }

  protected override handleGDBStopped(result: {
    reason?: string;
    'thread-id'?: string;
    'stopped-threads'?: string;
    frame?: MiFrame;
  }): void {
    this.lastStop = { frame: typeof result?.frame === 'object' && result.frame !== null ? result.frame : null, at: performance.now() };
    // cdt-gdb-adapter calls every stop it does not know 'generic'; a watchpoint's is a data breakpoint's
    if (typeof result.reason === 'string' && /watchpoint-trigger$/.test(result.reason))
      return this.sendStoppedEvent('data breakpoint', parseInt(result['thread-id'] ?? '', 10), result['stopped-threads'] === 'all');
    return super.handleGDBStopped(result);
  }
}
