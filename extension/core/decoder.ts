// decoder.ts — the streaming decoder of the trace wire format (native/PROTOCOL.md).
// Chunks may split the stream anywhere. A frame that lies whole inside a chunk is
// handed on as a view of that chunk (no copy); only a frame cut by a chunk edge is
// gathered into a buffer of its own. Every field is checked; a fault is a
// DecodeError naming the stream offset and what was expected, and everything
// decoded before it stays delivered. The decoder never throws out of push/finish.

import { LayoutError, parseLayout, type Layout } from './layout';
import {
  CRASH_SIZE,
  END_SIZE,
  EVENT_KIND_COUNT,
  EVENT_SIZE,
  FRAME_FLAG_SNAPSHOT,
  FRAME_HEADER_SIZE,
  FrameKind,
  HANDSHAKE_HEADER_SIZE,
  LOST_SIZE,
  MAX_FRAME_PAYLOAD,
  MAX_HANDSHAKE,
  NO_CLASS,
  WIRE_MAGIC,
  WIRE_VERSION,
} from './protocol';

export interface ModuleEntry {
  readonly path: string;
  /** load bias: a pc in this module minus `base` is the address inside its file */
  readonly base: number;
  readonly buildId: string;
}

export interface Handshake {
  readonly version: number;
  readonly pid: number;
  readonly pageSize: number;
  readonly startNs: bigint;
  readonly flags: number;
  readonly ringEvents: number;
  readonly stackDepth: number;
  readonly recordSizes: readonly number[];
  readonly executable: string;
  readonly buildId: string;
  readonly layoutName: string;
  readonly layout: Layout;
  readonly modules: readonly ModuleEntry[];
  /** the handshake's bytes as received, for trace files */
  readonly bytes: Uint8Array;
}

/** `count` 48-byte event records at `bytes[at..]`. A view: valid only during the callback. */
export interface EventBatch {
  readonly thread: number;
  readonly firstSeq: number;
  readonly count: number;
  readonly snapshot: boolean;
  readonly bytes: Uint8Array;
  readonly at: number;
  /** stream offset of the first record */
  readonly streamOffset: number;
  /** stream offsets of the frame's header and of the byte after the frame */
  readonly frameOffset: number;
  readonly frameEnd: number;
}

export interface LostRecord {
  readonly thread: number;
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly timestampNs: number;
  readonly streamOffset: number;
}

export interface CrashRecord {
  readonly signal: number;
  readonly thread: number;
  readonly faultAddress: bigint;
  readonly pc: bigint;
  readonly timestampNs: number;
  readonly eventsFlushed: number;
  /** the return address of the allocator call the thread died in, 0 when none */
  readonly callPc: number;
  readonly streamOffset: number;
}

/** How the process ended, from the end frame's record (PROTOCOL §5); a writer before it sent none. */
export interface EndRecord {
  readonly cause: EndCause;
  /** the exit status, null when the runtime does not know it (exit(), or the program's own ssp_finish) */
  readonly status: number | null;
}
export type EndCause = 'exit' | '_exit' | 'last-thread' | 'exit-group' | 'quick-exit';
const END_CAUSES: readonly EndCause[] = ['exit', '_exit', 'last-thread', 'exit-group', 'quick-exit'];

export interface SlabBytesRecord {
  readonly thread: number;
  /** slab start address, 0 when the requested address was in no slab */
  readonly start: number;
  /** the slab's bytes (a copy: safe to keep) */
  readonly bytes: Uint8Array;
  readonly streamOffset: number;
}

export type DecodeErrorCode =
  | 'bad-magic'
  | 'bad-version'
  | 'bad-handshake'
  | 'bad-layout'
  | 'bad-frame'
  | 'bad-event'
  | 'unknown-frame'
  | 'unknown-event'
  | 'sequence-gap'
  | 'truncated'
  | 'no-end'
  | 'after-end';

