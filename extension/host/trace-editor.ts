// trace-editor.ts — `*.hktrace` opens in a read-only custom editor that shows
// the replay views (timeline, map, freelists) for that file.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { TraceFile, TraceFileSource } from '../core';
import { TRACE_EDITOR } from './ids';
import { hostViews, type ViewContext } from './panel';

class TraceDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri, readonly trace: TraceFile) {}
  dispose(): void {
    this.trace.close();
  }
}

export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider<TraceDocument> {
  static readonly viewType = TRACE_EDITOR;
  constructor(private readonly context: ViewContext, private readonly threshold: () => number) {}

  openCustomDocument(uri: vscode.Uri): TraceDocument {
    // a file that cannot be read is refused here with the byte offset, and VS Code shows
    // the message; a damaged one opens with what came before the damage, said once
    const trace = TraceFile.open(uri.fsPath, { routeRegressionThreshold: this.threshold() });
    if (trace.damage) void vscode.window.showWarningMessage(`Slabscope: ${basename(uri.fsPath)}: ${trace.damage.message}`);
    return new TraceDocument(uri, trace);
  }

  resolveCustomEditor(document: TraceDocument, panel: vscode.WebviewPanel): void {
    const disposables: vscode.Disposable[] = [];
    const host = hostViews(panel.webview, new TraceFileSource(document.trace, basename(document.uri.fsPath)), this.context, disposables);
    panel.onDidDispose(() => {
      host.close();
      for (const d of disposables) d.dispose();
    });
  }
}
