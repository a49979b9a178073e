// order.ts — one order for the events of all threads. The stream is in order
// per thread only (the exporter sends ring after ring); a remote free on one
// thread and the owner's drain of it on another can arrive the wrong way round.
// After the first sync frame, events wait here per thread and are released,
// merged by timestamp, up to each sync time (PROTOCOL §2). Before it (and for
// runtimes that send no sync frames) events pass straight through.

import type { EventBatch, LostRecord } from './decoder';
import { EVENT_SIZE } from './protocol';

export interface OrderedSink {
  event(bytes: Uint8Array, at: number, thread: number): void;
  lost(record: LostRecord): void;
}

interface Pending {
  /** 'events': `count` records in `bytes` from `next`; 'lost': one record */
  readonly bytes: Uint8Array | null;
  readonly count: number;
  next: number;
  readonly lost: LostRecord | null;
}

export interface PendingState {
  thread: number;
  events: string | null;
  lost: LostRecord | null;
}

/** the timestamp of the whole record at b[o] */
function time(b: Uint8Array, o: number): number {
  const low = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  const high = (b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24)) >>> 0;
  return high * 4294967296 + low;
}

// base64 without Node's Buffer: the engine also runs in the webview
function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}
function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export class EventOrder {
  private merging = false;
  private readonly queues = new Map<number, Pending[]>();
  pendingEvents = 0;

  constructor(private readonly sink: OrderedSink) {}

  events(batch: EventBatch): void {
    if (!this.merging) {
      for (let i = 0, o = batch.at; i < batch.count; i++, o += EVENT_SIZE) this.sink.event(batch.bytes, o, batch.thread);
      return;
    }
    const bytes = batch.bytes.slice(batch.at, batch.at + batch.count * EVENT_SIZE); // the batch is a view of a chunk that goes away
    this.queue(batch.thread).push({ bytes, count: batch.count, next: 0, lost: null });
    this.pendingEvents += batch.count;
  }

  lost(record: LostRecord): void {
    if (!this.merging) return this.sink.lost(record);
    this.queue(record.thread).push({ bytes: null, count: 1, next: 0, lost: record });
  }

  /** A sync frame: everything stamped before `timeNs` is in; release it in time order. */
  sync(timeNs: number): void {
    if (!this.merging) {
      this.merging = true;
      return;
    }
    this.release(timeNs);
  }

  /** The stream ended (or something needs all of it applied): release everything. */
  flush(): void {
    this.release(Infinity);
  }

  private queue(thread: number): Pending[] {
    let queue = this.queues.get(thread);
    if (!queue) {
      queue = [];
      this.queues.set(thread, queue);
    }
    return queue;
  }

  private headTime(entry: Pending): number {
    return entry.lost ? entry.lost.timestampNs : time(entry.bytes!, entry.next * EVENT_SIZE);
  }

  private release(limit: number): void {
    // each head's queue is not empty: a queue that empties leaves heads
    const heads: [number, Pending[]][] = [];
    for (const [thread, queue] of this.queues) if (queue.length) heads.push([thread, queue]);
    if (heads.length === 1) return this.releaseOne(heads[0]![0], heads[0]![1], limit);
    while (heads.length) {
      // the thread whose next event is earliest (ties: the order the threads first appeared)
      let best = -1,
        bestTime = Infinity;
      for (let i = 0; i < heads.length; i++) {
        const t = this.headTime(heads[i]![1][0]!);
        if (t < bestTime) {
          bestTime = t;
          best = i;
        }
      }
      if (!(bestTime < limit)) break;
      const [thread, queue] = heads[best]!;
      const entry = queue[0]!;
      // the next thread's earliest time bounds how far this one may run without looking again
      let bound = limit;
      for (let i = 0; i < heads.length; i++) if (i !== best) bound = Math.min(bound, this.headTime(heads[i]![1][0]!));
      if (entry.lost) {
        this.sink.lost(entry.lost);
        queue.shift();
      } else {
        const bytes = entry.bytes!;
        do {
          this.sink.event(bytes, entry.next * EVENT_SIZE, thread);
          entry.next++;
          this.pendingEvents--;
        } while (entry.next < entry.count && time(bytes, entry.next * EVENT_SIZE) <= bound);
        if (entry.next === entry.count) queue.shift();
      }
      if (!queue.length) heads.splice(best, 1);
    }
  }

  /** One thread waits: its events go out in their order up to `limit`, no merge needed. */
  private releaseOne(thread: number, queue: Pending[], limit: number): void {
    const sink = this.sink;
    while (queue.length) {
      const entry = queue[0]!;
      if (entry.lost) {
        if (!(entry.lost.timestampNs < limit)) return;
        sink.lost(entry.lost);
        queue.shift();
        continue;
      }
      const bytes = entry.bytes!;
      let next = entry.next;
      const count = entry.count;
      // a thread's events are in time order: when its last one is before the limit, all are
      const all = time(bytes, (count - 1) * EVENT_SIZE) < limit;
      for (let o = next * EVENT_SIZE; next < count && (all || time(bytes, o) < limit); next++, o += EVENT_SIZE)
        sink.event(bytes, o, thread);
      this.pendingEvents -= next - entry.next;
      entry.next = next;
      if (next < count) return;
      queue.shift();
    }
  }

  /** What waits, for checkpoints: base64 records per thread, in order. */
  saveState(): { merging: boolean; pending: PendingState[] } {
    const pending: PendingState[] = [];
    for (const [thread, queue] of this.queues)
      for (const entry of queue)
        pending.push(
          entry.lost
            ? { thread, events: null, lost: entry.lost }
            : { thread, events: toBase64(entry.bytes!.subarray(entry.next * EVENT_SIZE, entry.count * EVENT_SIZE)), lost: null },
        );
    return { merging: this.merging, pending };
  }

  restoreState(state: { merging: boolean; pending: PendingState[] }): void {
    this.merging = state.merging;
    this.queues.clear();
    this.pendingEvents = 0;
    for (const entry of state.pending) {
      if (entry.lost) this.queue(entry.thread).push({ bytes: null, count: 1, next: 0, lost: entry.lost });
      else if (entry.events) {
        const bytes = fromBase64(entry.events);
        const count = Math.floor(bytes.length / EVENT_SIZE);
        this.queue(entry.thread).push({ bytes, count, next: 0, lost: null });
        this.pendingEvents += count;
      }
    }
  }
}