/** A fault in the stream. `fatal` ones stop decoding; the others are reported and skipped. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    readonly code: DecodeErrorCode,
    readonly offset: number,
    readonly expected: string,
    readonly fatal: boolean,
    detail: string,
  ) {
    super(`${detail} at byte offset ${offset} (expected ${expected})`);
  }
}

export interface DecodeSink {
  handshake(handshake: Handshake): void;
  events(batch: EventBatch): void;
  lost(record: LostRecord): void;
  crash(record: CrashRecord): void;
  slabBytes(record: SlabBytesRecord): void;
  end(streamOffset: number, record?: EndRecord): void;
  error(error: DecodeError): void;
  /** a sync frame: events stamped before `timeNs` are all sent; the next frame starts at `streamEnd` */
  sync?(timeNs: number, streamEnd: number): void;
}

const MAGIC_BYTES = Array.from(WIRE_MAGIC, (c) => c.charCodeAt(0));
const utf8 = new TextDecoder('utf-8', { fatal: true });
const MAX_REPORTED_WARNINGS = 100;
let lastLayoutText = '';
let lastLayout: Layout | null = null;

function u16(b: Uint8Array, at: number): number {
  // every caller reads inside a frame or handshake whose length it checked
  return b[at]! | (b[at + 1]! << 8);
}
function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}
/** A u64 as a number: exact below 2^53, which every address and count on the wire is. */
export function u64(b: Uint8Array, at: number): number {
  return u32(b, at + 4) * 4294967296 + u32(b, at);
}
export function u64big(b: Uint8Array, at: number): bigint {
  return (BigInt(u32(b, at + 4)) << 32n) | BigInt(u32(b, at));
}

type State = 'handshake' | 'frames' | 'ended' | 'failed';

export class Decoder {
  private state: State = 'handshake';
  /** offset of the exec frame that was the last frame so far, -1 when none (PROTOCOL §2) */
  private execAt = -1;
  /** a crash record arrived: a stream that then stops is the crash's */
  private crashed = false;
  /** a unit (handshake or frame) cut by a chunk edge, gathered here */
  private carry: Uint8Array = new Uint8Array(0);
  private carryLength = 0;
  /** stream offset of carry[0], or of the next unread byte when carry is empty */
  private offset = 0;
  private classCount = 0;
  private readonly nextSeq = new Map<number, number>();
  private warnings = 0;
  private frameOffset = 0;
  private frameEnd = 0;
  /** warnings beyond the first hundred are counted, not reported one by one */
  suppressedWarnings = 0;
  eventsDecoded = 0;
  framesDecoded = 0;

  constructor(private readonly sink: DecodeSink) {}

  /** Continues a stream whose handshake is known, at a frame boundary (trace files seek this way). */
  resumeAt(handshake: Handshake, streamOffset: number): void {
    this.state = 'frames';
    this.offset = streamOffset;
    this.carryLength = 0;
    this.classCount = handshake.layout.classes.length;
    this.nextSeq.clear();
  }

  /** The sequence number the next event of `thread` must have: every one before it has been decoded. */
  receivedSeq(thread: number): number {
    return this.nextSeq.get(thread) ?? 0;
  }

  get failed(): boolean {
    return this.state === 'failed';
  }
  get ended(): boolean {
    return this.state === 'ended';
  }
  /** bytes accepted so far */
  get bytesRead(): number {
    return this.offset + this.carryLength;
  }

  push(chunk: Uint8Array): void {
    try {
      this.consume(chunk);
    } catch (error) {
      // A sink that throws must not take the decoder down with an unhandled error.
      this.fail(new DecodeError('bad-frame', this.offset, 'a sink that does not throw', true, `sink failed: ${(error as Error).message}`));
    }
  }

  /** The stream is over: anything half-read is reported as truncated. */
  finish(): void {
    if (this.state === 'failed' || this.state === 'ended') return;
    if (this.carryLength > 0 || this.state === 'handshake') {
      const need = this.unitLength(this.carry, 0, this.carryLength);
      this.fail(
        new DecodeError(
          'truncated',
          this.offset,
          need > 0 ? `${need} bytes of ${this.state === 'handshake' ? 'handshake' : 'frame'}` : 'a complete frame header',
          true,
          `stream ends ${this.carryLength} bytes into a ${this.state === 'handshake' ? 'handshake' : 'frame'}`,
        ),
      );
      return;
    }
    if (this.execAt >= 0) {
      // the program replaced itself, everything before delivered: a clean end
      this.state = 'ended';
      this.sink.end(this.execAt);
      return;
    }
    // the runtime ends the stream at every exit it can see (exit, _exit, the last thread's end):
    // with no crash record, it was killed or left by a raw system call
    this.warn(
      new DecodeError(
        'no-end',
        this.offset,
        'an end-of-stream frame',
        false,
        this.crashed
          ? 'stream ends without an end-of-stream frame (the process crashed)'
          : 'stream ends without an end-of-stream frame (the process was killed, or left by a system call the trace runtime does not see)',
      ),
    );
  }

