// debug-from-here.ts — Debug from Here, on a finding of a trace file (the Findings view):
// a slabscope-replay session on that trace, stopped first at the finding's event.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { TraceFileSource } from '../../protocol';
import type { SlabscopeContext } from '../context';
import { Command, REPLAY_DEBUG_TYPE } from '../ids';
import type { Node } from '../trees';

export function register(ctx: SlabscopeContext): void {
  ctx.push(
    vscode.commands.registerCommand(Command.debugFromHere, async (node?: Node) => {
      const finding = node?.finding;
      const source = ctx.controller.traced;
      if (!finding || !(source instanceof TraceFileSource)) {
        void vscode.window.showErrorMessage('Slabscope: Debug from Here replays a finding of a trace file: open the trace first');
        return;
      }
      const trace = source.trace.path;
      const started = await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(vscode.Uri.file(trace)), {
        type: REPLAY_DEBUG_TYPE,
        request: 'launch',
        name: `Slabscope: replay ${basename(trace)} from event ${finding.event}`,
        trace,
        startAt: finding.event,
      });
      if (!started) void vscode.window.showErrorMessage(`Slabscope: the replay of ${trace} did not start`);
    }),
  );
}
