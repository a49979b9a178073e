// heap-watch.ts — data breakpoints on a block's link or header byte: where they
// are (the offsets from the layout description of the block's class), the gdb
// expression that watches them, and the request a front end sends the
// slabscope-gdb adapter to keep them (declared once here, validated on arrival).
//
// cdt-gdb-adapter 1.7 takes a data breakpoint as an expression: its address form
// (dataBreakpointInfo with asAddress and bytes > 1) adds the byte count to the
// address as an offset and watches an int there, so a block's 8-byte link would be
// watched at the wrong place and width. An expression of the word's own type
// (`*(void**)0x…`) is watched exactly. (The adapter's reconciling takes a listed
// watchpoint whose text starts with `*` for one it set from an address, so it
// deletes and sets ours again at each setDataBreakpoints: the same watchpoints.)
// VS Code 1.100's API has no DataBreakpoint (vscode.debug.addBreakpoints takes source and
// function breakpoints only; data breakpoints are a proposed API), so the Heap view sends
// the request below through the session's customRequest.
import { hex, type Layout } from '../core';

/** A freelist link is one 64-bit word wherever the layout puts it (the engine reads it so). */
export const LINK_BYTES = 8;

export const WATCH_ACCESS = ['write', 'read', 'readWrite'] as const;
export type WatchAccess = (typeof WATCH_ACCESS)[number];

export const WATCHED_PARTS = ['link', 'header'] as const;
export type WatchedPart = (typeof WATCHED_PARTS)[number];

/** One watched word of a block. */
export interface HeapWatchpoint {
  /** the block's BASE, its class, and which part of it */
  readonly base: number;
  readonly cls: number;
  readonly part: WatchedPart;
  /** the first byte watched, and how many */
  readonly address: number;
  readonly bytes: number;
  readonly accessType: WatchAccess;
}

/** The custom request that sets the heap's data breakpoints of a slabscope-gdb session (all of them, as setDataBreakpoints does). */
export const SET_HEAP_WATCHPOINTS = 'slabscope/setHeapWatchpoints';
export interface SetHeapWatchpointsArguments {
  readonly watchpoints: readonly HeapWatchpoint[];
}
export interface SetHeapWatchpointsResult {
  /** per watchpoint asked for, in order: gdb's breakpoint number, or null where gdb set none */
  readonly watchpoints: readonly { readonly expression: string; readonly number: number | null; readonly verified: boolean }[];
}

export class HeapWatchError extends Error {
  override readonly name = 'HeapWatchError';
}

/** The watchpoint on `part` of the block at `base` of class `cls`, placed by `layout`. */
export function blockWatchpoint(
  layout: Layout,
  base: number,
  cls: number,
  part: WatchedPart,
  accessType: WatchAccess = 'write',
): HeapWatchpoint {
  const sizeClass = layout.classes[cls];
  if (!sizeClass) throw new HeapWatchError(`block ${hex(base)}: the ${layout.name} layout has no class ${cls}`);
  return part === 'link'
    ? { base, cls, part, address: base + sizeClass.nextOffset, bytes: LINK_BYTES, accessType }
    : { base, cls, part, address: base + layout.headerOffset, bytes: 1, accessType };
}

/**
 * What gdb watches for `watchpoint`: the word at its address, as its own type. No
 * spaces: cdt-gdb-adapter passes it to -break-watch unquoted, and MI splits its
 * arguments at spaces (`unsigned char` would be "Garbage following <expression>").
 * A dereference, not a subscript: gdb takes `((void**)0x…)[0]` for a constant it
 * cannot watch.
 */
export function watchExpression(watchpoint: HeapWatchpoint): string {
  const at = hex(watchpoint.address);
  if (watchpoint.bytes === LINK_BYTES) return `*(void**)${at}`;
  if (watchpoint.bytes === 1) return `*(char*)${at}`;
  return `*(char(*)[${watchpoint.bytes}])${at}`;
}

