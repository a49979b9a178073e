// session.ts — one trace being read: the decoder feeding the heap model, the
// faults it met, and listeners for front ends (progress line, views). The same
// class reads a live socket, a raw stream file and a trace file's stream.

import {
  Decoder, type CrashRecord, type DecodeError, type DecodeSink, type EventBatch, type Handshake, type LostRecord, type SlabBytesRecord,
} from './decoder';
import type { Finding } from './findings';
import { HeapModel, type ModelOptions } from './model';

export interface SessionListener {
  handshake?(handshake: Handshake): void;
  /** after the model applied a batch; `batch` is valid only during the call */
  events?(batch: EventBatch, firstIndex: number): void;
  finding?(finding: Finding): void;
  lost?(record: LostRecord): void;
  crash?(record: CrashRecord): void;
  slabBytes?(record: SlabBytesRecord): void;
  error?(error: DecodeError): void;
  end?(): void;
}

export class TraceSession implements DecodeSink {
  readonly decoder: Decoder;
  model: HeapModel | null = null;
  readonly errors: DecodeError[] = [];
  readonly listeners: SessionListener[] = [];
  private reportedFindings = 0;

  constructor(private readonly options: Partial<ModelOptions> = {}) {
    this.decoder = new Decoder(this);
  }

  feed(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  /** the stream is over (socket closed, file read) */
  finish(): void {
    this.decoder.finish();
  }

  get fatalError(): DecodeError | undefined {
    return this.errors.find((error) => error.fatal);
  }

  get eventCount(): number {
    return this.model?.eventCount ?? 0;
  }

  // ---- DecodeSink ----------------------------------------------------------

  handshake(handshake: Handshake): void {
    this.model = new HeapModel(handshake, this.options);
    for (const listener of this.listeners) listener.handshake?.(handshake);
  }

  events(batch: EventBatch): void {
    const model = this.model!;
    const first = model.eventCount;
    model.applyBatch(batch);
    for (const listener of this.listeners) listener.events?.(batch, first);
    this.flushFindings();
  }

  lost(record: LostRecord): void {
    this.model!.onLost(record);
    for (const listener of this.listeners) listener.lost?.(record);
    this.flushFindings();
  }

  crash(record: CrashRecord): void {
    this.model!.onCrash(record);
    for (const listener of this.listeners) listener.crash?.(record);
  }

  slabBytes(record: SlabBytesRecord): void {
    this.model!.onSlabBytes(record);
    for (const listener of this.listeners) listener.slabBytes?.(record);
    this.flushFindings();
  }

  end(): void {
    this.model!.ended = true;
    for (const listener of this.listeners) listener.end?.();
  }

  error(error: DecodeError): void {
    this.errors.push(error);
    for (const listener of this.listeners) listener.error?.(error);
  }

  private flushFindings(): void {
    const all = this.model!.findings.all;
    if (this.reportedFindings === all.length) return;
    for (; this.reportedFindings < all.length; this.reportedFindings++)
      for (const listener of this.listeners) listener.finding?.(all[this.reportedFindings]);
  }
}
