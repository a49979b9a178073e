// export-report.ts — Export Report: the current source's findings, symbolised,
// written as JSON or SARIF where the user says.
import * as vscode from 'vscode';
import { writeFileSync } from 'node:fs';
import { buildReport, reportContext, toSarif } from '../../core';
import type { SlabscopeContext } from '../context';
import { Command } from '../ids';

export function register(ctx: SlabscopeContext): void {
  ctx.push(
    vscode.commands.registerCommand(Command.exportReport, async () => {
      const source = ctx.controller.source;
      const handshake = source?.handshake(),
        summary = source?.summary();
      if (!source || !handshake || !summary) {
        void vscode.window.showInformationMessage('Slabscope: no trace to report on');
        return;
      }
      const format = await vscode.window.showQuickPick(['JSON', 'SARIF'], { title: 'Slabscope: report format' });
      if (!format) return;
      const target = await vscode.window.showSaveDialog({
        filters: format === 'JSON' ? { 'Slabscope report': ['json'] } : { SARIF: ['sarif'] },
      });
      if (!target) return;
      // the source's own symbolizer: the one its views and CodeLens already asked
      const report = await buildReport(source.findings(), summary, reportContext(handshake, source.symbolizer(), ctx.root));
      const version = (ctx.extension.extension.packageJSON as { version: string }).version;
      writeFileSync(target.fsPath, `${JSON.stringify(format === 'JSON' ? report : toSarif(report, version), null, 2)}\n`);
      void vscode.window.showInformationMessage(`Slabscope: report written to ${target.fsPath}`);
    }),
  );
}
