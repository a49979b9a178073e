// context.ts — what every feature of the extension is given: the services they
// share (log, settings, controller, heap panel) and the lifetimes they hang
// their disposables on: one list for the extension, one for the live session
// (a run or an attach), which ends when the session does.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { Controller } from './controller';
import { Command } from './ids';
import { HeapPanel, type ViewContext } from './panel';
import { ReplayViews } from './replay-views';
import { readSettings, type Settings } from './settings';

/** What one live session holds open; all of it is disposed when the session ends. */
export class SessionScope implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private stopper: () => void = () => {};
  private ended = false;

  constructor(private readonly onEnd: (scope: SessionScope) => void) {}

  get live(): boolean {
    return !this.ended;
  }

  push(...disposables: vscode.Disposable[]): void {
    if (this.ended) for (const disposable of disposables) disposable.dispose();
    else this.disposables.push(...disposables);
  }

  /** What Stop does for this session: end the program, or stop listening. */
  onStop(stop: () => void): void {
    this.stopper = stop;
  }

  stop(): void {
    this.stopper();
  }

  dispose(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    for (const disposable of this.disposables.splice(0).reverse()) disposable.dispose();
  }
}

/** At most one live session at a time: the controller starts them, Stop ends them. */
export interface LiveSessions {
  readonly live: boolean;
  begin(): SessionScope;
}

export class SlabscopeContext implements LiveSessions, vscode.Disposable {
  readonly root: string;
  readonly nativeDir: string;
  readonly log: vscode.OutputChannel;
  readonly controller: Controller;
  readonly panel: HeapPanel;
  readonly viewContext: ViewContext;
  /** the views a replay debug session moves, and that move it */
  readonly replayViews: ReplayViews;
  private session: SessionScope | null = null;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.root = extension.extensionPath;
    this.nativeDir = join(this.root, 'native');
    this.log = vscode.window.createOutputChannel('Slabscope');
    this.controller = new Controller(this.root, readSettings, this.log, this);
    this.replayViews = new ReplayViews(this.controller);
    this.viewContext = {
      extensionPath: this.root,
      get symbolizerPath() {
        return readSettings().symbolizerPath;
      },
      openSource: (site) => {
        void vscode.commands.executeCommand(Command.openSource, site.file, site.line);
      },
      replayViews: this.replayViews,
    };
    this.panel = new HeapPanel(this.viewContext);
    // the session is stopped before the controller it reports to is disposed
    this.push(this.log, this, this.controller, { dispose: () => this.panel.dispose() });
  }

  settings(): Settings {
    return readSettings();
  }

  /** Where runs and attaches record their traces: the extension's storage for this workspace. */
  traceDir(): string {
    return join((this.extension.storageUri ?? this.extension.globalStorageUri).fsPath, 'traces');
  }

  /** Ties disposables to the extension's lifetime. */
  push(...disposables: vscode.Disposable[]): void {
    this.extension.subscriptions.push(...disposables);
  }

  get live(): boolean {
    return this.session !== null;
  }

  begin(): SessionScope {
    if (this.session) throw new Error('a program is already being traced: stop it first');
    const session = new SessionScope((ended) => {
      if (this.session === ended) this.session = null;
    });
    this.session = session;
    return session;
  }

  /** Ends the traced program (or stops listening); what was recorded is kept and shown. */
  stopSession(): void {
    this.session?.stop();
  }

  dispose(): void {
    this.stopSession();
  }
}
