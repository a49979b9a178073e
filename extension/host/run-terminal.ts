// run-terminal.ts — the terminal a traced program runs in: its output shown,
// what the user types sent to its stdin (Ctrl-C interrupts it, Ctrl-D ends its
// input), closing the terminal stops it. Knows nothing of tracing.
import * as vscode from 'vscode';
import type { ChildProcess } from 'node:child_process';

export class RunTerminal implements vscode.Disposable {
  private readonly writeEmitter = new vscode.EventEmitter<string>();
  private readonly closeEmitter = new vscode.EventEmitter<number>();
  private readonly terminal: vscode.Terminal;
  // a pseudoterminal drops what is written before the editor opens it: anything
  // written earlier waits here until it is open
  private pending: string[] | null = [];
  private readonly opened: Promise<void>;
  private child: ChildProcess | null = null;

  /** `header` is the first line shown; `onClose` runs when the user closes the terminal. */
  constructor(name: string, header: string, onClose: () => void) {
    let markOpened: () => void = () => {};
    this.opened = new Promise<void>((resolve) => {
      markOpened = resolve;
    });
    this.terminal = vscode.window.createTerminal({
      name,
      pty: {
        onDidWrite: this.writeEmitter.event,
        onDidClose: this.closeEmitter.event,
        open: () => {
          this.writeEmitter.fire(`\x1b[2m${header}\x1b[0m\r\n`);
          for (const text of this.pending ?? []) this.writeEmitter.fire(text);
          this.pending = null;
          markOpened();
        },
        close: onClose,
        handleInput: (data: string) => this.input(data),
      },
    });
  }

  /** Shows the terminal; resolves once it is open (or after `timeoutMs`, whichever is first). */
  async show(timeoutMs: number): Promise<void> {
    this.terminal.show(true);
    await Promise.race([this.opened, new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
  }

  /** Text for the terminal as is (line ends already \r\n). */
  write(text: string): void {
    if (this.pending) this.pending.push(text);
    else this.writeEmitter.fire(text);
  }

  /** The program's stdout and stderr go to the terminal, the terminal's input to its stdin. */
  connect(child: ChildProcess): void {
    this.child = child;
    const show = (data: Buffer) => this.write(data.toString('utf8').replace(/\r?\n/g, '\r\n'));
    child.stdout?.on('data', show);
    child.stderr?.on('data', show);
  }

  dispose(): void {
    this.terminal.dispose();
    this.writeEmitter.dispose();
    this.closeEmitter.dispose();
  }

  private input(data: string): void {
    const child = this.child;
    if (!child?.stdin?.writable) return;
    if (data === '\x03') {
      child.kill('SIGINT');
      return;
    }
    if (data === '\x04') {
      child.stdin.end();
      return;
    }
    this.write(data.replace(/\r/g, '\r\n')); // no line discipline: echo what is typed
    child.stdin.write(data.replace(/\r/g, '\n'));
  }
}
