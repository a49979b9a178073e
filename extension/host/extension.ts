// extension.ts — Slabscope in VS Code: builds the context (services and
// lifetimes) and wires every feature onto it; the features are in their own
// files (commands/, the views, diagnostics, the status bar, the trace editor,
// the BASE/USER language server's client).
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { SlabscopeContext } from './context';
import { registerContextKeys } from './context-keys';
import { registerDebugHeap } from './debug-heap';
import { registerDebugType } from './debug-type';
import { registerDiagnostics } from './diagnostics';
import { registerSourceServer } from './source-server';
import { registerReplayDebugType } from './replay-debug-type';
import { registerStatusBar } from './status-bar';
import { registerBuildTasks } from './tasks';
import { TraceEditorProvider } from './trace-editor';
import { registerTrees } from './trees';

export function activate(context: vscode.ExtensionContext): void {
  try {
    const ctx = new SlabscopeContext(context);
    registerCommands(ctx);
    registerDiagnostics(ctx);
    registerTrees(ctx);
    registerBuildTasks(ctx);
    ctx.push(
      vscode.window.registerCustomEditorProvider(
        TraceEditorProvider.viewType,
        new TraceEditorProvider(ctx.viewContext, () => ctx.settings().routeRegressionThreshold),
        {
          webviewOptions: { retainContextWhenHidden: false },
          supportsMultipleEditorsPerDocument: true,
        },
      ),
    );
    registerStatusBar(ctx);
    registerContextKeys(ctx);
    registerDebugHeap(ctx, registerDebugType(ctx));
    registerSourceServer(ctx);
    registerReplayDebugType(ctx);
  } catch (error) {
    void vscode.window.showErrorMessage(`Slabscope could not start: ${(error as Error).message}`);
    throw error;
  }
}

export function deactivate(): void {}
