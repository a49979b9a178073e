// findings.ts — what Slabscope tells the user: a finding names a kind of
// corruption or trouble, the block, the event where it was seen, and the call
// sites that explain it (allocated by, freed by, detected at).

import { NO_BASE, type BasePtr } from './pointers';

export const FINDING_KINDS = [
  'double-free',
  'base-as-user',
  'user-as-base',
  'interior-free',
  'foreign-free',
  'header-corrupt',
  'next-corrupt',
  'next-out-of-slab',
  'sentinel-leak',
  'slab-leak',
  'crash',
  'lost-events',
  'route-regression',
  // seen by reading a stopped process's memory (extension/debug): a freelist that loops, a count its chain belies
  'freelist-cycle',
  'count-mismatch',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export type Severity = 'error' | 'warning';

/** Lost events and route regressions are warnings; everything else is corruption. */
export function severityOf(kind: FindingKind): Severity {
  return kind === 'lost-events' || kind === 'route-regression' ? 'warning' : 'error';
}

/** A code location inside the allocator (internal site id, PROTOCOL §6). */
export interface InternalSite {
  readonly file: string;
  readonly line: number;
}

export interface FindingStacks {
  /** return addresses, innermost first */
  readonly alloc: readonly number[];
  readonly free: readonly number[];
  readonly detect: readonly number[];
}

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  /**
   * the pointer involved, as the program passed it or the allocator used it: any
   * 64-bit value (a wild free's may be past 2^53, so a bigint; findings are few), a
   * USER, a BASE or neither — `base` says which block it names. `ptr` as in the report.
   */
  readonly ptr: bigint;
  /** the block's BASE, NO_BASE (0) when the pointer is in no block */
  readonly base: BasePtr;
  readonly cls: number;
  readonly thread: number;
  /** index of the event where it was found */
  readonly event: number;
  readonly message: string;
  /** 'native': the allocator's own check said so; 'engine': the model saw it */
  readonly origin: 'native' | 'engine';
  /** the allocator source line involved, when the event came from inside it */
  readonly internalSite: InternalSite | null;
  stacks: FindingStacks;
  /** events that explain it: the alloc and free of the block, when known */
  readonly allocEvent: number;
  readonly freeEvent: number;
}

/** One thread's dropped events, summed over every lost record: the one `lost-events` finding it has. */
export interface ThreadLoss {
  readonly thread: number;
  count: number;
  /** per-thread sequence ranges dropped, in stream order */
  readonly ranges: [firstSeq: number, lastSeq: number][];
}

/** The memory of a FindingSet a checkpoint keeps (FindingSet.save). */
export interface FindingSetMemory {
  recent: [key: string, event: number][];
  losses: { thread: number; count: number; ranges: [number, number][] }[];
}

/** At most this many ranges are named in a loss's message; the count is always the exact total. */
const RANGES_SAID = 8;

function lossMessage(loss: ThreadLoss): string {
  const said = loss.ranges.slice(0, RANGES_SAID).map(([first, last]) => (first === last ? `${first}` : `${first}..${last}`));
  const more = loss.ranges.length - said.length;
  const gaps = loss.ranges.length === 1 ? 'sequence' : `${loss.ranges.length} gaps, sequence`;
  return `${loss.count} ${loss.count === 1 ? 'event' : 'events'} of thread ${loss.thread} ${loss.count === 1 ? 'was' : 'were'} dropped (${gaps} ${said.join(', ')}${more > 0 ? ` and ${more} more` : ''}); its caches' state is unknown from the first gap on`;
}

/** Collects findings, once each: the same kind on the same block close together is one finding. */
export class FindingSet {
  readonly all: Finding[] = [];
  private readonly recent = new Map<string, number>();
  private readonly byKind = new Map<FindingKind, number>();
  private readonly losses = new Map<number, ThreadLoss>();
  /** bumped whenever a finding is added or one already reported changes (a thread's loss grows) */
  revision = 0;
  /** events within which a repeat of the same kind on the same block is the same finding */
  static readonly WINDOW = 4096;

  add(finding: Finding): boolean {
    // one per kind and block nearby (losses go through addLoss: one per thread)
    const key = `${finding.kind}:${finding.base || finding.ptr}`;
    const last = this.recent.get(key);
    if (last !== undefined && finding.event - last <= FindingSet.WINDOW) return false;
    this.recent.set(key, finding.event);
    if (this.recent.size > 65536) this.recent.clear(); // a bound, not a cache: old keys are out of the window anyway
    this.push(finding);
    return true;
  }

  /**
   * A lost record: the thread's first one becomes its `lost-events` finding (at that event);
   * later ones add to its exact count and ranges, so a loss is said once per thread.
   */
  addLoss(thread: number, count: number, firstSeq: number, lastSeq: number, event: number): void {
    const known = this.losses.get(thread);
    if (known) {
      known.count += count;
      known.ranges.push([firstSeq, lastSeq]);
      this.revision++;
      return;
    }
    const loss: ThreadLoss = { thread, count, ranges: [[firstSeq, lastSeq]] };
    this.losses.set(thread, loss);
    this.push({
      kind: 'lost-events',
      severity: 'warning',
      ptr: 0n,
      base: NO_BASE,
      cls: -1,
      thread,
      event,
      get message() {
        return lossMessage(loss);
      },
      origin: 'engine',
      internalSite: null,
      stacks: { alloc: [], free: [], detect: [] },
      allocEvent: -1,
      freeEvent: -1,
    });
  }

  /**
   * What a checkpoint keeps of the set so that a model restored from it finds
   * what a replay from the start would: the repeats still inside the window at
   * `event` (the next event's index), and every thread's loss (its finding, made
   * before the checkpoint, is not in the restored set, but a later loss adds to it).
   */
  save(event: number): FindingSetMemory {
    const recent: [string, number][] = [];
    for (const [key, at] of this.recent) if (event - at <= FindingSet.WINDOW) recent.push([key, at]);
    return { recent, losses: [...this.losses.values()].map((loss) => ({ thread: loss.thread, count: loss.count, ranges: loss.ranges })) };
  }

  restore(memory: FindingSetMemory): void {
    for (const [key, at] of memory.recent) this.recent.set(key, at);
    for (const loss of memory.losses)
      this.losses.set(loss.thread, { thread: loss.thread, count: loss.count, ranges: loss.ranges.map(([first, last]) => [first, last]) });
  }

  /** Every thread's loss so far, by thread. */
  lossOf(thread: number): Readonly<ThreadLoss> | undefined {
    return this.losses.get(thread);
  }

  private push(finding: Finding): void {
    this.all.push(finding);
    this.byKind.set(finding.kind, (this.byKind.get(finding.kind) ?? 0) + 1);
    this.revision++;
  }

  count(kind?: FindingKind): number {
    return kind ? (this.byKind.get(kind) ?? 0) : this.all.length;
  }

  get corruptions(): number {
    return this.all.filter((finding) => finding.severity === 'error').length;
  }
}
