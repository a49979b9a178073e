// sentinel.ts — remote queues: the queue's sentinel must never leave it. Seen
// where a remote drain splices its chain onto the slab freelist with the
// sentinel still the tail's link, or where a link read is the sentinel
// (sentinel-leak): one finding for one leaked link, wherever it is seen first.

import { eventValueBig, hex } from '../events';
import type { FindingKind } from '../findings';
import type { HeapModel } from '../model';
import { numbers, type Detector, type DetectorMemory } from './detector';

export class SentinelDetector implements Detector {
  readonly name = 'sentinel';
  /** blocks whose sentinel link was reported where the drain left it, so its later read is not a second finding */
  private readonly leftSentinels = new Set<number>();

  constructor(private readonly model: HeapModel) {}

  onNextRead(b: Uint8Array, o: number, thread: number, index: number, cls: number, _route: number, base: number): void {
    // a sentinel already reported where it was left behind is the same finding
    if (this.model.isSentinelEvent(b, o) && !this.leftSentinels.delete(base)) this.sentinelRead(b, o, thread, index, cls, base);
  }

  private sentinelRead(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number): void {
    this.model.report(
      'sentinel-leak',
      b,
      o,
      thread,
      index,
      cls,
      base,
      `the remote queue's sentinel ${hex(eventValueBig(b, o))} was read as the next pointer of ${hex(base)}: it leaked out of the queue`,
      eventValueBig(b, o),
    );
  }

  onRemoteDrain(b: Uint8Array, o: number, thread: number, index: number, cls: number, _route: number, chainHead: number): void {
    const model = this.model;
    const at = model.locate(chainHead);
    if (!at) return;
    const { slab } = at;
    // The splice rewrote the tail's link before this event: walk the drained chain from its head
    // (blocks pushed after the drain took the queue start a new chain, ending in the sentinel rightly);
    // a sentinel still met on the way now sits in the slab freelist.
    const pending = new Set<number>(slab.remote);
    for (let link = chainHead, steps = 0; pending.has(link) && steps < slab.remote.length; steps++) {
      const slot = slab.slotOf(link);
      if (slot < 0) break;
      const next = slab.next[slot]!;
      if (model.isSentinel(next)) {
        if (!this.leftSentinels.has(link)) {
          this.leftSentinels.add(link);
          model.report(
            'sentinel-leak',
            b,
            o,
            thread,
            index,
            cls,
            link,
            `the remote drain spliced its chain onto the slab freelist but left the queue's sentinel ${hex(model.layout.remoteSentinel ?? 0n)} as the link of its tail ${hex(link)}: the next refill will follow it`,
          );
        }
        break;
      }
      link = next;
    }
  }

  /** the allocator reports a sentinel this detector found where the drain left it */
  explains(kind: FindingKind, base: number): boolean {
    return kind === 'sentinel-leak' && this.leftSentinels.has(base);
  }

  save(): DetectorMemory {
    return [...this.leftSentinels];
  }
  restore(memory: DetectorMemory): void {
    for (const base of numbers(memory, 'sentinel')) this.leftSentinels.add(base);
  }
}