  private consume(chunk: Uint8Array): void {
    let at = 0;
    while (at < chunk.length && this.state !== 'failed') {
      if (this.state === 'ended') {
        this.fail(
          new DecodeError(
            'after-end',
            this.offset,
            'nothing after the end-of-stream frame',
            true,
            `${chunk.length - at} bytes after the end of the stream`,
          ),
        );
        return;
      }
      if (this.carryLength > 0) {
        at = this.fillCarry(chunk, at);
        continue;
      }
      const need = this.unitLength(chunk, at, chunk.length - at);
      if (need < 0) return; // failed
      if (need === 0 || need > chunk.length - at) {
        at = this.fillCarry(chunk, at);
        continue;
      }
      this.unit(chunk, at, need);
      this.offset += need;
      at += need;
    }
  }

  /** Copies from chunk into the carry until its unit is whole, then decodes it. */
  private fillCarry(chunk: Uint8Array, at: number): number {
    const headerNeed = this.state === 'handshake' ? 16 : FRAME_HEADER_SIZE;
    if (this.carryLength < headerNeed) {
      const take = Math.min(headerNeed - this.carryLength, chunk.length - at);
      this.reserve(headerNeed);
      this.carry.set(chunk.subarray(at, at + take), this.carryLength);
      this.carryLength += take;
      at += take;
      if (this.carryLength < headerNeed) return at;
    }
    const need = this.unitLength(this.carry, 0, this.carryLength);
    if (need < 0) return chunk.length;
    this.reserve(need);
    const take = Math.min(need - this.carryLength, chunk.length - at);
    this.carry.set(chunk.subarray(at, at + take), this.carryLength);
    this.carryLength += take;
    at += take;
    if (this.carryLength === need) {
      const unit = this.carry.subarray(0, need);
      // the handshake's bytes may be kept by the sink: start a new carry; a frame's are
      // a view that goes away after the call (EventBatch), so the carry is reused
      if (this.state === 'handshake') this.carry = new Uint8Array(0);
      this.carryLength = 0;
      this.unit(unit, 0, need);
      this.offset += need;
    }
    return at;
  }

  private reserve(length: number): void {
    if (this.carry.length >= length) return;
    const grown = new Uint8Array(Math.max(length, 64));
    grown.set(this.carry.subarray(0, this.carryLength));
    this.carry = grown;
  }

  /** Length of the unit starting at b[at] (0: not enough bytes to tell yet; -1: fault, reported). */
  private unitLength(b: Uint8Array, at: number, available: number): number {
    if (this.state === 'handshake') {
      if (available < 16) return 0;
      for (let i = 0; i < 8; i++)
        if (b[at + i] !== MAGIC_BYTES[i]) {
          this.fail(new DecodeError('bad-magic', this.offset + i, 'the magic "SLABSCP\\0"', true, 'not a Slabscope trace stream'));
          return -1;
        }
      const version = u16(b, at + 8);
      if (version !== WIRE_VERSION) {
        this.fail(
          new DecodeError(
            'bad-version',
            this.offset + 8,
            `version ${WIRE_VERSION}`,
            true,
            `wire format version ${version} is not supported`,
          ),
        );
        return -1;
      }
      const length = u32(b, at + 12);
      if (length < HANDSHAKE_HEADER_SIZE + 20 || length > MAX_HANDSHAKE) {
        this.fail(
          new DecodeError(
            'bad-handshake',
            this.offset + 12,
            `a handshake length between ${HANDSHAKE_HEADER_SIZE + 20} and ${MAX_HANDSHAKE}`,
            true,
            `impossible handshake length ${length}`,
          ),
        );
        return -1;
      }
      return length;
    }
    if (available < FRAME_HEADER_SIZE) return 0;
    const length = u32(b, at + 4);
    if (length > MAX_FRAME_PAYLOAD) {
      this.fail(
        new DecodeError(
          'bad-frame',
          this.offset + 4,
          `a payload length up to ${MAX_FRAME_PAYLOAD}`,
          true,
          `impossible frame length ${length}`,
        ),
      );
      return -1;
    }
    return FRAME_HEADER_SIZE + length;
  }

