// slabs.ts — slab accounting: within one drain, each block a slab takes back
// lowers its used count by one (the seeds' Phase 9); a count that does not fall
// means the slab never empties and its superslab is never returned (slab-leak).

import type { LostRecord } from '../decoder';
import { eventValue, hex } from '../events';
import type { Location } from '../heap/state';
import type { HeapModel } from '../model';
import { DetectorMemoryError, list, numbers, record, type Detector, type DetectorMemory } from './detector';

export class SlabsDetector implements Detector {
  readonly name = 'slabs';
  /** per thread: the last slab push of the drain in progress (its slab and the used count it left) */
  private readonly lastPut = new Map<number, { slab: number; used: number }>();
  /** one finding per class: its other slabs leak the same way */
  private readonly leakingClasses = new Set<number>();

  constructor(private readonly model: HeapModel) {}

  onDrain(_b: Uint8Array, _o: number, thread: number): void {
    this.lastPut.delete(thread);
  }

  onSlabPush(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    _route: number,
    base: number,
    at: Location | null,
  ): void {
    if (!at || at.within !== 0) return;
    const slab = at.slab;
    const used = eventValue(b, o);
    const last = this.lastPut.get(thread);
    if (last && last.slab === slab.start && used !== last.used - 1 && !this.leakingClasses.has(cls)) {
      this.leakingClasses.add(cls);
      this.model.report(
        'slab-leak',
        b,
        o,
        thread,
        index,
        cls,
        slab.start,
        `slab ${hex(slab.start)} (class ${cls}) took a block back and still counts ${used} blocks used (${last.used} before): its used count does not fall, so it never empties and its superslab is never returned`,
      );
    }
    if (last) {
      last.slab = slab.start;
      last.used = used;
    } else this.lastPut.set(thread, { slab: slab.start, used });
  }

  /** A drain cut by the loss took back blocks we never saw: its next put is no leak. */
  onLost(record: LostRecord): void {
    this.lastPut.delete(record.thread);
  }

  save(): DetectorMemory {
    return { lastPut: [...this.lastPut].map(([thread, put]) => [thread, put.slab, put.used]), leakingClasses: [...this.leakingClasses] };
  }
  restore(memory: DetectorMemory): void {
    const saved = record(memory, 'slabs');
    for (const entry of list(saved.lastPut, 'lastPut')) {
      const put = numbers(entry, 'a lastPut entry');
      if (put.length !== 3) throw new DetectorMemoryError(`a lastPut entry has ${put.length} numbers, not thread, slab and used`);
      const [thread, slab, used] = put as [number, number, number];
      this.lastPut.set(thread, { slab, used });
    }
    for (const cls of numbers(saved.leakingClasses, 'leakingClasses')) this.leakingClasses.add(cls);
  }
}
