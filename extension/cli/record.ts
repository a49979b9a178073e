// record.ts — runs a program on the trace build and records what it sends:
// a private socket, one session (and trace file) per process that connects
// (a program's children load the preload too), the program's exit status.

import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join } from 'node:path';
import { TraceRecorder, TraceSession, type DecodeError, type Finding, type TraceIndex } from '../core';

export interface RecordOptions {
  readonly program: string;
  readonly args: readonly string[];
  readonly layout: 'aligned' | 'hakmem';
  readonly lossless: boolean;
  /** pointer-level detail (freelist chains, links); operation-level otherwise */
  readonly detail: boolean;
  readonly stackDepth: number;
  readonly out: string;
  readonly nativeDir: string;
  /** a library to preload instead of the built trace build (fault-injection builds) */
  readonly library?: string;
  readonly ringEvents?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** stdio of the program: 'inherit' shows it, 'pipe' keeps it for the caller, 'terminal' hands the pipes to onChild */
  readonly stdio?: 'inherit' | 'pipe' | 'terminal';
  readonly cwd?: string;
  /** the program's process, as soon as it is started */
  readonly onChild?: (child: ChildProcess) => void;
  /** pass this process's SIGINT and SIGTERM on to the program (a command line does; an editor does not) */
  readonly forwardSignals?: boolean;
  readonly onProgress?: (progress: Progress) => void;
  /** a process connected: its session (fed as its stream arrives) and the trace file it is recorded to */
  readonly onSession?: (session: TraceSession, path: string) => void;
  /** that process's stream ended (it exited, or exec'd into another program that connects afresh) */
  readonly onSessionClosed?: (session: TraceSession, path: string) => void;
}

export interface Progress {
  events: number;
  lost: number;
  findings: number;
  processes: number;
}

export interface RecordedProcess {
  readonly pid: number;
  readonly executable: string;
  readonly path: string;
  readonly session: TraceSession;
  readonly index: TraceIndex;
  readonly errors: readonly DecodeError[];
}

export interface RecordResult {
  readonly processes: RecordedProcess[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly findings: Finding[];
}

export class RecordError extends Error {
  override readonly name = 'RecordError';
}

/** Builds native targets (the allocator's libraries by default) if anything is out of date (make decides). */
export function ensureNativeBuilt(nativeDir: string, targets: readonly string[] = ['all']): void {
  const made = spawnSync('make', ['-s', '-C', nativeDir, '-j2', ...targets], { encoding: 'utf8' });
  if (made.error) throw new RecordError(`could not run make: ${made.error.message}`);
  if (made.status !== 0) throw new RecordError(`make ${targets.join(' ')} failed:\n${made.stderr.trim()}`);
}

export function traceLibrary(nativeDir: string, layout: string): string {
  return join(nativeDir, 'build', layout, 'trace', 'libslabscope.so');
}

export interface ListenerOptions {
  /** where the first process's trace goes; later ones get FILE.1.hktrace, FILE.2.hktrace, … */
  readonly out: string;
  readonly onSession?: (session: TraceSession, path: string) => void;
  readonly onSessionClosed?: (session: TraceSession, path: string) => void;
}

/**
 * A Unix socket that programs on the trace build connect to (SLABSCOPE_SOCKET):
 * each connection is one process, decoded into its own session and recorded
 * into its own trace file. Used by `run`, `view --live` and the editor's Attach.
 */
export class TraceListener {
  readonly processes: RecordedProcess[] = [];
  readonly sessions: TraceSession[] = [];
  private readonly open = new Set<Promise<void>>();
  private connections = 0;
  private readonly server = createServer((socket: Socket) => this.accept(socket));

  constructor(readonly socketPath: string, private readonly options: ListenerOptions) {}

