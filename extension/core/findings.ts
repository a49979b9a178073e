// findings.ts — what Slabscope tells the user: a finding names a kind of
// corruption or trouble, the block, the event where it was seen, and the call
// sites that explain it (allocated by, freed by, detected at).

export const FINDING_KINDS = [
  'double-free', 'base-as-user', 'user-as-base', 'interior-free', 'foreign-free', 'header-corrupt',
  'next-corrupt', 'next-out-of-slab', 'sentinel-leak', 'slab-leak', 'crash', 'lost-events', 'route-regression',
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
  /** the pointer involved, as the program or the allocator used it */
  readonly ptr: bigint;
  /** the block's BASE, 0 when the pointer is in no block */
  readonly base: number;
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

/** Collects findings, once each: the same kind on the same block close together is one finding. */
export class FindingSet {
  readonly all: Finding[] = [];
  private readonly recent = new Map<string, number>();
  private readonly byKind = new Map<FindingKind, number>();
  /** events within which a repeat of the same kind on the same block is the same finding */
  static readonly WINDOW = 4096;

  add(finding: Finding): boolean {
    // each lost record is its own finding; for the rest, one per kind and block nearby
    const key = finding.kind === 'lost-events' ? '' : `${finding.kind}:${finding.base || finding.ptr}`;
    const last = key ? this.recent.get(key) : undefined;
    if (last !== undefined && finding.event - last <= FindingSet.WINDOW) return false;
    this.recent.set(key, finding.event);
    if (this.recent.size > 65536) this.recent.clear(); // a bound, not a cache: old keys are out of the window anyway
    this.all.push(finding);
    this.byKind.set(finding.kind, (this.byKind.get(finding.kind) ?? 0) + 1);
    return true;
  }

  count(kind?: FindingKind): number {
    return kind ? (this.byKind.get(kind) ?? 0) : this.all.length;
  }

  get corruptions(): number {
    return this.all.filter((finding) => finding.severity === 'error').length;
  }
}
