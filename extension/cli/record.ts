// record.ts — runs a program on the trace build and records what it sends:
// a private socket, one session (and trace file) per process that connects
// (a program's children load the preload too), the program's exit status.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
  /** stdio of the program: 'inherit' shows it, 'pipe' keeps it for the caller */
  readonly stdio?: 'inherit' | 'pipe';
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

export async function record(options: RecordOptions): Promise<RecordResult> {
  const library = options.library ?? traceLibrary(options.nativeDir, options.layout);
  if (!existsSync(library)) throw new RecordError(`no trace build at ${library}`);
  const socketDir = mkdtempSync(join(tmpdir(), 'slabscope-'));
  const socketPath = join(socketDir, 'trace.sock');
  const processes: RecordedProcess[] = [];
  const open = new Set<Promise<void>>();
  let connections = 0;
  const sessions: TraceSession[] = [];
  const progress = () => {
    let events = 0, lost = 0, findings = 0;
    for (const session of sessions) {
      events += session.eventCount;
      lost += session.model?.lostEvents ?? 0;
      findings += session.model?.findings.count() ?? 0;
    }
    return { events, lost, findings, processes: sessions.length };
  };

  const server = createServer((socket: Socket) => {
    const number = connections++;
    const session = new TraceSession();
    sessions.push(session);
    const path = number === 0 ? options.out : siblingPath(options.out, number);
    const recorder = new TraceRecorder(path, session);
    options.onSession?.(session, path);
    open.add(new Promise<void>((resolve) => {
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
        processes.push({ pid: handshake?.pid ?? 0, executable: handshake?.executable ?? '', path, session, index, errors: session.errors });
        options.onSessionClosed?.(session, path);
        resolve();
      });
    }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });

  const preload = [library, process.env.LD_PRELOAD].filter(Boolean).join(' ');
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...options.env,
    LD_PRELOAD: preload,
    SLABSCOPE_SOCKET: socketPath,
    SLABSCOPE_ON_ERROR: 'report',
    SLABSCOPE_STACK_DEPTH: String(options.stackDepth),
  };
  if (options.detail) env.SLABSCOPE_EVENTS = 'all';
  if (options.lossless) env.SLABSCOPE_LOSSLESS = '1';
  if (options.ringEvents) env.SLABSCOPE_RING = String(options.ringEvents);

  let stdout = '', stderr = '';
  const ticker = options.onProgress ? setInterval(() => options.onProgress!(progress()), 250) : null;
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const child = spawn(options.program, options.args as string[], { env, stdio: options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    child.stdout?.setEncoding('utf8').on('data', (data: string) => (stdout += data));
    child.stderr?.setEncoding('utf8').on('data', (data: string) => (stderr += data));
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT'), onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    child.once('error', (error) => reject(new RecordError(`could not start ${options.program}: ${error.message}`)));
    child.once('close', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve({ code, signal });
    });
  }).catch((error) => {
    server.close();
    rmSync(socketDir, { recursive: true, force: true });
    if (ticker) clearInterval(ticker);
    throw error;
  });
  // Children the program left running may still stream: give them a moment, then stop listening.
  server.close();
  const grace = new Promise((resolve) => setTimeout(resolve, 5000).unref());
  await Promise.race([Promise.all(open), grace]);
  if (ticker) clearInterval(ticker);
  rmSync(socketDir, { recursive: true, force: true });
  options.onProgress?.(progress());
  processes.sort((a, b) => (a.path === options.out ? -1 : b.path === options.out ? 1 : a.pid - b.pid));
  const findings = processes.flatMap((entry) => entry.session.model?.findings.all ?? []);
  return { processes, exitCode: exit.code, signal: exit.signal, stdout, stderr, findings };
}

function siblingPath(out: string, number: number): string {
  const extension = extname(out) || '.hktrace';
  return join(dirname(out), `${basename(out, extname(out))}.${number}${extension}`);
}
