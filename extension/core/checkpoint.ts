// checkpoint.ts — the heap model written to bytes and read back, so a trace
// file can restart the model anywhere without replaying from the start.
// Layout: u32 JSON length, the JSON (structure), zero padding to 8, then each
// slab's per-block arrays for its first `extent` blocks, in a fixed order.
// Format 2 adds what the detectors and the finding set keep between events, so a
// finding whose evidence spans a checkpoint is found after a seek too; a format 1
// checkpoint (no `format`) restores the heap state and the detectors start blind.

import { crc32 } from 'node:zlib';
import type { Handshake } from './decoder';
import type { FindingSetMemory } from './findings';
import { DetectorMemoryError, HeapModel, type DetectorMemory, SlabModel, SuperslabModel, type ModelOptions } from './model';
import type { EventOrder, PendingState } from './order';
import type { BasePtr } from './pointers';

interface SlabEntry {
  start: number;
  index: number;
  cls: number;
  owner: number;
  used: number;
  carved: number;
  extent: number;
  /** BASEs, as the engine wrote them */
  freelist: BasePtr[];
  remote: BasePtr[];
}
/** the checkpoint format this engine writes, and the newest it reads */
export const CHECKPOINT_FORMAT = 2;

interface CheckpointJson {
  /** absent in format 1 */
  format?: number;
  eventCount: number;
  lostEvents: number;
  superslabs: number[];
  slabs: SlabEntry[];
  threads: {
    id: number;
    exited: boolean;
    events: number;
    caches: BasePtr[][];
    known: boolean[];
    /** format 2: the link last read (base, value, event) and the operation in progress (event, pc, stack) */
    lastRead?: [BasePtr | -1, number, number];
    lastOp?: [number, number, number[] | null] | null;
  }[];
  freeRoutes: number[][];
  allocRoutes: number[][];
  /** events waiting in the cross-thread order when it was taken */
  order: { merging: boolean; pending: PendingState[] };
  /** format 2: each detector's memory, by its name, and the finding set's */
  detectors?: Record<string, DetectorMemory>;
  findings?: FindingSetMemory;
}

type BlockArray = 'state' | 'holder' | 'next' | 'header' | 'allocEvent' | 'allocPc' | 'freeEvent' | 'freePc' | 'freeThread';
const ARRAYS: readonly BlockArray[] = ['next', 'allocEvent', 'allocPc', 'freeEvent', 'freePc', 'holder', 'freeThread', 'header', 'state'];

function extentOf(slab: SlabModel): number {
  let extent = Math.max(slab.carved, 0);
  for (let slot = slab.capacity - 1; slot >= extent; slot--)
    // a link that spills past its block writes the next block's header byte, carved or not
    if (slab.state[slot] !== 0 || slab.allocEvent[slot] !== -1 || slab.freeEvent[slot] !== -1 || slab.header[slot] !== -1) return slot + 1;
  return Math.min(extent, slab.capacity);
}

export function writeCheckpoint(model: HeapModel, order: EventOrder): Uint8Array {
  const slabs: SlabModel[] = [];
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    eventCount: model.eventCount,
    lostEvents: model.lostEvents,
    superslabs: [...model.superslabs.keys()],
    slabs: [],
    threads: [...model.threads.values()].map((t) => ({
      id: t.id,
      exited: t.exited,
      events: t.events,
      caches: t.caches,
      known: t.known,
      lastRead: [t.lastRead.base, t.lastRead.value, t.lastRead.event],
      lastOp: t.lastOp && [t.lastOp.event, t.lastOp.pc, t.lastOp.stack],
    })),
    freeRoutes: model.freeRoutes.map((row) => [...row]),
    allocRoutes: model.allocRoutes.map((row) => [...row]),
    order: order.saveState(),
    detectors: model.saveDetectors(),
    findings: model.findings.save(model.eventCount),
  };
  for (const superslab of model.superslabs.values())
    for (const slab of superslab.slabs)
      if (slab) {
        slabs.push(slab);
        json.slabs.push({
          start: slab.start,
          index: slab.index,
          cls: slab.cls,
          owner: slab.owner,
          used: slab.used,
          carved: slab.carved,
          extent: extentOf(slab),
          freelist: slab.freelist,
          remote: slab.remote,
        });
      }
  const text = new TextEncoder().encode(JSON.stringify(json));
  const head = (4 + text.length + 7) & ~7;
  let size = head;
  // json.slabs[i] describes slabs[i]: the loop above pushed both
  slabs.forEach((slab, i) => {
    for (const name of ARRAYS) size += pad8(json.slabs[i]!.extent * slab[name].BYTES_PER_ELEMENT);
  });
  const out = new Uint8Array(size);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 4);
  let at = head;
  slabs.forEach((slab, i) => {
    const extent = json.slabs[i]!.extent;
    for (const name of ARRAYS) {
      const array = slab[name];
      const bytes = new Uint8Array(array.buffer, array.byteOffset, extent * array.BYTES_PER_ELEMENT);
      out.set(bytes, at);
      at += pad8(bytes.length);
    }
  });
  return out;
}

