// heap-json.ts — the stable `slabscope-heap` schema of `slabscope inspect --json`:
// addresses as 0x… strings, chains in order from their head, findings in the
// slabscope-report finding schema (their site: where the process was stopped).
import { hex, type ReportFinding } from '../core';
import type { ChainEnd, HeapImage, NodeImage } from './heap-image';

export const HEAP_FORMAT_VERSION = 1;

export interface HeapJsonNode {
  base: string;
  user: string;
}
export interface HeapJson {
  format: 'slabscope-heap';
  version: number;
  layout: string;
  stoppedAt: { file: string | null; line: number | null; function: string | null } | null;
  superslabs: string[];
  threads: { thread: number; caches: { cls: number; count: number; nodes: HeapJsonNode[]; end: ChainEnd }[] }[];
  slabs: {
    start: string;
    cls: number;
    owner: number;
    used: number;
    capacity: number;
    carved: number;
    freelist: HeapJsonNode[];
    freelistEnd: ChainEnd;
    remote: HeapJsonNode[];
    remoteEnd: ChainEnd;
  }[];
  findings: ReportFinding[];
  warnings: string[];
  reads: { requests: number; bytes: number; ms: number };
}

const nodes = (list: readonly NodeImage[]): HeapJsonNode[] => list.map((node) => ({ base: hex(node.base), user: hex(node.user) }));

export function heapJson(image: HeapImage): HeapJson {
  const site =
    image.stoppedAt?.file && image.stoppedAt.line
      ? { file: image.stoppedAt.file, line: image.stoppedAt.line, function: image.stoppedAt.function }
      : null;
  return {
    format: 'slabscope-heap',
    version: HEAP_FORMAT_VERSION,
    layout: image.layout,
    stoppedAt: image.stoppedAt ? { ...image.stoppedAt } : null,
    superslabs: image.superslabs.map((address) => hex(address)),
    threads: image.threads.map((thread) => ({
      thread: thread.thread,
      caches: thread.caches.map((cache) => ({ cls: cache.cls, count: cache.count, nodes: nodes(cache.nodes), end: cache.end })),
    })),
    slabs: image.slabs.map((slab) => ({
      start: hex(slab.start),
      cls: slab.cls,
      owner: slab.owner,
      used: slab.used,
      capacity: slab.capacity,
      carved: slab.carved,
      freelist: nodes(slab.freelist.nodes),
      freelistEnd: slab.freelist.end,
      remote: nodes(slab.remote.nodes),
      remoteEnd: slab.remote.end,
    })),
    findings: image.findings.map((finding) => ({
      kind: finding.kind,
      severity: finding.severity,
      ptr: hex(finding.ptr),
      class: finding.cls,
      thread: finding.thread,
      event: finding.event,
      message: finding.message,
      origin: finding.origin,
      site,
      internalSite: null,
      stacks: { alloc: [], free: [], detect: [] },
    })),
    warnings: [...image.warnings],
    reads: { requests: image.reads.requests, bytes: image.reads.bytes, ms: Math.round(image.reads.ms * 10) / 10 },
  };
}
