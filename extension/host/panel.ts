// panel.ts — a webview that hosts the heap views bundle: the Show Heap panel and
// the trace editor both use it. Strict CSP with a nonce, resources from the
// bundle's folder only; messages go through a ViewHost in both directions.
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ViewHost, viewPageHtml, type SourceRef, type ViewSource } from '../protocol';
import { HEAP_PANEL } from './ids';
import type { ReplayViews } from './replay-views';

export interface ViewContext {
  readonly extensionPath: string;
  /** the llvm-symbolizer a trace editor's source starts (found on PATH when empty) */
  readonly symbolizerPath: string;
  readonly openSource: (site: SourceRef) => void;
  /** the views a replay debug session moves, and that move it */
  readonly replayViews?: ReplayViews;
}

export function bundleRoot(extensionPath: string): vscode.Uri {
  return vscode.Uri.file(join(extensionPath, 'webview', 'dist'));
}

export function webviewOptions(extensionPath: string): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: [bundleRoot(extensionPath)] };
}

/** Puts the views into `webview` on `source`; returns the host that drives them. */
export function hostViews(webview: vscode.Webview, source: ViewSource, context: ViewContext, disposables: vscode.Disposable[]): ViewHost {
  const root = bundleRoot(context.extensionPath);
  webview.options = webviewOptions(context.extensionPath);
  webview.html = viewPageHtml({
    scriptUrl: webview.asWebviewUri(vscode.Uri.joinPath(root, 'webview.js')).toString(),
    styleUrl: webview.asWebviewUri(vscode.Uri.joinPath(root, 'webview.css')).toString(),
    cspSource: webview.cspSource,
    nonce: randomBytes(16).toString('base64'),
    title: `Slabscope — ${source.title}`,
  });
  const host = new ViewHost(source, {
    post: (message) => {
      void webview.postMessage(message);
    },
    sourceRoot: context.extensionPath,
    openSource: context.openSource,
    seeked: (event) => context.replayViews?.seeked(host.viewing, event),
  });
  disposables.push(
    webview.onDidReceiveMessage((message: unknown) => {
      void host.receive(message);
    }),
  );
  if (context.replayViews) disposables.push(context.replayViews.add(host));
  return host;
}

/** The Show Heap panel: one at a time, following the current source. */
export class HeapPanel {
  static readonly viewType = HEAP_PANEL;
  private panel: vscode.WebviewPanel | null = null;
  private host: ViewHost | null = null;
  private disposables: vscode.Disposable[] = [];

  constructor(private readonly context: ViewContext) {}

  get visible(): boolean {
    return this.panel !== null;
  }

  show(source: ViewSource): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      HeapPanel.viewType,
      `Heap: ${source.title}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(this.context.extensionPath),
    );
    this.adopt(panel, source);
  }

  /** A panel VS Code restored after a reload (the serializer hands it back). */
  adopt(panel: vscode.WebviewPanel, source: ViewSource): void {
    this.panel = panel;
    panel.iconPath = vscode.Uri.file(join(this.context.extensionPath, 'media', 'slabscope.svg'));
    this.host = hostViews(panel.webview, source, this.context, this.disposables);
    panel.onDidDispose(() => {
      this.host?.close();
      for (const d of this.disposables) d.dispose();
      this.disposables = [];
      this.panel = null;
      this.host = null;
    });
  }

  async setSource(source: ViewSource): Promise<void> {
    if (!this.panel || !this.host) return;
    this.panel.title = `Heap: ${source.title}`;
    await this.host.setSource(source);
  }

  async refresh(): Promise<void> {
    await this.host?.refresh();
  }

  dispose(): void {
    this.panel?.dispose();
  }
}
