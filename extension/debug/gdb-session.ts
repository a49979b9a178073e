// gdb-session.ts — the debug type slabscope-gdb's adapter: cdt-gdb-adapter's
// GDBDebugSession, with what it lacks for a heap:
// - a core-file request of its own: `coreFile` loads the core after the program and,
//   at configurationDone, reports the process stopped instead of running it
//   (cdt-gdb-adapter has no core request);
// - the heap of each stop, read once by the session itself (stop-heap.ts), and every
//   pointer value of its `variables` and `evaluate` answers labelled from it;
// - the heap's data breakpoints (heap-watch.ts), kept beside the editor's own: the
//   editor's setDataBreakpoints replaces only its own, and a watchpoint's stop says
//   'data breakpoint'.
// Imported from dist/desktop, not the package root, which loads serialport.
import { StoppedEvent } from '@vscode/debugadapter';
import { GDBDebugSession } from 'cdt-gdb-adapter/dist/desktop/GDBDebugSession';
import { sendBreakList } from 'cdt-gdb-adapter/dist/mi/breakpoint';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { DapRequest } from './dap-port';
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
    if (event.event === 'stopped') {
      const threadId = (event as DebugProtocol.StoppedEvent).body.threadId;
      this.heaps.atStop(typeof threadId === 'number' ? threadId : undefined);
    } else if (event.event === 'continued' || event.event === 'terminated' || event.event === 'exited') this.heaps.ran();
    super.sendEvent(event);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: SlabscopeLaunchArguments): Promise<void> {
    this.coreFile = args.coreFile;
    this.launchArgs = args;
    const launch = this.coreFile ? { ...args, initCommands: [...(args.initCommands ?? []), `core-file ${this.coreFile}`] } : args;
    return super.launchRequest(response, launch as never);
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

  protected override handleGDBStopped(result: { reason?: string; 'thread-id'?: string; 'stopped-threads'?: string }): void {
    // cdt-gdb-adapter calls every stop it does not know 'generic'; a watchpoint's is a data breakpoint's
    if (typeof result.reason === 'string' && /watchpoint-trigger$/.test(result.reason))
      return this.sendStoppedEvent('data breakpoint', parseInt(result['thread-id'] ?? '', 10), result['stopped-threads'] === 'all');
    return super.handleGDBStopped(result);
  }
}
