// trace-editor.ts — `*.hktrace` opens in a read-only custom editor that shows
// the replay views (timeline, map, freelists) for that file.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { TraceFile, fileBytes, memoryBytes, type ByteSource } from '../core';
import { TraceFileSource } from '../protocol';
import { TRACE_EDITOR } from './ids';
import { hostViews, type ViewContext } from './panel';

/** One open trace: its source (and so its one symbolizer) is shared by every editor showing it. */
class TraceDocument implements vscode.CustomDocument {
  readonly source: TraceFileSource;
  constructor(
    readonly uri: vscode.Uri,
    readonly trace: TraceFile,
    symbolizerPath: string,
  ) {
    this.source = new TraceFileSource(trace, basename(uri.path), { tool: symbolizerPath || undefined });
  }
  dispose(): void {
    this.source.close();
    this.trace.close();
  }
}

export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  static readonly viewType = TRACE_EDITOR;
  constructor(
    private readonly context: ViewContext,
    private readonly threshold: () => number,
  ) {}

  async openCustomDocument(uri: vscode.Uri): Promise<TraceDocument> {
    // a file that cannot be read is refused here with the byte offset, and VS Code shows
    // the message; a damaged one opens with what came before the damage, said once
    const trace = TraceFile.open(await traceBytes(uri), { routeRegressionThreshold: this.threshold() });
    if (trace.damage) void vscode.window.showWarningMessage(`Slabscope: ${basename(uri.path)}: ${trace.damage.message}`);
    return new TraceDocument(uri, trace, this.context.symbolizerPath);
  }

  resolveCustomEditor(document: TraceDocument, panel: vscode.WebviewPanel): void {
    const disposables: vscode.Disposable[] = [];
    const host = hostViews(panel.webview, document.source, this.context, disposables);
    panel.onDidDispose(() => {
      host.close();
      for (const d of disposables) d.dispose();
    });
  }
}

/** A local file is read where it is asked; any other workspace's file comes whole through the workspace file system. */
async function traceBytes(uri: vscode.Uri): Promise<ByteSource> {
  if (uri.scheme === 'file') return fileBytes(uri.fsPath);
  return memoryBytes(uri.toString(), await vscode.workspace.fs.readFile(uri));
}
