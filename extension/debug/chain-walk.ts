// chain-walk.ts — one chain of a stopped heap walked from its head: Brent's cycle
// detection, bounded by the blocks its class has, and every link checked before
// it is followed (the remote sentinel, user space, a slab of the class, its own
// slab, a block's start, a carved block, the check build's word), then the
// block's header byte and whether another chain holds it too.
import { basePtr, headerFor, NO_BASE, nextCoversHeader, userFromBase, type BasePtr, type FindingKind, type UserPtr } from '../core';
import type { CheckWords } from './check-words';
import type { HeapMemory, SlabMemory } from './heap-reader';
import { hexAddress } from './memory-port';

export const CHAIN_ENDS = ['null', 'cycle', 'corrupt', 'out-of-slab', 'wrong-class', 'sentinel', 'unreadable'] as const;
export type ChainEnd = (typeof CHAIN_ENDS)[number];

export interface NodeImage {
  readonly base: BasePtr;
  readonly user: UserPtr;
}
export interface ChainImage {
  /** in chain order from the head; a broken chain up to the break */
  readonly nodes: readonly NodeImage[];
  /** why the walk stopped: 'null' for a chain that ends as it should */
  readonly end: ChainEnd;
}

const MAX_POINTER = 1n << 47n;

export type ChainKind = 'cache' | 'freelist' | 'remote';

/** Where a link may lead, and where it must not. */
export interface ChainRule {
  readonly kind: ChainKind;
  readonly cls: number;
  /** the slab a slab freelist or remote queue must stay in */
  readonly slab: SlabMemory | null;
  readonly thread: number;
  /** how the chain is named in a finding */
  readonly name: string;
}

export type Report = (kind: FindingKind, rule: ChainRule, ptr: bigint, base: BasePtr, cls: number, sentence: string) => void;

export interface WalkContext {
  readonly memory: HeapMemory;
  readonly slabByStart: ReadonlyMap<number, SlabMemory>;
  readonly words: CheckWords;
  readonly report: Report;
}

