// trace-damage.ts — telling where a trace file's stream stops being what was
// recorded: a model-free decode of the stream held against the faults its
// index recorded, the frame that holds a fault, and the one warning that says
// where the damage begins and what was lost.

import type { ByteSource } from './bytes';
import { Decoder, type DecodeError, type Handshake } from './decoder';
import { FRAME_HEADER_SIZE } from './protocol';

/** What a damaged trace file lost, said once. Offsets are the file's bytes. */
export interface TraceDamage {
  /** where the damage begins */
  offset: number;
  /** the stream was cut there: the events before it, which the file opens with (null when the stream is whole) */
  event: number | null;
  /** bytes of the stream from the damaged frame on that could not be used (0 when the stream is whole) */
  bytesLost: number;
  /** the usable stream has no end-of-stream frame */
  endMissing: boolean;
  /** the index was rebuilt from the stream */
  indexRebuilt: boolean;
  /** all of the above in one sentence */
  message: string;
}

/** A fault found, in the stream or in the file around it. */
export interface DamageFault {
  /** stream offset for a fault in the stream, file offset for one around it */
  offset: number;
  cause: string;
}

/** A DecodeError's words without its offset (the warning names the file offset). */
export function faultCause(error: { message: string; offset: number }): string {
  const marker = ` at byte offset ${error.offset}`;
  const at = error.message.indexOf(marker);
  return at < 0 ? error.message : error.message.slice(0, at) + error.message.slice(at + marker.length);
}

export interface StreamScan {
  handshake: Handshake | null;
  errors: DecodeError[];
  events: number;
}

/** Decodes the stream without building a model (several GB/s): its handshake, faults and event count. */
export function scanStream(source: ByteSource, streamStart: number, streamLength: number): StreamScan {
  const scan: StreamScan = { handshake: null, errors: [], events: 0 };
  const decoder = new Decoder({
    handshake: (handshake) => {
      scan.handshake = handshake;
    },
    events() {},
    lost() {},
    crash() {},
    slabBytes() {},
    end() {},
    error: (error) => {
      scan.errors.push(error);
    },
  });
  const buffer = new Uint8Array(1 << 20);
  for (let at = 0; at < streamLength && !decoder.failed && !decoder.ended;) {
    const n = source.read(buffer, 0, Math.min(buffer.length, streamLength - at), streamStart + at);
    if (n <= 0) break;
    decoder.push(buffer.subarray(0, n));
    at += n;
  }
  decoder.finish();
  scan.events = decoder.eventsDecoded;
  return scan;
}

interface RecordedError {
  code: string;
  offset: number;
  message: string;
  fatal: boolean;
}

/**
 * The first place where the stream is not the one the index was built from:
 * a fault the recording did not meet, or one it met that is gone. Null when they
 * agree. A recording whose model failed (a sink fault) stopped there, so only the
 * stream before it is compared.
 */
export function firstDisagreement(scan: StreamScan, recorded: readonly RecordedError[], eventCount: number): DamageFault | null {
  const sinkFailure = recorded.find((error) => error.fatal && error.message.startsWith('sink failed'));
  const expected = sinkFailure ? recorded.filter((error) => error.offset < sinkFailure.offset) : recorded;
  const found = sinkFailure ? scan.errors.filter((error) => error.offset < sinkFailure.offset) : scan.errors;
  for (let i = 0; i < Math.max(expected.length, found.length); i++) {
    const met = found[i],
      wanted = expected[i];
    if (met && wanted && met.code === wanted.code && met.offset === wanted.offset && met.fatal === wanted.fatal) continue;
    if (met && (!wanted || met.offset <= wanted.offset)) return { offset: met.offset, cause: faultCause(met) };
    // no fault met here, or one after the fault wanted: i is inside expected
    return { offset: wanted!.offset, cause: `the stream no longer holds the fault its index records (${faultCause(wanted!)})` };
  }
  if (!sinkFailure && scan.events !== eventCount)
    return { offset: -1, cause: `the index counts ${eventCount} events, the stream holds ${scan.events}` };
  return null;
}

/**
 * Stream offset of the frame that holds stream offset `at`, walking frame lengths
 * from `first` (the handshake's end). Every frame before `at` decoded, so their
 * lengths can be trusted.
 */
export function frameStartOf(source: ByteSource, streamStart: number, first: number, at: number): number {
  const header = new Uint8Array(FRAME_HEADER_SIZE);
  let start = first;
  while (start < at) {
    if (source.read(header, 0, FRAME_HEADER_SIZE, streamStart + start) < FRAME_HEADER_SIZE) return start;
    const end = start + FRAME_HEADER_SIZE + new DataView(header.buffer).getUint32(4, true);
    if (end > at) return start;
    start = end;
  }
  return start;
}

/** The warning: where, what, and what was lost. */
export function damageMessage(damage: Omit<TraceDamage, 'message'>, cause: string, events: number, around: string | null): string {
  const rebuilt = damage.indexRebuilt ? `; index rebuilt from the stream${around ? ` (${around})` : ''}` : '';
  if (damage.event !== null)
    return (
      `damaged trace at byte offset ${damage.offset} (event ${damage.event}): ${cause}; opened with the ${damage.event} events before it; ` +
      `${damage.bytesLost} bytes of the stream lost from there${damage.endMissing ? ', the end-of-stream frame missing' : ''}${rebuilt}`
    );
  if (damage.indexRebuilt)
    return `damaged trace at byte offset ${damage.offset}: ${cause}; index rebuilt from the stream, which is whole (${events} events${damage.endMissing ? ', no end-of-stream frame' : ''}); nothing lost`;
  return `damaged trace at byte offset ${damage.offset}: ${cause}; seeks replay from an earlier checkpoint; nothing lost`;
}