/** An x86-64 processor's debug registers: every hardware watchpoint of a process shares them. */
export const X86_DEBUG_REGISTERS = 4;

/**
 * The x86-64 debug registers gdb takes to watch `bytes` at `address`: one per aligned
 * piece of 1, 2, 4 or 8 bytes, the largest that fits at each step (an 8-byte link at
 * BASE + 1, as the hakmem layout puts C1..C6's, takes all four).
 */
export function x86DebugRegisters(address: number, bytes: number): number {
  let registers = 0;
  for (let at = address, end = address + bytes; at < end; registers++) {
    let size = 8;
    while (size > 1 && (at % size !== 0 || at + size > end)) size /= 2;
    at += size;
  }
  return registers;
}

/** Why `watchpoints` cannot all be watched at once on this processor, or null when they can (or it is no x86-64). */
export function tooManyWatchpoints(watchpoints: readonly HeapWatchpoint[], arch: string = process.arch): string | null {
  if (arch !== 'x64') return null; // another processor's gdb says so itself when the program runs on
  const needs = watchpoints.map((watchpoint) => x86DebugRegisters(watchpoint.address, watchpoint.bytes));
  const total = needs.reduce((sum, n) => sum + n, 0);
  if (total <= X86_DEBUG_REGISTERS) return null;
  const each = watchpoints.map((watchpoint, i) => `${describeWatchpoint(watchpoint)} takes ${needs[i]}`).join('; ');
  return `these ${watchpoints.length} data breakpoints need ${total} debug registers and the processor has ${X86_DEBUG_REGISTERS} (${each}): clear some first`;
}

/** A watchpoint in words: "the link of C4 block 0x… (8 bytes at 0x…)". */
export function describeWatchpoint(watchpoint: HeapWatchpoint): string {
  return `the ${watchpoint.part === 'link' ? 'link' : 'header byte'} of C${watchpoint.cls} block ${hex(watchpoint.base)} (${watchpoint.bytes} byte${watchpoint.bytes === 1 ? '' : 's'} at ${hex(watchpoint.address)})`;
}

const MAX_ADDRESS = 2 ** 47;

/** The request's arguments checked: every field of every watchpoint, or an error that names the first wrong one. */
export function setHeapWatchpointsArguments(value: unknown): SetHeapWatchpointsArguments {
  const list = (value as { watchpoints?: unknown } | null)?.watchpoints;
  if (!Array.isArray(list)) throw new HeapWatchError(`${SET_HEAP_WATCHPOINTS}: watchpoints must be a list`);
  const watchpoints = list.map((entry: unknown, i): HeapWatchpoint => {
    const where = `${SET_HEAP_WATCHPOINTS}: watchpoints[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new HeapWatchError(`${where} must be an object`);
    const { base, cls, part, address, bytes, accessType } = entry as Record<string, unknown>;
    const whole = (name: string, field: unknown, below: number): number => {
      if (typeof field !== 'number' || !Number.isInteger(field) || field < 0 || field >= below)
        throw new HeapWatchError(`${where}.${name} must be a whole number below ${below}, not ${JSON.stringify(field)}`);
      return field;
    };
    if (bytes === 0) throw new HeapWatchError(`${where}.bytes must be at least 1`);
    if (!WATCHED_PARTS.includes(part as WatchedPart))
      throw new HeapWatchError(`${where}.part must be link or header, not ${JSON.stringify(part)}`);
    if (!WATCH_ACCESS.includes(accessType as WatchAccess))
      throw new HeapWatchError(`${where}.accessType must be write, read or readWrite, not ${JSON.stringify(accessType)}`);
    return {
      base: whole('base', base, MAX_ADDRESS),
      cls: whole('cls', cls, 256),
      part: part as WatchedPart,
      address: whole('address', address, MAX_ADDRESS),
      bytes: whole('bytes', bytes, 4097),
      accessType: accessType as WatchAccess,
    };
  });
  return { watchpoints };
}
