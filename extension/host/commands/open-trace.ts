// open-trace.ts — Open Trace: a .hktrace becomes the current source and opens in the trace editor.
import * as vscode from 'vscode';
import type { SlabscopeContext } from '../context';
import { Command, TRACE_EDITOR } from '../ids';

export function register(ctx: SlabscopeContext): void {
  ctx.push(
    vscode.commands.registerCommand(Command.openTrace, async (uri?: vscode.Uri) => {
      const target =
        uri ??
        (
          await vscode.window.showOpenDialog({
            canSelectMany: false,
            filters: { 'Slabscope traces': ['hktrace'] },
            openLabel: 'Open trace',
          })
        )?.[0];
      if (!target) return;
      try {
        ctx.controller.openTrace(target.fsPath);
        await vscode.commands.executeCommand('vscode.openWith', target, TRACE_EDITOR);
      } catch (error) {
        void vscode.window.showErrorMessage(`Slabscope: ${(error as Error).message}`);
      }
    }),
  );
}