export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}

/** The CRC-32 a trace file's index keeps of each checkpoint, so a damaged one is never restored. */
export function checkpointChecksum(bytes: Uint8Array): number {
  return crc32(bytes);
}

/**
 * Why a checkpoint cannot be trusted to stand for the model after `event` events
 * (null when it can): its checksum (when the index keeps one) or, for files written
 * before checksums, its structure.
 */
export function checkpointFault(bytes: Uint8Array, event: number, checksum: number | undefined): string | null {
  if (checksum !== undefined) return checkpointChecksum(bytes) === checksum ? null : 'does not match its checksum';
  if (bytes.length < 4) return 'is shorter than its header';
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + length > bytes.length) return `has a structure of ${length} bytes that runs past its ${bytes.length}`;
  try {
    const json = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))) as Partial<CheckpointJson>;
    return json.eventCount === event ? null : `holds the model after event ${String(json.eventCount)}, not ${event}`;
  } catch (error) {
    return `has a structure that is not JSON: ${(error as Error).message}`;
  }
}

/** Restores the model, and the order's waiting events into `order`. */
export function readCheckpoint(bytes: Uint8Array, handshake: Handshake, order: EventOrder, options: Partial<ModelOptions> = {}): HeapModel {
  if (bytes.length < 4) throw new CheckpointError('checkpoint shorter than its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  if (4 + length > bytes.length) throw new CheckpointError(`checkpoint structure of ${length} bytes runs past its ${bytes.length}`);
  let json: CheckpointJson;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)));
  } catch (error) {
    throw new CheckpointError(`checkpoint structure is not JSON: ${(error as Error).message}`);
  }
  const format = json.format ?? 1;
  if (!Number.isInteger(format) || format < 1 || format > CHECKPOINT_FORMAT)
    throw new CheckpointError(`checkpoint format ${String(json.format)} is not one this engine reads (1 to ${CHECKPOINT_FORMAT})`);
  const model = new HeapModel(handshake, options);
  const layout = handshake.layout;
  model.eventCount = json.eventCount;
  model.lostEvents = json.lostEvents;
  for (const base of json.superslabs) model.superslabs.set(base, new SuperslabModel(base, layout.slabsPerSuperslab));
  let at = (4 + length + 7) & ~7;
  for (const entry of json.slabs) {
    if (entry.cls < 0 || entry.cls >= layout.classes.length)
      throw new CheckpointError(`checkpoint slab ${entry.start} has class ${entry.cls}`);
    const slab = new SlabModel(entry.start, entry.index, entry.cls, layout, entry.owner);
    slab.used = entry.used;
    slab.carved = entry.carved;
    slab.freelist.push(...entry.freelist);
    slab.remote.push(...entry.remote);
    if (entry.extent > slab.capacity)
      throw new CheckpointError(`checkpoint slab ${entry.start} has ${entry.extent} blocks, capacity ${slab.capacity}`);
    for (const name of ARRAYS) {
      const array = slab[name];
      const length = entry.extent * array.BYTES_PER_ELEMENT;
      if (at + length > bytes.length) throw new CheckpointError(`checkpoint ends inside slab ${entry.start}`);
      new Uint8Array(array.buffer, array.byteOffset, length).set(bytes.subarray(at, at + length));
      at += pad8(length);
    }
    const superslab = model.superslabs.get(entry.start - (entry.start % layout.superslabSize));
    if (!superslab) throw new CheckpointError(`checkpoint slab ${entry.start} is in no superslab`);
    superslab.slabs[entry.index] = slab;
  }
  for (const entry of json.threads) {
    const thread = model.thread(entry.id);
    thread.exited = entry.exited;
    thread.events = entry.events;
    entry.caches.forEach((chain, cls) => thread.caches[cls]?.push(...chain));
    entry.known.forEach((known, cls) => (thread.known[cls] = known));
    if (entry.lastRead) [thread.lastRead.base, thread.lastRead.value, thread.lastRead.event] = entry.lastRead;
    if (entry.lastOp) thread.lastOp = { event: entry.lastOp[0], pc: entry.lastOp[1], stack: entry.lastOp[2] };
  }
  json.freeRoutes.forEach((row, i) => model.freeRoutes[i]?.set(row));
  json.allocRoutes.forEach((row, i) => model.allocRoutes[i]?.set(row));
  order.restoreState(json.order);
  if (json.detectors) {
    try {
      model.restoreDetectors(json.detectors);
    } catch (error: unknown) {
      if (error instanceof DetectorMemoryError) throw new CheckpointError(`checkpoint of event ${json.eventCount}: ${error.message}`);
      throw error;
    }
  }
  if (json.findings) {
    const { recent, losses } = json.findings;
    if (!Array.isArray(recent) || !Array.isArray(losses))
      throw new CheckpointError(`checkpoint of event ${json.eventCount}: the finding set's memory is not lists`);
    model.findings.restore(json.findings);
  }
  return model;
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}
