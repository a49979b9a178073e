// targets.ts — names a replay's breakpoints are placed by: the allocator functions a
// function breakpoint may name, and the data targets (a whole block, or bytes such
// as its link or header byte) a data breakpoint's id spells.

import { EVENT_KIND_NAMES, EventKind } from '../../core';

/** An allocator function's name, or an event kind's, to the event kind that stands for one call of it. */
export const ALLOCATOR_FUNCTIONS: ReadonlyMap<string, number> = new Map<string, number>([
  ...['malloc', 'calloc', 'realloc', 'aligned_alloc', 'memalign', 'posix_memalign', 'valloc', 'pvalloc'].map(
    (name) => [name, EventKind.Alloc] as [string, number],
  ),
  ['free', EventKind.Free],
  ...EVENT_KIND_NAMES.flatMap((name, kind) => (name ? [[name, kind] as [string, number]] : [])),
]);

export interface DataTarget {
  /** a whole block (any event about it), or bytes (the events that read or write them) */
  readonly kind: 'block' | 'bytes';
  readonly address: number;
  readonly length: number;
}

/** The id a data breakpoint on `target` is set by: `block:0x…:N` or `bytes:0x…:N`. */
export function dataIdOf(target: DataTarget): string {
  return `${target.kind}:0x${target.address.toString(16)}:${target.length}`;
}

export function dataTargetOf(dataId: string): DataTarget | null {
  const match = /^(block|bytes):0x([0-9a-f]+):(\d+)$/i.exec(dataId);
  if (!match) return null;
  const address = parseInt(match[2]!, 16),
    length = Number(match[3]);
  if (!Number.isSafeInteger(address) || !(length > 0)) return null;
  return { kind: match[1]!.toLowerCase() as DataTarget['kind'], address, length };
}
