// report.ts — findings with their sources and stacks, as the stable JSON
// report (`slabscope report --json`) and as SARIF 2.1.0 for code-scanning tools.

import type { WriterVerdict } from './writers';
import { isAbsolute, join } from 'node:path';
import { hex } from './events';
import type { Handshake } from './decoder';
import type { Finding, FindingKind } from './findings';
import type { Symbolizer, SourceFrame } from './symbols';
import type { TraceSummary } from './tracefile';

export const REPORT_FORMAT_VERSION = 1;

export interface ReportFrame {
  pc: string;
  module: string;
  function: string | null;
  file: string | null;
  line: number | null;
}
export interface ReportSite {
  file: string;
  line: number;
  function: string | null;
}
export interface ReportFinding {
  kind: FindingKind;
  severity: 'error' | 'warning';
  ptr: string;
  class: number;
  thread: number;
  event: number;
  message: string;
  origin: 'native' | 'engine';
  /** the first frame outside the allocator; null when no call site is known */
  site: ReportSite | null;
  /** the allocator source line involved, when the finding arose inside allocator code */
  internalSite: ReportSite | null;
  stacks: { alloc: ReportFrame[]; free: ReportFrame[]; detect: ReportFrame[] };
  /** who wrote the damaged bytes (report --find-writer): null when the trace cannot say, `writerReason` says why */
  writer?: ReportWriter | null;
  writerReason?: string;
}
export interface ReportWriter {
  /** the writing line: the allocator's own where the event names it, else the program's call site */
  site: ReportSite | null;
  /** the program's stack at the write */
  stack: ReportFrame[];
  how: 'trace' | 'watchpoint';
  event: number | null;
}
export interface Report {
  format: 'slabscope-report';
  version: number;
  trace: { executable: string; pid: number; layout: string };
  findings: ReportFinding[];
  summary: TraceSummary;
}

export interface ReportContext {
  readonly symbolizer: Symbolizer;
  /** the repository root that `siteFiles` paths are relative to */
  readonly sourceRoot: string;
  readonly executable: string;
  readonly pid: number;
  readonly layout: string;
}

/** The context of a trace's report: its program, from the handshake. */
export function reportContext(handshake: Handshake, symbolizer: Symbolizer, sourceRoot: string): ReportContext {
  return { symbolizer, sourceRoot, executable: handshake.executable, pid: handshake.pid, layout: handshake.layout.name };
}

/** The allocator's own modules: frames there are not the user's call site. */
export function isAllocatorModule(path: string): boolean {
  return /(^|\/)libslabscope[^/]*\.so(\.\d+)*$/.test(path);
}

type Sourced<T> = T & { file: string; line: number };
/** The first frame with a source line inside the allocator's modules, or outside them. */
function sourcedFrame<T extends { module: string; file: string | null; line: number | null }>(
  frames: readonly T[],
  inAllocator: boolean,
): Sourced<T> | null {
  return (frames.find((frame) => frame.file && frame.line && isAllocatorModule(frame.module) === inAllocator) as Sourced<T>) ?? null;
}

/** The user's call site in a stack: the first frame outside the allocator that has a source line. */
export function userFrame<T extends { module: string; file: string | null; line: number | null }>(frames: readonly T[]): Sourced<T> | null {
  return sourcedFrame(frames, false);
}

function toFrame(frame: SourceFrame): ReportFrame {
  return { pc: hex(frame.pc), module: frame.module, function: frame.function, file: frame.file, line: frame.line };
}

export async function buildReport(findings: readonly Finding[], summary: TraceSummary, context: ReportContext): Promise<Report> {
  const pcs = new Set<number>();
  for (const finding of findings)
    for (const stack of [finding.stacks.alloc, finding.stacks.free, finding.stacks.detect]) for (const pc of stack) pcs.add(pc);
  const resolved = await context.symbolizer.resolveAll(pcs);
  const frames = (stack: readonly number[]) => stack.flatMap((pc) => (resolved.get(pc) ?? []).map(toFrame));
  const reportFindings = findings.map((finding): ReportFinding => {
    const detect = frames(finding.stacks.detect);
    const user = userFrame(detect);
    // a crash inside the allocator has no site id, only a pc: its frame there is the line
    const internal = finding.internalSite ?? sourcedFrame(detect, true);
    return {
      kind: finding.kind,
      severity: finding.severity,
      ptr: hex(finding.ptr),
      class: finding.cls,
      thread: finding.thread,
      event: finding.event,
      message: finding.message,
      origin: finding.origin,
      site: user ? { file: user.file, line: user.line, function: user.function } : null,
      internalSite: internal
        ? { file: isAbsolute(internal.file) ? internal.file : join(context.sourceRoot, internal.file), line: internal.line, function: null }
        : null,
      stacks: { alloc: frames(finding.stacks.alloc), free: frames(finding.stacks.free), detect },
    };
  });
  return {
    format: 'slabscope-report',
    version: REPORT_FORMAT_VERSION,
    trace: { executable: context.executable, pid: context.pid, layout: context.layout },
    findings: reportFindings,
    summary,
  };
}

