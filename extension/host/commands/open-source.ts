// open-source.ts — Open Source (from a finding, a view or a CodeLens): the
// recorded file at its line, or a warning when the file is not on this machine.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import type { SlabscopeContext } from '../context';
import { Command } from '../ids';

async function openSource(file: string, line: number): Promise<void> {
  if (!existsSync(file)) {
    void vscode.window.showWarningMessage(`Slabscope: ${file} is not on this machine`);
    return;
  }
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  await vscode.window.showTextDocument(vscode.Uri.file(file), {
    selection: new vscode.Range(position, position),
    viewColumn: vscode.ViewColumn.One,
    preview: false,
  });
}

export function register(ctx: SlabscopeContext): void {
  ctx.push(vscode.commands.registerCommand(Command.openSource, (file: string, line: number) => openSource(file, line)));
}
