// context-keys.ts — the context keys the manifest's `when` clauses read
// (Stop while running, Show Heap and Export Report once there is a trace).
import * as vscode from 'vscode';
import type { SlabscopeContext } from './context';
import { ContextKey } from './ids';

export function registerContextKeys(ctx: SlabscopeContext): void {
  const { controller } = ctx;
  const update = () => {
    void vscode.commands.executeCommand('setContext', ContextKey.running, controller.running);
    void vscode.commands.executeCommand('setContext', ContextKey.hasTrace, controller.source !== null);
  };
  ctx.push(controller.onDidChange(update));
  update();
}
