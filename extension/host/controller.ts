// controller.ts — what the extension is looking at: a trace file, or programs
// streaming live (Run, Attach). Runs programs in a console it is given (the
// run command's terminal), records every process, follows the newest running
// one, and turns to the busiest recording for replay when they end.
import * as vscode from 'vscode';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  ProcessFollower,
  TraceFile,
  busiestProcess,
  buildReport,
  reportContext,
  type ReportFinding,
  type SymbolizerOptions,
} from '../core';
import { LiveSource, TraceFileSource, type StoppedSource, type ViewSource } from '../protocol';
import { TraceListener, record, traceLibrary, traceVariables, type RecordedProcess } from '../record';
import type { LiveSessions, SessionScope } from './context';
import type { Settings } from './settings';

/** Where a run's program talks to the user: the run command gives it a terminal. */
export interface ProgramConsole {
  /** resolves once the user can see it (or after `timeoutMs`) */
  show(timeoutMs: number): Promise<void>;
  write(text: string): void;
  connect(child: ChildProcess): void;
}

/** Opens a console named `name` whose first line is `header`; `onClose` runs when the user closes it. */
export type OpenConsole = (name: string, header: string, onClose: () => void) => ProgramConsole;

export interface RunRequest {
  program: string;
  args: string[];
  cwd: string;
  layout: 'aligned' | 'hakmem';
}