/** A walker of the chains of one heap: it remembers which chain each block was first seen in. */
export function chainWalker({ memory, slabByStart, words, report }: WalkContext): (head: bigint, rule: ChainRule) => ChainImage {
  const { layout } = memory.structs;
  const sentinel = layout.remoteSentinel;
  const superslabs = new Set(memory.superslabs);
  const { linkAt } = words;
  /** the chain each block was first seen in: a block in two chains is freed twice */
  const owners = new Map<number, string>();
  // bound on any chain: no chain of valid links is longer than the blocks of its class
  const carvedOf = new Array<number>(layout.classes.length).fill(0);
  // the reader keeps only slabs of the layout's classes, and cache heads one per class: a rule's class is the layout's
  for (const slab of memory.slabs) carvedOf[slab.cls]! += slab.carved;

  /** Walks one chain from `head`: Brent's cycle detection, every link checked before it is followed. */
  return (head: bigint, rule: ChainRule): ChainImage => {
    const nodes: NodeImage[] = [];
    const { stride, nextOffset } = layout.classes[rule.cls]!;
    const bound = carvedOf[rule.cls]! + 1;
    let from = 'its head'; // what holds the link being followed, for messages
    let fromBase = NO_BASE;
    let link = head;
    // Brent: the tortoise waits at the node seen at the last power of two
    let tortoise = -1,
      power = 1,
      steps = 0;
    let shared = false;
    for (;;) {
      if (link === 0n) {
        if (rule.kind !== 'remote' || nodes.length === 0) return { nodes, end: 'null' };
        // a pending block's link is the next one or the sentinel: the owner's drain walks to the sentinel
        report(
          'next-corrupt',
          rule,
          link,
          fromBase,
          rule.cls,
          `${rule.name}: its last block, at ${hexAddress(fromBase)}, links to 0, not the sentinel`,
        );
        return { nodes, end: 'corrupt' };
      }
      if (sentinel !== null && link === sentinel) {
        // the sentinel ends a remote queue's last block; an empty queue's head is 0
        if (rule.kind === 'remote' && nodes.length > 0) return { nodes, end: 'null' };
        report(
          'sentinel-leak',
          rule,
          link,
          fromBase,
          rule.cls,
          `${rule.name}: ${from} holds the remote queue's sentinel ${hexAddress(link)}${rule.kind === 'remote' ? ', which only ever ends its last block (an empty queue is 0)' : ''}`,
        );
        return { nodes, end: 'sentinel' };
      }
      const say = `${rule.name}: ${from} links to ${hexAddress(link)}`;
      if (link >= MAX_POINTER) {
        report('next-corrupt', rule, link, fromBase, rule.cls, `${say}, which is no user-space address`);
        return { nodes, end: 'corrupt' };
      }
      const address = Number(link);
      const superslab = address - (address % layout.superslabSize);
      const start = address - (address % layout.slabSize);
      const slab = slabByStart.get(start);
      if (!slab) {
        report(
          'next-out-of-slab',
          rule,
          link,
          fromBase,
          rule.cls,
          superslabs.has(superslab)
            ? `${say}, in slab ${(start - superslab) / layout.slabSize} of superslab ${hexAddress(superslab)}, which serves no class`
            : `${say}, which is in no superslab`,
        );
        return { nodes, end: 'out-of-slab' };
      }
      // the class first: a block of another class is in another slab too, and its class is what is wrong
      if (slab.cls !== rule.cls) {
        report('next-corrupt', rule, link, fromBase, rule.cls, `${say}, a block of C${slab.cls} in a C${rule.cls} freelist`);
        return { nodes, end: 'wrong-class' };
      }
      if (rule.slab && slab !== rule.slab) {
        report(
          'next-out-of-slab',
          rule,
          link,
          fromBase,
          rule.cls,
          `${say}, out of its slab ${hexAddress(rule.slab.start)} into slab ${hexAddress(slab.start)}`,
        );
        return { nodes, end: 'out-of-slab' };
      }
      const offset = address - slab.start;
      const slot = Math.floor(offset / stride);
      const into = offset - slot * stride;
      if (into !== 0) {
        report(
          'next-corrupt',
          rule,
          link,
          fromBase,
          rule.cls,
          into === layout.userOffset
            ? `${say}, a USER pointer where the BASE belongs`
            : `${say}, ${into} bytes into a C${rule.cls} block: no block's start`,
        );
        return { nodes, end: 'corrupt' };
      }
      if (slot >= slab.carved) {
        report('next-corrupt', rule, link, fromBase, rule.cls, `${say}, block ${slot} of a slab that has carved only ${slab.carved}`);
        return { nodes, end: 'corrupt' };
      }
      // the link is a carved block's start of the right class and slab: a BASE
      const base = basePtr(address);
      // Brent: a node seen before closes a loop
      if (address === tortoise) {
        // the walk may have gone round more than once before the tortoise sat in the loop: keep the first lap
        const firstAt = new Map<BasePtr, number>();
        let lap = 0;
        while (lap < nodes.length && !firstAt.has(nodes[lap]!.base)) firstAt.set(nodes[lap]!.base, lap++);
        const kept = nodes.slice(0, lap);
        const closing = kept[kept.length - 1]!; // the tortoise sits on a node the walk pushed: the first lap holds one at least
        const loopStart = lap < nodes.length ? nodes[lap]!.base : base;
        const mu = firstAt.get(loopStart) ?? 0;
        report(
          'freelist-cycle',
          rule,
          BigInt(loopStart),
          closing.base,
          rule.cls,
          `${rule.name} loops: the block at ${hexAddress(closing.base)} links back to ${hexAddress(loopStart)}, node ${mu} of the chain (${kept.length - mu} blocks in the loop)`,
        );
        return { nodes: kept, end: 'cycle' };
      }
      steps++;
      if (steps === power) {
        tortoise = address;
        power *= 2;
        steps = 0;
      }
      if (nodes.length >= bound) {
        report(
          'freelist-cycle',
          rule,
          link,
          fromBase,
          rule.cls,
          `${rule.name} runs past ${bound} blocks, more than its class has: it loops`,
        );
        return { nodes, end: 'cycle' };
      }
      if (slot * stride + nextOffset + 8 > slab.blocks.length) return { nodes, end: 'unreadable' };
      const word = words.says(slab, offset);
      if (word === 'in-use') {
        report('next-corrupt', rule, link, fromBase, rule.cls, `${say}, a block in use (its check word says so)`);
        return { nodes, end: 'corrupt' };
      }
      if (word === 'rewritten')
        report(
          'next-corrupt',
          rule,
          BigInt(address),
          base,
          rule.cls,
          `${rule.name}: the free block at ${hexAddress(address)} holds a link written after it was freed (its check word is for another link)`,
        );
      nodes.push({ base, user: userFromBase(base, layout) });
      if (!shared) {
        const first = owners.get(address);
        if (first !== undefined && first !== rule.name) {
          shared = true;
          report(
            'double-free',
            rule,
            link,
            base,
            rule.cls,
            `the block at ${hexAddress(address)} is in ${first} and in ${rule.name}: freed twice`,
          );
        } else owners.set(address, rule.name);
      }
      if (!nextCoversHeader(layout, rule.cls)) {
        const header = slab.blocks[offset + layout.headerOffset];
        // a byte past what was read of the slab says nothing
        if (header !== undefined && header !== headerFor(layout, rule.cls))
          report(
            'header-corrupt',
            rule,
            BigInt(userFromBase(base, layout)),
            base,
            rule.cls,
            `${rule.name}: the free block at ${hexAddress(address)} has header byte ${hexAddress(header)}, not ${hexAddress(headerFor(layout, rule.cls))} (C${rule.cls})`,
          );
      }
      from = `the block at ${hexAddress(address)}`;
      fromBase = base;
      link = linkAt(slab, offset + nextOffset) as bigint;
    }
  };
}
