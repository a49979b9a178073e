// links.ts — freelist links: the link a pop reads must be the one its push
// wrote (a different one was written after the free: next-corrupt), and a slab
// freelist's links stay in their slab (next-out-of-slab).

import { hex } from '../events';
import { NEXT_UNKNOWN, type Location } from '../heap/state';
import type { HeapModel } from '../model';
import type { Detector } from './detector';

export class LinksDetector implements Detector {
  readonly name = 'links';
  private readonly slabSize: number;

  constructor(private readonly model: HeapModel) {
    this.slabSize = model.layout.slabSize;
  }

  onCachePop(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    _route: number,
    base: number,
    at: Location | null,
  ): void {
    this.checkLinkRead(b, o, thread, index, cls, base, at, 'thread cache');
  }

  onSlabPop(b: Uint8Array, o: number, thread: number, index: number, cls: number, _route: number, base: number, at: Location | null): void {
    this.checkLinkRead(b, o, thread, index, cls, base, at, 'slab freelist');
  }

  /** A block going back to its slab whose link leads out of the slab. */
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
    const { slab } = at;
    const next = slab.next[at.slot]!;
    if (next > 0 && next !== NEXT_UNKNOWN && (next < slab.start || next >= slab.start + this.slabSize) && !this.model.isSentinel(next))
      this.model.report(
        'next-out-of-slab',
        b,
        o,
        thread,
        index,
        cls,
        base,
        `the slab freelist link of ${hex(base)} points to ${hex(next)}, outside its slab ${hex(slab.start)}..${hex(slab.start + this.slabSize)}`,
      );
  }

  /** The link a pop read must be the one its push wrote; a different one was written after the free. */
  private checkLinkRead(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    base: number,
    at: Location | null,
    list: string,
  ): void {
    const model = this.model;
    const read = model.thread(thread).lastRead;
    if (read.base !== base || !at) return;
    const { slab } = at;
    const written = slab.next[at.slot]!,
      value = read.value;
    const leaves =
      list === 'slab freelist' && value !== 0 && (value < slab.start || value >= slab.start + this.slabSize) && !model.isSentinel(value);
    if (leaves || (written !== NEXT_UNKNOWN && value !== written && value !== 0 && !model.isSentinel(value)))
      this.linkChanged(b, o, thread, index, cls, base, slab.start, written, value, leaves, list);
  }

  // the findings' messages are a cold path of their own, so the hook stays small enough to inline
  private linkChanged(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    base: number,
    slabStart: number,
    written: number,
    value: number,
    leaves: boolean,
    list: string,
  ): void {
    if (leaves)
      this.model.report(
        'next-out-of-slab',
        b,
        o,
        thread,
        index,
        cls,
        base,
        `the slab freelist link of ${hex(base)} leads to ${hex(value)}, outside its slab ${hex(slabStart)}..${hex(slabStart + this.slabSize)}`,
      );
    else
      this.model.report(
        'next-corrupt',
        b,
        o,
        thread,
        index,
        cls,
        base,
        `the ${list} link of ${hex(base)} was ${hex(written)} when it was pushed and ${hex(value)} when popped: the block was written after it was freed`,
      );
  }

  save(): null {
    return null; // the link last read is the state's (ThreadModel.lastRead); the link written is the block's
  }
  restore(): void {}
}
