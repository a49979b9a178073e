// trace-agreement.ts — a trace-build process stopped in gdb, seen twice: its heap as
// memory holds it, and as its trace tells it. The trace is brought up to the stop
// (a copy of the live model, through a checkpoint, given the events still in the
// rings: trace-rings.ts), then every free block's link and header byte are compared.
// Where the trace wrote link X and memory holds Y, something other than the
// allocator wrote the block after it was freed: a finding at the block, with the
// free the trace saw.
import {
  BlockState,
  EventOrder,
  basePtr,
  readCheckpoint,
  severityOf,
  writeCheckpoint,
  EVENT_SIZE,
  u64,
  type Finding,
  type HeapModel,
  type HeapState,
  type TraceSession,
} from '../core';
import { hexAddress } from './memory-port';
import type { StopLocation } from './heap-image';
import type { TracePending } from './trace-rings';

/** The trace at the stop, and what kept it from being whole there. */
export interface TracedAtStop {
  readonly model: HeapModel;
  /** events the rings held that the copy was given */
  readonly added: number;
  /** threads whose sent events had not all arrived: their blocks may differ for that reason alone */
  readonly inFlight: readonly { thread: number; missing: number }[];
  /** lost marks in the rings: the trace has gaps there */
  readonly lostMarks: number;
}

/**
 * Waits (up to `ms`) until `session` has decoded every event the stopped process sent: the
 * exporter is stopped with the process, but what it wrote before may still be on the way.
 */
export async function sentArrived(session: TraceSession, pending: TracePending, ms = 1000): Promise<boolean> {
  const deadline = performance.now() + ms;
  for (;;) {
    const behind = pending.rings.some((ring) => ring.records.length && u64(ring.records, 8) > session.decoder.receivedSeq(ring.thread));
    if (!behind) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A copy of `session`'s model with the rings' unsent events applied, in the order the live session would apply them. */
export function tracedAtStop(session: TraceSession, pending: TracePending): TracedAtStop {
  const live = session.model;
  if (!live) throw new Error('the trace has no handshake yet');
  let copy: HeapModel | null = null;
  const order = new EventOrder({
    event: (bytes, at, thread) => copy!.apply(bytes, at, thread),
    lost: (record) => copy!.onLost(record),
  });
  copy = readCheckpoint(writeCheckpoint(live, session.order), live.handshake, order);
  let added = 0,
    lostMarks = 0;
  const inFlight: { thread: number; missing: number }[] = [];
  for (const ring of pending.rings) {
    lostMarks += ring.lostMarks;
    const received = session.decoder.receivedSeq(ring.thread);
    if (ring.records.length && u64(ring.records, 8) > received) {
      inFlight.push({ thread: ring.thread, missing: u64(ring.records, 8) - received });
      continue;
    }
    // the records the session has not decoded yet, as one batch from the first of them
    let from = 0;
    while (from < ring.records.length && u64(ring.records, from + 8) < received) from += EVENT_SIZE;
    const count = (ring.records.length - from) / EVENT_SIZE;
    if (!count) continue;
    order.events({
      thread: ring.thread,
      firstSeq: received,
      count,
      snapshot: false,
      bytes: ring.records,
      at: from,
      streamOffset: -1,
      frameOffset: -1,
      frameEnd: -1,
    });
    added += count;
  }
  order.flush();
  return { model: copy, added, inFlight, lostMarks };
}

const FREE = new Set<number>([BlockState.FreeCache, BlockState.FreeSlab, BlockState.RemotePending]);

/**
 * Every block free in both `stopped` (memory) and `traced` (the trace at the stop) whose link or header byte
 * the trace knows and memory contradicts.
 */
export function compareWithTrace(
  stopped: HeapState,
  traced: HeapState,
  stoppedAt: StopLocation | null,
): { findings: Finding[]; compared: number } {
  const where = stoppedAt?.file
    ? ` (found while stopped at ${stoppedAt.file.split('/').pop()}:${stoppedAt.line ?? '?'})`
    : ' (found while stopped)';
  const findings: Finding[] = [];
  let compared = 0;
  for (const superslab of stopped.superslabs.values())
    for (const slab of superslab.slabs) {
      if (!slab) continue;
      for (let slot = 0; slot < slab.carved; slot++) {
        if (!FREE.has(slab.state[slot]!)) continue;
        const base = slab.start + slot * slab.stride;
        const at = traced.locate(base);
        if (!at || at.within !== 0 || !FREE.has(at.slab.state[at.slot]!)) continue;
        compared++;
        const link = slab.next[slot]!,
          wrote = at.slab.next[at.slot]!;
        const header = slab.header[slot]!,
          wroteHeader = at.slab.header[at.slot]!;
        const block = (kind: 'next-corrupt' | 'header-corrupt', ptr: number, sentence: string): Finding => ({
          kind,
          severity: severityOf(kind),
          ptr: BigInt(ptr),
          base: basePtr(base),
          cls: slab.cls,
          thread: at.slab.freeThread[at.slot]!,
          event: -1,
          message: `${sentence}${where}`,
          origin: 'engine',
          internalSite: null,
          stacks: {
            alloc: at.slab.allocPc[at.slot]! > 0 ? [at.slab.allocPc[at.slot]!] : [],
            free: at.slab.freePc[at.slot]! > 0 ? [at.slab.freePc[at.slot]!] : [],
            detect: [],
          },
          allocEvent: at.slab.allocEvent[at.slot]!,
          freeEvent: at.slab.freeEvent[at.slot]!,
        });
        const freed = at.slab.freeEvent[at.slot]! >= 0 ? ` after the free at event ${at.slab.freeEvent[at.slot]}` : '';
        // a link past 2^53 is held inexactly, and is no address of ours in any case
        const linkText = link < 2 ** 53 ? hexAddress(link) : 'a value past 2^53, no address';
        if (wrote >= 0 && link >= 0 && link !== wrote)
          findings.push(
            block(
              'next-corrupt',
              link,
              `the trace wrote the link of C${slab.cls} block ${hexAddress(base)} as ${hexAddress(wrote)}, memory holds ${linkText}: the block was written${freed} by something other than the allocator`,
            ),
          );
        if (wroteHeader >= 0 && header >= 0 && header !== wroteHeader)
          findings.push(
            block(
              'header-corrupt',
              header,
              `the trace wrote the header byte of C${slab.cls} block ${hexAddress(base)} as 0x${wroteHeader.toString(16)}, memory holds 0x${header.toString(16)}: it was written${freed} by something other than the allocator`,
            ),
          );
      }
    }
  return { findings, compared };
}