  listen(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => {
        chmodSync(this.socketPath, 0o600);
        resolve();
      });
    });
  }

  progress(): Progress {
    let events = 0, lost = 0, findings = 0;
    for (const session of this.sessions) {
      events += session.eventCount;
      lost += session.model?.lostEvents ?? 0;
      findings += session.model?.findings.count() ?? 0;
    }
    return { events, lost, findings, processes: this.sessions.length };
  }

  /** Stops taking connections; waits up to `graceMs` for the open ones to end. */
  async close(graceMs: number): Promise<void> {
    this.server.close();
    const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(this.open), grace]);
  }

  private accept(socket: Socket): void {
    const number = this.connections++;
    const session = new TraceSession();
    this.sessions.push(session);
    const path = number === 0 ? this.options.out : siblingPath(this.options.out, number);
    const recorder = new TraceRecorder(path, session);
    this.options.onSession?.(session, path);
    this.open.add(new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        recorder.write(chunk);
        session.feed(chunk);
        if (session.decoder.failed) socket.destroy(); // the rest cannot be read: stop, keep what was decoded
      });
      socket.on('error', () => {}); // a reset is the program dying: 'close' follows and finishes the session
      socket.once('close', () => {
        session.finish();
        const index = recorder.close();
        const handshake = session.model?.handshake;
        this.processes.push({ pid: handshake?.pid ?? 0, executable: handshake?.executable ?? '', path, session, index, errors: session.errors });
        this.options.onSessionClosed?.(session, path);
        resolve();
      });
    }));
  }
}

/** The variables that make a program trace into `socketPath` (LD_PRELOAD and SLABSCOPE_*). */
export function traceVariables(library: string, socketPath: string, options: Pick<RecordOptions, 'detail' | 'lossless' | 'ringEvents' | 'stackDepth'>): Record<string, string> {
  const vars: Record<string, string> = {
    LD_PRELOAD: [library, process.env.LD_PRELOAD].filter(Boolean).join(' '),
    SLABSCOPE_SOCKET: socketPath,
    SLABSCOPE_ON_ERROR: 'report',
    SLABSCOPE_STACK_DEPTH: String(options.stackDepth),
  };
  if (options.detail) vars.SLABSCOPE_EVENTS = 'all';
  vars.SLABSCOPE_LOSSLESS = options.lossless ? '1' : '0'; // said either way: the runtime's own default may differ
  if (options.ringEvents) vars.SLABSCOPE_RING = String(options.ringEvents);
  return vars;
}

export async function record(options: RecordOptions): Promise<RecordResult> {
  const library = options.library ?? traceLibrary(options.nativeDir, options.layout);
  if (!existsSync(library)) throw new RecordError(`no trace build at ${library}`);
  const socketDir = mkdtempSync(join(tmpdir(), 'slabscope-'));
  const listener = new TraceListener(join(socketDir, 'trace.sock'), options);
  await listener.listen();
  const env = { ...(process.env as Record<string, string>), ...options.env, ...traceVariables(library, listener.socketPath, options) };

  let stdout = '', stderr = '';
  const ticker = options.onProgress ? setInterval(() => options.onProgress!(listener.progress()), 250) : null;
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const stdio: StdioOptions = options.stdio === 'terminal' ? 'pipe' : options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit';
    const child: ChildProcess = spawn(options.program, options.args as string[], { env, cwd: options.cwd, stdio });
    if (options.stdio === 'pipe') {
      child.stdout?.setEncoding('utf8').on('data', (data: string) => (stdout += data));
      child.stderr?.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    }
    options.onChild?.(child);
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT'), onTerm = forward('SIGTERM');
    const forwarding = options.forwardSignals ?? true;
    if (forwarding) {
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    }
    child.once('error', (error) => reject(new RecordError(`could not start ${options.program}: ${error.message}`)));
    child.once('close', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve({ code, signal });
    });
  }).catch(async (error) => {
    await listener.close(0);
    rmSync(socketDir, { recursive: true, force: true });
    if (ticker) clearInterval(ticker);
    throw error;
  });
  // Children the program left running may still stream: give them a moment, then stop listening.
  await listener.close(5000);
  if (ticker) clearInterval(ticker);
  rmSync(socketDir, { recursive: true, force: true });
  options.onProgress?.(listener.progress());
  const processes = [...listener.processes].sort((a, b) => (a.path === options.out ? -1 : b.path === options.out ? 1 : a.pid - b.pid));
  const findings = processes.flatMap((entry) => entry.session.model?.findings.all ?? []);
  return { processes, exitCode: exit.code, signal: exit.signal, stdout, stderr, findings };
}

function siblingPath(out: string, number: number): string {
  const extension = extname(out) || '.hktrace';
  return join(dirname(out), `${basename(out, extname(out))}.${number}${extension}`);
}
