// writers.ts — who wrote the damaged bytes of a header-corrupt, next-corrupt,
// next-out-of-slab or sentinel-leak finding, as far as the trace can tell: the last
// allocator write (a next-write or header-write event) over those bytes before the
// finding. When that write itself put the damage there (a link written where the
// layout does not put it, a header byte not its class's, a link the allocator later
// read back as it wrote it), it is the writer: its event and its allocator line. When
// the allocator read back something other than what it wrote, the program wrote the
// bytes in between, and the trace cannot say where: that is said plainly.
import { EventKind } from './protocol';
import type { Finding, FindingKind, InternalSite } from './findings';
import { headerFor, type Layout } from './layout';
import type { TraceFile } from './tracefile';

/** The findings whose damage has a writer to look for. */
export const WRITTEN_KINDS: ReadonlySet<FindingKind> = new Set<FindingKind>([
  'header-corrupt',
  'next-corrupt',
  'next-out-of-slab',
  'sentinel-leak',
]);

export interface WriterEvent {
  /** the event that wrote the bytes */
  readonly event: number;
  readonly kind: 'next-write' | 'header-write';
  readonly thread: number;
  /** the allocator line that wrote them, when the event names one */
  readonly internalSite: InternalSite | null;
  /** return address of the public call in progress: the program's call site */
  readonly pc: number;
}

export interface WriterVerdict {
  /** the allocator write that put the damage there; null when the trace holds none */
  readonly writer: WriterEvent | null;
  /** why, in a sentence */
  readonly reason: string;
}

interface Search {
  readonly finding: Finding;
  /** the damaged bytes: [from, to) */
  readonly from: number;
  readonly to: number;
  last: {
    event: number;
    kind: 'next-write' | 'header-write';
    thread: number;
    site: number;
    pc: number;
    value: bigint;
    explains: boolean;
  } | null;
  /** a read of the block's link after the last write that saw another value: the program wrote it in between */
  readBack: { event: number; value: bigint } | null;
  /** what the allocator's own check found there, at the finding's event (a check failure carries it) */
  found: bigint | null;
}

const CHUNK = 1 << 16;
/** a check failure carries 56 bits of the value it found */
const LINK_BITS = (1n << 56n) - 1n;

function damagedBytes(layout: Layout, finding: Finding): [number, number] | null {
  if (!finding.base) return null;
  if (finding.kind === 'header-corrupt') return [finding.base + layout.headerOffset, finding.base + layout.headerOffset + 1];
  const sizeClass = layout.classes[finding.cls];
  if (!sizeClass) return null;
  return [finding.base + sizeClass.nextOffset, finding.base + sizeClass.nextOffset + 8];
}

const hex = (value: number | bigint) => `0x${value.toString(16)}`;

/** For each finding of WRITTEN_KINDS (by its index in `findings`), the writer the trace names, or why it names none. */
export function findWriters(trace: TraceFile, findings: readonly Finding[]): Map<number, WriterVerdict> {
  const layout = trace.handshake.layout;
  const searches: Search[] = [];
  const byIndex = new Map<number, Search>();
  findings.forEach((finding, i) => {
    if (!WRITTEN_KINDS.has(finding.kind) || finding.event < 0) return;
    const range = damagedBytes(layout, finding);
    if (!range) return;
    const search: Search = { finding, from: range[0], to: range[1], last: null, readBack: null, found: null };
    searches.push(search);
    byIndex.set(i, search);
  });
  const end = Math.min(trace.eventCount, Math.max(0, ...searches.map((search) => search.finding.event + 1)));
  for (let from = 0; from < end && searches.length; from += CHUNK)
    for (const event of trace.readEvents(from, Math.min(CHUNK, end - from))) {
      if (
        event.kind !== EventKind.NextWrite &&
        event.kind !== EventKind.HeaderWrite &&
        event.kind !== EventKind.NextRead &&
        event.kind !== EventKind.CheckFail
      )
        continue;
      const sizeClass = layout.classes[event.cls];
      for (const search of searches) {
        if (event.index > search.finding.event) continue;
        if (event.kind === EventKind.CheckFail) {
          // the allocator's check: its value is the check kind, then the value it found (56 bits)
          if (event.index === search.finding.event) search.found = event.value >> 8n;
          continue;
        }
        if (event.kind === EventKind.NextRead) {
          // the allocator reading the damaged link back: another value than the last write's means another writer
          const at = event.base + (sizeClass?.nextOffset ?? 0);
          if (search.last && at === search.from && event.value !== search.last.value && !search.readBack)
            search.readBack = { event: event.index, value: event.value };
          continue;
        }
        // a link is written at BASE + offset (the event's route), a header byte at BASE + headerOffset
        const start = event.kind === EventKind.NextWrite ? event.base + event.route : event.base + layout.headerOffset;
        const length = event.kind === EventKind.NextWrite ? 8 : 1;
        if (start >= search.to || start + length <= search.from) continue;
        const misplaced = event.kind === EventKind.NextWrite && sizeClass !== undefined && event.route !== sizeClass.nextOffset;
        const wrongHeader = event.kind === EventKind.HeaderWrite && Number(event.value & 0xffn) !== headerFor(layout, event.cls);
        search.last = {
          event: event.index,
          kind: event.kind === EventKind.NextWrite ? 'next-write' : 'header-write',
          thread: event.thread,
          site: event.site,
          pc: event.pc,
          value: event.value,
          explains: misplaced || wrongHeader,
        };
        search.readBack = null;
      }
    }
  const verdicts = new Map<number, WriterVerdict>();
  const siteOf = (site: number): InternalSite | null => {
    if (!site) return null;
    const file = layout.siteFiles[site >>> 16];
    return file ? { file, line: site & 0xffff } : null;
  };
  for (const [i, search] of byIndex) {
    const { last, readBack } = search;
    const writer: WriterEvent | null = last
      ? { event: last.event, kind: last.kind, thread: last.thread, internalSite: siteOf(last.site), pc: last.pc }
      : null;
    if (!last)
      verdicts.set(i, { writer: null, reason: `the trace holds no allocator write over ${hex(search.from)}: the program wrote it` });
    else if (last.explains)
      verdicts.set(i, {
        writer,
        reason:
          last.kind === 'next-write'
            ? `the allocator wrote a link over it at event ${last.event}, where the layout puts no link of that class`
            : `the allocator wrote header byte ${hex(last.value & 0xffn)} at event ${last.event}, not its class's`,
      });
    else if (readBack)
      verdicts.set(i, {
        writer: null,
        reason: `the allocator wrote ${hex(last.value)} there at event ${last.event} and read back ${hex(readBack.value)} at event ${readBack.event}: the program wrote it in between`,
      });
    else if (search.found !== null && last.kind === 'next-write')
      verdicts.set(
        i,
        search.found === (last.value & LINK_BITS)
          ? { writer, reason: `the allocator wrote that link itself, at event ${last.event}` }
          : {
              writer: null,
              reason: `the allocator wrote ${hex(last.value)} there at event ${last.event} and found ${hex(search.found)} at event ${search.finding.event}: the program wrote it in between`,
            },
      );
    else
      verdicts.set(i, {
        writer: null,
        reason: `the allocator's last write there (event ${last.event}) was its class's own, and the trace does not show what was there after: a write the program made, which only a watchpoint names`,
      });
  }
  return verdicts;
}
