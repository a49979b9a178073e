// event-fields.ts — what an event is, in the words a condition, a data breakpoint and
// the Event scope use: its fields by name, the pointer it is about, and the bytes of
// a block it reads or writes.

import { ALLOC_ROUTE_NAMES, EventKind, FREE_ROUTE_NAMES, FreeRoute, ROUTE_SNAPSHOT, type Layout, type TraceEvent } from '../../core';
import type { ConditionValue } from './condition';

/** The names a condition may use. */
export const EVENT_FIELDS = [
  'index',
  'thread',
  'seq',
  'time',
  'kind',
  'cls',
  'route',
  'site',
  'base',
  'ptr',
  'user',
  'value',
  'size',
  'pc',
] as const;

/** The route's name: an alloc's or a free's, '' for other kinds. */
export function routeName(event: TraceEvent): string {
  const route = event.route & ~ROUTE_SNAPSHOT;
  if (event.kind === EventKind.Alloc) return ALLOC_ROUTE_NAMES[route] ?? '';
  if (event.kind === EventKind.Free) return FREE_ROUTE_NAMES[route] ?? '';
  return '';
}

/** Kinds whose BASE field is a block's (not a slab's or a superslab's start, nor a thread's). */
const BLOCK_KINDS = new Set<number>([
  EventKind.Alloc,
  EventKind.Free,
  EventKind.CachePush,
  EventKind.CachePop,
  EventKind.SlabPush,
  EventKind.SlabPop,
  EventKind.NextWrite,
  EventKind.NextRead,
  EventKind.HeaderWrite,
  EventKind.RemotePush,
  EventKind.CheckFail,
]);

export function isBlockEvent(event: TraceEvent): boolean {
  return BLOCK_KINDS.has(event.kind) && event.base !== 0;
}

/** The pointer the event is about as the program saw it: for a free, the pointer passed; else the block's USER. */
export function userPointerOf(event: TraceEvent, layout: Layout): bigint {
  if (event.kind === EventKind.Free) return event.value;
  if (event.kind === EventKind.CheckFail || !isBlockEvent(event)) return BigInt(event.base);
  return BigInt(event.base + layout.userOffset);
}

/** The field `name` of `event`, or undefined when it has none. */
export function eventField(event: TraceEvent, layout: Layout, name: string): ConditionValue | undefined {
  switch (name) {
    case 'index':
      return BigInt(event.index);
    case 'thread':
      return BigInt(event.thread);
    case 'seq':
      return BigInt(event.seq);
    case 'time':
      return BigInt(event.timeNs);
    case 'kind':
      return { name: event.kindName, number: BigInt(event.kind) };
    case 'cls':
      return BigInt(event.cls);
    case 'route':
      return { name: routeName(event), number: BigInt(event.route & ~ROUTE_SNAPSHOT) };
    case 'site':
      return BigInt(event.site);
    case 'base':
      return BigInt(event.base);
    case 'ptr':
    case 'user':
      return userPointerOf(event, layout);
    case 'value':
      return event.value;
    case 'size':
      return event.kind === EventKind.Alloc ? event.value : 0n;
    case 'pc':
      return BigInt(event.pc);
    default:
      return undefined;
  }
}

export type Access = 'read' | 'write';

/** The bytes of a block the event itself reads or writes: a link, a header byte; null for an event that touches none. */
export function bytesTouched(event: TraceEvent, layout: Layout): { start: number; length: number; access: Access } | null {
  if (event.route & ROUTE_SNAPSHOT || event.base === 0) return null;
  switch (event.kind) {
    case EventKind.NextWrite:
    case EventKind.NextRead: {
      const offset = layout.linkOffsets ? event.route : (layout.classes[event.cls]?.nextOffset ?? 0);
      return { start: event.base + offset, length: 8, access: event.kind === EventKind.NextWrite ? 'write' : 'read' };
    }
    case EventKind.HeaderWrite:
      return { start: event.base + layout.headerOffset, length: 1, access: 'write' };
    case EventKind.Free:
      // the header-fast route reads the header byte to learn the class
      return event.route === FreeRoute.HeaderFast ? { start: event.base + layout.headerOffset, length: 1, access: 'read' } : null;
    default:
      return null;
  }
}
