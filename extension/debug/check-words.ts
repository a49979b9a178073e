// check-words.ts — what a free block's check word says in the bytes of a stopped
// process. The check build keeps a keyed copy of each free block's link beside it
// (native/src/layout.h): where the words match, a block a chain reaches whose word
// does not is in use, or holds a link written after it was freed. A release build
// writes none (none match), and then every block reads as free.
import type { HeapMemory, SlabMemory } from './heap-reader';

const U64 = (1n << 64n) - 1n;

/** The check word of a free block at `base` linking to `next` (native/src/layout.h ss_check_word_value). */
function checkWordOf(base: bigint, next: bigint, key: bigint): bigint {
  return ((((next ^ key) * 0x9e3779b97f4a7c15n) & U64) ^ base) & U64;
}

/** 'claimed': a remote free has claimed the block and not yet linked it (free, in no chain yet) */
export type WordSays = 'free' | 'claimed' | 'in-use' | 'rewritten';

export interface CheckWords {
  /** the process writes check words: its key is read and some chain head's word matches */
  readonly active: boolean;
  /** the link stored at `offset` of the slab's bytes, null past what was read */
  linkAt(slab: SlabMemory, offset: number): bigint | null;
  /** 'free' where the block's word matches its link, 'claimed' where it is a remote free's claim, 'in-use' where it says live, else 'rewritten' */
  says(slab: SlabMemory, offset: number): WordSays;
}

export function checkWords(memory: HeapMemory, slabByStart: ReadonlyMap<number, SlabMemory>): CheckWords {
  const { layout, checkWordOffset, checkWordMinClass } = memory.structs;
  const key = memory.checkKey;
  const linkAt = (slab: SlabMemory, offset: number): bigint | null =>
    offset >= 0 && offset + 8 <= slab.blocks.length
      ? new DataView(slab.blocks.buffer, slab.blocks.byteOffset, slab.blocks.byteLength).getBigUint64(offset, true)
      : null;
  const claimed = key === null ? 0n : checkWordOf(0n, 1n, key);
  const wordAt = (slab: SlabMemory, offset: number): bigint | null => linkAt(slab, offset + checkWordOffset);
  /** does the block at `head` of `slab` hold the word of its link? */
  const matches = (slab: SlabMemory, head: bigint): boolean => {
    const { stride, nextOffset } = layout.classes[slab.cls]!;
    const offset = Number(head) - slab.start;
    if (key === null || head === 0n || offset < 0 || offset % stride !== 0 || offset + stride > slab.blocks.length) return false;
    const link = linkAt(slab, offset + nextOffset),
      word = wordAt(slab, offset);
    return link !== null && word !== null && word === checkWordOf(head, link, key);
  };
  let active = false;
  if (key !== null && checkWordOffset >= 0) {
    const eligible = (cls: number) => cls >= checkWordMinClass;
    active = memory.slabs.some((slab) => eligible(slab.cls) && (matches(slab, slab.freelist) || matches(slab, slab.remoteHead)));
    if (!active)
      active = memory.threads.some((thread) =>
        thread.heads.some((head, cls) => {
          const slab = slabByStart.get(Number(head) - (Number(head) % layout.slabSize));
          return eligible(cls) && slab !== undefined && slab.cls === cls && matches(slab, head);
        }),
      );
  }
  const says = (slab: SlabMemory, offset: number): WordSays => {
    if (!active || slab.cls < checkWordMinClass || key === null) return 'free';
    const word = wordAt(slab, offset),
      link = linkAt(slab, offset + layout.classes[slab.cls]!.nextOffset);
    if (word === null || link === null) return 'free';
    const base = BigInt(slab.start + offset);
    if (word === checkWordOf(base, link, key)) return 'free';
    if (word === (claimed ^ base)) return 'claimed';
    return word === 0n ? 'in-use' : 'rewritten'; // 0: SS_CHECK_WORD_LIVE, written when a block is handed out
  };
  return { active, linkAt, says };
}
