// gdb-adapter.ts — the gdb debug adapter (gdb-session.ts, on cdt-gdb-adapter, which
// drives the machine's gdb over MI) run in this process and talked to as a DAP peer: requests go in
// through handleMessage, responses and events come back through onDidSendMessage.
import { SlabscopeGdbSession, type StopHook } from './gdb-session';
import type { DapRequest } from './dap-port';

export interface DapEvent {
  readonly event: string;
  readonly body?: Record<string, unknown>;
}

interface DapMessage {
  readonly type: string;
  readonly seq: number;
  readonly request_seq?: number;
  readonly success?: boolean;
  readonly command?: string;
  readonly message?: string;
  readonly event?: string;
  readonly body?: unknown;
}

export class DapError extends Error {
  override readonly name = 'DapError';
}

export class GdbAdapter {
  private readonly session = new SlabscopeGdbSession();
  private seq = 1;
  private readonly pending = new Map<number, { command: string; resolve: (body: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners: ((event: DapEvent) => void)[] = [];

  constructor() {
    this.session.onDidSendMessage((message) => this.receive(message as unknown as DapMessage));
  }

  readonly request: DapRequest = (command, args) =>
    new Promise((resolve, reject) => {
      const seq = this.seq++;
      this.pending.set(seq, { command, resolve, reject });
      this.session.handleMessage({ seq, type: 'request', command, arguments: args } as never);
    });

  /** Runs `hook` at each stop, over gdb/MI, before the `stopped` event is sent. */
  onStop(hook: StopHook): void {
    this.session.onStop(hook);
  }

  onEvent(listener: (event: DapEvent) => void): void {
    this.listeners.push(listener);
  }

  /** The next event named `name` (for which `accept` holds), or an error after `ms`. */
  nextEvent(name: string, ms: number, accept: (event: DapEvent) => boolean = () => true): Promise<DapEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new DapError(`no ${name} event within ${ms / 1000} s`)), ms);
      timer.unref(); // a wait nobody needs any more must not keep the process alive
      const listener = (event: DapEvent) => {
        if (event.event !== name || !accept(event)) return;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        resolve(event);
      };
      this.listeners.push(listener);
    });
  }

  dispose(): void {
    this.session.dispose();
    for (const [, waiting] of this.pending) waiting.reject(new DapError(`${waiting.command}: the adapter was closed`));
    this.pending.clear();
  }

  private receive(message: DapMessage): void {
    if (message.type === 'response' && message.request_seq !== undefined) {
      const waiting = this.pending.get(message.request_seq);
      if (!waiting) return;
      this.pending.delete(message.request_seq);
      if (message.success) waiting.resolve(message.body ?? {});
      else waiting.reject(new DapError(`${waiting.command}: ${message.message ?? 'failed'}`));
    } else if (message.type === 'event' && message.event) {
      for (const listener of [...this.listeners])
        listener({ event: message.event, body: message.body as Record<string, unknown> | undefined });
    } else if (message.type === 'request') {
      // a reverse request (runInTerminal: only the pty console asks it, which is not used here)
      this.session.handleMessage({
        type: 'response',
        seq: this.seq++,
        request_seq: message.seq,
        command: message.command,
        success: false,
        message: 'not supported',
      } as never);
    }
  }
}

/**
 * Runs the adapter over stdin and stdout, for editors that start it themselves (`slabscope dap gdb`);
 * with the allocator's tree, each stop's heap labels the pointers it answers with.
 */
export function runGdbAdapterOverStdio(nativeDir?: string): void {
  const session = new SlabscopeGdbSession({ nativeDir });
  session.start(process.stdin, process.stdout);
  process.stdin.on('end', () => {
    session.dispose();
    process.exit(0);
  });
}
