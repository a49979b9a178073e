// text.ts — findings and summaries as terminal text.

import { relative } from 'node:path';
import { isAllocatorModule, type ReportFinding, type ReportFrame, type ReportSite, type TraceSummary } from '../core';

function place(site: ReportSite | ReportFrame | null): string {
  if (!site || !site.file) return 'an unknown site';
  const file = site.file.startsWith('/') ? relative(process.cwd(), site.file) || site.file : site.file;
  const shown = file.startsWith('../../') ? site.file : file;
  return `${shown}:${site.line}${site.function ? ` (${site.function})` : ''}`;
}

function firstUser(frames: ReportFrame[]): ReportFrame | null {
  return frames.find((frame) => frame.file && !isAllocatorModule(frame.module)) ?? frames[0] ?? null;
}

export function formatFinding(finding: ReportFinding): string {
  const lines = [`${finding.severity} ${finding.kind}: ${finding.message}`];
  lines.push(
    `    at ${place(finding.site)}  [ptr ${finding.ptr}, class ${finding.class}, thread ${finding.thread}, event ${finding.event}]`,
  );
  const alloc = firstUser(finding.stacks.alloc),
    free = firstUser(finding.stacks.free);
  if (alloc) lines.push(`    allocated at ${place(alloc)}`);
  if (free) lines.push(`    freed at ${place(free)}`);
  if (finding.internalSite) lines.push(`    allocator code: ${place(finding.internalSite)}`);
  if (finding.writer?.site)
    lines.push(`    written at ${place(finding.writer.site)} (event ${finding.writer.event}: ${finding.writerReason})`);
  else if (finding.writerReason) lines.push(`    writer: ${finding.writerReason}`);
  return lines.join('\n');
}

export function formatSummary(summary: TraceSummary): string {
  const findings =
    Object.entries(summary.findings)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ') || 'no findings';
  return `${summary.events.toLocaleString('en-US')} events, ${summary.threads} threads, ${summary.lostEvents} lost, ${findings}${summary.crashed ? ', crashed' : ''}`;
}

/** Findings as text, at most `perKind` of each kind, then how many more there are. */
export function formatFindings(findings: readonly ReportFinding[], perKind = 10): string[] {
  const shown = new Map<string, number>();
  const lines: string[] = [];
  for (const finding of findings) {
    const count = (shown.get(finding.kind) ?? 0) + 1;
    shown.set(finding.kind, count);
    if (count <= perKind) lines.push(formatFinding(finding));
  }
  for (const [kind, count] of shown)
    if (count > perKind) lines.push(`... and ${count - perKind} more ${kind} findings (slabscope report --json FILE lists them all)`);
  return lines;
}
