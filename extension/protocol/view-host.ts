// view-host.ts — the host side of the heap views, whatever carries the messages
// (a VS Code webview, the `slabscope view` server): answers a view's requests
// from a trace source, and pushes updates while a live program streams.

import {
  TraceSymbols,
  buildReport,
  reportContext,
  summarize,
  userFrame,
  type Finding,
  type Handshake,
  type HeapState,
  type Symbolizer,
  type SymbolizerOptions,
  type TraceFile,
  type TraceSession,
  type TraceSummary,
} from '../core';
import {
  HeapFeed,
  blockMessage,
  freelistMessage,
  slabMessage,
  timelineMessage,
  traceMessage,
  viewFindings,
  type SiteResolver,
} from './view-feed';
import { MessageError, parseViewMessage, type HostMessage, type SourceRef, type TimelineMessage, type ViewMessage } from './view-protocol';

/** Where a view's data comes from: a trace file (seekable) or a live session (always at its newest event). */
export interface ViewSource {
  readonly live: boolean;
  readonly title: string;
  handshake(): Handshake | null;
  /** the model at the current position */
  model(): HeapState | null;
  /** moves to event n and returns the model there (trace files only) */
  seek(n: number): HeapState | null;
  eventCount(): number;
  findings(): readonly Finding[];
  /** grows when a finding already counted changes (a thread's loss grows): news for the views too */
  findingsRevision(): number;
  times(): readonly [number, number][];
  lost(): readonly [number, number][];
  summary(): TraceSummary | null;
  ended(): boolean;
  /** a damaged trace file: where the damage begins and what was lost, said once (absent or null: whole) */
  damage?(): string | null;
  /** the status line of a source that is neither a trace nor live (a stopped process): absent, the usual one */
  status?(): string;
  /** the trace's one symbolizer, shared by everyone who shows or reports on this source */
  symbolizer(): Symbolizer;
  /** stops what the source started (its symbolizer); the trace file itself stays its opener's to close */
  close(): void;
}

export class TraceFileSource implements ViewSource {
  readonly live = false;
  private current: HeapState | null = null;
  private readonly symbols: TraceSymbols;
  constructor(
    readonly trace: TraceFile,
    readonly title: string,
    symbolizer: SymbolizerOptions = {},
  ) {
    this.symbols = new TraceSymbols(() => trace.handshake.modules, symbolizer);
  }
  handshake(): Handshake {
    return this.trace.handshake;
  }
  model(): HeapState {
    this.current ??= this.trace.seek(this.trace.eventCount);
    return this.current;
  }
  seek(n: number): HeapState {
    this.current = this.trace.seek(n);
    return this.current;
  }
  eventCount(): number {
    return this.trace.eventCount;
  }
  findings(): readonly Finding[] {
    return this.trace.findings;
  }
  findingsRevision(): number {
    return 0;
  }
  times(): readonly [number, number][] {
    return this.trace.index.times;
  }
  lost(): readonly [number, number][] {
    return this.trace.index.lost ?? [];
  }
  summary(): TraceSummary {
    return this.trace.summary;
  }
  ended(): boolean {
    return true;
  }
  damage(): string | null {
    return this.trace.damage?.message ?? null;
  }
  symbolizer(): Symbolizer {
    return this.symbols.symbolizer;
  }
  close(): void {
    this.symbols.close();
  }
}

/** A damaged trace file's warning, for the end of the status line: it stays in sight while the file is open. */
function damageNote(source: ViewSource): string {
  const damage = source.damage?.();
  return damage ? ` — ${damage}` : '';
}

export class LiveSource implements ViewSource {
  readonly live = true;
  private readonly symbols: TraceSymbols;
  constructor(
    readonly session: TraceSession,
    readonly title: string,
    symbolizer: SymbolizerOptions = {},
  ) {
    this.symbols = new TraceSymbols(() => session.model?.handshake.modules ?? null, symbolizer);
  }
  handshake(): Handshake | null {
    return this.session.model?.handshake ?? null;
  }
  model(): HeapState | null {
    return this.session.model;
  }
  seek(): HeapState | null {
    return null;
  }
  eventCount(): number {
    return this.session.eventCount;
  }
  findings(): readonly Finding[] {
    return this.session.model?.findings.all ?? [];
  }
  findingsRevision(): number {
    return this.session.model?.findings.revision ?? 0;
  }
  times(): readonly [number, number][] {
    return this.session.timeIndex;
  }
  lost(): readonly [number, number][] {
    return this.session.lostIndex;
  }
  summary(): TraceSummary | null {
    const model = this.session.model;
    return model ? summarize(model, this.session.threadIds.size, Math.max(0, this.session.firstTimeNs), this.session.lastTimeNs) : null;
  }
  ended(): boolean {
    return this.session.model?.ended ?? false;
  }
  symbolizer(): Symbolizer {
    return this.symbols.symbolizer;
  }
  close(): void {
    this.symbols.close();
  }
}

