// events.ts — reading the fields of a 48-byte event record (PROTOCOL §3) where it lies,
// and a plain object form for the places that keep an event (findings, views, tests).
// Each reader takes the offset of a whole record (the decoder delivers only those).

import { u64, u64big, type EventBatch } from './decoder';
import { basePtr, type BasePtr } from './pointers';
import { EVENT_KIND_NAMES, EVENT_SIZE } from './protocol';

export const eventTime = (b: Uint8Array, o: number): number => u64(b, o);
export const eventSeq = (b: Uint8Array, o: number): number => u64(b, o + 8);
export const eventKind = (b: Uint8Array, o: number): number => b[o + 16]! | (b[o + 17]! << 8);
export const eventClass = (b: Uint8Array, o: number): number => b[o + 18]!;
export const eventRoute = (b: Uint8Array, o: number): number => b[o + 19]!;
export const eventSite = (b: Uint8Array, o: number): number =>
  (b[o + 20]! | (b[o + 21]! << 8) | (b[o + 22]! << 16) | (b[o + 23]! << 24)) >>> 0;
/** the event's BASE field (PROTOCOL §3): a block's BASE as the allocator computed it; a slab's or superslab's start for theirs */
export const eventBase = (b: Uint8Array, o: number): BasePtr => basePtr(u64(b, o + 24));
/** the value as a number: exact below 2^53 (addresses, counts); use eventValueBig for raw links */
export const eventValue = (b: Uint8Array, o: number): number => u64(b, o + 32);
export const eventValueBig = (b: Uint8Array, o: number): bigint => u64big(b, o + 32);
export const eventPc = (b: Uint8Array, o: number): number => u64(b, o + 40);

/** One event as an object: for what is kept or shown, not for the hot path. */
export interface TraceEvent {
  /** position in the stream, from 0, over all threads */
  readonly index: number;
  readonly thread: number;
  readonly seq: number;
  readonly timeNs: number;
  readonly kind: number;
  readonly kindName: string;
  readonly cls: number;
  readonly route: number;
  readonly site: number;
  readonly base: BasePtr;
  readonly value: bigint;
  readonly pc: number;
}

export function eventAt(batch: EventBatch, i: number, index: number): TraceEvent {
  const b = batch.bytes,
    o = batch.at + i * EVENT_SIZE;
  const kind = eventKind(b, o);
  return {
    index,
    thread: batch.thread,
    seq: eventSeq(b, o),
    timeNs: eventTime(b, o),
    kind,
    kindName: EVENT_KIND_NAMES[kind] ?? `kind-${kind}`,
    cls: eventClass(b, o),
    route: eventRoute(b, o),
    site: eventSite(b, o),
    base: eventBase(b, o),
    value: eventValueBig(b, o),
    pc: eventPc(b, o),
  };
}

export function hex(value: number | bigint): string {
  return `0x${value.toString(16)}`;
}
