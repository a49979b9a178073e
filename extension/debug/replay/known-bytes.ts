// known-bytes.ts — the bytes of the heap a trace knows at an event: each block's header
// byte once written and its link while it is free. Everything else (payloads, bytes
// the trace never showed) is unknown, and a memory read says so rather than guess.

import { BlockState, type HeapModel } from '../../core';

/** The exact link of the block at a BASE, null when not known (ReplayRuntime.linkOf). */
export type LinkOf = (base: number) => bigint | null;

/** The byte at `address` as the trace knows it after the model's last event, or −1. */
export function knownByte(model: HeapModel, address: number, linkOf: LinkOf): number {
  const location = model.locate(address);
  if (!location) return -1;
  const { slab, slot, within } = location;
  const layout = model.layout;
  const nextOffset = layout.classes[slab.cls]?.nextOffset ?? 0;
  const state = slab.state[slot]!;
  const free = state === BlockState.FreeCache || state === BlockState.FreeSlab || state === BlockState.RemotePending;
  const inLink = within >= nextOffset && within < nextOffset + 8 && slab.next[slot]! >= 0;
  const link = inLink ? linkOf(slab.baseOf(slot)) : null;
  const linkByte = link !== null ? Number((link >> BigInt((within - nextOffset) * 8)) & 0xffn) : -1;
  const header = within === layout.headerOffset ? slab.header[slot]! : -1;
  // a free block's link is written over its header byte where they share bytes (C0 and C7 in the hakmem layout)
  if (free && linkByte >= 0) return linkByte;
  return header >= 0 ? header : linkByte;
}

/** A memory read's answer: the known bytes from `address` on, then how many bytes after them are unknown. */
export function readKnown(model: HeapModel, address: number, count: number, linkOf: LinkOf): { data: Uint8Array; unreadable: number } {
  const bytes: number[] = [];
  for (let at = address; at < address + count; at++) {
    const byte = knownByte(model, at, linkOf);
    if (byte < 0) break;
    bytes.push(byte);
  }
  if (bytes.length) return { data: Uint8Array.from(bytes), unreadable: count - bytes.length };
  // nothing known at `address`: say how far the unknown run goes, so a reader asks again after it
  let unknown = 0;
  while (unknown < count && knownByte(model, address + unknown, linkOf) < 0) unknown++;
  return { data: new Uint8Array(0), unreadable: unknown };
}
