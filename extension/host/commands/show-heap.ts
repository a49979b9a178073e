// show-heap.ts — Show Heap: the heap panel on the current source; it follows
// the source as it changes and is restored after a reload.
import * as vscode from 'vscode';
import type { SlabscopeContext } from '../context';
import { Command } from '../ids';
import { HeapPanel } from '../panel';

export function register(ctx: SlabscopeContext): void {
  const { controller, panel } = ctx;
  ctx.push(
    controller.onDidChange((what) => {
      if (what === 'source' && controller.source) void panel.setSource(controller.source);
      if (what === 'tick') void panel.refresh();
    }),
    vscode.window.registerWebviewPanelSerializer(HeapPanel.viewType, {
      async deserializeWebviewPanel(webviewPanel) {
        if (controller.source) panel.adopt(webviewPanel, controller.source);
        else webviewPanel.dispose();
      },
    }),
    vscode.commands.registerCommand(Command.showHeap, () => {
      if (!controller.source) {
        void vscode.window.showInformationMessage('Slabscope: nothing to show yet — run a program with tracing, attach, or open a trace');
        return;
      }
      panel.show(controller.source);
    }),
  );
}
