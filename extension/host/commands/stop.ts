// stop.ts — Stop: end the traced program, or stop listening; what was recorded is kept.
import * as vscode from 'vscode';
import type { SlabscopeContext } from '../context';
import { Command } from '../ids';

export function register(ctx: SlabscopeContext): void {
  ctx.push(vscode.commands.registerCommand(Command.stop, () => ctx.stopSession()));
}
