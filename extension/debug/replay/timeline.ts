// timeline.ts — a trace file's events read in chunks, forwards or backwards, with the
// few last chunks kept: each chunk costs one checkpoint restore and at most one
// checkpoint interval of replay (TraceFile.readEvents), so a walk over the whole
// trace reads every event a small number of times and memory stays bounded.
// Also what an allocator call is: the events of one malloc or free on one thread.

import { EventKind, type TraceEvent, type TraceFile } from '../../core';
import { nextHit } from './breakpoints';

const CHUNK = 1 << 14;
const CHUNKS_KEPT = 8;

/** Event indices, ascending (a thread's events, a call site's calls): a neighbour is a binary search. */
class IndexList {
  indices = new Uint32Array(1024);
  length = 0;
  push(index: number): void {
    if (this.length === this.indices.length) {
      const grown = new Uint32Array(this.indices.length * 2);
      grown.set(this.indices);
      this.indices = grown;
    }
    this.indices[this.length++] = index;
  }
  /** the last index at or before `index` (direction −1, `inclusive`), or after it (1), or −1 */
  near(index: number, direction: 1 | -1, inclusive = false): number {
    return nextHit(this.indices, index, direction, inclusive, this.length);
  }
}

export class Timeline {
  private readonly chunks = new Map<number, TraceEvent[]>();
  private readonly threads = new Map<number, IndexList>();
  /** per call site, the allocator calls made from it (their first events) */
  private readonly calls = new Map<number, IndexList>();
  /** the alloc and free events, one a call */
  private readonly operations = new Map<number, IndexList>([
    [EventKind.Alloc, new IndexList()],
    [EventKind.Free, new IndexList()],
  ]);
  /** per thread, its last stoppable event while the opening pass runs */
  private readonly lastOf = new Map<number, { kind: number; pc: number }>();

  constructor(readonly file: TraceFile) {}

  /** Takes `event` into its thread's list; the opening pass gives every event once, in order. */
  note(event: TraceEvent): void {
    if (!isStoppable(event)) return;
    let list = this.threads.get(event.thread);
    if (!list) this.threads.set(event.thread, (list = new IndexList()));
    list.push(event.index);
    const last = this.lastOf.get(event.thread);
    if (beginsCall(event, last ?? null)) {
      let calls = this.calls.get(event.pc);
      if (!calls) this.calls.set(event.pc, (calls = new IndexList()));
      calls.push(event.index);
    }
    if (event.kind === EventKind.Alloc || event.kind === EventKind.Free) this.operations.get(event.kind)!.push(event.index);
    // one record a thread, rewritten: the pass sees millions of events
    if (last) {
      last.kind = event.kind;
      last.pc = event.pc;
    } else this.lastOf.set(event.thread, { kind: event.kind, pc: event.pc });
  }

  /** The first events of the allocator calls made from any of `pcs`, ascending. */
  callsFrom(pcs: Iterable<number>): number[] {
    const found: number[] = [];
    for (const pc of pcs) {
      const list = this.calls.get(pc);
      if (list) for (let i = 0; i < list.length; i++) found.push(list.indices[i]!);
    }
    return found.sort((a, b) => a - b);
  }

  /** Every alloc (or free) event, ascending; null for a kind not kept so. */
  eventsOfKind(kind: number): number[] | null {
    const list = this.operations.get(kind);
    return list ? Array.from(list.indices.subarray(0, list.length)) : null;
  }

  /** The threads, by their first event. */
  get threadIds(): number[] {
    return [...this.threads.keys()];
  }

  /** `thread`'s stoppable event after `index` (1), or before it (−1), or at or before it (−1, inclusive); null when none. */
  threadEvent(thread: number, index: number, direction: 1 | -1, inclusive = false): TraceEvent | null {
    const found = this.threadIndex(thread, index, direction, inclusive);
    return found < 0 ? null : this.event(found);
  }

  /** The index threadEvent would read, −1 when none: a move reads the event with the heap after it. */
  threadIndex(thread: number, index: number, direction: 1 | -1, inclusive = false): number {
    return this.threads.get(thread)?.near(index, direction, inclusive) ?? -1;
  }

  get count(): number {
    return this.file.eventCount;
  }

  /** Whether the event at `index` is at hand (no replay to read it). */
  holds(index: number): boolean {
    const events = this.chunks.get(Math.floor(index / CHUNK));
    return events !== undefined && index - Math.floor(index / CHUNK) * CHUNK < events.length;
  }

  /** The first index of the chunk `index` is read with. */
  chunkStart(index: number): number {
    return Math.floor(index / CHUNK) * CHUNK;
  }

