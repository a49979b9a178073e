// session.ts — the debug type slabscope-replay's adapter: DAP requests translated to
// the replay runtime (runtime.ts) and its answers back to DAP. Threads are the
// program's threads; a stop is one event, shown with its symbolized stack.
//
// Processes: a session replays one process. `trace` names its file; in a recording of
// several processes (FILE.hktrace, FILE.1.hktrace, … from `slabscope run`), `pid`
// picks one of them, and the launch says which other processes the recording holds.

import { InitializedEvent, LoggingDebugSession, OutputEvent, TerminatedEvent, Thread, Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { FINDING_KINDS, hex, type FindingKind, type TraceEvent } from '../../core';
import {
  CAPABILITIES,
  EXCEPTION_FILTERS,
  breakpointOf,
  dataInfoOf,
  exceptionInfoOf,
  stackFrameOf,
  stoppedEventOf,
  type ReplayLaunchArguments,
} from './dap-shapes';
import { Condition } from './condition';
import { EVENT_FIELDS, eventField } from './event-fields';
import { readKnown } from './known-bytes';
import { openReplay } from './launch';
import { GOTO_EVENT_REQUEST, POSITION_REQUEST } from './requests';
import type { ReplayRuntime, ReplayStop } from './runtime';
import { ReplayVariables } from './variables';

export class ReplaySession extends LoggingDebugSession {
  private runtime: ReplayRuntime | null = null;
  private variables: ReplayVariables | null = null;
  private readonly frames = new Handles<TraceEvent>();
  private lastStop: ReplayStop | null = null;
  private stopOnEntry = false;
  private startAt: number | undefined;

  /** `sourceRoot`: where a launch without one finds the allocator's sources (the package's root). */
  constructor(private readonly defaultSourceRoot: string) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = CAPABILITIES;
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: ReplayLaunchArguments): Promise<void> {
    const opened = await openReplay(args, this.defaultSourceRoot);
    if ('refusal' in opened) {
      this.sendEvent(new OutputEvent(`${opened.refusal}\n`, 'stderr'));
      this.fail(response, opened.refusal);
      this.sendEvent(new TerminatedEvent());
      return;
    }
    const runtime = (this.runtime = opened.runtime);
    this.variables = new ReplayVariables(runtime);
    this.stopOnEntry = args.stopOnEntry ?? false;
    this.startAt = args.startAt;
    runtime.setExceptionFilters(EXCEPTION_FILTERS.filter((filter) => filter.default).map((filter) => filter.filter as FindingKind));
    for (const note of opened.notes) this.sendEvent(new OutputEvent(`${note.text}\n`, note.category));
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    const runtime = this.runtime;
    if (!runtime) return; // the launch failed and said why
    if (this.startAt !== undefined) {
      const startAt = this.startAt;
      this.move(() => runtime.goto(startAt));
    } else this.move(() => (this.stopOnEntry ? runtime.start() : runtime.begin()));
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    const pid = this.runtime?.file.handshake.pid ?? 0;
    response.body = { threads: (this.runtime?.threads ?? []).map((id) => new Thread(id, `thread ${id} (pid ${pid})`)) };
    this.sendResponse(response);
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.answer(response, () => {
      const runtime = this.need();
      const event = runtime.threadEvent(args.threadId);
      const stack = event ? runtime.stackOf(event) : [];
      const frames = stack.map((frame) => stackFrameOf(frame, this.frames.create(event!)));
      response.body = { stackFrames: frames, totalFrames: frames.length };
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.answer(response, () => {
      const event = this.frames.get(args.frameId) ?? this.need().event;
      response.body = { scopes: this.variables!.scopes(event) };
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.answer(response, () => {
      response.body = { variables: this.variables?.variables(args.variablesReference) ?? [] };
    });
  }

  // ---- moves ----------------------------------------------------------------

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.sendResponse(response);
    this.move(() => this.need().next(args.threadId));
  }
  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.sendResponse(response);
    this.move(() => this.need().stepBack(args.threadId));
  }
  protected override stepInRequest(response: DebugProtocol.StepInResponse): void {
    this.sendResponse(response);
    this.move(() => this.need().stepIn());
  }
  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.sendResponse(response);
    this.move(() => this.need().stepOut(args.threadId));
  }
  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.sendResponse(response);
    this.move(() => this.need().continue());
  }
  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.sendResponse(response);
    this.move(() => this.need().reverseContinue());
  }

  protected override gotoTargetsRequest(response: DebugProtocol.GotoTargetsResponse, args: DebugProtocol.GotoTargetsArguments): void {
    this.answer(response, () => {
      const path = args.source.path;
      if (!path) throw new Error('goto targets need a source with a path');
      const targets = this.need()
        .eventsOnLine(path, args.line)
        .map((event) => ({
          id: event.index + 1,
          label: `event ${event.index}: ${event.kindName} on thread ${event.thread}`,
          line: args.line,
        }));
      response.body = { targets };
    });
  }

  protected override gotoRequest(response: DebugProtocol.GotoResponse, args: DebugProtocol.GotoArguments): void {
    if (this.answer(response, () => (this.lastStop = this.need().goto(args.targetId - 1)))) this.announce();
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (command === POSITION_REQUEST) {
      this.answer(response, () => {
        const runtime = this.need();
        response.body = { trace: runtime.file.path, event: runtime.position, eventCount: runtime.eventCount };
      });
      return;
    }
    if (command !== GOTO_EVENT_REQUEST) return super.customRequest(command, response, args);
    const event = (args as { event?: unknown } | undefined)?.event;
    const moved = this.answer(response, () => {
      if (typeof event !== 'number') throw new Error(`${GOTO_EVENT_REQUEST} needs { event: N }`);
      this.lastStop = this.need().goto(event);
    });
    if (moved) this.announce();
  }

  /** Makes a move, then says where it stopped; a move that fails says why and leaves the position. */
  private move(make: () => ReplayStop): void {
    try {
      this.lastStop = make();
    } catch (error) {
      this.sendEvent(new OutputEvent(`${(error as Error).message}\n`, 'stderr'));
    }
    this.announce();
  }

  private announce(): void {
    const runtime = this.runtime;
    if (!runtime || runtime.position < 0) return;
    const stop = this.lastStop && this.lastStop.event.index === runtime.position ? this.lastStop : null;
    this.frames.reset();
    this.variables?.reset();
    const event = runtime.event;
    if (stop?.edge) this.sendEvent(new OutputEvent(`${stop.description} (event ${event.index})\n`, 'console'));
    this.sendEvent(stoppedEventOf(stop, event));
  }

  // ---- breakpoints ----------------------------------------------------------

  protected override setBreakPointsRequest(
    response: DebugProtocol.SetBreakpointsResponse,
    args: DebugProtocol.SetBreakpointsArguments,
  ): void {
    this.answer(response, () => {
      const path = args.source.path;
      if (!path) throw new Error('breakpoints need a source with a path');
      const asks = (args.breakpoints ?? []).map((b) => ({ line: b.line, condition: b.condition, hitCondition: b.hitCondition }));
      const placed = this.need().setLineBreakpoints(path, asks);
      response.body = { breakpoints: placed.map((b, i) => ({ ...breakpointOf(b), line: asks[i]!.line, source: args.source })) };
    });
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    this.answer(response, () => {
      response.body = { breakpoints: this.need().setFunctionBreakpoints(args.breakpoints).map(breakpointOf) };
    });
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    this.answer(response, () => {
      const known = args.filters.filter((filter): filter is FindingKind => (FINDING_KINDS as readonly string[]).includes(filter));
      this.need().setExceptionFilters(known);
      response.body = { breakpoints: args.filters.map((filter) => ({ verified: known.includes(filter as FindingKind) })) };
    });
  }

  protected override exceptionInfoRequest(response: DebugProtocol.ExceptionInfoResponse): void {
    this.answer(response, () => {
      const finding = this.lastStop?.findings[0];
      if (!finding || this.lastStop?.event.index !== this.need().position) throw new Error('the session is not stopped at a finding');
      response.body = exceptionInfoOf(finding);
    });
  }

  protected override dataBreakpointInfoRequest(
    response: DebugProtocol.DataBreakpointInfoResponse,
    args: DebugProtocol.DataBreakpointInfoArguments,
  ): void {
    this.answer(response, () => {
      let target = args.variablesReference !== undefined ? this.variables?.targetOf(args.variablesReference, args.name) : undefined;
      if (!target && (args.asAddress || args.variablesReference === undefined)) {
        const address = Number(args.name.trim());
        if (Number.isSafeInteger(address) && address > 0) target = { kind: 'bytes', address, length: args.bytes ?? 1 };
      }
      response.body = dataInfoOf(target, args.name);
    });
  }

  protected override setDataBreakpointsRequest(
    response: DebugProtocol.SetDataBreakpointsResponse,
    args: DebugProtocol.SetDataBreakpointsArguments,
  ): void {
    this.answer(response, () => {
      response.body = { breakpoints: this.need().setDataBreakpoints(args.breakpoints).map(breakpointOf) };
    });
  }

  // ---- memory and expressions -----------------------------------------------

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.answer(response, () => {
      const address = Number(args.memoryReference) + (args.offset ?? 0);
      if (!Number.isSafeInteger(address) || address < 0) throw new Error(`${args.memoryReference} is not an address`);
      const runtime = this.need();
      const { data, unreadable } = readKnown(runtime.model(), address, Math.min(args.count, 1 << 16), (base) => runtime.linkOf(base));
      response.body = { address: hex(address), data: Buffer.from(data).toString('base64'), unreadableBytes: unreadable };
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.answer(
      response,
      () => {
        const runtime = this.need();
        const event = args.frameId !== undefined ? (this.frames.get(args.frameId) ?? runtime.event) : runtime.event;
        const layout = runtime.file.handshake.layout;
        const value = new Condition(args.expression, EVENT_FIELDS).valueText((name) => eventField(event, layout, name));
        response.body = { result: value, variablesReference: 0 };
        // an editor evaluates what it likes (watches, the editor's words): a refusal is its answer, not a pop-up
      },
      false,
    );
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.sendResponse(response);
    this.sendEvent(new TerminatedEvent());
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.runtime?.close();
    this.runtime = null;
    this.sendResponse(response);
  }

  // ---- helpers --------------------------------------------------------------

  private need(): ReplayRuntime {
    if (!this.runtime) throw new Error('no trace is being replayed (launch with "trace" first)');
    return this.runtime;
  }

  /** Fills and sends a response; an error becomes the response's message. */
  private answer(response: DebugProtocol.Response, fill: () => unknown, showUser = true): boolean {
    try {
      fill();
      this.sendResponse(response);
      return true;
    } catch (error) {
      this.fail(response, (error as Error).message, showUser);
      return false;
    }
  }

  private fail(response: DebugProtocol.Response, message: string, showUser = true): void {
    this.sendErrorResponse(response, { id: 1, format: message.replace(/[{}]/g, ''), showUser });
  }
}

/** Runs the adapter over stdin and stdout, for editors that start it themselves (`slabscope dap replay`). */
export function runReplayAdapterOverStdio(sourceRoot: string): void {
  const session = new ReplaySession(sourceRoot);
  session.start(process.stdin, process.stdout);
  process.stdin.on('end', () => {
    session.dispose();
    process.exit(0);
  });
}
