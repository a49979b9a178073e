// listener.ts — the socket traced programs connect to: one session (and trace
// file) per process that connects (a program's children load the preload too).
import { chmodSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { basename, dirname, extname, join } from 'node:path';
import { TraceRecorder, TraceSession, type DecodeError, type TraceIndex } from '../core';

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

export interface ListenerOptions {
  /** where the first process's trace goes; later ones get FILE.1.hktrace, FILE.2.hktrace, … */
  readonly out: string;
  /** a process connected: its session (fed as its stream arrives) and the trace file it is recorded to */
  readonly onSession?: (session: TraceSession, path: string) => void;
  /** that process's stream ended (it exited, or exec'd into another program that connects afresh) */
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

  constructor(
    readonly socketPath: string,
    private readonly options: ListenerOptions,
  ) {}

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
    let events = 0,
      lost = 0,
      findings = 0;
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
    this.open.add(
      new Promise<void>((resolve) => {
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
          this.processes.push({
            pid: handshake?.pid ?? 0,
            executable: handshake?.executable ?? '',
            path,
            session,
            index,
            errors: session.errors,
          });
          this.options.onSessionClosed?.(session, path);
          resolve();
        });
      }),
    );
  }
}

function siblingPath(out: string, number: number): string {
  const extension = extname(out) || '.hktrace';
  return join(dirname(out), `${basename(out, extname(out))}.${number}${extension}`);
}
