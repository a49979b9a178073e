// attach.ts — Attach to a Running Program: listen on the attach socket and
// hand the user (on the clipboard) the environment a program starts with.
import * as vscode from 'vscode';
import type { SlabscopeContext } from '../context';
import { Command } from '../ids';

export function register(ctx: SlabscopeContext): void {
  ctx.push(
    vscode.commands.registerCommand(Command.attach, async () => {
      try {
        const { env } = await ctx.controller.attach(ctx.traceDir(), ctx.settings().defaultLayout);
        await vscode.env.clipboard.writeText(env);
        void vscode.window.showInformationMessage(`Slabscope is listening. Start your program with: ${env} (copied)`);
      } catch (error) {
        void vscode.window.showErrorMessage(`Slabscope: ${(error as Error).message}`);
      }
    }),
  );
}
