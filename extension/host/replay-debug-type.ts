// replay-debug-type.ts — the slabscope-replay debug type: a trace file replayed as a
// debug session (extension/debug/replay) run in the extension host as an inline
// adapter. A launch with no `trace` takes the trace open in the editor; the
// symbolizer is the one the settings name. The adapter's code loads on first use.
import * as vscode from 'vscode';
import type { SlabscopeContext } from './context';
import { REPLAY_DEBUG_TYPE } from './ids';
import { registerReplayViews } from './replay-views';

export function registerReplayDebugType(ctx: SlabscopeContext): void {
  ctx.push(
    registerReplayViews(ctx.replayViews),
    vscode.debug.registerDebugConfigurationProvider(REPLAY_DEBUG_TYPE, {
      resolveDebugConfiguration(_folder, config) {
        const trace = typeof config.trace === 'string' && config.trace ? config.trace : activeTrace();
        if (!trace) {
          void vscode.window.showErrorMessage('Slabscope: a replay needs "trace", the .hktrace file to replay');
          return undefined;
        }
        const symbolizerPath = typeof config.symbolizerPath === 'string' ? config.symbolizerPath : ctx.settings().symbolizerPath;
        return {
          ...config,
          type: REPLAY_DEBUG_TYPE,
          request: 'launch',
          name: config.name || 'Slabscope: replay',
          trace,
          ...(symbolizerPath ? { symbolizerPath } : {}),
        };
      },
    }),
    vscode.debug.registerDebugAdapterDescriptorFactory(REPLAY_DEBUG_TYPE, {
      async createDebugAdapterDescriptor() {
        const { ReplaySession } = await import('../debug/replay/session');
        return new vscode.DebugAdapterInlineImplementation(new ReplaySession(ctx.root) as unknown as vscode.DebugAdapter);
      },
    }),
  );
}

/** The .hktrace open in the active tab (the trace editor is a custom editor: its tab, not a text editor, has the file). */
function activeTrace(): string | null {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  const uri = input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText ? input.uri : null;
  return uri && uri.fsPath.endsWith('.hktrace') ? uri.fsPath : null;
}