  private unit(b: Uint8Array, at: number, length: number): void {
    if (this.state === 'handshake') this.handshake(b.subarray(at, at + length));
    else this.frame(b, at, length);
  }

  private handshake(b: Uint8Array): void {
    const base = this.offset;
    const bad = (where: number, expected: string, detail: string) =>
      this.fail(new DecodeError('bad-handshake', base + where, expected, true, detail));
    if (u16(b, 10) !== HANDSHAKE_HEADER_SIZE) return bad(10, `header size ${HANDSHAKE_HEADER_SIZE}`, `handshake header size ${u16(b, 10)}`);
    const kindCount = u16(b, 32);
    if (kindCount === 0 || HANDSHAKE_HEADER_SIZE + 4 * kindCount > b.length)
      return bad(32, 'a record size table inside the handshake', `record kind count ${kindCount}`);
    const recordSizes: number[] = [];
    for (let k = 0; k < kindCount; k++) {
      const size = u16(b, HANDSHAKE_HEADER_SIZE + 4 * k);
      if (size !== EVENT_SIZE)
        return bad(HANDSHAKE_HEADER_SIZE + 4 * k, `${EVENT_SIZE}-byte records`, `record kind ${k + 1} has size ${size}`);
      recordSizes.push(size);
    }
    let at = HANDSHAKE_HEADER_SIZE + 4 * kindCount;
    const strings: string[] = [];
    for (const name of ['executable path', 'build id', 'layout name', 'layout description', 'module map']) {
      if (at + 4 > b.length) return bad(at, `the length of the ${name}`, `handshake ends before its ${name}`);
      const length = u32(b, at);
      if (at + 4 + length > b.length)
        return bad(at, `the ${name} inside the handshake's ${b.length} bytes`, `${name} of ${length} bytes runs past the handshake`);
      try {
        strings.push(utf8.decode(b.subarray(at + 4, at + 4 + length)));
      } catch {
        return bad(at + 4, 'UTF-8 text', `${name} is not UTF-8`);
      }
      at += 4 + length;
    }
    if (at !== b.length) return bad(at, `the handshake to end at ${b.length}`, `handshake strings end at ${at}`);
    // the loop above pushed one string per name or returned
    const [executable, buildId, layoutName, layoutText, moduleMap] = strings as [string, string, string, string, string];
    let layout: Layout;
    try {
      // a viewer meets the same build again and again: parse its description once
      layout = layoutText === lastLayoutText && lastLayout ? lastLayout : parseLayout(layoutText);
      lastLayoutText = layoutText;
      lastLayout = layout;
    } catch (error) {
      const message = error instanceof LayoutError ? error.message : String(error);
      this.fail(new DecodeError('bad-layout', base + HANDSHAKE_HEADER_SIZE + 4 * kindCount, 'a valid layout description', true, message));
      return;
    }
    let modules: ModuleEntry[];
    try {
      modules = parseModules(moduleMap);
    } catch (error) {
      return bad(at, 'a JSON module map', `module map: ${(error as Error).message}`);
    }
    this.classCount = layout.classes.length;
    this.state = 'frames';
    this.sink.handshake({
      version: u16(b, 8),
      pid: u32(b, 16),
      pageSize: u32(b, 20),
      startNs: u64big(b, 24),
      flags: u16(b, 34),
      ringEvents: u32(b, 36),
      stackDepth: u32(b, 40),
      recordSizes,
      executable,
      buildId,
      layoutName,
      layout,
      modules,
      bytes: b.slice(),
    });
  }

