// run.ts — runs a program on the trace build and records what it sends: a
// private socket, one session (and trace file) per process that connects, the
// program's exit status.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../core';
import { traceVariables, type TraceSettings } from './environment';
import { RecordError } from './error';
import { TraceListener, type ListenerOptions, type Progress, type RecordedProcess } from './listener';
import { traceLibrary } from './native';

export interface RecordOptions extends TraceSettings, ListenerOptions {
  readonly program: string;
  readonly args: readonly string[];
  readonly layout: 'aligned' | 'hakmem';
  readonly nativeDir: string;
  /** a library to preload instead of the built trace build (fault-injection builds) */
  readonly library?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** stdio of the program: 'inherit' shows it, 'pipe' keeps it for the caller, 'terminal' hands the pipes to onChild */
  readonly stdio?: 'inherit' | 'pipe' | 'terminal';
  readonly cwd?: string;
  /** the program's process, as soon as it is started */
  readonly onChild?: (child: ChildProcess) => void;
  /** pass this process's SIGINT and SIGTERM on to the program (a command line does; an editor does not) */
  readonly forwardSignals?: boolean;
  readonly onProgress?: (progress: Progress) => void;
}

export interface RecordResult {
  readonly processes: RecordedProcess[];
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly findings: Finding[];
}

export async function record(options: RecordOptions): Promise<RecordResult> {
  const library = options.library ?? traceLibrary(options.nativeDir, options.layout);
  if (!existsSync(library)) throw new RecordError(`no trace build at ${library}`);
  const socketDir = mkdtempSync(join(tmpdir(), 'slabscope-'));
  const listener = new TraceListener(join(socketDir, 'trace.sock'), options);
  await listener.listen();
  const env = { ...(process.env as Record<string, string>), ...options.env, ...traceVariables(library, listener.socketPath, options) };

  let stdout = '',
    stderr = '';
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
    const onInt = forward('SIGINT'),
      onTerm = forward('SIGTERM');
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
