// breakpoint-book.ts — every breakpoint of a replay, by kind: line breakpoints per
// source file, function breakpoints, data breakpoints and the exception filters, each
// placed by one pass over the trace (breakpoints.ts) and looked up by the runtime's
// continue and reverse continue.

import type { Finding, FindingKind, TraceEvent, TraceFile } from '../../core';
import { BreakpointFilter, type BreakpointAsk, type PlacedBreakpoint, type StopKind } from './breakpoints';
import { EVENT_FIELDS, bytesTouched, eventField, isBlockEvent, type Access } from './event-fields';
import type { ReplaySymbols } from './stack';
import { ALLOCATOR_FUNCTIONS, dataTargetOf } from './targets';
import { isStoppable, type Timeline } from './timeline';

export interface LineAsk extends BreakpointAsk {
  readonly line: number;
}
export interface FunctionAsk extends BreakpointAsk {
  readonly name: string;
}
export interface DataAsk extends BreakpointAsk {
  readonly dataId: string;
  readonly accessType?: 'read' | 'write' | 'readWrite';
}

/** The events one breakpoint (or, id 0, the exception filters together) stops at. */
export interface HitList {
  readonly hits: readonly number[];
  readonly id: number;
  readonly kind: StopKind;
}

export class BreakpointBook {
  private readonly lines = new Map<string, PlacedBreakpoint[]>();
  private functions: PlacedBreakpoint[] = [];
  private data: PlacedBreakpoint[] = [];
  private exceptionKinds = new Set<FindingKind>();
  private exceptionHits: number[] = [];
  private nextId = 1;

  constructor(
    private readonly file: TraceFile,
    private readonly timeline: Timeline,
    private readonly symbols: ReplaySymbols,
  ) {}

  /** Every list a continue looks in. */
  lists(): HitList[] {
    return [...[...this.lines.values()].flat(), ...this.functions, ...this.data, { hits: this.exceptionHits, id: 0, kind: 'exception' }];
  }

  /** The findings at event `index` an exception filter stops at. */
  findingsAt(index: number): Finding[] {
    return this.file.findings.filter((finding) => finding.event === index && this.exceptionKinds.has(finding.kind));
  }

  setLine(file: string, asks: readonly LineAsk[]): PlacedBreakpoint[] {
    const placed = this.place(
      'breakpoint',
      asks.map((ask) => {
        const pcs = this.symbols.pcsOnLine(file, ask.line);
        // a program line with no condition: its calls are indexed; an allocator line's events are not
        const indexed = !ask.condition?.trim() && !this.symbols.isAllocatorSource(file);
        return {
          ask,
          indices: indexed ? this.timeline.callsFrom(pcs) : undefined,
          label: `line ${ask.line}`,
          // with no condition, once per allocator call, at its first event; a condition is asked of every event of the line
          matches: (event: TraceEvent) =>
            isStoppable(event) &&
            (pcs.has(event.pc) || this.symbols.internalSiteIs(event, file, ask.line)) &&
            (Boolean(ask.condition?.trim()) || this.timeline.startsCall(event) || this.symbols.internalSiteIs(event, file, ask.line)),
          none: `no event of this trace has its call site on line ${ask.line}`,
        };
      }),
    );
    this.lines.set(file, placed);
    return placed;
  }

  /** An allocator function (malloc, free, …: its alloc or free event), an event kind, or a program function on the call's stack. */
  setFunction(asks: readonly FunctionAsk[]): PlacedBreakpoint[] {
    this.functions = this.place(
      'function breakpoint',
      asks.map((ask) => {
        const kind = ALLOCATOR_FUNCTIONS.get(ask.name);
        const plain = !ask.condition?.trim();
        if (kind !== undefined)
          return {
            ask,
            indices: plain ? (this.timeline.eventsOfKind(kind) ?? undefined) : undefined,
            label: ask.name,
            matches: (event: TraceEvent) => event.kind === kind,
            none: `no ${ask.name} in this trace`,
          };
        const pcs = this.symbols.pcsInFunction(ask.name);
        return {
          ask,
          indices: plain ? this.timeline.callsFrom(pcs) : undefined,
          label: ask.name,
          // each call from the function stops once, at its first event
          matches: (event: TraceEvent) => pcs.has(event.pc) && this.timeline.startsCall(event),
          none: `no allocator call of this trace has ${ask.name} on its stack`,
        };
      }),
    );
    return this.functions;
  }

  /** The finding kinds to stop at. */
  setExceptions(kinds: readonly FindingKind[]): void {
    this.exceptionKinds = new Set(kinds);
    this.exceptionHits = [...new Set(this.file.findings.filter((f) => this.exceptionKinds.has(f.kind)).map((f) => f.event))].sort(
      (a, b) => a - b,
    );
  }

  setData(asks: readonly DataAsk[]): PlacedBreakpoint[] {
    const layout = this.file.handshake.layout;
    this.data = this.place(
      'data breakpoint',
      asks.map((ask) => {
        const target = dataTargetOf(ask.dataId);
        const wanted = (access: Access) => !ask.accessType || ask.accessType === 'readWrite' || ask.accessType === access;
        const [from, to] = target ? [target.address, target.address + target.length] : [0, 0];
        const matches =
          target?.kind === 'block'
            ? (event: TraceEvent) => isStoppable(event) && isBlockEvent(event) && event.base >= from && event.base < to
            : (event: TraceEvent) => {
                const touched = bytesTouched(event, layout);
                return touched !== null && touched.start < to && touched.start + touched.length > from && wanted(touched.access);
              };
        return {
          ask,
          label: ask.dataId,
          matches,
          none: target ? 'no event of this trace reads or writes these bytes' : `"${ask.dataId}" is not a data target`,
        };
      }),
    );
    return this.data;
  }

  /** One pass over the trace places every breakpoint of `asks`, but for those whose events an index gives. */
  private place(
    kind: StopKind,
    asks: readonly {
      ask: BreakpointAsk;
      label: string;
      matches: (event: TraceEvent) => boolean;
      none: string;
      /** the events it matches, ascending, when the timeline's indices say (no pass then) */
      indices?: readonly number[];
    }[],
  ): PlacedBreakpoint[] {
    const layout = this.file.handshake.layout;
    const fields = (event: TraceEvent) => (name: string) => eventField(event, layout, name);
    const filters = asks.map(({ ask, matches }) => {
      try {
        return new BreakpointFilter(matches, ask, fields, EVENT_FIELDS);
      } catch (error) {
        return (error as Error).message;
      }
    });
    const live: BreakpointFilter[] = [];
    filters.forEach((filter, i) => {
      if (typeof filter === 'string') return;
      const indices = asks[i]!.indices;
      if (indices) for (const index of indices) filter.takeIndex(index);
      else live.push(filter);
    });
    if (live.length) for (const event of this.timeline.all()) for (const filter of live) filter.take(event);
    return filters.map((filter, i) => {
      const id = this.nextId++;
      const { label, none } = asks[i]!;
      if (typeof filter === 'string') return { id, kind, verified: false, message: filter, hits: [], label };
      if (!filter.placedCount) return { id, kind, verified: false, message: none, hits: [], label };
      return { id, kind, verified: true, hits: filter.hits, label };
    });
  }
}