  private frame(b: Uint8Array, at: number, length: number): void {
    const streamOffset = this.offset;
    const kind = u16(b, at);
    const flags = u16(b, at + 2);
    const payloadLength = length - FRAME_HEADER_SIZE;
    const thread = u32(b, at + 8);
    const count = u32(b, at + 12);
    const firstSeq = u64(b, at + 16);
    const payload = at + FRAME_HEADER_SIZE;
    this.framesDecoded++;
    this.execAt = -1;
    switch (kind) {
      case FrameKind.Events: {
        if (payloadLength !== count * EVENT_SIZE) {
          this.fail(
            new DecodeError(
              'bad-frame',
              streamOffset + 4,
              `${count} × ${EVENT_SIZE} = ${count * EVENT_SIZE} payload bytes`,
              true,
              `events frame of ${payloadLength} bytes for ${count} events`,
            ),
          );
          return;
        }
        if (count === 0) return;
        const expected = this.nextSeq.get(thread);
        if (expected !== undefined && expected !== firstSeq)
          this.warn(
            new DecodeError(
              'sequence-gap',
              streamOffset + 16,
              `sequence ${expected} on thread ${thread}`,
              false,
              `thread ${thread} jumps from sequence ${expected} to ${firstSeq} with no lost record`,
            ),
          );
        this.nextSeq.set(thread, firstSeq + count);
        this.frameOffset = streamOffset;
        this.frameEnd = streamOffset + length;
        this.deliverEvents(b, payload, count, firstSeq, thread, (flags & FRAME_FLAG_SNAPSHOT) !== 0, streamOffset + FRAME_HEADER_SIZE);
        return;
      }
      case FrameKind.Lost: {
        if (payloadLength !== LOST_SIZE) {
          this.fail(
            new DecodeError('bad-frame', streamOffset + 4, `a ${LOST_SIZE}-byte lost record`, true, `lost frame of ${payloadLength} bytes`),
          );
          return;
        }
        const lostCount = u64(b, payload),
          first = u64(b, payload + 8),
          last = u64(b, payload + 16);
        if (last < first || last - first + 1 !== lostCount) {
          this.fail(
            new DecodeError(
              'bad-frame',
              streamOffset + FRAME_HEADER_SIZE,
              `count = last − first + 1`,
              true,
              `lost record of ${lostCount} events for sequences ${first}..${last}`,
            ),
          );
          return;
        }
        const expected = this.nextSeq.get(thread) ?? 0;
        if (first !== expected)
          this.warn(
            new DecodeError(
              'sequence-gap',
              streamOffset + FRAME_HEADER_SIZE + 8,
              `sequence ${expected} on thread ${thread}`,
              false,
              `lost record of thread ${thread} starts at ${first}`,
            ),
          );
        this.nextSeq.set(thread, last + 1);
        this.sink.lost({ thread, count: lostCount, firstSeq: first, lastSeq: last, timestampNs: u64(b, payload + 24), streamOffset });
        return;
      }
      case FrameKind.Crash: {
        if (payloadLength !== CRASH_SIZE) {
          this.fail(
            new DecodeError(
              'bad-frame',
              streamOffset + 4,
              `a ${CRASH_SIZE}-byte crash record`,
              true,
              `crash frame of ${payloadLength} bytes`,
            ),
          );
          return;
        }
        this.crashed = true;
        this.sink.crash({
          signal: u32(b, payload),
          thread: u32(b, payload + 4),
          faultAddress: u64big(b, payload + 8),
          pc: u64big(b, payload + 16),
          timestampNs: u64(b, payload + 24),
          eventsFlushed: u64(b, payload + 32),
          callPc: u64(b, payload + 40),
          streamOffset,
        });
        return;
      }
      case FrameKind.SlabBytes: {
        if (payloadLength < 8) {
          this.fail(
            new DecodeError(
              'bad-frame',
              streamOffset + 4,
              'at least the 8-byte slab address',
              true,
              `slab-bytes frame of ${payloadLength} bytes`,
            ),
          );
          return;
        }
        this.sink.slabBytes({
          thread,
          start: count === 0 ? 0 : u64(b, payload),
          bytes: b.slice(payload + 8, payload + payloadLength),
          streamOffset,
        });
        return;
      }
      case FrameKind.Sync:
        this.sink.sync?.(firstSeq, streamOffset + length);
        return;
      case FrameKind.End: {
        if (payloadLength !== 0 && payloadLength !== END_SIZE) {
          this.fail(
            new DecodeError(
              'bad-frame',
              streamOffset + 4,
              `no payload or an ${END_SIZE}-byte end record`,
              true,
              `end frame of ${payloadLength} bytes`,
            ),
          );
          return;
        }
        const cause = payloadLength ? u32(b, payload + 4) : 0;
        if (cause >= END_CAUSES.length) {
          this.fail(
            new DecodeError(
              'bad-frame',
              streamOffset + FRAME_HEADER_SIZE + 4,
              `an end cause 0..${END_CAUSES.length - 1}`,
              true,
              `end record of cause ${cause}`,
            ),
          );
          return;
        }
        this.state = 'ended';
        this.sink.end(
          streamOffset,
          payloadLength ? { cause: END_CAUSES[cause]!, status: cause === 0 ? null : u32(b, payload) | 0 } : undefined,
        );
        return;
      }
      case FrameKind.Exec:
        this.execAt = streamOffset; // the end of the stream, unless more frames say the exec failed
        return;
      default:
        this.warn(
          new DecodeError(
            'unknown-frame',
            streamOffset,
            'frame kinds 1..7',
            false,
            `unknown frame kind ${kind} (${payloadLength} bytes skipped)`,
          ),
        );
    }
  }

