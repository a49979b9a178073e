// source-server.ts — starts the BASE/USER language server (extension/dist/server.mjs,
// its own process) for C and C++ files through vscode-languageclient, and
// restarts it when its settings change: off stops it, new defines are a new
// server (dispose and recreate). The host only starts it and forwards settings.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { SOURCE_DIAGNOSTIC_LABEL, type SourceServerOptions } from '../protocol/source-server';
import type { SlabscopeContext } from './context';
import { Setting, SOURCE_SERVER } from './ids';

function serverSettings(): { enabled: boolean; options: SourceServerOptions } {
  const config = vscode.workspace.getConfiguration();
  const raw = config.get<Record<string, unknown>>(Setting.sourceDefines, {});
  const defines: Record<string, number> = {};
  for (const [name, value] of Object.entries(raw ?? {})) if (typeof value === 'number' && Number.isInteger(value)) defines[name] = value;
  return { enabled: config.get<boolean>(Setting.sourceAnalysis, true), options: { defines } };
}

export function registerSourceServer(ctx: SlabscopeContext): void {
  let client: LanguageClient | null = null;
  const stop = async (): Promise<void> => {
    const running = client;
    client = null;
    if (running) await running.dispose();
  };
  const start = async (): Promise<void> => {
    await stop();
    const { enabled, options } = serverSettings();
    if (!enabled) return;
    const module = join(ctx.root, 'extension', 'dist', 'server.mjs');
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'c' },
        { scheme: 'file', language: 'cpp' },
      ],
      diagnosticCollectionName: SOURCE_DIAGNOSTIC_LABEL,
      initializationOptions: options,
      // the project files and the C files on disk: summaries span files, open or not
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/{slabscope-source.json,*.c,*.h}') },
    };
    client = new LanguageClient(SOURCE_SERVER, 'Slabscope BASE/USER', serverOptions, clientOptions);
    try {
      await client.start();
    } catch (error) {
      ctx.log.appendLine(`the BASE/USER language server did not start: ${(error as Error).message}`);
      void vscode.window.showWarningMessage(`Slabscope: the BASE/USER checks of C source did not start: ${(error as Error).message}`);
    }
  };
  ctx.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(Setting.sourceAnalysis) || event.affectsConfiguration(Setting.sourceDefines)) void start();
    }),
    { dispose: () => void stop() },
  );
  void start();
}
