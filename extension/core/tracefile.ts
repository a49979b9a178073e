// tracefile.ts — `.hktrace` files: the wire stream as recorded, then model
// checkpoints and an index, so any event of a long trace is reached by
// restoring the nearest checkpoint and replaying at most one interval of
// events, reading only those bytes from disk.
//
// File layout (little-endian), version 1:
//   0  magic "HKTRACE\0"          8  u16 version, u16 header size (64), u32 flags (bit 0: indexed)
//   16 u64 stream offset (64)     24 u64 stream length
//   32 u64 index offset           40 u64 index length
//   48 u64 event count            56 u64 reserved
//   stream bytes (handshake and frames, exactly as the program sent them)
//   checkpoint blobs (checkpoint.ts)
//   index: JSON { version, eventCount, checkpoints, times, findings, summary, errors }

import { closeSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { writeCheckpoint, readCheckpoint } from './checkpoint';
import { Decoder, type DecodeError, type DecodeSink, type EventBatch, type Handshake, type LostRecord, type CrashRecord, type SlabBytesRecord } from './decoder';
import { eventAt, hex, type TraceEvent } from './events';
import { FINDING_KINDS, type Finding, type FindingKind } from './findings';
import { HeapModel, type ModelOptions } from './model';
import { EventOrder } from './order';
import { FREE_ROUTE_NAMES, ALLOC_ROUTE_NAMES, WIRE_MAGIC } from './protocol';
import { TraceSession, type SessionListener } from './session';

export const TRACE_FILE_MAGIC = 'HKTRACE\0';
export const TRACE_FILE_VERSION = 1;
const HEADER_SIZE = 64;
/** events between checkpoints: a seek replays at most this many */
export const DEFAULT_CHECKPOINT_INTERVAL = 1 << 17;
/** a checkpoint waits for a frame boundary where fewer events than this wait in the cross-thread order */
const MAX_PENDING_IN_CHECKPOINT = 1 << 16;

export interface CheckpointEntry { event: number; streamOffset: number; dataOffset: number; dataLength: number }
/** [event index, its time in ns], every few thousand events: for timelines */
export type TimeEntry = [number, number];

export interface TraceSummary {
  events: number;
  threads: number;
  lostEvents: number;
  crashed: boolean;
  ended: boolean;
  durationNs: number;
  findings: Record<string, number>;
  /** per class: allocations by route and frees by route, by name */
  classes: { cls: number | 'other'; allocs: Record<string, number>; frees: Record<string, number> }[];
}

export interface TraceIndex {
  version: number;
  eventCount: number;
  checkpoints: CheckpointEntry[];
  times: TimeEntry[];
  /** [event index, events lost] per lost-event record (absent in files written before it was kept) */
  lost?: [number, number][];
  findings: SerializedFinding[];
  summary: TraceSummary;
  errors: { code: string; offset: number; message: string; fatal: boolean }[];
}

export type SerializedFinding = Omit<Finding, 'ptr'> & { ptr: string };

export class TraceFileError extends Error {
  override readonly name = 'TraceFileError';
  constructor(readonly offset: number, message: string) {
    super(`${message} (at byte offset ${offset})`);
  }
}

export function summarize(model: HeapModel, threads: number, firstNs: number, lastNs: number): TraceSummary {
  const classes = model.freeRoutes.map((frees, i) => ({
    cls: i < model.layout.classes.length ? i : ('other' as const),
    allocs: Object.fromEntries([...model.allocRoutes[i]].map((n, route) => [ALLOC_ROUTE_NAMES[route] || 'none', n]).filter(([name, n]) => n && name !== 'none')),
    frees: Object.fromEntries([...frees].map((n, route) => [FREE_ROUTE_NAMES[route] || 'none', n]).filter(([name, n]) => n && name !== 'none')),
  }));
  const findings: Record<string, number> = {};
  for (const kind of FINDING_KINDS) if (model.findings.count(kind)) findings[kind] = model.findings.count(kind);
  return {
    events: model.eventCount, threads, lostEvents: model.lostEvents, crashed: model.crashes.length > 0, ended: model.ended,
    durationNs: Math.max(0, lastNs - firstNs), findings, classes,
  };
}

export function serializeFinding(finding: Finding): SerializedFinding {
  return { ...finding, ptr: hex(finding.ptr) };
}
export function deserializeFinding(entry: SerializedFinding): Finding {
  if (!FINDING_KINDS.includes(entry.kind as FindingKind)) throw new Error(`unknown finding kind ${entry.kind}`);
  return { ...entry, ptr: BigInt(entry.ptr) };
}

/**
 * Takes a checkpoint at a frame boundary once `interval` events passed since the
 * last one and few events wait in the order; `store` keeps the bytes and says
 * where they went.
 */
class Checkpointer implements SessionListener {
  readonly entries: CheckpointEntry[] = [];
  private next: number;
  constructor(private readonly session: TraceSession, private readonly store: (blob: Uint8Array) => number, private readonly interval: number) {
    this.next = interval;
  }
  boundary(streamEnd: number): void {
    const model = this.session.model!;
    if (model.eventCount < this.next || this.session.order.pendingEvents > MAX_PENDING_IN_CHECKPOINT) return;
    const blob = writeCheckpoint(model, this.session.order);
    this.entries.push({ event: model.eventCount, streamOffset: streamEnd, dataOffset: this.store(blob), dataLength: blob.length });
    this.next = model.eventCount + this.interval;
  }
}

/**
 * Records a session into a trace file as it goes: stream bytes now, checkpoints
 * (at sync frames, every `interval` events) to a side file, index at the end.
 * Call `write` with every chunk before the session is fed it, and `close` when
 * the session is finished.
 */
export class TraceRecorder {
  private readonly fd: number;
  private readonly sideFd: number;
  private readonly sidePath: string;
  private streamLength = 0;
  private sideLength = 0;
  private readonly checkpointer: Checkpointer;

  constructor(readonly path: string, private readonly session: TraceSession, interval = DEFAULT_CHECKPOINT_INTERVAL) {
    this.fd = openSync(`${path}.part`, 'w', 0o600);
    this.sidePath = `${path}.checkpoints`;
    this.sideFd = openSync(this.sidePath, 'w+', 0o600);
    writeSync(this.fd, new Uint8Array(HEADER_SIZE), 0, HEADER_SIZE, 0);
    this.checkpointer = new Checkpointer(session, (blob) => {
      writeSync(this.sideFd, blob, 0, blob.length, this.sideLength);
      this.sideLength += blob.length;
      return this.sideLength - blob.length;
    }, interval);
    session.listeners.push(this.checkpointer);
  }

  write(chunk: Uint8Array): void {
    writeSync(this.fd, chunk, 0, chunk.length, HEADER_SIZE + this.streamLength);
    this.streamLength += chunk.length;
  }

  /** Writes checkpoints and index after the stream and completes the header; returns the index. */
  close(): TraceIndex {
    const checkpointsAt = HEADER_SIZE + this.streamLength;
    const buffer = new Uint8Array(1 << 20);
    for (let done = 0; done < this.sideLength;) {
      const n = readSync(this.sideFd, buffer, 0, Math.min(buffer.length, this.sideLength - done), done);
      if (n <= 0) break;
      writeSync(this.fd, buffer, 0, n, checkpointsAt + done);
      done += n;
    }
    closeSync(this.sideFd);
    unlinkSync(this.sidePath);
    const index = indexOf(this.session, this.checkpointer.entries.map((entry) => ({ ...entry, dataOffset: entry.dataOffset + checkpointsAt })));
    const indexBytes = new TextEncoder().encode(JSON.stringify(index));
    const indexAt = checkpointsAt + this.sideLength;
    writeSync(this.fd, indexBytes, 0, indexBytes.length, indexAt);
    const header = new Uint8Array(HEADER_SIZE);
    const view = new DataView(header.buffer);
    header.set(Array.from(TRACE_FILE_MAGIC, (c) => c.charCodeAt(0)), 0);
    view.setUint16(8, TRACE_FILE_VERSION, true);
    view.setUint16(10, HEADER_SIZE, true);
    view.setUint32(12, 1, true);
    view.setBigUint64(16, BigInt(HEADER_SIZE), true);
    view.setBigUint64(24, BigInt(this.streamLength), true);
    view.setBigUint64(32, BigInt(indexAt), true);
    view.setBigUint64(40, BigInt(indexBytes.length), true);
    view.setBigUint64(48, BigInt(index.eventCount), true);
    writeSync(this.fd, header, 0, HEADER_SIZE, 0);
    closeSync(this.fd);
    renameSync(`${this.path}.part`, this.path);
    return index;
  }
}

function emptySummary(): TraceSummary {
  return { events: 0, threads: 0, lostEvents: 0, crashed: false, ended: false, durationNs: 0, findings: {}, classes: [] };
}

function indexOf(session: TraceSession, checkpoints: CheckpointEntry[]): TraceIndex {
  const model = session.model;
  return {
    version: TRACE_FILE_VERSION,
    eventCount: model?.eventCount ?? 0,
    checkpoints,
    times: session.timeIndex,
    lost: session.lostIndex,
    findings: model ? model.findings.all.map(serializeFinding) : [],
    summary: model ? summarize(model, session.threadIds.size, Math.max(0, session.firstTimeNs), session.lastTimeNs) : emptySummary(),
    errors: session.errors.map((error) => ({ code: error.code, offset: error.offset, message: error.message, fatal: error.fatal })),
  };
}

/**
 * Replays a stretch of the stream through the same cross-thread order as the
 * recording, into a model (seek) or into a list of events (readEvents), until
 * `target` events were applied.
 */
class Replay implements DecodeSink {
  readonly order: EventOrder;
  readonly collected: TraceEvent[] = [];
  constructor(public model: HeapModel, private readonly target: number, private readonly collectFrom = -1) {
    this.order = new EventOrder({
      event: (bytes, at, thread) => {
        const model = this.model;
        if (model.eventCount >= this.target) return;
        if (this.collectFrom >= 0 && model.eventCount >= this.collectFrom) this.collected.push(eventRecord(bytes, at, thread, model.eventCount));
        model.apply(bytes, at, thread);
      },
      lost: (record) => { if (this.model.eventCount < this.target) this.model.onLost(record); },
    });
  }
  handshake(): void {}
  events(batch: EventBatch): void { this.order.events(batch); }
  sync(timeNs: number): void { this.order.sync(timeNs); }
  lost(record: LostRecord): void { this.order.lost(record); }
  crash(record: CrashRecord): void { this.order.flush(); if (this.model.eventCount < this.target) this.model.onCrash(record); }
  slabBytes(record: SlabBytesRecord): void { if (this.model.eventCount < this.target) this.model.onSlabBytes(record); }
  end(): void { this.order.flush(); }
  error(_error: DecodeError): void {}
  get done(): boolean { return this.model.eventCount >= this.target; }
}

function eventRecord(bytes: Uint8Array, at: number, thread: number, index: number): TraceEvent {
  return eventAt({ thread, firstSeq: 0, count: 1, snapshot: false, bytes, at, streamOffset: 0, frameOffset: 0, frameEnd: 0 }, 0, index);
}

/** A trace file opened for reading: seek, read events, findings and summary. */
export class TraceFile {
  private readonly findingsCache: Finding[];

  private constructor(
    private readonly fd: number,
    readonly path: string,
    readonly handshake: Handshake,
    readonly index: TraceIndex,
    private readonly streamStart: number,
    readonly streamLength: number,
    private readonly options: Partial<ModelOptions>,
    /** raw stream files and unfinished recordings are indexed in memory on open */
    private readonly memoryCheckpoints: Uint8Array[] | null,
  ) {
    this.findingsCache = index.findings.map(deserializeFinding);
  }

  get eventCount(): number {
    return this.index.eventCount;
  }
  get findings(): readonly Finding[] {
    return this.findingsCache;
  }
  get summary(): TraceSummary {
    return this.index.summary;
  }

  static open(path: string, options: Partial<ModelOptions> = {}): TraceFile {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const header = new Uint8Array(HEADER_SIZE);
      const got = readSync(fd, header, 0, HEADER_SIZE, 0);
      const magic = String.fromCharCode(...header.subarray(0, 8));
      if (got >= 8 && magic === WIRE_MAGIC) return TraceFile.indexInMemory(fd, path, 0, size, options);
      if (got < HEADER_SIZE || magic !== TRACE_FILE_MAGIC) throw new TraceFileError(0, `${path} is not a Slabscope trace (no "HKTRACE" or "SLABSCP" magic)`);
      const view = new DataView(header.buffer);
      const version = view.getUint16(8, true);
      if (version !== TRACE_FILE_VERSION) throw new TraceFileError(8, `trace file version ${version} is not supported (${TRACE_FILE_VERSION} is)`);
      const flags = view.getUint32(12, true);
      const streamStart = Number(view.getBigUint64(16, true));
      const streamLength = Number(view.getBigUint64(24, true));
      const indexAt = Number(view.getBigUint64(32, true));
      const indexLength = Number(view.getBigUint64(40, true));
      if (!(flags & 1)) return TraceFile.indexInMemory(fd, path, HEADER_SIZE, size - HEADER_SIZE, options);
      if (streamStart !== HEADER_SIZE || streamStart + streamLength > size) throw new TraceFileError(16, `stream of ${streamLength} bytes at ${streamStart} runs past the file's ${size} bytes`);
      if (indexAt < streamStart + streamLength || indexAt + indexLength > size) throw new TraceFileError(32, `index of ${indexLength} bytes at ${indexAt} is outside the file's ${size} bytes`);
      const indexBytes = new Uint8Array(indexLength);
      readSync(fd, indexBytes, 0, indexLength, indexAt);
      let index: TraceIndex;
      try {
        index = JSON.parse(new TextDecoder().decode(indexBytes));
      } catch (error) {
        throw new TraceFileError(indexAt, `the index is not JSON: ${(error as Error).message}`);
      }
      validateIndex(index, indexAt, streamLength, size);
      const handshake = readHandshake(fd, streamStart, streamLength);
      return new TraceFile(fd, path, handshake, index, streamStart, streamLength, options, null);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  /** A raw wire stream (or a recording that never got its index): one pass builds the index in memory. */
  private static indexInMemory(fd: number, path: string, streamStart: number, streamLength: number, options: Partial<ModelOptions>): TraceFile {
    const session = new TraceSession(options);
    const blobs: Uint8Array[] = [];
    // in memory, a checkpoint's "offset" is its place in `blobs`
    const checkpointer = new Checkpointer(session, (blob) => blobs.push(blob) - 1, DEFAULT_CHECKPOINT_INTERVAL);
    session.listeners.push(checkpointer);
    const buffer = new Uint8Array(1 << 20);
    for (let done = 0; done < streamLength;) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, streamLength - done), streamStart + done);
      if (n <= 0) break;
      session.feed(buffer.subarray(0, n));
      done += n;
      if (session.decoder.failed) break;
    }
    session.finish();
    const model = session.model;
    if (!model) {
      const error = session.fatalError;
      throw new TraceFileError(streamStart + (error?.offset ?? 0), `no handshake in ${path}: ${error?.message ?? 'empty stream'}`);
    }
    return new TraceFile(fd, path, model.handshake, indexOf(session, checkpointer.entries), streamStart, streamLength, options, blobs);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The model after exactly `n` events (0..eventCount): the nearest checkpoint at or before, then a replay. */
  seek(n: number): HeapModel {
    const target = Math.max(0, Math.min(Math.floor(n), this.eventCount));
    return this.replay(target, -1).model;
  }

  /** Up to `count` events from index `from`, as objects, in the order the model applies them. */
  readEvents(from: number, count: number): TraceEvent[] {
    const start = Math.max(0, Math.floor(from)), end = Math.min(this.eventCount, start + Math.floor(count));
    if (end <= start) return [];
    return this.replay(end, start).collected;
  }

  private replay(target: number, collectFrom: number): Replay {
    const checkpoint = this.checkpointBefore(collectFrom >= 0 ? collectFrom : target);
    const replay = new Replay(new HeapModel(this.handshake, this.options), target, collectFrom);
    if (checkpoint) replay.model = this.loadCheckpoint(checkpoint, replay.order);
    const from = checkpoint ? checkpoint.streamOffset : this.handshake.bytes.length;
    const decoder = new Decoder(replay);
    decoder.resumeAt(this.handshake, from);
    if (!replay.done) this.pump(decoder, from, () => replay.done);
    if (!replay.done) replay.order.flush();
    return replay;
  }

  private checkpointBefore(target: number): CheckpointEntry | null {
    const list = this.index.checkpoints;
    let lo = 0, hi = list.length - 1, found: CheckpointEntry | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].event <= target) { found = list[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  private loadCheckpoint(entry: CheckpointEntry, order: EventOrder): HeapModel {
    let bytes: Uint8Array;
    if (this.memoryCheckpoints) bytes = this.memoryCheckpoints[entry.dataOffset];
    else {
      bytes = new Uint8Array(entry.dataLength);
      readSync(this.fd, bytes, 0, entry.dataLength, entry.dataOffset);
    }
    return readCheckpoint(bytes, this.handshake, order, this.options);
  }

  private pump(decoder: Decoder, streamOffset: number, done: () => boolean): void {
    const buffer = new Uint8Array(1 << 18);
    for (let at = streamOffset; at < this.streamLength && !done() && !decoder.failed && !decoder.ended;) {
      const n = readSync(this.fd, buffer, 0, Math.min(buffer.length, this.streamLength - at), this.streamStart + at);
      if (n <= 0) break;
      decoder.push(buffer.subarray(0, n));
      at += n;
    }
  }
}

function readHandshake(fd: number, streamStart: number, streamLength: number): Handshake {
  let handshake: Handshake | null = null;
  let failure: DecodeError | null = null;
  const decoder = new Decoder({
    handshake: (h) => (handshake = h), events() {}, lost() {}, crash() {}, slabBytes() {}, end() {},
    error: (error) => { if (error.fatal) failure = error; },
  });
  const buffer = new Uint8Array(1 << 16);
  for (let at = 0; at < streamLength && !handshake && !failure;) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, streamLength - at), streamStart + at);
    if (n <= 0) break;
    // feed only up to the handshake: frames are not wanted here
    decoder.push(buffer.subarray(0, n));
    at += n;
  }
  if (!handshake) throw new TraceFileError(streamStart + ((failure as DecodeError | null)?.offset ?? 0), `no valid handshake: ${(failure as DecodeError | null)?.message ?? 'stream too short'}`);
  return handshake;
}

