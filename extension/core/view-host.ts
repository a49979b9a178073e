// view-host.ts — the host side of the heap views, whatever carries the messages
// (a VS Code webview, the `slabscope view` server): answers a view's requests
// from a trace source, and pushes updates while a live program streams.

import type { Handshake } from './decoder';
import type { Finding } from './findings';
import type { HeapModel } from './model';
import { buildReport, reportContext, userFrame } from './report';
import { Symbolizer } from './symbols';
import { summarize, type TraceFile, type TraceSummary } from './tracefile';
import type { TraceSession } from './session';
import {
  HeapFeed, blockMessage, freelistMessage, slabMessage, timelineMessage, traceMessage, viewFindings, type SiteResolver,
} from './view-feed';
import { MessageError, parseViewMessage, type HostMessage, type SourceRef, type ViewMessage } from './view-protocol';

/** Where a view's data comes from: a trace file (seekable) or a live session (always at its newest event). */
export interface ViewSource {
  readonly live: boolean;
  readonly title: string;
  handshake(): Handshake | null;
  /** the model at the current position */
  model(): HeapModel | null;
  /** moves to event n and returns the model there (trace files only) */
  seek(n: number): HeapModel | null;
  eventCount(): number;
  findings(): readonly Finding[];
  times(): readonly [number, number][];
  lost(): readonly [number, number][];
  summary(): TraceSummary | null;
  ended(): boolean;
}

export class TraceFileSource implements ViewSource {
  readonly live = false;
  private current: HeapModel | null = null;
  constructor(readonly trace: TraceFile, readonly title: string) {}
  handshake(): Handshake { return this.trace.handshake; }
  model(): HeapModel {
    this.current ??= this.trace.seek(this.trace.eventCount);
    return this.current;
  }
  seek(n: number): HeapModel {
    this.current = this.trace.seek(n);
    return this.current;
  }
  eventCount(): number { return this.trace.eventCount; }
  findings(): readonly Finding[] { return this.trace.findings; }
  times(): readonly [number, number][] { return this.trace.index.times; }
  lost(): readonly [number, number][] { return this.trace.index.lost ?? []; }
  summary(): TraceSummary { return this.trace.summary; }
  ended(): boolean { return true; }
}

export class LiveSource implements ViewSource {
  readonly live = true;
  constructor(readonly session: TraceSession, readonly title: string) {}
  handshake(): Handshake | null { return this.session.model?.handshake ?? null; }
  model(): HeapModel | null { return this.session.model; }
  seek(): HeapModel | null { return null; }
  eventCount(): number { return this.session.eventCount; }
  findings(): readonly Finding[] { return this.session.model?.findings.all ?? []; }
  times(): readonly [number, number][] { return this.session.timeIndex; }
  lost(): readonly [number, number][] { return this.session.lostIndex; }
  summary(): TraceSummary | null {
    const model = this.session.model;
    return model ? summarize(model, this.session.threadIds.size, Math.max(0, this.session.firstTimeNs), this.session.lastTimeNs) : null;
  }
  ended(): boolean { return this.session.model?.ended ?? false; }
}

export interface ViewHostOptions {
  /** sends a message to the view */
  readonly post: (message: HostMessage) => void;
  /** the repository root that the allocator's internal site paths are relative to */
  readonly sourceRoot: string;
  /** the user chose "open source" on a finding or a frame */
  readonly openSource?: (site: SourceRef) => void;
  /** llvm-symbolizer to use, by path (found on PATH otherwise) */
  readonly symbolizerTool?: string;
}

/** One view's host: answers its messages, keeps its selections, follows a source. */
export class ViewHost {
  private feed = new HeapFeed();
  private symbolizer: Symbolizer | null = null;
  private selectedSlab: number | null = null;
  private selectedFreelist: { thread: number; cls: number } | null = null;
  private findingsSent = -1;
  private findingsRevision = -1;
  private lastRefresh = { time: 0, events: 0 };
  private ready = false;
  private closed = false;

  constructor(private source: ViewSource, private readonly options: ViewHostOptions) {}

  /** Swaps the source (a live program ended and its trace file is open) and shows it from scratch. */
  async setSource(source: ViewSource): Promise<void> {
    this.source = source;
    this.symbolizer?.close();
    this.symbolizer = null;
    this.feed = new HeapFeed();
    this.findingsSent = -1;
    if (this.ready) await this.sendAll();
  }

  close(): void {
    this.closed = true;
    this.symbolizer?.close();
    this.symbolizer = null;
  }

  /** A message from the view, raw: validated here; a bad one is answered with an error message. */
  async receive(raw: unknown): Promise<void> {
    let message: ViewMessage;
    try {
      message = parseViewMessage(raw);
    } catch (error) {
      if (error instanceof MessageError) this.post({ type: 'error', message: `the host refused a message: ${error.message}` });
      return;
    }
    try {
      await this.handle(message);
    } catch (error) {
      this.post({ type: 'error', message: (error as Error).message });
    }
  }

