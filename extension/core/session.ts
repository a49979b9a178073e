// session.ts — one trace being read: the decoder, the cross-thread order and
// the heap model, the faults met, and listeners for front ends (progress line,
// views, trace recording). The same class reads a live socket, a raw stream
// file and a trace file's stream.

import {
  Decoder,
  type CrashRecord,
  type DecodeError,
  type DecodeSink,
  type EventBatch,
  type Handshake,
  type LostRecord,
  type SlabBytesRecord,
} from './decoder';
import { eventTime } from './events';
import { EVENT_SIZE, FRAME_HEADER_SIZE, LOST_SIZE } from './protocol';
import type { Finding } from './findings';
import { HeapModel, type ModelOptions } from './model';
import { EventOrder } from './order';

/** events between entries of the time index (event index → timestamp), for timelines */
export const TIME_INDEX_INTERVAL = 4096;

export interface SessionListener {
  handshake?(handshake: Handshake): void;
  /** events firstIndex..firstIndex+count-1 were applied to the model */
  applied?(firstIndex: number, count: number): void;
  /** between two frames, all of whose events went to the order; the stream continues at `streamEnd` */
  boundary?(streamEnd: number): void;
  finding?(finding: Finding): void;
  lost?(record: LostRecord): void;
  crash?(record: CrashRecord): void;
  slabBytes?(record: SlabBytesRecord): void;
  error?(error: DecodeError): void;
  end?(): void;
}

export class TraceSession implements DecodeSink {
  readonly decoder: Decoder;
  readonly order: EventOrder;
  model: HeapModel | null = null;
  readonly errors: DecodeError[] = [];
  readonly listeners: SessionListener[] = [];
  /** [event index, time in ns] every TIME_INDEX_INTERVAL events */
  readonly timeIndex: [number, number][] = [];
  /** [event index where the gap is, events lost] for every lost-event record, in order */
  readonly lostIndex: [number, number][] = [];
  threadIds = new Set<number>();
  firstTimeNs = -1;
  lastTimeNs = 0;
  private reportedFindings = 0;

  constructor(private readonly options: Partial<ModelOptions> = {}) {
    this.decoder = new Decoder(this);
    this.order = new EventOrder({
      event: (bytes, at, thread) => this.event(bytes, at, thread),
      lost: (record) => {
        this.lostIndex.push([this.model!.eventCount, record.count]);
        this.model!.onLost(record);
      },
    });
  }

  feed(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  /** the stream is over (socket closed, file read) */
  finish(): void {
    this.decoder.finish();
    if (this.model) this.release(() => this.order.flush());
  }

  get fatalError(): DecodeError | undefined {
    return this.errors.find((error) => error.fatal);
  }

  get eventCount(): number {
    return this.model?.eventCount ?? 0;
  }

  // ---- OrderedSink: one event at a time, in the merged order ------------------

  event(bytes: Uint8Array, at: number, thread: number): void {
    const model = this.model!;
    if (model.eventCount % TIME_INDEX_INTERVAL === 0) this.timeIndex.push([model.eventCount, eventTime(bytes, at)]);
    model.apply(bytes, at, thread);
  }

  // ---- DecodeSink ----------------------------------------------------------

  handshake(handshake: Handshake): void {
    this.model = new HeapModel(handshake, this.options);
    for (const listener of this.listeners) listener.handshake?.(handshake);
  }

  events(batch: EventBatch): void {
    // threads and the time span, once a batch (a thread's events come in time order)
    if (batch.count) {
      this.threadIds.add(batch.thread);
      const first = eventTime(batch.bytes, batch.at),
        last = eventTime(batch.bytes, batch.at + (batch.count - 1) * EVENT_SIZE);
      if (this.firstTimeNs < 0 || first < this.firstTimeNs) this.firstTimeNs = first;
      if (last > this.lastTimeNs) this.lastTimeNs = last;
    }
    this.release(() => this.order.events(batch));
    if (batch.streamOffset + batch.count * EVENT_SIZE === batch.frameEnd) this.boundary(batch.frameEnd);
  }

  sync(timeNs: number, streamEnd: number): void {
    this.release(() => this.order.sync(timeNs));
    this.boundary(streamEnd);
  }

  lost(record: LostRecord): void {
    this.release(() => this.order.lost(record));
    for (const listener of this.listeners) listener.lost?.(record);
    this.boundary(record.streamOffset + FRAME_HEADER_SIZE + LOST_SIZE);
  }

  private boundary(streamEnd: number): void {
    for (const listener of this.listeners) listener.boundary?.(streamEnd);
  }

  crash(record: CrashRecord): void {
    this.release(() => this.order.flush()); // the rest of the stream may never come
    this.model!.onCrash(record);
    for (const listener of this.listeners) listener.crash?.(record);
  }

  slabBytes(record: SlabBytesRecord): void {
    this.model!.onSlabBytes(record);
    for (const listener of this.listeners) listener.slabBytes?.(record);
    this.flushFindings();
  }

  end(): void {
    this.release(() => this.order.flush());
    this.model!.ended = true;
    for (const listener of this.listeners) listener.end?.();
  }

  error(error: DecodeError): void {
    this.errors.push(error);
    for (const listener of this.listeners) listener.error?.(error);
  }

  private release(step: () => void): void {
    const before = this.model!.eventCount;
    step();
    const applied = this.model!.eventCount - before;
    if (applied) for (const listener of this.listeners) listener.applied?.(before, applied);
    this.flushFindings();
  }

  private flushFindings(): void {
    const all = this.model!.findings.all;
    if (this.reportedFindings === all.length) return;
    for (; this.reportedFindings < all.length; this.reportedFindings++)
      for (const listener of this.listeners) listener.finding?.(all[this.reportedFindings]!);
  }
}
