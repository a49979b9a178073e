// headers.ts — header bytes: a block's header byte that is not its class's
// (header-corrupt), seen in raw slab bytes, or run over by a link written where
// the layout does not put it (the seeds' Phase E3-FINAL: C0's next pointer at
// offset 1; a link misplaced where it runs over no header is a next-corrupt).

import type { SlabBytesRecord } from '../decoder';
import { hex } from '../events';
import type { FindingKind } from '../findings';
import { BLOCK_STATE_NAMES, BlockState, type Location } from '../heap/state';
import { headerClass, headerFor, nextCoversHeader, type Layout } from '../layout';
import type { HeapModel } from '../model';
import { numbers, record, type Detector, type DetectorMemory } from './detector';

/**
 * Whether a block's header byte, as seen, is wrong for its class: checked while
 * allocated, and while free unless the class's next pointer lies over it.
 */
export function headerMismatch(layout: Layout, cls: number, state: number, header: number): boolean {
  if (header < 0 || header === headerFor(layout, cls) || headerClass(layout, header) === cls) return false;
  return (
    state === BlockState.Allocated || ((state === BlockState.FreeCache || state === BlockState.FreeSlab) && !nextCoversHeader(layout, cls))
  );
}

export class HeadersDetector implements Detector {
  readonly name = 'headers';
  /** classes whose links were written at the wrong offset, and the header bytes those links ran over */
  private readonly misplacedClasses = new Set<number>();
  private readonly clobberedHeaders = new Set<number>();

  /** per class, where the layout puts its link; none when the trace does not say where links are written */
  private readonly nextOffsets: Int32Array;

  constructor(private readonly model: HeapModel) {
    const layout = model.layout;
    this.nextOffsets = layout.linkOffsets ? Int32Array.from(layout.classes, (sizeClass) => sizeClass.nextOffset) : new Int32Array(0);
  }

  /** `offset`: where in the block the link was written (the event's route byte) */
  onNextWrite(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    offset: number,
    base: number,
    at: Location | null,
  ): void {
    if (cls < this.nextOffsets.length && offset !== this.nextOffsets[cls] && at && at.within === 0)
      this.misplaced(b, o, thread, index, cls, offset, base, at);
  }

  /** a link written where the layout does not put it: rare, so a path of its own and the hook inlines */
  private misplaced(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    offset: number,
    base: number,
    at: Location,
  ): void {
    const model = this.model,
      layout = model.layout;
    const expected = this.nextOffsets[cls];
    const { slab } = at;
    const first = !this.misplacedClasses.has(cls);
    this.misplacedClasses.add(cls);
    const wrong = `class ${cls}'s next pointer was written at BASE+${offset} of ${hex(base)}, where the layout puts it at +${expected}`;
    const neighbour = model.spillTarget(at, offset);
    if (neighbour >= 0) {
      // one finding per class: every link of the class is misplaced; the headers it clobbers are that finding's
      const user = slab.baseOf(neighbour) + layout.userOffset;
      this.clobberedHeaders.add(slab.baseOf(neighbour));
      if (first)
        model.report(
          'header-corrupt',
          b,
          o,
          thread,
          index,
          cls,
          user,
          `${wrong}: its 8 bytes run ${offset + 8 - slab.stride} past the ${slab.stride}-byte block, over the header byte of the next block ${hex(user)}`,
        );
    } else if (first) {
      model.report('next-corrupt', b, o, thread, index, cls, base, `${wrong}: a pop reads the link from +${expected}`);
    }
  }

  /** Raw slab bytes: every carved block's header byte against what its state says it should be. */
  onSlabBytes(bytes: SlabBytesRecord): void {
    const model = this.model,
      layout = model.layout;
    const at = model.locate(bytes.start);
    if (!at || at.slab.start !== bytes.start) return;
    const { slab } = at;
    const expected = headerFor(layout, slab.cls);
    for (let slot = 0; slot < slab.carved && slot < slab.capacity; slot++) {
      const offset = slot * slab.stride + layout.headerOffset;
      if (offset >= bytes.bytes.length) break;
      // offset is inside the bytes, slot below the slab's capacity
      const actual = bytes.bytes[offset]!;
      const state = slab.state[slot]!;
      if (!headerMismatch(layout, slab.cls, state, actual)) continue;
      const base = slab.baseOf(slot);
      const allocPc = slab.allocPc[slot]!,
        freePc = slab.freePc[slot]!;
      model.findings.add({
        kind: 'header-corrupt',
        severity: 'error',
        ptr: BigInt(base + layout.userOffset),
        base,
        cls: slab.cls,
        thread: slab.holder[slot]!,
        event: model.eventCount,
        message: `the header byte of ${hex(base + layout.userOffset)} is ${hex(actual)}, ${hex(expected)} expected (block ${BLOCK_STATE_NAMES[state]})`,
        origin: 'engine',
        internalSite: null,
        stacks: { alloc: allocPc ? [allocPc] : [], free: freePc ? [freePc] : [], detect: [] },
        allocEvent: slab.allocEvent[slot]!,
        freeEvent: slab.freeEvent[slot]!,
      });
    }
  }

  /** the allocator reports a header a misplaced link ran over: that is this detector's finding */
  explains(kind: FindingKind, base: number): boolean {
    return kind === 'header-corrupt' && this.clobberedHeaders.has(base);
  }

  save(): DetectorMemory {
    return { misplacedClasses: [...this.misplacedClasses], clobberedHeaders: [...this.clobberedHeaders] };
  }
  restore(memory: DetectorMemory): void {
    const saved = record(memory, 'headers');
    for (const cls of numbers(saved.misplacedClasses, 'misplacedClasses')) this.misplacedClasses.add(cls);
    for (const base of numbers(saved.clobberedHeaders, 'clobberedHeaders')) this.clobberedHeaders.add(base);
  }
}