  /** Live sources: sends what changed since the last call (heap, timeline, findings, status). */
  async refresh(): Promise<void> {
    if (!this.ready || this.closed) return;
    const model = this.source.model();
    if (!model) return;
    if (this.findingsSent < 0) {
      await this.sendAll();
      return;
    }
    this.post(this.feed.heap(model, this.source.findings()));
    this.post(timelineMessage(this.source.eventCount(), this.source.times(), this.source.lost(), this.source.findings(), this.source.summary()?.durationNs ?? 0));
    // a thread's loss is one finding whose count grows: a new revision is news too
    if (this.source.findings().length !== this.findingsSent || model.findings.revision !== this.findingsRevision) {
      this.findingsRevision = model.findings.revision;
      await this.sendFindings();
    }
    this.sendSelections(model);
    this.sendStatus();
  }

  private post(message: HostMessage): void {
    if (!this.closed) this.options.post(message);
  }

  private async handle(message: ViewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.sendAll();
        return;
      case 'seek': {
        if (this.source.live) {
          this.post({ type: 'error', message: 'a live program cannot be scrubbed: the timeline opens for replay when it ends' });
          return;
        }
        const model = this.source.seek(message.event);
        if (!model) return;
        this.post(this.feed.heap(model, this.source.findings()));
        this.sendSelections(model);
        return;
      }
      case 'selectSlab': {
        this.selectedSlab = message.start;
        const model = this.source.model();
        if (model) this.sendSlab(model);
        return;
      }
      case 'selectFreelist': {
        this.selectedFreelist = { thread: message.thread, cls: message.cls };
        const model = this.source.model();
        if (model) this.post(freelistMessage(model, message.thread, message.cls));
        return;
      }
      case 'block': {
        const model = this.source.model();
        if (model) this.post(await blockMessage(model, message.addr, this.siteResolver()));
        return;
      }
      case 'openSource':
        this.options.openSource?.({ file: message.file, line: message.line, function: null });
        return;
    }
  }

  private async sendAll(): Promise<void> {
    const handshake = this.source.handshake();
    const model = this.source.model();
    if (!handshake || !model) {
      this.sendStatus();
      return;
    }
    this.post(traceMessage(handshake, this.source.title, this.source.eventCount(), this.source.live));
    this.post(this.feed.heap(model, this.source.findings(), true));
    this.post(timelineMessage(this.source.eventCount(), this.source.times(), this.source.lost(), this.source.findings(), this.source.summary()?.durationNs ?? 0));
    await this.sendFindings();
    this.sendSelections(model);
    this.sendStatus();
  }

  private async sendFindings(): Promise<void> {
    const handshake = this.source.handshake();
    const summary = this.source.summary();
    if (!handshake || !summary) return;
    const findings = this.source.findings().slice();
    const report = await buildReport(findings, summary, reportContext(handshake, this.symbols(), this.options.sourceRoot));
    this.findingsSent = findings.length;
    this.post({ type: 'findings', findings: viewFindings(findings, report.findings) });
  }

  private sendSelections(model: HeapModel): void {
    if (this.selectedSlab !== null) this.sendSlab(model);
    if (this.selectedFreelist) this.post(freelistMessage(model, this.selectedFreelist.thread, this.selectedFreelist.cls));
  }

  private sendSlab(model: HeapModel): void {
    const message = this.selectedSlab === null ? null : slabMessage(model, this.selectedSlab, this.source.findings());
    if (message) this.post(message);
  }

  private sendStatus(): void {
    const now = Date.now();
    const events = this.source.eventCount();
    const seconds = (now - this.lastRefresh.time) / 1000;
    const rate = this.lastRefresh.time && seconds > 0 ? (events - this.lastRefresh.events) / seconds : 0;
    this.lastRefresh = { time: now, events };
    const model = this.source.model();
    const lost = model?.lostEvents ?? 0;
    const findings = this.source.findings().length;
    const live = this.source.live;
    const ended = this.source.ended();
    const text = !model ? (live ? 'waiting for the program to connect' : 'no handshake in this trace')
      : live ? `${ended ? 'ended' : 'live'}: ${events.toLocaleString('en-US')} events, ${(rate / 1e6).toFixed(2)}M/s, ${lost} lost, ${findings} findings`
        : `${events.toLocaleString('en-US')} events, ${lost} lost, ${findings} findings`;
    this.post({ type: 'status', live, ended, events, eventsPerSecond: rate, lost, findings, text });
  }

  private symbols(): Symbolizer {
    this.symbolizer ??= new Symbolizer(this.source.handshake()?.modules ?? [], { tool: this.options.symbolizerTool });
    return this.symbolizer;
  }

  private siteResolver(): SiteResolver {
    const symbolizer = this.symbols();
    return async (pc) => {
      const frame = userFrame(await symbolizer.resolve(pc));
      return frame ? { file: frame.file, line: frame.line, function: frame.function } : null;
    };
  }
}