  /** Keeps events read elsewhere (from chunkStart(index) on, perhaps only part of the chunk). */
  adopt(from: number, events: TraceEvent[]): void {
    if (from % CHUNK !== 0 || !events.length) return;
    const chunk = from / CHUNK;
    if ((this.chunks.get(chunk)?.length ?? 0) >= events.length) return;
    this.chunks.delete(chunk);
    this.chunks.set(chunk, events);
    if (this.chunks.size > CHUNKS_KEPT) this.chunks.delete(this.chunks.keys().next().value!);
  }

  /** The event at `index` (0 ≤ index < count). */
  event(index: number): TraceEvent {
    const chunk = Math.floor(index / CHUNK);
    let events = this.chunks.get(chunk);
    // a chunk adopted in part is read whole when an event past its part is asked for
    if (events && index - chunk * CHUNK >= events.length && index < this.count) {
      this.chunks.delete(chunk);
      events = undefined;
    }
    if (events) {
      // most recently used last
      this.chunks.delete(chunk);
      this.chunks.set(chunk, events);
    } else {
      events = this.file.readEvents(chunk * CHUNK, CHUNK);
      this.chunks.set(chunk, events);
      if (this.chunks.size > CHUNKS_KEPT) this.chunks.delete(this.chunks.keys().next().value!);
    }
    const event = events[index - chunk * CHUNK];
    if (!event) throw new RangeError(`event ${index} is outside the trace's ${this.count} events`);
    return event;
  }

  /** The first event from `from` in `direction` (1 forwards, −1 backwards) that `wanted` accepts, within `reach` events. */
  find(from: number, direction: 1 | -1, wanted: (event: TraceEvent) => boolean, reach = Infinity): TraceEvent | null {
    for (let index = from, seen = 0; index >= 0 && index < this.count && seen < reach; index += direction, seen++) {
      const event = this.event(index);
      if (wanted(event)) return event;
    }
    return null;
  }

  /** Every event, in order, a chunk at a time (the chunks are not kept: a walk would push out those a session uses). */
  *all(): Generator<TraceEvent> {
    for (let from = 0; from < this.count; from += CHUNK) {
      const kept = this.chunks.get(from / CHUNK);
      // a chunk adopted in part (a jump's events) is read whole here
      yield* kept && kept.length === Math.min(CHUNK, this.count - from) ? kept : this.file.readEvents(from, CHUNK);
    }
  }

  /** The thread's event after (direction 1) or before (−1) `index` that a stop can be at (not a deeper stack frame). */
  threadStep(index: number, direction: 1 | -1): TraceEvent | null {
    return this.threadEvent(this.event(index).thread, index, direction);
  }

  /** Whether `event` begins an allocator call on its thread. */
  startsCall(event: TraceEvent): boolean {
    return isStoppable(event) && beginsCall(event, this.threadEvent(event.thread, event.index, -1));
  }

  /** The last event of the allocator call `index` is in (its alloc, for a malloc). */
  callEnd(index: number): TraceEvent {
    let last = this.event(index);
    for (let next = this.threadStep(index, 1); next && !this.startsCall(next); next = this.threadStep(next.index, 1)) last = next;
    return last;
  }

  /** The first event of the allocator call `index` is in. */
  callStart(index: number): TraceEvent {
    let first = this.event(index);
    while (!this.startsCall(first)) {
      const before = this.threadStep(first.index, -1);
      if (!before) break;
      first = before;
    }
    return first;
  }

  /** The deeper frames (return addresses) the trace gave for the call `index` is in: stack-frame events after its alloc or free. */
  deeperFrames(index: number): number[] {
    const start = this.callStart(index),
      end = this.callEnd(index);
    const anchor = start.kind === EventKind.Free ? start : end.kind === EventKind.Alloc ? end : null;
    if (!anchor) return [];
    const frames: number[] = [];
    for (let at = anchor.index + 1; at < this.count && frames.length < 64; at++) {
      const event = this.event(at);
      if (event.thread !== anchor.thread) continue;
      if (event.kind !== EventKind.StackFrame) break;
      frames.push(Number(event.value));
    }
    return frames;
  }
}

/** Whether `event` begins an allocator call, `before` being its thread's stoppable event before it. */
function beginsCall(event: Pick<TraceEvent, 'kind' | 'pc'>, before: Pick<TraceEvent, 'kind' | 'pc'> | null): boolean {
  if (!before) return true;
  // a free begins its call, unless the allocator's check report on the same call came first
  if (event.kind === EventKind.Free) return !(before.kind === EventKind.CheckFail && before.pc === event.pc);
  return before.kind === EventKind.Alloc || before.pc !== event.pc;
}

/** A deeper stack frame is part of its alloc's or free's stack, not an event to stop at. */
export function isStoppable(event: TraceEvent): boolean {
  return event.kind !== EventKind.StackFrame;
}
