// pointer-label.ts — what a pointer is in a stopped heap, in words: "USER of a C4
// block, free in thread 1's cache", or "BASE of …" where a BASE sits where a USER
// belongs. Pure: the heap state of the stop (heap-state.ts) says where the block
// is and what it is; the image's chains say which list holds it.
import { BLOCK_STATE_NAMES, BlockState, hex, type HeapState } from '../core';
import type { HeapImage } from './heap-image';

export interface PointerTarget {
  readonly address: number;
  /** the block's BASE, its slab's start, class and slot */
  readonly base: number;
  readonly slab: number;
  readonly cls: number;
  readonly slot: number;
  /** what part of the block the address names */
  readonly part: 'BASE' | 'USER' | 'interior';
  /** the list that holds the block, when one does: "thread 1's cache" */
  readonly list: string | null;
  readonly state: string;
  readonly label: string;
}

/** Where each free block of the image is listed, by BASE. */
export function listsOf(image: HeapImage): Map<number, string> {
  const lists = new Map<number, string>();
  for (const thread of image.threads)
    for (const cache of thread.caches)
      for (const node of cache.nodes) if (!lists.has(node.base)) lists.set(node.base, `thread ${thread.thread}'s cache`);
  for (const slab of image.slabs) {
    for (const node of slab.freelist.nodes) if (!lists.has(node.base)) lists.set(node.base, `slab ${hex(slab.start)}'s freelist`);
    for (const node of slab.remote.nodes) if (!lists.has(node.base)) lists.set(node.base, `slab ${hex(slab.start)}'s remote queue`);
  }
  return lists;
}

/** The block `address` lands in, or null when it is in no slab of ours. */
export function pointerTarget(state: HeapState, lists: ReadonlyMap<number, string>, address: number): PointerTarget | null {
  const at = state.locate(address);
  if (!at) return null;
  const { slab, slot, within } = at;
  const base = slab.baseOf(slot);
  const userOffset = state.layout.userOffset;
  const part = within === 0 ? 'BASE' : within === userOffset ? 'USER' : 'interior';
  const list = lists.get(base) ?? null;
  const blockState = slab.state[slot]!; // a location's slot is below its slab's capacity
  const where = list
    ? `free in ${list}`
    : blockState === BlockState.Allocated
      ? `in use${slab.owner ? ` (its slab is thread ${slab.owner}'s)` : ''}`
      : (BLOCK_STATE_NAMES[blockState] ?? 'unknown');
  const what = part === 'interior' ? `${within} bytes into` : `${part} of`;
  return {
    address,
    base,
    slab: slab.start,
    cls: slab.cls,
    slot,
    part,
    list,
    state: BLOCK_STATE_NAMES[blockState] ?? 'unknown',
    label: `${what} a C${slab.cls} block, ${where}`,
  };
}

/** The first address a debugger's text of a value holds: `0x7ffff7810191 "AAAA"`, `(char *) 0x…`. */
export function addressInValue(text: string): number | null {
  const match = /\b0x([0-9a-fA-F]{1,16})\b/.exec(text);
  if (!match) return null;
  const value = Number(BigInt(`0x${match[1]}`));
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** A pointer value's leading address, `(char *) 0x…` or `0x…`, and where its text ends. */
const LEADING_POINTER = /^\s*(?:\([^()]*\)\s*)?0x([0-9a-fA-F]{1,16})\b/;

/**
 * The address a debugger's text of a pointer value starts with: `0x7ffff7810191`,
 * `0x7ffff7810191 "AAAA"`, `(char *) 0x…`. A value that only holds an address
 * further on (a string's text, a struct's summary) is no pointer.
 */
export function pointerInValue(text: string): number | null {
  const match = LEADING_POINTER.exec(text);
  if (!match) return null;
  const value = Number(BigInt(`0x${match[1]}`));
  return Number.isSafeInteger(value) && value > 0 ? value : null;
}

/** The block a pointer value's text lands in, or null when it is no pointer or in no slab of ours. */
export function valueTarget(state: HeapState, lists: ReadonlyMap<number, string>, text: string): PointerTarget | null {
  const address = pointerInValue(text);
  return address === null ? null : pointerTarget(state, lists, address);
}

/**
 * A pointer value's text with what it points at right after its address, as gdb puts
 * a symbol there: `0x7ffff7810191 (USER of a C4 block, free in thread 1's cache) "AAAA"`.
 * After the address, not at the end: the Variables view cuts a long value at its
 * right edge, and a string's text would push the label out of sight. The text
 * unchanged when it lands in no block of ours, or already says so.
 */
export function labelledValue(state: HeapState, lists: ReadonlyMap<number, string>, text: string): string {
  const target = valueTarget(state, lists, text);
  const match = target && LEADING_POINTER.exec(text);
  if (!target || !match) return text;
  const said = ` (${target.label})`;
  const at = match[0].length;
  return text.startsWith(said, at) ? text : `${text.slice(0, at)}${said}${text.slice(at)}`;
}