export interface ViewHostOptions {
  /** sends a message to the view */
  readonly post: (message: HostMessage) => void;
  /** the repository root that the allocator's internal site paths are relative to */
  readonly sourceRoot: string;
  /** the user chose "open source" on a finding or a frame */
  readonly openSource?: (site: SourceRef) => void;
  /** the user moved the view to `event` events applied (a replay debug session follows) */
  readonly seeked?: (event: number) => void;
}

/** a live view that has not said "applied" for this long gets the next update anyway */
export const APPLIED_TIMEOUT_MS = 5000;
/** the status line's event rate is taken over at least this long */
const RATE_WINDOW_MS = 1000;
/** a live timeline is resent at most this often unless a finding or a loss was marked on it (it is the largest message) */
const LIVE_TIMELINE_INTERVAL_MS = 1000;
/**
 * the chosen slab's header bytes and freelists are resent at most this often while
 * live: a thread cache changes with every operation, and redrawing its chain ten
 * times a second costs the page more than anyone can read
 */
const LIVE_SELECTION_INTERVAL_MS = 500;

/** One view's host: answers its messages, keeps its selections, follows a source. */
export class ViewHost {
  private feed = new HeapFeed();
  private selectedSlab: number | null = null;
  private selectedFreelist: { thread: number; cls: number } | null = null;
  private findingsSent = -1;
  private findingsRevision = -1;
  /** [time, events] of recent status lines, oldest first, for the rate */
  private rateSamples: [number, number][] = [];
  /** when the last live update was sent, while the view has not yet applied it (0: it has); refreshes wait, so nothing queues behind a slow page */
  private unappliedSince = 0;
  /** a refresh found the view still busy: its update goes out as soon as the view has applied the last */
  private refreshWaiting = false;
  /** the last live update's text of messages that often do not change, so an unchanged one is not sent again */
  private readonly lastSent = new Map<HostMessage['type'], string>();
  /** when a live update last sent the timeline, and its marks and gaps then */
  private timelineSent = { time: 0, marks: '' };
  /** when a live update last sent the selections */
  private selectionsSent = 0;
  private ready = false;
  private closed = false;

  constructor(
    private source: ViewSource,
    private readonly options: ViewHostOptions,
  ) {}

  /** Swaps the source (a live program ended and its trace file is open) and shows it from scratch. */
  async setSource(source: ViewSource): Promise<void> {
    this.source = source;
    this.feed = new HeapFeed();
    this.findingsSent = -1;
    this.rateSamples = [];
    this.unappliedSince = 0;
    this.refreshWaiting = false;
    if (this.ready) await this.sendAll();
  }

  /** the source the view shows */
  get viewing(): ViewSource {
    return this.source;
  }

  /** Moves the view to `event` events applied, as a seek from the page would (a replay debug session stopped there). */
  showEvent(event: number): void {
    if (!this.ready || this.closed || this.source.live) return;
    const model = this.source.seek(event);
    if (!model) return;
    this.post(this.feed.heap(model, this.source.findings()));
    this.sendSelections(model);
  }

