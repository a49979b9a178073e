// diagnostics.ts — findings in the editor: a diagnostic in the Problems panel on
// the line of the offending call (related information: where the block was
// allocated and freed), and a CodeLens over allocation and free sites in C files
// with their live counts and findings.
import * as vscode from 'vscode';
import { BlockState, userFrame, type HeapState, type ReportFinding, type Symbolizer } from '../core';
import type { SlabscopeContext } from './context';
import type { Controller } from './controller';
import { Command } from './ids';
import { logAnalysisMisses } from './source-misses';
import { findingLocation } from './trees';

function location(frame: { file: string; line: number }): vscode.Location {
  return new vscode.Location(vscode.Uri.file(frame.file), new vscode.Position(Math.max(0, frame.line - 1), 0));
}

export function updateDiagnostics(collection: vscode.DiagnosticCollection, findings: readonly ReportFinding[]): void {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const finding of findings) {
    const where = findingLocation(finding);
    if (!where) continue;
    const line = Math.max(0, where.line - 1);
    const diagnostic = new vscode.Diagnostic(
      new vscode.Range(line, 0, line, 1000),
      `${finding.kind}: ${finding.message}`,
      finding.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
    );
    diagnostic.source = 'Slabscope';
    diagnostic.code = finding.kind;
    const related: vscode.DiagnosticRelatedInformation[] = [];
    const allocated = userFrame(finding.stacks.alloc),
      freed = userFrame(finding.stacks.free);
    if (allocated) related.push(new vscode.DiagnosticRelatedInformation(location(allocated), 'allocated here'));
    if (freed) related.push(new vscode.DiagnosticRelatedInformation(location(freed), 'freed here'));
    if (finding.site && finding.internalSite)
      related.push(new vscode.DiagnosticRelatedInformation(location(finding.internalSite), 'detected in the allocator here'));
    diagnostic.relatedInformation = related;
    const list = byFile.get(where.file) ?? [];
    list.push(diagnostic);
    byFile.set(where.file, list);
  }
  collection.clear();
  for (const [file, list] of byFile) collection.set(vscode.Uri.file(file), list);
}

interface SiteCounts {
  live: number;
  freed: number;
  findings: number;
}

/** CodeLens over the C lines that allocate and free: live blocks allocated there, blocks freed there, findings there. */
export class SiteLens implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private counts = new Map<string, SiteCounts>();
  private computing = false;
  private lastComputed = 0;

  constructor(private readonly controller: Controller) {}

  /** Recounts (at most once a second while live). */
  async update(force = false): Promise<void> {
    const source = this.controller.traced;
    const model = source?.model();
    if (!source || !model || this.computing || (!force && Date.now() - this.lastComputed < 1000)) return;
    this.computing = true;
    try {
      this.counts = await this.count(model, source.symbolizer());
      this.lastComputed = Date.now();
      this.changed.fire();
    } finally {
      this.computing = false;
    }
  }

  private async count(model: HeapState, symbolizer: Symbolizer): Promise<Map<string, SiteCounts>> {
    const live = new Map<number, number>(),
      freed = new Map<number, number>();
    for (const superslab of model.superslabs.values())
      for (const slab of superslab.slabs) {
        if (!slab) continue;
        for (let slot = 0; slot < slab.capacity; slot++) {
          const state = slab.state[slot],
            allocPc = slab.allocPc[slot]!,
            freePc = slab.freePc[slot]!;
          if (state === BlockState.Allocated && allocPc) live.set(allocPc, (live.get(allocPc) ?? 0) + 1);
          else if ((state === BlockState.FreeCache || state === BlockState.FreeSlab || state === BlockState.RemotePending) && freePc)
            freed.set(freePc, (freed.get(freePc) ?? 0) + 1);
        }
      }
    const counts = new Map<string, SiteCounts>();
    const at = (file: string, line: number) => {
      const key = `${file}:${line}`;
      let entry = counts.get(key);
      if (!entry) counts.set(key, (entry = { live: 0, freed: 0, findings: 0 }));
      return entry;
    };
    const resolved = await symbolizer.resolveAll([...live.keys(), ...freed.keys()]);
    const lineOf = (pc: number) => userFrame(resolved.get(pc) ?? []);
    for (const [pc, n] of live) {
      const where = lineOf(pc);
      if (where) at(where.file, where.line).live += n;
    }
    for (const [pc, n] of freed) {
      const where = lineOf(pc);
      if (where) at(where.file, where.line).freed += n;
    }
    for (const finding of this.controller.reported) {
      const where = findingLocation(finding);
      if (where) at(where.file, where.line).findings++;
    }
    return counts;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    const prefix = `${document.uri.fsPath}:`;
    for (const [key, entry] of this.counts) {
      if (!key.startsWith(prefix)) continue;
      const line = Number(key.slice(prefix.length)) - 1;
      if (line < 0 || line >= document.lineCount) continue;
      const parts = [];
      if (entry.live) parts.push(`${entry.live} live block${entry.live === 1 ? '' : 's'}`);
      if (entry.freed) parts.push(`${entry.freed} freed here`);
      if (entry.findings) parts.push(`⚠ ${entry.findings} finding${entry.findings === 1 ? '' : 's'}`);
      if (!parts.length) continue;
      lenses.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: `Slabscope: ${parts.join(' · ')}`,
          command: Command.showHeap,
          arguments: [],
        }),
      );
    }
    return lenses;
  }
}

/** Problems and CodeLens, kept up to date as the source and its findings change. */
export function registerDiagnostics(ctx: SlabscopeContext): void {
  const { controller } = ctx;
  const diagnostics = vscode.languages.createDiagnosticCollection('slabscope');
  const lens = new SiteLens(controller);
  const misses = new Set<string>();
  ctx.push(
    diagnostics,
    controller.onDidChange((what) => {
      if (what === 'findings' || what === 'source') {
        updateDiagnostics(diagnostics, controller.reported);
        logAnalysisMisses(ctx.log, controller.reported, misses);
      }
      void lens.update(what === 'source' || what === 'findings');
    }),
    vscode.languages.registerCodeLensProvider([{ language: 'c' }, { language: 'cpp' }], lens),
  );
}
