// remote-count.ts — the count a slab's remote queue must agree with. A remote
// queue keeps no count of its own: its blocks are part of the slab's `used`
// (blocks out of the slab: with the program, in a cache, or remote-pending). Where
// the check build's words tell the program's blocks from free ones, used less the
// cached and the in-use blocks is how many the queue must hold; a queue that ends
// early leaves pending blocks in no chain, and this is how they show. A block a
// remote free has claimed but not yet pushed is on its way in, not lost. (A thread
// stopped inside the allocator's own cache drain holds blocks in no chain too: then
// this says so, as the other counts do of a list stopped half-updated.)
import type { CheckWords } from './check-words';
import type { ChainImage, ThreadImage } from './heap-image';
import type { HeapMemory, SlabMemory } from './heap-reader';

export interface RemoteCount {
  readonly slab: SlabMemory;
  /** blocks the queue holds */
  readonly held: number;
  /** blocks used says are out of the slab, and what the rest of them are */
  readonly used: number;
  readonly cached: number;
  readonly live: number;
  /** claimed by a remote free not yet pushed */
  readonly claimed: number;
}

/**
 * Every slab whose remote queue's length disagrees with used − cached − in use − claimed. Only where that is known:
 * check words written, the slab's blocks read whole, and every chain of its class walked to its end
 * (a broken chain leaves blocks unaccounted for, and its own finding says so).
 */
export function remoteCountMismatches(
  memory: HeapMemory,
  words: CheckWords,
  threads: readonly ThreadImage[],
  slabs: readonly { freelist: ChainImage; remote: ChainImage }[],
): RemoteCount[] {
  if (!words.active) return [];
  const { layout, checkWordMinClass } = memory.structs;
  const broken = new Set<number>(); // classes with a chain that did not end as it should
  for (const thread of threads)
    for (const cache of thread.caches) if (cache.end !== 'null' || cache.nodes.length !== cache.count) broken.add(cache.cls);
  memory.slabs.forEach((slab, index) => {
    const { freelist, remote } = slabs[index]!;
    if (freelist.end !== 'null' || remote.end !== 'null' || freelist.nodes.length !== slab.carved - slab.used) broken.add(slab.cls);
  });
  const cachedAt = new Set<number>();
  for (const thread of threads)
    for (const cache of thread.caches) if (!broken.has(cache.cls)) for (const node of cache.nodes) cachedAt.add(node.base);

  const mismatches: RemoteCount[] = [];
  memory.slabs.forEach((slab, index) => {
    const { stride } = layout.classes[slab.cls]!;
    if (slab.cls < checkWordMinClass || broken.has(slab.cls)) return;
    if (slab.blocks.length < slab.carved * stride) return;
    const { freelist, remote } = slabs[index]!;
    const inSlabChain = new Set<number>([...freelist.nodes, ...remote.nodes].map((node) => node.base));
    let cached = 0,
      live = 0,
      claimed = 0;
    for (let slot = 0; slot < slab.carved; slot++) {
      const base = slab.start + slot * stride;
      if (inSlabChain.has(base)) continue;
      if (cachedAt.has(base)) cached++;
      else {
        const word = words.says(slab, slot * stride);
        if (word === 'claimed') claimed++;
        else if (word !== 'free') live++;
      }
    }
    if (slab.used - cached - live - claimed !== remote.nodes.length)
      mismatches.push({ slab, held: remote.nodes.length, used: slab.used, cached, live, claimed });
  });
  return mismatches;
}
