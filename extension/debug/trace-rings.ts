// trace-rings.ts — the events a stopped trace-build process has emitted but not yet
// sent: each thread's ring, from the exporter's tail to the producer's head, read from
// memory (one read for the ring, one or two for its unsent entries). With them, the
// trace of a process stopped in gdb is complete to the instruction it stopped at, and
// its heap can be compared with memory (trace-agreement.ts).
import { EVENT_SIZE } from '../core';
import { MemoryReadError, hexAddress, readWhole, type MemoryPort } from './memory-port';
import { StructBytes, type LayoutStructs } from './structs';

/** One ring's unsent events: 48-byte records of `thread` from sequence `firstSeq`. */
export interface PendingRing {
  readonly thread: number;
  /** the sequence number of the first record, the one after the last the exporter sent */
  readonly firstSeq: number;
  readonly records: Uint8Array;
  /** the ring's entries that are lost marks (drops), left out of `records` */
  readonly lostMarks: number;
}

export interface TracePending {
  /** the traced process's pid, as its trace's handshake gives it */
  readonly pid: number;
  readonly rings: readonly PendingRing[];
}

const LOST_MARK = 0xffff;
const MAX_RINGS = 4096;

/** Reads the runtime at `runtimeAddress` and every ring's unsent events. */
export async function readTracePending(port: MemoryPort, structs: LayoutStructs, runtimeAddress: number): Promise<TracePending> {
  const runtimeSpec = structs.traceRuntime,
    ringSpec = structs.traceRing;
  if (!runtimeSpec || !ringSpec)
    throw new MemoryReadError('the layout description has no trace runtime or ring: a build before rings were described');
  const whole = (address: number, count: number, what: string) => readWhole(port, address, count, what);
  const runtime = new StructBytes(await whole(runtimeAddress, runtimeSpec.size, 'the trace runtime'), 0, runtimeSpec);
  const pid = runtime.u('pid');
  const rings: PendingRing[] = [];
  const seen = new Set<number>();
  let next = Number(runtime.u64('rings'));
  while (next) {
    if (seen.has(next) || rings.length >= MAX_RINGS)
      throw new MemoryReadError(`the trace runtime's ring list loops or runs past ${MAX_RINGS} rings at ${hexAddress(next)}`);
    seen.add(next);
    const ring = new StructBytes(await whole(next, ringSpec.size, 'a trace ring'), 0, ringSpec);
    const head = ring.u('head'),
      tail = ring.u('tail'),
      mask = ring.u('mask'),
      events = ring.u('events'),
      seqAhead = ring.u('seq_ahead');
    const size = mask + 1;
    const unsent = head - tail;
    if (unsent < 0 || unsent > size)
      throw new MemoryReadError(`the trace ring at ${hexAddress(next)} holds ${unsent} unsent entries in ${size}`);
    // the unsent entries, in order: tail..head, which may wrap round the ring's end
    const first = tail % size;
    const straight = Math.min(unsent, size - first);
    const parts = [await whole(events + first * EVENT_SIZE, straight * EVENT_SIZE, 'unsent trace events')];
    if (unsent > straight) parts.push(await whole(events, (unsent - straight) * EVENT_SIZE, 'unsent trace events'));
    const entries = concat(parts);
    const kept: Uint8Array[] = [];
    let lostMarks = 0;
    for (let o = 0; o < entries.length; o += EVENT_SIZE) {
      if ((entries[o + 16]! | (entries[o + 17]! << 8)) === LOST_MARK) lostMarks++;
      else kept.push(entries.subarray(o, o + EVENT_SIZE));
    }
    if (unsent) rings.push({ thread: ring.u('thread'), firstSeq: tail + seqAhead, records: concat(kept), lostMarks });
    next = Number(ring.u64('next'));
  }
  return { pid, rings };
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
