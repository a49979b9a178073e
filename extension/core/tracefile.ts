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
//   index: JSON { version, checkpoints, frames, findings, summary, errors }

import { closeSync, fstatSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { writeCheckpoint, readCheckpoint } from './checkpoint';
import { Decoder, type DecodeError, type DecodeSink, type EventBatch, type Handshake, type LostRecord, type CrashRecord, type SlabBytesRecord } from './decoder';
import { eventAt, hex, type TraceEvent } from './events';
import { FINDING_KINDS, type Finding, type FindingKind } from './findings';
import { HeapModel, type ModelOptions } from './model';
import { EVENT_SIZE, FREE_ROUTE_NAMES, ALLOC_ROUTE_NAMES, WIRE_MAGIC } from './protocol';
import { TraceSession, type SessionListener } from './session';

export const TRACE_FILE_MAGIC = 'HKTRACE\0';
export const TRACE_FILE_VERSION = 1;
const HEADER_SIZE = 64;
/** events between checkpoints: a seek replays at most this many */
export const DEFAULT_CHECKPOINT_INTERVAL = 1 << 17;
/** events between frame index entries: reading one event decodes at most about this many */
const FRAME_INDEX_INTERVAL = 4096;

export interface CheckpointEntry { event: number; streamOffset: number; dataOffset: number; dataLength: number }
/** [stream offset of a frame, index of its first event, its first event's time in ns] */
export type FrameEntry = [number, number, number];

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
  frames: FrameEntry[];
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
 * Records a session into a trace file as it goes: stream bytes now, checkpoints
 * to a side file, index at the end. Call `write` with every chunk before the
 * session is fed it, and `close` when the session is finished.
 */
export class TraceRecorder implements SessionListener {
  private readonly fd: number;
  private readonly sideFd: number;
  private readonly sidePath: string;
  private streamLength = 0;
  private sideLength = 0;
  private readonly checkpoints: CheckpointEntry[] = [];
  private readonly frames: FrameEntry[] = [];
  private nextCheckpoint: number;
  private nextFrameEntry = 0;
  private firstNs = -1;
  private lastNs = 0;
  private readonly threadIds = new Set<number>();

  constructor(readonly path: string, private readonly session: TraceSession, private readonly interval = DEFAULT_CHECKPOINT_INTERVAL) {
    this.fd = openSync(`${path}.part`, 'w', 0o600);
    this.sidePath = `${path}.checkpoints`;
    this.sideFd = openSync(this.sidePath, 'w+', 0o600);
    writeSync(this.fd, new Uint8Array(HEADER_SIZE), 0, HEADER_SIZE, 0);
    this.nextCheckpoint = interval;
    session.listeners.push(this);
  }

  write(chunk: Uint8Array): void {
    writeSync(this.fd, chunk, 0, chunk.length, HEADER_SIZE + this.streamLength);
    this.streamLength += chunk.length;
  }

  events(batch: EventBatch, firstIndex: number): void {
    const model = this.session.model!;
    this.threadIds.add(batch.thread);
    const o = batch.at;
    const timeNs = batch.bytes[o] + batch.bytes[o + 1] * 256 + batch.bytes[o + 2] * 65536 + batch.bytes[o + 3] * 16777216 +
      (batch.bytes[o + 4] + batch.bytes[o + 5] * 256 + batch.bytes[o + 6] * 65536 + batch.bytes[o + 7] * 16777216) * 4294967296;
    if (this.firstNs < 0) this.firstNs = timeNs;
    this.lastNs = Math.max(this.lastNs, timeNs);
    const wholeFrame = batch.streamOffset === batch.frameOffset + 24 && batch.streamOffset + batch.count * EVENT_SIZE === batch.frameEnd;
    if (!wholeFrame) return;
    if (firstIndex >= this.nextFrameEntry) {
      this.frames.push([batch.frameOffset, firstIndex, timeNs]);
      this.nextFrameEntry = firstIndex + FRAME_INDEX_INTERVAL;
    }
    if (model.eventCount >= this.nextCheckpoint) {
      const blob = writeCheckpoint(model);
      writeSync(this.sideFd, blob, 0, blob.length, this.sideLength);
      this.checkpoints.push({ event: model.eventCount, streamOffset: batch.frameEnd, dataOffset: this.sideLength, dataLength: blob.length });
      this.sideLength += blob.length;
      this.nextCheckpoint = model.eventCount + this.interval;
    }
  }

  /** Writes checkpoints and index after the stream and completes the header; returns the index. */
  close(): TraceIndex {
    const model = this.session.model;
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
    const index: TraceIndex = {
      version: TRACE_FILE_VERSION,
      eventCount: model?.eventCount ?? 0,
      checkpoints: this.checkpoints.map((entry) => ({ ...entry, dataOffset: entry.dataOffset + checkpointsAt })),
      frames: this.frames,
      findings: model ? model.findings.all.map(serializeFinding) : [],
      summary: model ? summarize(model, this.threadIds.size, Math.max(0, this.firstNs), this.lastNs) : emptySummary(),
      errors: this.session.errors.map((error) => ({ code: error.code, offset: error.offset, message: error.message, fatal: error.fatal })),
    };
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

/** Collects the events of one stretch of a stream (for reading events by index). */
class EventCollector implements DecodeSink {
  readonly collected: TraceEvent[] = [];
  index = 0;
  constructor(private readonly from: number, private readonly to: number) {}
  handshake(): void {}
  events(batch: EventBatch): void {
    for (let i = 0; i < batch.count && this.index < this.to; i++, this.index++)
      if (this.index >= this.from) this.collected.push(eventAt(batch, i, this.index));
  }
  lost(): void {}
  crash(): void {}
  slabBytes(): void {}
  end(): void {}
  error(): void {}
  get done(): boolean {
    return this.index >= this.to;
  }
}

/** Applies events to a model until it holds `target` of them. */
class Replayer implements DecodeSink {
  constructor(readonly model: HeapModel, private readonly target: number) {}
  handshake(): void {}
  events(batch: EventBatch): void {
    const model = this.model;
    for (let i = 0, o = batch.at; i < batch.count && model.eventCount < this.target; i++, o += EVENT_SIZE) model.apply(batch.bytes, o, batch.thread);
  }
  lost(record: LostRecord): void {
    if (this.model.eventCount < this.target) this.model.onLost(record);
  }
  crash(record: CrashRecord): void {
    if (this.model.eventCount < this.target) this.model.onCrash(record);
  }
  slabBytes(record: SlabBytesRecord): void {
    if (this.model.eventCount < this.target) this.model.onSlabBytes(record);
  }
  end(): void {
    this.model.ended = true;
  }
  error(_error: DecodeError): void {}
  get done(): boolean {
    return this.model.eventCount >= this.target;
  }
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
    const checkpoints: Uint8Array[] = [];
    const entries: CheckpointEntry[] = [];
    const frames: FrameEntry[] = [];
    let nextCheckpoint = DEFAULT_CHECKPOINT_INTERVAL, nextFrame = 0, firstNs = -1, lastNs = 0;
    const threads = new Set<number>();
    session.listeners.push({
      events(batch, firstIndex) {
        const model = session.model!;
        threads.add(batch.thread);
        const t = Number(new DataView(batch.bytes.buffer, batch.bytes.byteOffset + batch.at, 8).getBigUint64(0, true));
        if (firstNs < 0) firstNs = t;
        lastNs = Math.max(lastNs, t);
        if (batch.streamOffset !== batch.frameOffset + 24 || batch.streamOffset + batch.count * EVENT_SIZE !== batch.frameEnd) return;
        if (firstIndex >= nextFrame) {
          frames.push([batch.frameOffset, firstIndex, t]);
          nextFrame = firstIndex + FRAME_INDEX_INTERVAL;
        }
        if (model.eventCount >= nextCheckpoint) {
          entries.push({ event: model.eventCount, streamOffset: batch.frameEnd, dataOffset: checkpoints.length, dataLength: 0 });
          checkpoints.push(writeCheckpoint(model));
          nextCheckpoint = model.eventCount + DEFAULT_CHECKPOINT_INTERVAL;
        }
      },
    });
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
    const index: TraceIndex = {
      version: TRACE_FILE_VERSION, eventCount: model.eventCount, checkpoints: entries, frames,
      findings: model.findings.all.map(serializeFinding), summary: summarize(model, threads.size, Math.max(0, firstNs), lastNs),
      errors: session.errors.map((error) => ({ code: error.code, offset: error.offset, message: error.message, fatal: error.fatal })),
    };
    return new TraceFile(fd, path, model.handshake, index, streamStart, streamLength, options, checkpoints);
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The model after exactly `n` events (0..eventCount): the nearest checkpoint at or before, then a replay. */
  seek(n: number): HeapModel {
    const target = Math.max(0, Math.min(Math.floor(n), this.eventCount));
    const checkpoint = this.checkpointBefore(target);
    const model = checkpoint ? this.loadCheckpoint(checkpoint) : new HeapModel(this.handshake, this.options);
    const replayer = new Replayer(model, target);
    const decoder = new Decoder(replayer);
    const from = checkpoint ? checkpoint.streamOffset : this.handshake.bytes.length;
    decoder.resumeAt(this.handshake, from);
    if (model.eventCount < target) this.pump(decoder, from, () => replayer.done);
    return model;
  }

  /** Up to `count` events from index `from`, as objects. */
  readEvents(from: number, count: number): TraceEvent[] {
    const start = Math.max(0, from), end = Math.min(this.eventCount, from + count);
    if (end <= start) return [];
    const frames = this.index.frames;
    let lo = 0, hi = frames.length - 1, entry: FrameEntry | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (frames[mid][1] <= start) { entry = frames[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    const collector = new EventCollector(start, end);
    collector.index = entry ? entry[1] : 0;
    const decoder = new Decoder(collector);
    decoder.resumeAt(this.handshake, entry ? entry[0] : this.handshake.bytes.length);
    this.pump(decoder, entry ? entry[0] : this.handshake.bytes.length, () => collector.done);
    return collector.collected;
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

  private loadCheckpoint(entry: CheckpointEntry): HeapModel {
    let bytes: Uint8Array;
    if (this.memoryCheckpoints) bytes = this.memoryCheckpoints[entry.dataOffset];
    else {
      bytes = new Uint8Array(entry.dataLength);
      readSync(this.fd, bytes, 0, entry.dataLength, entry.dataOffset);
    }
    return readCheckpoint(bytes, this.handshake, this.options);
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
  if (!Array.isArray(index.checkpoints) || !Array.isArray(index.frames) || !Array.isArray(index.findings)) bad('lacks checkpoints, frames or findings');
  let last = -1;
  for (const entry of index.checkpoints) {
    if (!(entry.event > last && entry.event <= index.eventCount && entry.streamOffset <= streamLength && entry.dataOffset + entry.dataLength <= size)) bad(`has a checkpoint out of place (event ${entry.event})`);
    last = entry.event;
  }
  for (const frame of index.frames) if (!Array.isArray(frame) || frame.length !== 3 || frame[0] > streamLength) bad('has a frame entry out of place');
  for (const finding of index.findings) if (!FINDING_KINDS.includes(finding.kind)) bad(`has a finding of unknown kind ${String(finding.kind)}`);
}