function validateIndex(index: TraceIndex, at: number, streamLength: number, size: number): void {
  const bad = (what: string) => { throw new TraceFileError(at, `the index ${what}`); };
  if (typeof index !== 'object' || index === null) bad('is not an object');
  if (index.version !== TRACE_FILE_VERSION) bad(`has version ${index.version}`);
  if (!Number.isSafeInteger(index.eventCount) || index.eventCount < 0) bad('has no event count');
  if (!Array.isArray(index.checkpoints) || !Array.isArray(index.times) || !Array.isArray(index.findings)) bad('lacks checkpoints, times or findings');
  let last = -1;
  for (const entry of index.checkpoints) {
    if (!(entry.event > last && entry.event <= index.eventCount && entry.streamOffset <= streamLength && entry.dataOffset + entry.dataLength <= size)) bad(`has a checkpoint out of place (event ${entry.event})`);
    last = entry.event;
  }
  if (index.lost !== undefined && (!Array.isArray(index.lost) || index.lost.some((entry) => !Array.isArray(entry) || entry.length !== 2 || entry[0] > index.eventCount))) bad('has a lost-event entry out of place');
  for (const entry of index.times) if (!Array.isArray(entry) || entry.length !== 2 || entry[0] > index.eventCount) bad('has a time entry out of place');
  for (const finding of index.findings) if (!FINDING_KINDS.includes(finding.kind)) bad(`has a finding of unknown kind ${String(finding.kind)}`);
}
