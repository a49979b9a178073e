// debug-trace.ts — Debug Trace (Replay): starts a slabscope-replay session on a .hktrace
// (the one clicked in the explorer, the trace editor's, or one picked).
import * as vscode from 'vscode';
import type { SlabscopeContext } from '../context';
import { Command, REPLAY_DEBUG_TYPE } from '../ids';

export function register(ctx: SlabscopeContext): void {
  ctx.push(
    vscode.commands.registerCommand(Command.debugTrace, async (uri?: vscode.Uri) => {
      const target =
        uri ??
        (
          await vscode.window.showOpenDialog({
            canSelectMany: false,
            filters: { 'Slabscope traces': ['hktrace'] },
            openLabel: 'Debug trace',
          })
        )?.[0];
      if (!target) return;
      const started = await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(target), {
        type: REPLAY_DEBUG_TYPE,
        request: 'launch',
        name: `Slabscope: replay ${target.path.split('/').pop()}`,
        trace: target.fsPath,
      });
      if (!started) void vscode.window.showErrorMessage(`Slabscope: the replay of ${target.fsPath} did not start`);
    }),
  );
}
