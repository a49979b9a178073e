// source-misses.ts — a runtime BASE/USER finding (from a trace or a gdb stop) on a
// line of an open C file where the BASE/USER language server has no diagnostic is
// logged as one the source analysis missed, once per finding and line.
import * as vscode from 'vscode';
import type { ReportFinding } from '../core';
import { missedByAnalysis, SOURCE_DIAGNOSTIC_LABEL } from '../protocol/source-server';
import { findingLocation } from './trees';

export function logAnalysisMisses(log: vscode.OutputChannel, findings: readonly ReportFinding[], logged: Set<string>): void {
  const open = new Set(vscode.workspace.textDocuments.map((document) => document.uri.fsPath));
  const sited = findings.flatMap((finding) => {
    const where = findingLocation(finding);
    return where && open.has(where.file) ? [{ kind: finding.kind, file: where.file, line: where.line }] : [];
  });
  const flagged = [...new Set(sited.map((s) => s.file))].flatMap((file) =>
    vscode.languages
      .getDiagnostics(vscode.Uri.file(file))
      .filter((diagnostic) => diagnostic.source === SOURCE_DIAGNOSTIC_LABEL)
      .map((diagnostic) => ({ file, line: diagnostic.range.start.line + 1 })),
  );
  for (const miss of missedByAnalysis(sited, flagged)) {
    const key = `${miss.kind}:${miss.file}:${miss.line}`;
    if (logged.has(key)) continue;
    logged.add(key);
    log.appendLine(
      `the BASE/USER source analysis missed a ${miss.kind} at ${miss.file}:${miss.line} (found at runtime, no static diagnostic there)`,
    );
  }
}
