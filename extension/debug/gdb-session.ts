// gdb-session.ts — the debug type slabscope-gdb's adapter: cdt-gdb-adapter's
// GDBDebugSession, with two additions. A core-file request of its own: `coreFile`
// loads the core after the program and, at configurationDone, reports the process
// stopped instead of running it (cdt-gdb-adapter has no core request). And a
// hook at each stop: the heap is read over gdb/MI the moment gdb reports the stop,
// before the `stopped` event goes out, so the editor's own requests do not queue
// in gdb ahead of the read. Imported from dist/desktop, not the package root,
// which loads serialport.
import { StoppedEvent, TerminatedEvent } from '@vscode/debugadapter';
import { GDBDebugSession } from 'cdt-gdb-adapter/dist/desktop/GDBDebugSession';
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { StopLocation } from './heap-image';
import { MiMemoryPort } from './mi-port';
import type { MemoryPort } from './memory-port';

export interface SlabscopeLaunchArguments extends DebugProtocol.LaunchRequestArguments {
  program?: string;
  coreFile?: string;
  initCommands?: string[];
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

/** A read that has not finished by then lets the stop go out anyway (the editor then reads through DAP). */
const STOP_HOOK_MS = 3000;

interface MiFrame {
  readonly func?: unknown;
  readonly fullname?: unknown;
  readonly file?: unknown;
  readonly line?: unknown;
}

export class SlabscopeGdbSession extends GDBDebugSession {
  private coreFile: string | undefined;
  private stopHook: StopHook | null = null;
  private lastFrame: MiFrame | null = null;
  private lastStopAt = 0;

  /** Sets the hook run at each stop before the `stopped` event (the extension's heap read). */
  onStop(hook: StopHook): void {
    this.stopHook = hook;
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: SlabscopeLaunchArguments): Promise<void> {
    this.coreFile = args.coreFile;
    const launch = this.coreFile ? { ...args, initCommands: [...(args.initCommands ?? []), `core-file ${this.coreFile}`] } : args;
    return super.launchRequest(response, launch as never);
  }

  protected override async configurationDoneRequest(
    response: DebugProtocol.ConfigurationDoneResponse,
    args: DebugProtocol.ConfigurationDoneArguments,
  ): Promise<void> {
    if (!this.coreFile) return super.configurationDoneRequest(response, args);
    this.sendResponse(response);
    this.sendEvent(new StoppedEvent('core file', 1) as DebugProtocol.StoppedEvent);
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

  protected override handleGDBStopped(result: { frame?: MiFrame }): void {
    this.lastStopAt = performance.now();
    this.lastFrame = typeof result?.frame === 'object' && result.frame !== null ? result.frame : null;
    super.handleGDBStopped(result);
  }

  protected override sendStoppedEvent(reason: string, threadId: number, allThreadsStopped?: boolean): void {
    const hook = this.stopHook;
    if (!hook || !this.gdb) return super.sendStoppedEvent(reason, threadId, allThreadsStopped);
    const frame = this.lastFrame;
    const stop: GdbStop = {
      threadId,
      since: this.lastStopAt || performance.now(),
      stoppedAt: {
        file: typeof frame?.fullname === 'string' ? frame.fullname : typeof frame?.file === 'string' ? frame.file : null,
        line: typeof frame?.line === 'string' && Number(frame.line) > 0 ? Number(frame.line) : null,
        function: typeof frame?.func === 'string' ? frame.func : null,
      },
    };
    const gdb = this.gdb;
    const port = new MiMemoryPort((command) => gdb.sendCommand(command));
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, STOP_HOOK_MS);
    });
    // the hook reports its own failures; whatever happens, the stop is sent once
    void Promise.race([hook(port, stop).catch(() => undefined), bounded]).then(() => {
      clearTimeout(timer);
      super.sendStoppedEvent(reason, threadId, allThreadsStopped);
    });
  }
}
