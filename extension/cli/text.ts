// text.ts — findings and summaries as terminal text.

import { relative } from 'node:path';
import type { ReportFinding, ReportFrame, ReportSite, TraceSummary } from '../core';

function place(site: ReportSite | ReportFrame | null): string {
  if (!site || !site.file) return 'an unknown site';
  const file = site.file.startsWith('/') ? relative(process.cwd(), site.file) || site.file : site.file;
  const shown = file.startsWith('../../') ? site.file : file;
  return `${shown}:${site.line}${site.function ? ` (${site.function})` : ''}`;
}

function firstUser(frames: ReportFrame[]): ReportFrame | null {
  return frames.find((frame) => frame.file && !/libslabscope/.test(frame.module)) ?? frames[0] ?? null;
}

export function formatFinding(finding: ReportFinding): string {
  const lines = [`${finding.severity} ${finding.kind}: ${finding.message}`];
  lines.push(`    at ${place(finding.site)}  [ptr ${finding.ptr}, class ${finding.class}, thread ${finding.thread}, event ${finding.event}]`);
  const alloc = firstUser(finding.stacks.alloc), free = firstUser(finding.stacks.free);
  if (alloc) lines.push(`    allocated at ${place(alloc)}`);
  if (free) lines.push(`    freed at ${place(free)}`);
  if (finding.internalSite) lines.push(`    allocator code: ${place(finding.internalSite)}`);
  return lines.join('\n');
}

export function formatSummary(summary: TraceSummary): string {
  const findings = Object.entries(summary.findings).map(([kind, n]) => `${n} ${kind}`).join(', ') || 'no findings';
  return `${summary.events.toLocaleString('en-US')} events, ${summary.threads} threads, ${summary.lostEvents} lost, ${findings}${summary.crashed ? ', crashed' : ''}`;
}