export class Controller implements vscode.Disposable {
  /** the trace being looked at: a file, or the live program followed */
  private tracedSource: ViewSource | null = null;
  /** a debug session's stopped heap, shown over the traced one until the process runs on */
  private stoppedSource: StoppedSource | null = null;
  /** the findings of the traced source with their sources and stacks (a stop's findings have their own Problems) */
  reported: ReportFinding[] = [];
  private reportedFor = -1;
  private reporting: Promise<void> | null = null;
  private ticker: NodeJS.Timeout | null = null;
  private readonly changed = new vscode.EventEmitter<'source' | 'tick' | 'findings' | 'position'>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly extensionPath: string,
    private readonly settings: () => Settings,
    private readonly log: vscode.OutputChannel,
    private readonly sessions: LiveSessions,
  ) {}

  get nativeDir(): string {
    return join(this.extensionPath, 'native');
  }

  /** what the heap views and trees show: the stopped heap while there is one, else the trace */
  get source(): ViewSource | null {
    return this.stoppedSource ?? this.tracedSource;
  }

  /** the trace alone, stopped heap or not: what the report, Problems, CodeLens and the status bar speak of */
  get traced(): ViewSource | null {
    return this.tracedSource;
  }

  get running(): boolean {
    return this.sessions.live;
  }

  dispose(): void {
    this.stopTicking();
    this.tracedSource?.close();
    this.stoppedSource?.close();
    this.changed.dispose();
  }

  /** Turns to `source`; the one before, made here, is closed (its symbolizer stops). */
  setSource(source: ViewSource | null): void {
    if (this.tracedSource !== source) this.tracedSource?.close();
    // a heap kept from a stop the process has run on from gives way to the new trace
    if (this.stoppedSource?.stale) {
      this.stoppedSource.close();
      this.stoppedSource = null;
    }
    this.tracedSource = source;
    this.reported = [];
    this.reportedFor = -1;
    this.changed.fire('source');
    void this.report();
  }

  /** The traced source was moved to another event (a replay debug session stopped): the trees and CodeLens follow. */
  moved(): void {
    this.changed.fire('position');
  }

  /**
   * Shows a stopped process's heap over the trace, or (null) turns back to the trace; the one before is
   * closed. With no trace to turn back to, the last stop's heap stays in view, said to be the last stop's.
   */
  showStopped(source: StoppedSource | null): void {
    if (this.stoppedSource === source) return;
    if (!source && !this.tracedSource && this.stoppedSource) {
      this.stoppedSource.ranOn();
      this.changed.fire('tick');
      return;
    }
    this.stoppedSource?.close();
    this.stoppedSource = source;
    this.changed.fire('source');
  }

  openTrace(path: string): TraceFileSource {
    const trace = TraceFile.open(path, { routeRegressionThreshold: this.settings().routeRegressionThreshold });
    const source = new TraceFileSource(trace, basename(path), this.symbolizerOptions());
    // the trace editor shows it as a warning; the log keeps it for a replay opened without one
    const damage = source.trace.damage;
    if (damage) this.log.appendLine(`${path}: ${damage.message}`);
    this.setSource(source);
    return source;
  }

  /** Symbolises the findings when their number changed (live traces grow). */
  private async report(): Promise<void> {
    const source = this.tracedSource;
    if (!source || this.reporting) return;
    const findings = source.findings().slice();
    if (findings.length === this.reportedFor) return;
    const handshake = source.handshake(),
      summary = source.summary();
    if (!handshake || !summary) return;
    this.reporting = (async () => {
      const report = await buildReport(findings, summary, reportContext(handshake, source.symbolizer(), this.extensionPath));
      if (this.tracedSource === source) {
        this.reported = report.findings;
        this.reportedFor = findings.length;
        this.changed.fire('findings');
      }
    })();
    try {
      await this.reporting;
    } finally {
      this.reporting = null;
    }
  }

  /** While a session is live the views refresh four times a second; `session`, when given, stops it as it ends. */
  private startTicking(session?: SessionScope): void {
    this.ticker ??= setInterval(() => {
      this.changed.fire('tick');
      void this.report();
    }, 250);
    session?.push({ dispose: () => this.stopTicking() });
  }

  private stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = null;
  }

  private follower(title: string): ProcessFollower {
    return new ProcessFollower((session) => this.setSource(new LiveSource(session, title, this.symbolizerOptions())));
  }

  /** the symbolizer a source made now starts: the llvm-symbolizer the settings name */
  symbolizerOptions(): SymbolizerOptions {
    return { tool: this.settings().symbolizerPath || undefined };
  }

  /** After a run or attach: replay the process that did the most. */
  private replayBusiest(processes: readonly RecordedProcess[]): void {
    const busiest = busiestProcess(processes);
    if (busiest && existsSync(busiest.path)) {
      this.log.appendLine(`replaying ${busiest.executable} (pid ${busiest.pid}) from ${busiest.path}`);
      this.openTrace(busiest.path);
    }
  }

  /** Runs a program on the trace build, its input and output in `openConsole`'s console; resolves when it has ended. */
  async run(request: RunRequest, traceDir: string, openConsole: OpenConsole): Promise<void> {
    if (this.sessions.live) throw new Error('a program is already being traced: stop it first');
    const settings = this.settings();
    const library = traceLibrary(this.nativeDir, request.layout);
    if (!existsSync(library)) throw new Error(`the ${request.layout} trace build is not built yet: run "Slabscope: Build Allocator" first`);
    mkdirSync(traceDir, { recursive: true });
    const out = join(traceDir, `${basename(request.program)}.hktrace`);
    const title = `${basename(request.program)} (live)`;
    const session = this.sessions.begin();
    let child: ChildProcess | null = null;
    session.onStop(() => child?.kill('SIGTERM'));
    const follower = this.follower(title);
    const terminal = openConsole(
      `Slabscope: ${basename(request.program)}`,
      `$ ${[request.program, ...request.args].join(' ')}  (traced, ${request.layout} layout)`,
      () => session.stop(),
    );
    await terminal.show(10000);
    this.startTicking(session);
    try {
      const result = await record({
        program: request.program,
        args: request.args,
        cwd: request.cwd,
        layout: request.layout,
        lossless: !settings.lossy,
        detail: true,
        stackDepth: 1,
        out,
        nativeDir: this.nativeDir,
        ringEvents: settings.ringEvents || undefined,
        stdio: 'terminal',
        forwardSignals: false,
        onChild: (started) => {
          child = started;
          terminal.connect(started);
        },
        onSession: (traced) => follower.opened(traced),
        onSessionClosed: (traced) => follower.closed(traced),
      });
      const status = result.signal ? `was killed by ${result.signal}` : `exited with status ${result.exitCode}`;
      terminal.write(
        `\r\n\x1b[2m${basename(request.program)} ${status}; ${result.processes.length} process(es) traced into ${traceDir}\x1b[0m\r\n`,
      );
      this.log.appendLine(`${request.program} ${status}; ${result.processes.length} process(es) traced`);
      session.dispose();
      this.replayBusiest(result.processes);
    } catch (error) {
      terminal.write(`\r\n${(error as Error).message}\r\n`);
      throw error;
    } finally {
      session.dispose();
    }
  }

  /** Listens for programs started elsewhere with SLABSCOPE_SOCKET; returns the environment they need. */
  async attach(traceDir: string, layout: 'aligned' | 'hakmem'): Promise<{ socket: string; env: string }> {
    const { socket, variables } = await this.listen(traceDir, layout, 'attached');
    return {
      socket,
      env: Object.entries(variables)
        .map(([name, value]) => `${name}=${value.includes(' ') ? `'${value}'` : value}`)
        .join(' '),
    };
  }

  /**
   * Listens for a program a debugger starts on the trace build (slabscope-gdb with a trace preload):
   * its trace streams into the views while it is debugged, and a stop can be compared with it. Returns
   * the variables the program needs and the scope that ends the listening (when the debug session ends).
   */
  async listenForDebuggee(
    traceDir: string,
    layout: 'aligned' | 'hakmem',
    name: string,
  ): Promise<{ variables: Record<string, string>; scope: SessionScope }> {
    const { variables, scope } = await this.listen(traceDir, layout, name);
    return { variables, scope };
  }

  private async listen(
    traceDir: string,
    layout: 'aligned' | 'hakmem',
    name: string,
  ): Promise<{ socket: string; variables: Record<string, string>; scope: SessionScope }> {
    if (this.sessions.live) throw new Error('a program is already being traced: stop it first');
    const settings = this.settings();
    mkdirSync(settings.socketDirectory, { recursive: true, mode: 0o700 });
    mkdirSync(traceDir, { recursive: true });
    const socket = join(settings.socketDirectory, name === 'attached' ? 'attach.sock' : `${name.replace(/[^\w.-]/g, '_')}.sock`);
    rmSync(socket, { force: true });
    const follower = this.follower(`${name} (live)`);
    const listener = new TraceListener(socket, {
      out: join(traceDir, `${name === 'attached' ? 'attached' : name.replace(/[^\w.-]/g, '_')}.hktrace`),
      onSession: (session) => follower.opened(session),
      onSessionClosed: (session) => follower.closed(session),
    });
    const session = this.sessions.begin();
    try {
      await listener.listen();
    } catch (error) {
      session.dispose();
      throw error;
    }
    // Stop ends the session at once; the listener gives open streams a moment, then the busiest is replayed
    session.onStop(() => session.dispose());
    session.push({
      dispose: () => {
        void listener.close(2000).then(() => {
          rmSync(socket, { force: true });
          this.stopTicking();
          this.replayBusiest(listener.processes);
        });
      },
    });
    this.startTicking();
    const variables = traceVariables(traceLibrary(this.nativeDir, layout), socket, {
      detail: true,
      lossless: !settings.lossy,
      ringEvents: settings.ringEvents,
      stackDepth: 1,
    });
    return { socket, variables, scope: session };
  }
}