  /** Stops posting; the source (and its symbolizer) is its owner's to close: other views may show it. */
  close(): void {
    this.closed = true;
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

  /**
   * Live sources: sends what changed since the last update (heap slabs, timeline,
   * findings, selections, status), unless the view has not yet applied the last
   * one: then this call sends nothing, and the next update carries both.
   */
  async refresh(): Promise<void> {
    if (!this.ready || this.closed) return;
    const model = this.source.model();
    if (!model) return;
    if (this.findingsSent < 0) {
      await this.sendAll();
      return;
    }
    // the last update of a program that ended goes out at once: the views must end exact
    if (this.waitingForView && !this.source.ended()) {
      this.refreshWaiting = true;
      return;
    }
    this.refreshWaiting = false;
    this.post(this.feed.heap(model, this.source.findings()));
    this.sendLiveTimeline();
    // a thread's loss is one finding whose count grows: a new revision is news too
    if (this.source.findings().length !== this.findingsSent || this.source.findingsRevision() !== this.findingsRevision) {
      this.findingsRevision = this.source.findingsRevision();
      await this.sendFindings();
    }
    this.sendLiveSelections(model);
    this.sendStatus();
  }

  /** true while a live update waits for the view's "applied" (for at most APPLIED_TIMEOUT_MS) */
  get waitingForView(): boolean {
    return this.unappliedSince !== 0 && Date.now() - this.unappliedSince < APPLIED_TIMEOUT_MS;
  }

  private post(message: HostMessage): void {
    if (!this.closed) this.options.post(message);
  }

  /** Posts a message unless it is the same as the last one of its type sent so. */
  private postChanged(message: HostMessage): void {
    const text = JSON.stringify(message);
    if (this.lastSent.get(message.type) === text) return;
    this.lastSent.set(message.type, text);
    this.post(message);
  }

  private timeline(): TimelineMessage {
    const source = this.source;
    return timelineMessage(source.eventCount(), source.times(), source.lost(), source.findings(), source.summary()?.durationNs ?? 0);
  }

  /** The timeline, when a second has passed, a mark or gap is new, or the program ended. */
  private sendLiveTimeline(): void {
    const now = Date.now();
    const timeline = this.timeline();
    const marks = JSON.stringify([timeline.marks, timeline.lost]);
    if (now - this.timelineSent.time < LIVE_TIMELINE_INTERVAL_MS && marks === this.timelineSent.marks && !this.source.ended()) return;
    this.timelineSent = { time: now, marks };
    this.postChanged(timeline);
  }

  private async handle(message: ViewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.sendAll();
        return;
      case 'applied':
        this.unappliedSince = 0;
        if (this.refreshWaiting) await this.refresh();
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
        this.options.seeked?.(message.event);
        return;
      }
      case 'selectSlab': {
        this.selectedSlab = message.slabStart;
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
        if (model) this.post(await blockMessage(model, message.address, this.siteResolver()));
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
    this.lastSent.clear();
    this.timelineSent = { time: 0, marks: '' };
    this.selectionsSent = Date.now();
    this.post(traceMessage(handshake, this.source.title, this.source.eventCount(), this.source.live));
    this.post(this.feed.heap(model, this.source.findings(), true));
    this.postChanged(this.timeline());
    await this.sendFindings();
    this.sendSelections(model);
    this.sendStatus();
  }

  private async sendFindings(): Promise<void> {
    const handshake = this.source.handshake();
    const summary = this.source.summary();
    if (!handshake || !summary) return;
    const findings = this.source.findings().slice();
    const report = await buildReport(findings, summary, reportContext(handshake, this.source.symbolizer(), this.options.sourceRoot));
    this.findingsSent = findings.length;
    this.post({ type: 'findings', findings: viewFindings(findings, report.findings) });
  }

  /** The selections, when LIVE_SELECTION_INTERVAL_MS has passed or the program ended, and only those that changed. */
  private sendLiveSelections(model: HeapState): void {
    const now = Date.now();
    if (now - this.selectionsSent < LIVE_SELECTION_INTERVAL_MS && !this.source.ended()) return;
    this.selectionsSent = now;
    this.sendSelections(model, true);
  }

  /** `onlyChanged`: a live update leaves out a selection's message that is the same as last time */
  private sendSelections(model: HeapState, onlyChanged = false): void {
    const post = (message: HostMessage) => (onlyChanged ? this.postChanged(message) : this.post(message));
    if (this.selectedSlab !== null) this.sendSlab(model, post);
    if (this.selectedFreelist) post(freelistMessage(model, this.selectedFreelist.thread, this.selectedFreelist.cls));
  }

  private sendSlab(model: HeapState, post = (message: HostMessage) => this.post(message)): void {
    const message = this.selectedSlab === null ? null : slabMessage(model, this.selectedSlab, this.source.findings());
    if (message) post(message);
  }

  private sendStatus(): void {
    const now = Date.now();
    const events = this.source.eventCount();
    // the rate over the last second or more: refreshes come unevenly while the host is busy
    const samples = this.rateSamples;
    samples.push([now, events]);
    while (samples.length > 2 && now - samples[1]![0] >= RATE_WINDOW_MS) samples.shift();
    const [since, before] = samples[0]!; // the push above keeps one at least
    const rate = now > since ? ((events - before) * 1000) / (now - since) : 0;
    const model = this.source.model();
    const lost = model?.lostEvents ?? 0;
    const findings = this.source.findings().length;
    const live = this.source.live;
    const ended = this.source.ended();
    const text = this.source.status
      ? this.source.status()
      : !model
        ? live
          ? 'waiting for the program to connect'
          : 'no handshake in this trace'
        : live
          ? `${ended ? 'ended' : 'live'}: ${grouped(events)} events, ${(rate / 1e6).toFixed(2)}M/s, ${lost} lost, ${findings} findings`
          : `${grouped(events)} events, ${lost} lost, ${findings} findings${damageNote(this.source)}`;
    this.post({ type: 'status', live, ended, events, eventsPerSecond: rate, lost, findings, text });
    // every update ends with its status: the view says "applied" once it has taken it in
    if (live && !ended) this.unappliedSince = now;
  }

  private siteResolver(): SiteResolver {
    const symbolizer = this.source.symbolizer();
    return async (pc) => {
      const frame = userFrame(await symbolizer.resolve(pc));
      return frame ? { file: frame.file, line: frame.line, function: frame.function } : null;
    };
  }
}

/** 1234567 → "1,234,567" (toLocaleString's first call loads ICU's data: some 60 ms while a program streams) */
function grouped(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
