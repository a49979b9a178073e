// stopped-problems.ts — what a stop's heap got wrong, in the Problems panel: each
// finding of the read (a corrupt link, a cycle, a wrong header byte, a count its
// chain belies) is a diagnostic on the line the process is stopped at. They stay
// while it is stopped there and go when it runs on or ends.
import * as vscode from 'vscode';
import type { StoppedHeap, StoppedHeaps } from './stopped-heap';

/**
 * The file a frame's source names: a path, or a URI. A remote window (code-server,
 * remote SSH) hands the frame's path back as a vscode-remote URI through customRequest;
 * the extension host's documents are its own files.
 */
export function sourceUri(file: string): vscode.Uri {
  if (!/^[a-z][\w+.-]*:\/\//i.test(file)) return vscode.Uri.file(file);
  const uri = vscode.Uri.parse(file);
  return uri.scheme === 'vscode-remote' ? vscode.Uri.file(uri.path) : uri;
}

export function stopDiagnostics(heap: StoppedHeap): [vscode.Uri, vscode.Diagnostic[]] | null {
  const at = heap.image.stoppedAt;
  if (!at?.file || !at.line || !heap.image.findings.length) return null;
  const line = Math.max(0, at.line - 1);
  return [
    sourceUri(at.file),
    heap.image.findings.map((finding) => {
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(line, 0, line, 1000),
        `${finding.kind}: ${finding.message}`,
        finding.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = 'Slabscope (stopped)';
      diagnostic.code = finding.kind;
      return diagnostic;
    }),
  ];
}

export function registerStoppedProblems(heaps: StoppedHeaps): vscode.Disposable[] {
  const collection = vscode.languages.createDiagnosticCollection('slabscope-stopped');
  return [
    collection,
    heaps.onDidChange((heap) => {
      collection.clear();
      const found = heap ? stopDiagnostics(heap) : null;
      if (found) collection.set(...found);
    }),
  ];
}
