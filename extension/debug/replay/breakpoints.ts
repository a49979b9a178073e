// breakpoints.ts — what a replay stops at, each kind as the sorted list of the events
// it stops at: a recording does not change, so one pass over the trace answers a
// breakpoint for good, and continue or reverse continue is a binary search.
// A hit count is the event's place among the breakpoint's matches from the trace's
// start, so the same event is the same hit whichever way the session travels.

import type { TraceEvent } from '../../core';
import { Condition, type ConditionFields } from './condition';

export type StopKind = 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'exception';

/** A breakpoint as asked: what it matches, and the condition and hit condition the front end gave. */
export interface BreakpointAsk {
  readonly condition?: string;
  readonly hitCondition?: string;
}

/** A breakpoint placed: its id, whether it stops anywhere, and the events it stops at. */
export interface PlacedBreakpoint {
  readonly id: number;
  readonly kind: StopKind;
  readonly verified: boolean;
  readonly message?: string;
  /** the events it stops at, ascending */
  readonly hits: readonly number[];
  /** what a stop here says */
  readonly label: string;
}

export class HitConditionError extends Error {
  override readonly name = 'HitConditionError';
}

/** A hit condition: "N" or "== N" (the Nth hit), "> N", ">= N", "< N", "<= N", "% N" (every Nth). */
export function hitTest(text: string): (hit: number) => boolean {
  const match = /^\s*(==|>=|<=|>|<|%)?\s*(\d+)\s*$/.exec(text);
  if (!match) throw new HitConditionError(`hit condition "${text}" is not N, == N, > N, >= N, < N, <= N or % N`);
  const n = Number(match[2]);
  switch (match[1]) {
    case '>':
      return (hit) => hit > n;
    case '>=':
      return (hit) => hit >= n;
    case '<':
      return (hit) => hit < n;
    case '<=':
      return (hit) => hit <= n;
    case '%':
      if (n === 0) throw new HitConditionError('hit condition "% 0" divides by zero');
      return (hit) => hit % n === 0;
    default:
      return (hit) => hit === n;
  }
}

/** A breakpoint being placed: its match, condition and hit test, filled by one pass over the events. */
export class BreakpointFilter {
  readonly hits: number[] = [];
  private readonly condition: Condition | null;
  private readonly hitOk: ((hit: number) => boolean) | null;
  private matched = 0;
  private placed = 0;

  constructor(
    readonly matches: (event: TraceEvent) => boolean,
    ask: BreakpointAsk,
    private readonly fields: (event: TraceEvent) => ConditionFields,
    fieldNames: readonly string[],
  ) {
    // both throw on text they cannot read: the front end shows the message on the breakpoint
    this.condition = ask.condition?.trim() ? new Condition(ask.condition, fieldNames) : null;
    this.hitOk = ask.hitCondition?.trim() ? hitTest(ask.hitCondition) : null;
  }

  /** An event the breakpoint is known to match, from an index (a breakpoint with no condition needs no pass). */
  takeIndex(index: number): void {
    this.placed++;
    this.matched++;
    if (!this.hitOk || this.hitOk(this.matched)) this.hits.push(index);
  }

  take(event: TraceEvent): void {
    if (!this.matches(event)) return;
    this.placed++;
    if (this.condition && !this.condition.holds(this.fields(event))) return;
    this.matched++;
    if (!this.hitOk || this.hitOk(this.matched)) this.hits.push(event.index);
  }

  /** events the breakpoint is placed on, before its condition and hit condition: none means it is placed nowhere */
  get placedCount(): number {
    return this.placed;
  }
}

/**
 * In the first `length` entries of an ascending list: the first after `position` (direction 1), or the
 * last before it (−1; at or before it when `inclusive`), or −1. Breakpoint hits and a timeline's indices both.
 */
export function nextHit(sorted: ArrayLike<number>, position: number, direction: 1 | -1, inclusive = false, length = sorted.length): number {
  let lo = 0,
    hi = length - 1,
    found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = sorted[mid]!;
    if (direction === 1 ? at > position : inclusive ? at <= position : at < position) {
      found = at;
      if (direction === 1) hi = mid - 1;
      else lo = mid + 1;
    } else if (direction === 1) lo = mid + 1;
    else hi = mid - 1;
  }
  return found;
}
