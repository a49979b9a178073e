// heap-image.ts — what a stopped process's heap memory says: every thread cache,
// slab freelist and remote queue as a chain of blocks from its head, each chain
// validated link by link (chain-walk.ts), then its length against its count (a
// remote queue's: remote-count.ts). Pure: works on the bytes heap-reader.ts fetched.
import { basename } from 'node:path';
import { NO_BASE, severityOf, type Finding } from '../core';
import { hexAddress, type ReadStats } from './memory-port';
import { chainWalker, type ChainImage, type ChainRule, type Report } from './chain-walk';
import { checkWords } from './check-words';
import { remoteCountMismatches } from './remote-count';
import type { HeapMemory, SlabMemory } from './heap-reader';

export { CHAIN_ENDS, type ChainEnd, type ChainImage, type NodeImage } from './chain-walk';

export interface CacheImage extends ChainImage {
  readonly cls: number;
  readonly count: number;
}
export interface ThreadImage {
  readonly thread: number;
  readonly address: number;
  readonly caches: readonly CacheImage[];
}
export interface SlabImage {
  readonly start: number;
  readonly cls: number;
  readonly owner: number;
  readonly used: number;
  readonly capacity: number;
  readonly carved: number;
  readonly freelist: ChainImage;
  readonly remote: ChainImage;
}
export interface StopLocation {
  readonly file: string | null;
  readonly line: number | null;
  readonly function: string | null;
}
export interface HeapImage {
  readonly layout: string;
  readonly stoppedAt: StopLocation | null;
  /** every superslab's address: its metadata slab is one of the slabs read */
  readonly superslabs: readonly number[];
  readonly threads: readonly ThreadImage[];
  readonly slabs: readonly SlabImage[];
  readonly findings: readonly Finding[];
  readonly warnings: readonly string[];
  readonly reads: ReadStats;
}

/** Builds the image of `memory`; findings say they were found at `stoppedAt`. */
export function heapImage(memory: HeapMemory, stoppedAt: StopLocation | null): HeapImage {
  const { layout } = memory.structs;
  const slabByStart = new Map<number, SlabMemory>();
  for (const slab of memory.slabs) slabByStart.set(slab.start, slab);
  const findings: Finding[] = [];
  const where = stoppedAt?.file
    ? ` (found while stopped at ${basename(stoppedAt.file)}:${stoppedAt.line ?? '?'})`
    : ' (found while stopped)';

  const words = checkWords(memory, slabByStart);

  const report: Report = (kind, rule, ptr, base, cls, sentence) => {
    findings.push({
      kind,
      severity: severityOf(kind),
      ptr,
      base,
      cls,
      thread: rule.thread,
      event: -1,
      message: `${sentence}${where}`,
      origin: 'engine',
      internalSite: null,
      stacks: { alloc: [], free: [], detect: [] },
      allocEvent: -1,
      freeEvent: -1,
    });
  };

  const walk = chainWalker({ memory, slabByStart, words, report });

  const threads: ThreadImage[] = memory.threads.map((thread) => {
    const caches: CacheImage[] = [];
    thread.heads.forEach((head, cls) => {
      const count = thread.counts[cls]!; // counts, like heads, one per class
      if (head === 0n && count === 0) return;
      const rule: ChainRule = { kind: 'cache', cls, slab: null, thread: thread.id, name: `thread ${thread.id}'s C${cls} cache` };
      const chain = walk(head, rule);
      if (chain.end === 'null' && chain.nodes.length !== count)
        report('count-mismatch', rule, head, NO_BASE, cls, `${rule.name} holds ${chain.nodes.length} blocks; its count says ${count}`);
      caches.push({ cls, count, ...chain });
    });
    return { thread: thread.id, address: thread.address, caches };
  });

  const slabs: SlabImage[] = memory.slabs.map((slab) => {
    const name = `slab ${hexAddress(slab.start)}`;
    const freelistRule: ChainRule = { kind: 'freelist', cls: slab.cls, slab, thread: slab.owner, name: `the freelist of ${name}` };
    const freelist = walk(slab.freelist, freelistRule);
    const remote = walk(slab.remoteHead, { kind: 'remote', cls: slab.cls, slab, thread: slab.owner, name: `the remote queue of ${name}` });
    const free = slab.carved - slab.used;
    if (freelist.end === 'null' && freelist.nodes.length !== free)
      report(
        'count-mismatch',
        freelistRule,
        slab.freelist,
        NO_BASE,
        slab.cls,
        `${freelistRule.name} holds ${freelist.nodes.length} blocks; carved ${slab.carved} less used ${slab.used} says ${free}`,
      );
    return {
      start: slab.start,
      cls: slab.cls,
      owner: slab.owner,
      used: slab.used,
      capacity: slab.capacity,
      carved: slab.carved,
      freelist,
      remote,
    };
  });

  for (const { slab, held, used, cached, live, claimed } of remoteCountMismatches(memory, words, threads, slabs)) {
    const { remote } = slabs[memory.slabs.indexOf(slab)]!;
    const last = remote.nodes.at(-1)?.base ?? NO_BASE;
    const name = `the remote queue of slab ${hexAddress(slab.start)}`;
    report(
      'count-mismatch',
      { kind: 'remote', cls: slab.cls, slab, thread: slab.owner, name },
      slab.remoteHead,
      last,
      slab.cls,
      `${name} holds ${held} blocks; used ${used}, less ${cached} in caches, ${live} in use${claimed ? ` and ${claimed} claimed by a remote free in progress` : ''}, says ${used - cached - live - claimed}${last === NO_BASE ? '' : ` (it ends at the block at ${hexAddress(last)})`}`,
    );
  }

  // a walk that went round a loop more than once met the same bad header again: one finding each
  const said = new Set<string>();
  const once = findings.filter((finding) => {
    const key = `${finding.kind}:${finding.base}:${finding.ptr}`;
    return !said.has(key) && said.add(key) !== undefined;
  });
  return {
    layout: layout.name,
    stoppedAt,
    superslabs: memory.superslabs,
    threads,
    slabs,
    findings: once,
    warnings: memory.warnings,
    reads: memory.reads,
  };
}