  /** Field checks on each record; an impossible record is reported and skipped, the good runs around it delivered. */
  private deliverEvents(
    b: Uint8Array,
    at: number,
    count: number,
    firstSeq: number,
    thread: number,
    snapshot: boolean,
    streamOffset: number,
  ): void {
    const classCount = this.classCount;
    const seqLow = firstSeq % 4294967296;
    let run = 0;
    for (let i = 0, o = at; i < count; i++, o += EVENT_SIZE) {
      // the frame's length holds count records from at
      const kind = b[o + 16]! | (b[o + 17]! << 8);
      const cls = b[o + 18]!;
      const seq = (b[o + 8]! | (b[o + 9]! << 8) | (b[o + 10]! << 16) | (b[o + 11]! << 24)) >>> 0;
      if (kind !== 0 && kind <= EVENT_KIND_COUNT && (cls < classCount || cls === NO_CLASS) && seq === (seqLow + i) >>> 0) continue;
      if (i > run) this.emitEvents(b, at + run * EVENT_SIZE, i - run, firstSeq + run, thread, snapshot, streamOffset + run * EVENT_SIZE);
      run = i + 1;
      const recordOffset = streamOffset + i * EVENT_SIZE;
      this.warn(
        kind === 0 || kind > EVENT_KIND_COUNT
          ? new DecodeError(
              'unknown-event',
              recordOffset + 16,
              `event kinds 1..${EVENT_KIND_COUNT}`,
              false,
              `unknown event kind ${kind} (record skipped)`,
            )
          : cls >= classCount && cls !== NO_CLASS
            ? new DecodeError(
                'bad-event',
                recordOffset + 18,
                `a class below ${classCount} or 255`,
                false,
                `event of class ${cls} (record skipped)`,
              )
            : new DecodeError(
                'bad-event',
                recordOffset + 8,
                `sequence ${firstSeq + i}`,
                false,
                `event with sequence number ${u64(b, o + 8)} (record skipped)`,
              ),
      );
    }
    if (count > run)
      this.emitEvents(b, at + run * EVENT_SIZE, count - run, firstSeq + run, thread, snapshot, streamOffset + run * EVENT_SIZE);
  }

  private emitEvents(
    b: Uint8Array,
    at: number,
    count: number,
    firstSeq: number,
    thread: number,
    snapshot: boolean,
    streamOffset: number,
  ): void {
    this.eventsDecoded += count;
    this.sink.events({
      thread,
      firstSeq,
      count,
      snapshot,
      bytes: b,
      at,
      streamOffset,
      frameOffset: this.frameOffset,
      frameEnd: this.frameEnd,
    });
  }

  private warn(error: DecodeError): void {
    if (++this.warnings > MAX_REPORTED_WARNINGS) {
      this.suppressedWarnings++;
      return;
    }
    this.sink.error(error);
  }

  private fail(error: DecodeError): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.carryLength = 0;
    this.sink.error(error);
  }
}

function parseModules(text: string): ModuleEntry[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('not an array');
  return parsed.map((entry: unknown, index) => {
    const object = entry as Record<string, unknown>;
    if (typeof object !== 'object' || object === null || typeof object.path !== 'string' || typeof object.base !== 'number')
      throw new Error(`entry ${index} needs "path" and "base"`);
    return { path: object.path, base: object.base, buildId: typeof object.buildId === 'string' ? object.buildId : '' };
  });
}
