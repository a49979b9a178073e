// run-demo.ts — Build and Run the Double-Free Demo: the walkthrough's one-click start.
import * as vscode from 'vscode';
import { join } from 'node:path';
import type { SlabscopeContext } from '../context';
import { Command } from '../ids';

export function register(ctx: SlabscopeContext): void {
  ctx.push(
    vscode.commands.registerCommand(Command.runDemo, async () => {
      const built = await vscode.commands.executeCommand<boolean>(Command.build, 'hakmem', 'trace');
      if (built) await vscode.commands.executeCommand(Command.run, join(ctx.nativeDir, 'build', 'test', 'bugs', 'double_free'), []);
    }),
  );
}
