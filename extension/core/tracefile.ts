// tracefile.ts — `.hktrace` files: the wire stream as recorded, then model
// checkpoints and an index, so any event of a long trace is reached by
// restoring the nearest checkpoint and replaying at most one interval of
// events, reading only those bytes from disk.
//
// File layout (little-endian), version 1:
//   0  magic "HKTRACE\0"          8  u16 version, u16 header size (64), u32 flags (bit 0: indexed,
//                                    bit 1: index checksum, bit 2: header checksum)
//   16 u64 stream offset (64)     24 u64 stream length
//   32 u64 index offset           40 u64 index length
//   48 u64 event count            56 u32 CRC-32 of the index bytes, u32 CRC-32 of header bytes 0..59
//   stream bytes (handshake and frames, exactly as the program sent them)
//   checkpoint blobs (checkpoint.ts)
//   index: JSON { version, eventCount, checkpoints, times, findings, summary, errors }
// A file damaged after its handshake still opens (see TraceFile.open): the whole
// frames before the damage, indexed again in memory.

import { closeSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { fileBytes, type ByteSource } from './bytes';
import { crc32 } from 'node:zlib';
import { checkpointChecksum, checkpointFault, writeCheckpoint, readCheckpoint } from './checkpoint';
import {
  Decoder,
  type DecodeError,
  type DecodeSink,
  type EventBatch,
  type Handshake,
  type LostRecord,
  type CrashRecord,
  type SlabBytesRecord,
} from './decoder';
import { eventAt, hex, type TraceEvent } from './events';
import { FINDING_KINDS, type Finding, type FindingKind } from './findings';
import { HeapModel, type ModelOptions } from './model';
import { EventOrder } from './order';
import { FREE_ROUTE_NAMES, ALLOC_ROUTE_NAMES, WIRE_MAGIC } from './protocol';
import { TraceSession, type SessionListener } from './session';
import { damageMessage, faultCause, firstDisagreement, frameStartOf, scanStream, type DamageFault, type TraceDamage } from './trace-damage';

export type { TraceDamage } from './trace-damage';

export const TRACE_FILE_MAGIC = 'HKTRACE\0';
export const TRACE_FILE_VERSION = 1;
const HEADER_SIZE = 64;
const FLAG_INDEXED = 1;
const FLAG_INDEX_CHECKSUM = 2;
const FLAG_HEADER_CHECKSUM = 4;
/** events between checkpoints: a seek replays at most this many */
export const DEFAULT_CHECKPOINT_INTERVAL = 1 << 17;
/** a checkpoint waits for a frame boundary where fewer events than this wait in the cross-thread order */
const MAX_PENDING_IN_CHECKPOINT = 1 << 16;

export interface CheckpointEntry {
  event: number;
  streamOffset: number;
  dataOffset: number;
  dataLength: number;
  /** CRC-32 of the checkpoint's bytes (absent in files written before it was kept) */
  crc32?: number;
}
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
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at byte offset ${offset})`);
  }
}

export function summarize(model: HeapModel, threads: number, firstNs: number, lastNs: number): TraceSummary {
  const classes = model.freeRoutes.map((frees, i) => ({
    cls: i < model.layout.classes.length ? i : ('other' as const),
    // allocRoutes has a row for each of freeRoutes'
    allocs: Object.fromEntries(
      [...model.allocRoutes[i]!].map((n, route) => [ALLOC_ROUTE_NAMES[route] || 'none', n]).filter(([name, n]) => n && name !== 'none'),
    ),
    frees: Object.fromEntries(
      [...frees].map((n, route) => [FREE_ROUTE_NAMES[route] || 'none', n]).filter(([name, n]) => n && name !== 'none'),
    ),
  }));
  const findings: Record<string, number> = {};
  for (const kind of FINDING_KINDS) if (model.findings.count(kind)) findings[kind] = model.findings.count(kind);
  return {
    events: model.eventCount,
    threads,
    lostEvents: model.lostEvents,
    crashed: model.crashes.length > 0,
    ended: model.ended,
    durationNs: Math.max(0, lastNs - firstNs),
    findings,
    classes,
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
  constructor(
    private readonly session: TraceSession,
    private readonly store: (blob: Uint8Array) => number,
    private readonly interval: number,
  ) {
    this.next = interval;
  }
  boundary(streamEnd: number): void {
    const model = this.session.model!;
    // never inside the snapshot: a model restored there would take its rest for a new one
    if (model.eventCount < this.next || model.inSnapshot || this.session.order.pendingEvents > MAX_PENDING_IN_CHECKPOINT) return;
    const blob = writeCheckpoint(model, this.session.order);
    this.entries.push({
      event: model.eventCount,
      streamOffset: streamEnd,
      dataOffset: this.store(blob),
      dataLength: blob.length,
      crc32: checkpointChecksum(blob),
    });
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

  constructor(
    readonly path: string,
    private readonly session: TraceSession,
    interval = DEFAULT_CHECKPOINT_INTERVAL,
  ) {
    this.fd = openSync(`${path}.part`, 'w', 0o600);
    this.sidePath = `${path}.checkpoints`;
    this.sideFd = openSync(this.sidePath, 'w+', 0o600);
    writeSync(this.fd, new Uint8Array(HEADER_SIZE), 0, HEADER_SIZE, 0);
    this.checkpointer = new Checkpointer(
      session,
      (blob) => {
        writeSync(this.sideFd, blob, 0, blob.length, this.sideLength);
        this.sideLength += blob.length;
        return this.sideLength - blob.length;
      },
      interval,
    );
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
    const index = indexOf(
      this.session,
      this.checkpointer.entries.map((entry) => ({ ...entry, dataOffset: entry.dataOffset + checkpointsAt })),
    );
    const indexBytes = new TextEncoder().encode(JSON.stringify(index));
    const indexAt = checkpointsAt + this.sideLength;
    writeSync(this.fd, indexBytes, 0, indexBytes.length, indexAt);
    const header = new Uint8Array(HEADER_SIZE);
    const view = new DataView(header.buffer);
    header.set(
      Array.from(TRACE_FILE_MAGIC, (c) => c.charCodeAt(0)),
      0,
    );
    view.setUint16(8, TRACE_FILE_VERSION, true);
    view.setUint16(10, HEADER_SIZE, true);
    view.setUint32(12, FLAG_INDEXED | FLAG_INDEX_CHECKSUM | FLAG_HEADER_CHECKSUM, true);
    view.setBigUint64(16, BigInt(HEADER_SIZE), true);
    view.setBigUint64(24, BigInt(this.streamLength), true);
    view.setBigUint64(32, BigInt(indexAt), true);
    view.setBigUint64(40, BigInt(indexBytes.length), true);
    view.setBigUint64(48, BigInt(index.eventCount), true);
    view.setUint32(56, crc32(indexBytes), true);
    view.setUint32(60, crc32(header.subarray(0, 60)), true);
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
 * `target` events were applied. Lost, crash and slab-bytes records count as
 * before event `target` until an event after it comes: the model after n events
 * is the recording's just before it applied event n.
 */
class Replay implements DecodeSink {
  readonly order: EventOrder;
  readonly collected: TraceEvent[] = [];
  /** an event past the target came: what follows it is after the target too */
  private passed = false;
  constructor(
    public model: HeapModel,
    private readonly target: number,
    private readonly collectFrom = -1,
  ) {
    this.order = new EventOrder({
      event: (bytes, at, thread) => {
        const model = this.model;
        if (model.eventCount >= this.target) {
          this.passed = true;
          return;
        }
        if (this.collectFrom >= 0 && model.eventCount >= this.collectFrom)
          this.collected.push(eventRecord(bytes, at, thread, model.eventCount));
        model.apply(bytes, at, thread);
      },
      lost: (record) => {
        if (!this.passed) this.model.onLost(record);
      },
    });
  }
  handshake(): void {}
  events(batch: EventBatch): void {
    this.order.events(batch);
  }
  sync(timeNs: number): void {
    this.order.sync(timeNs);
  }
  lost(record: LostRecord): void {
    this.order.lost(record);
  }
  crash(record: CrashRecord): void {
    this.order.flush();
    if (!this.passed) this.model.onCrash(record);
  }
  slabBytes(record: SlabBytesRecord): void {
    if (!this.passed) this.model.onSlabBytes(record);
  }
  end(): void {
    this.order.flush();
  }
  error(_error: DecodeError): void {}
  get done(): boolean {
    return this.passed;
  }
}

function eventRecord(bytes: Uint8Array, at: number, thread: number, index: number): TraceEvent {
  return eventAt({ thread, firstSeq: 0, count: 1, snapshot: false, bytes, at, streamOffset: 0, frameOffset: 0, frameEnd: 0 }, 0, index);
}

/** How the stream of a file whose index cannot be used is to be read back. */
interface RecoverySpec {
  streamStart: number;
  /** stream bytes there are to read */
  limit: number;
  /** a raw wire stream (SLABSCOPE_TRACE_FILE): bytes after its end are its own fault, not checkpoints and index */
  raw?: boolean;
  /** the stream's length as the header records it, when it can be believed */
  declared?: number;
  /** what is wrong around the stream (header, index); its offset is the file's, the stream's end when absent */
  around?: { offset?: number; cause: string };
  /** a fault the stream was found to have (its offset the stream's), `limit` being the start of its frame */
  fault?: DamageFault;
}

/** A trace file opened for reading: seek, read events, findings and summary. */
export class TraceFile {
  private readonly findingsCache: Finding[];
  /** the checkpoints a seek may restore: a damaged one is dropped */
  private readonly checkpoints: CheckpointEntry[];

  private constructor(
    private readonly source: ByteSource,
    readonly path: string,
    readonly handshake: Handshake,
    readonly index: TraceIndex,
    private readonly streamStart: number,
    /** the stream bytes a seek reads: up to the damage in a damaged file */
    readonly streamLength: number,
    private readonly options: Partial<ModelOptions>,
    /** raw stream files, unfinished recordings and damaged files are indexed in memory on open */
    private readonly memoryCheckpoints: Uint8Array[] | null,
    /** what was lost when the file is damaged, null when it is whole */
    readonly damage: TraceDamage | null,
  ) {
    this.findingsCache = index.findings.map(deserializeFinding);
    this.checkpoints = index.checkpoints.slice();
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

  /**
   * Opens a trace file, a raw stream, or a damaged or unfinished recording. What
   * cannot be read at all (no magic, an unknown version, no handshake) is refused
   * with a TraceFileError; a file damaged after its handshake opens with the whole
   * frames before the damage, and `damage` says what was lost.
   */
  static open(file: string | ByteSource, options: Partial<ModelOptions> = {}): TraceFile {
    const source = typeof file === 'string' ? fileBytes(file) : file;
    try {
      return TraceFile.read(source, source.name, options);
    } catch (error) {
      source.close();
      throw error;
    }
  }

  private static read(source: ByteSource, path: string, options: Partial<ModelOptions>): TraceFile {
    const size = source.size;
    const header = new Uint8Array(HEADER_SIZE);
    const got = source.read(header, 0, HEADER_SIZE, 0);
    const magic = String.fromCharCode(...header.subarray(0, 8));
    if (got >= 8 && magic === WIRE_MAGIC) return TraceFile.recover(source, path, options, { streamStart: 0, limit: size, raw: true });
    const available = Math.max(0, size - HEADER_SIZE);
    if (magic !== TRACE_FILE_MAGIC) {
      // the header's first bytes are damaged, yet a stream may follow it
      if (got === HEADER_SIZE && hasWireMagic(source, HEADER_SIZE))
        return TraceFile.recover(source, path, options, {
          streamStart: HEADER_SIZE,
          limit: available,
          around: { offset: 0, cause: 'the header has no "HKTRACE" magic' },
        });
      throw new TraceFileError(0, `${path} is not a Slabscope trace (no "HKTRACE" or "SLABSCP" magic)`);
    }
    if (got < HEADER_SIZE) throw new TraceFileError(got, `${path} ends inside its ${HEADER_SIZE}-byte header`);
    const view = new DataView(header.buffer);
    const version = view.getUint16(8, true);
    if (version !== TRACE_FILE_VERSION)
      throw new TraceFileError(8, `trace file version ${version} is not supported (${TRACE_FILE_VERSION} is)`);
    const flags = view.getUint32(12, true);
    const streamStart = Number(view.getBigUint64(16, true));
    const streamLength = Number(view.getBigUint64(24, true));
    const indexAt = Number(view.getBigUint64(32, true));
    const indexLength = Number(view.getBigUint64(40, true));
    const recover = (spec: Omit<RecoverySpec, 'streamStart'>) =>
      TraceFile.recover(source, path, options, { streamStart: HEADER_SIZE, ...spec });
    if (!(flags & FLAG_INDEXED))
      return recover({ limit: available, around: { cause: 'the recording was never finished: no index follows the stream' } });
    // a header whose fields cannot be believed: the stream still starts after it
    if (flags & FLAG_HEADER_CHECKSUM && crc32(header.subarray(0, 60)) !== view.getUint32(60, true))
      return recover({ limit: available, around: { offset: 0, cause: 'the header does not match its checksum' } });
    if (streamStart !== HEADER_SIZE)
      return recover({
        limit: available,
        around: { offset: 16, cause: `the header puts the stream at byte ${streamStart}, not ${HEADER_SIZE}` },
      });
    if (streamLength > available)
      return recover({
        limit: available,
        declared: streamLength,
        around: {
          offset: size,
          cause: `the file ends ${streamLength - available} bytes before the end of its ${streamLength}-byte stream`,
        },
      });
    const indexed = readIndex(source, flags, view, streamStart + streamLength, indexAt, indexLength, size);
    if (typeof indexed === 'object' && 'cause' in indexed) return recover({ limit: streamLength, declared: streamLength, around: indexed });
    const index = indexed;
    const scan = scanStream(source, streamStart, streamLength);
    if (!scan.handshake) {
      const failure = scan.errors.find((error) => error.fatal);
      throw new TraceFileError(streamStart + (failure?.offset ?? 0), `no handshake in ${path}: ${failure?.message ?? 'empty stream'}`);
    }
    const disagreement = firstDisagreement(scan, index.errors, index.eventCount);
    if (disagreement && disagreement.offset < 0)
      return recover({ limit: streamLength, declared: streamLength, around: { offset: indexAt, cause: disagreement.cause } });
    if (disagreement) {
      // the index describes the stream as it was: read back only the whole frames before the fault
      const frameStart = frameStartOf(source, streamStart, scan.handshake.bytes.length, disagreement.offset);
      return recover({ limit: frameStart, declared: streamLength, fault: disagreement });
    }
    const damaged = TraceFile.damagedCheckpoints(source, index);
    let damage: TraceDamage | null = null;
    if (damaged.length) {
      const first = damaged[0]!;
      const cause =
        `checkpoint ${index.checkpoints.indexOf(first.entry) + 1} of ${index.checkpoints.length} (event ${first.entry.event}) ${first.fault}` +
        (damaged.length > 1 ? ` (and ${damaged.length - 1} more)` : '');
      const fields = { offset: first.entry.dataOffset, event: null, bytesLost: 0, endMissing: !index.summary.ended, indexRebuilt: false };
      damage = { ...fields, message: damageMessage(fields, cause, index.eventCount, null) };
    }
    const trusted = { ...index, checkpoints: index.checkpoints.filter((entry) => !damaged.some((bad) => bad.entry === entry)) };
    return new TraceFile(source, path, scan.handshake, trusted, streamStart, streamLength, options, null, damage);
  }

  /** The checkpoints whose bytes do not hold what their index entry says. */
  private static damagedCheckpoints(source: ByteSource, index: TraceIndex): { entry: CheckpointEntry; fault: string }[] {
    const damaged: { entry: CheckpointEntry; fault: string }[] = [];
    for (const entry of index.checkpoints) {
      const bytes = new Uint8Array(entry.dataLength);
      const fault =
        source.read(bytes, 0, entry.dataLength, entry.dataOffset) < entry.dataLength
          ? 'is cut short'
          : checkpointFault(bytes, entry.event, entry.crc32);
      if (fault) damaged.push({ entry, fault });
    }
    return damaged;
  }

  /**
   * A stream with no usable index (a raw stream, an unfinished recording, a damaged
   * file): one pass over its readable part builds the index in memory. A fault that
   * stops the decoder, or the file ending before the stream's recorded length, is
   * the damage: the file opens with the whole frames before it.
   */
  private static recover(source: ByteSource, path: string, options: Partial<ModelOptions>, spec: RecoverySpec): TraceFile {
    const { streamStart, limit } = spec;
    const session = new TraceSession(options);
    const blobs: Uint8Array[] = [];
    // in memory, a checkpoint's "offset" is its place in `blobs`
    const checkpointer = new Checkpointer(session, (blob) => blobs.push(blob) - 1, DEFAULT_CHECKPOINT_INTERVAL);
    session.listeners.push(checkpointer);
    const buffer = new Uint8Array(1 << 20);
    for (let done = 0; done < limit;) {
      const n = source.read(buffer, 0, Math.min(buffer.length, limit - done), streamStart + done);
      if (n <= 0) break;
      session.feed(buffer.subarray(0, n));
      done += n;
      if (session.decoder.failed || session.decoder.ended) break;
    }
    session.finish();
    const model = session.model;
    if (!model) {
      const error = session.fatalError;
      throw new TraceFileError(streamStart + (error?.offset ?? 0), `no handshake in ${path}: ${error?.message ?? 'empty stream'}`);
    }
    const errors = session.errors;
    const drop = (error: DecodeError | undefined) => {
      if (error) errors.splice(errors.indexOf(error), 1);
    };
    let fault = spec.fault ?? null;
    let streamEnd = limit,
      prefixEnd = limit;
    const fatal = session.fatalError;
    if (fatal?.code === 'after-end') {
      // the stream ended whole; in a trace file its checkpoints and index follow
      streamEnd = prefixEnd = fatal.offset;
      if (!spec.raw) drop(fatal);
    } else if (fatal && !fault) {
      fault = { offset: fatal.offset, cause: faultCause(fatal) };
      // a cut frame is named at its start; any other fault is inside its frame
      prefixEnd = fatal.code === 'truncated' ? fatal.offset : frameStartOf(source, streamStart, model.handshake.bytes.length, fatal.offset);
      drop(fatal);
    }
    if (!fault && spec.declared !== undefined && spec.declared > streamEnd)
      fault = {
        offset: streamEnd,
        cause: `the file ends ${spec.declared - streamEnd} bytes before the end of its ${spec.declared}-byte stream`,
      };
    let damage: TraceDamage | null = null;
    if (fault || spec.around) {
      // the end-of-stream frame a cut took is said by the damage, not as a fault of its own
      if (fault) drop(errors.find((error) => error.code === 'no-end' && error.offset === streamEnd));
      const fields = {
        offset: fault ? streamStart + fault.offset : (spec.around!.offset ?? streamStart + streamEnd),
        event: fault ? model.eventCount : null,
        bytesLost: fault ? Math.max(spec.declared ?? streamEnd, prefixEnd) - prefixEnd : 0,
        endMissing: !model.ended,
        indexRebuilt: !spec.raw,
      };
      const aroundAt = spec.around?.offset;
      const around =
        fault && spec.around
          ? `${spec.around.cause}${aroundAt !== undefined && aroundAt < HEADER_SIZE ? ` at byte offset ${aroundAt}` : ''}`
          : null;
      damage = { ...fields, message: damageMessage(fields, fault?.cause ?? spec.around!.cause, model.eventCount, around) };
    }
    return new TraceFile(
      source,
      path,
      model.handshake,
      indexOf(session, checkpointer.entries),
      streamStart,
      prefixEnd,
      options,
      blobs,
      damage,
    );
  }

  close(): void {
    this.source.close();
  }

  /** The model after exactly `n` events (0..eventCount): the nearest checkpoint at or before, then a replay. */
  seek(n: number): HeapModel {
    const target = Math.max(0, Math.min(Math.floor(n), this.eventCount));
    return this.replay(target, -1).model;
  }

  /**
   * The model after exactly `n` events and the events from index `from` up to it, as
   * objects: one replay for both (a debugger's jump shows the event and the heap after it).
   */
  seekWithEvents(n: number, from: number): { model: HeapModel; events: TraceEvent[] } {
    const target = Math.max(0, Math.min(Math.floor(n), this.eventCount));
    const start = Math.max(0, Math.min(Math.floor(from), target));
    const replay = this.replay(target, start);
    return { model: replay.model, events: replay.collected };
  }

  /** Up to `count` events from index `from`, as objects, in the order the model applies them. */
  readEvents(from: number, count: number): TraceEvent[] {
    const start = Math.max(0, Math.floor(from)),
      end = Math.min(this.eventCount, start + Math.floor(count));
    if (end <= start) return [];
    return this.replay(end, start).collected;
  }

  private replay(target: number, collectFrom: number): Replay {
    for (;;) {
      const checkpoint = this.checkpointBefore(collectFrom >= 0 ? collectFrom : target);
      const replay = new Replay(new HeapModel(this.handshake, this.options), target, collectFrom);
      if (checkpoint) {
        const restored = this.loadCheckpoint(checkpoint, replay.order);
        if (!restored) {
          // never trusted again: the next try restores an earlier one, or replays from the start
          this.checkpoints.splice(this.checkpoints.indexOf(checkpoint), 1);
          continue;
        }
        replay.model = restored;
      }
      const from = checkpoint ? checkpoint.streamOffset : this.handshake.bytes.length;
      const decoder = new Decoder(replay);
      decoder.resumeAt(this.handshake, from);
      if (!replay.done) this.pump(decoder, from, () => replay.done);
      if (!replay.done) replay.order.flush();
      return replay;
    }
  }

  private checkpointBefore(target: number): CheckpointEntry | null {
    const list = this.checkpoints;
    let lo = 0,
      hi = list.length - 1,
      found: CheckpointEntry | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const entry = list[mid]!; // lo ≤ mid ≤ hi, inside the list
      if (entry.event <= target) {
        found = entry;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The model a checkpoint holds, or null when it cannot be read back as the model after its event. */
  private loadCheckpoint(entry: CheckpointEntry, order: EventOrder): HeapModel | null {
    let bytes: Uint8Array;
    if (this.memoryCheckpoints) {
      const held = this.memoryCheckpoints[entry.dataOffset];
      if (!held) return null;
      bytes = held;
    } else {
      bytes = new Uint8Array(entry.dataLength);
      if (this.source.read(bytes, 0, entry.dataLength, entry.dataOffset) < entry.dataLength) return null;
    }
    try {
      const model = readCheckpoint(bytes, this.handshake, order, this.options);
      return model.eventCount === entry.event ? model : null;
    } catch {
      return null;
    }
  }

  private pump(decoder: Decoder, streamOffset: number, done: () => boolean): void {
    const buffer = new Uint8Array(1 << 18);
    for (let at = streamOffset; at < this.streamLength && !done() && !decoder.failed && !decoder.ended;) {
      const n = this.source.read(buffer, 0, Math.min(buffer.length, this.streamLength - at), this.streamStart + at);
      if (n <= 0) break;
      decoder.push(buffer.subarray(0, n));
      at += n;
    }
  }
}

function hasWireMagic(source: ByteSource, at: number): boolean {
  const bytes = new Uint8Array(8);
  return source.read(bytes, 0, 8, at) === 8 && String.fromCharCode(...bytes) === WIRE_MAGIC;
}

/** The index, read and checked; what is wrong with it (and where, in the file) when it cannot be used. */
function readIndex(
  source: ByteSource,
  flags: number,
  header: DataView,
  streamEnd: number,
  indexAt: number,
  indexLength: number,
  size: number,
): TraceIndex | { offset: number; cause: string } {
  if (indexAt < streamEnd) return { offset: 32, cause: `the header puts the index at byte ${indexAt}, inside the stream` };
  if (indexAt + indexLength > size)
    return { offset: size, cause: `the file ends before its index (${indexLength} bytes at byte ${indexAt})` };
  const bytes = new Uint8Array(indexLength);
  if (source.read(bytes, 0, indexLength, indexAt) < indexLength) return { offset: indexAt, cause: 'the index could not be read whole' };
  if (flags & FLAG_INDEX_CHECKSUM && crc32(bytes) !== header.getUint32(56, true))
    return { offset: indexAt, cause: 'the index does not match its checksum' };
  let index: TraceIndex;
  try {
    index = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    return { offset: indexAt, cause: `the index is not JSON: ${(error as Error).message}` };
  }
  const fault = indexFault(index, streamEnd, size);
  return fault ? { offset: indexAt, cause: `the index ${fault}` } : index;
}

/** What makes an index unusable, null when nothing does. */
function indexFault(index: TraceIndex, streamEnd: number, size: number): string | null {
  const natural = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (typeof index !== 'object' || index === null) return 'is not an object';
  if (index.version !== TRACE_FILE_VERSION) return `has version ${index.version}`;
  if (!natural(index.eventCount)) return 'has no event count';
  if (!Array.isArray(index.checkpoints) || !Array.isArray(index.times) || !Array.isArray(index.findings) || !Array.isArray(index.errors))
    return 'lacks checkpoints, times, findings or errors';
  if (typeof index.summary !== 'object' || index.summary === null || !natural(index.summary.events)) return 'has no summary';
  let last = -1;
  for (const entry of index.checkpoints) {
    const placed =
      typeof entry === 'object' &&
      entry !== null &&
      natural(entry.event) &&
      natural(entry.streamOffset) &&
      natural(entry.dataOffset) &&
      natural(entry.dataLength) &&
      (entry.crc32 === undefined || natural(entry.crc32));
    if (
      !placed ||
      !(
        entry.event > last &&
        entry.event <= index.eventCount &&
        entry.streamOffset <= streamEnd &&
        entry.dataOffset >= streamEnd &&
        entry.dataOffset + entry.dataLength <= size
      )
    )
      return `has a checkpoint out of place (event ${String(entry?.event)})`;
    last = entry.event;
  }
  if (
    index.lost !== undefined &&
    (!Array.isArray(index.lost) || index.lost.some((entry) => !Array.isArray(entry) || entry.length !== 2 || entry[0] > index.eventCount))
  )
    return 'has a lost-event entry out of place';
  for (const entry of index.times)
    if (!Array.isArray(entry) || entry.length !== 2 || entry[0] > index.eventCount) return 'has a time entry out of place';
  for (const error of index.errors)
    if (
      typeof error !== 'object' ||
      error === null ||
      typeof error.code !== 'string' ||
      !natural(error.offset) ||
      typeof error.message !== 'string'
    )
      return 'has a stream error out of place';
  for (const finding of index.findings) {
    if (typeof finding !== 'object' || finding === null || !FINDING_KINDS.includes(finding.kind))
      return `has a finding of unknown kind ${String(finding?.kind)}`;
    try {
      deserializeFinding(finding);
    } catch {
      return `has a finding with the pointer ${String(finding.ptr)}`;
    }
  }
  return null;
}