const RULES: Record<FindingKind, string> = {
  'double-free': 'A block freed twice',
  'base-as-user': 'A BASE pointer passed where the USER pointer belongs',
  'user-as-base': 'A USER pointer used where a BASE pointer belongs, inside allocator code',
  'interior-free': 'free() of a pointer inside a block',
  'foreign-free': 'free() of memory the allocator never handed out',
  'header-corrupt': 'A block header byte overwritten',
  'next-corrupt': 'A freelist link written after the block was freed',
  'next-out-of-slab': 'A slab freelist link that leaves its slab',
  'sentinel-leak': "The remote queue's sentinel value leaked into a freelist",
  'slab-leak': "A slab's used count does not fall when its blocks come back: it never empties, its superslab is never returned",
  crash: 'The program died of a signal (the crash record names where)',
  'lost-events': 'Trace events were dropped: state is unknown',
  'route-regression': 'Frees take the registry lookup instead of the header fast path',
  'freelist-cycle': 'A freelist whose links lead back into itself',
  'count-mismatch': 'A freelist whose length disagrees with the count kept for it',
};

function sarifLocation(site: ReportSite, message?: string) {
  return {
    physicalLocation: { artifactLocation: { uri: toUri(site.file) }, region: { startLine: site.line } },
    ...(message ? { message: { text: message } } : {}),
  };
}
function toUri(file: string): string {
  return isAbsolute(file) ? `file://${file.split('/').map(encodeURIComponent).join('/')}` : file;
}

export function toSarif(report: Report, toolVersion: string): object {
  const kinds = Object.keys(RULES) as FindingKind[];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Slabscope',
            version: toolVersion,
            rules: kinds.map((kind) => ({
              id: kind,
              name: kind,
              shortDescription: { text: RULES[kind] },
              defaultConfiguration: { level: kind === 'lost-events' || kind === 'route-regression' ? 'warning' : 'error' },
            })),
          },
        },
        results: report.findings.map((finding) => {
          const site = finding.site ?? finding.internalSite;
          const related = [
            ...(finding.site && finding.internalSite ? [{ ...finding.internalSite, what: 'in allocator code' }] : []),
            ...firstSourced(finding.stacks.alloc, 'allocated here'),
            ...firstSourced(finding.stacks.free, 'freed here'),
          ];
          return {
            ruleId: finding.kind,
            ruleIndex: kinds.indexOf(finding.kind),
            level: finding.severity,
            message: {
              text: `${finding.message} (ptr ${finding.ptr}, class ${finding.class}, thread ${finding.thread}, event ${finding.event})`,
            },
            locations: site ? [sarifLocation(site)] : [],
            relatedLocations: related.map((entry, id) => ({ id, ...sarifLocation(entry, entry.what) })),
          };
        }),
      },
    ],
  };
}

function firstSourced(frames: ReportFrame[], what: string): (ReportSite & { what: string })[] {
  const frame = userFrame(frames);
  return frame ? [{ file: frame.file, line: frame.line, function: frame.function, what }] : [];
}

/** Each finding's writer, as `findWriters` judged it (by finding index), symbolized into `report`. */
export async function addWriters(report: Report, verdicts: ReadonlyMap<number, WriterVerdict>, context: ReportContext): Promise<void> {
  const pcs = new Set<number>();
  for (const verdict of verdicts.values()) if (verdict.writer?.pc) pcs.add(verdict.writer.pc);
  const resolved = await context.symbolizer.resolveAll(pcs);
  for (const [i, verdict] of verdicts) {
    const finding = report.findings[i];
    if (!finding) continue;
    finding.writerReason = verdict.reason;
    const writer = verdict.writer;
    if (!writer) {
      finding.writer = null;
      continue;
    }
    const stack = (resolved.get(writer.pc) ?? []).map(toFrame);
    const user = userFrame(stack);
    const internal = writer.internalSite;
    finding.writer = {
      site: internal
        ? { file: isAbsolute(internal.file) ? internal.file : join(context.sourceRoot, internal.file), line: internal.line, function: null }
        : user
          ? { file: user.file, line: user.line, function: user.function }
          : null,
      stack,
      how: 'trace',
      event: writer.event,
    };
  }
}
