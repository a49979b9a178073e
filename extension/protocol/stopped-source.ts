// stopped-source.ts — a process stopped in a debugger, as a view source: one
// moment (the heap state read from its memory, and the findings of that read),
// no timeline to scrub. The heap views, the Threads and Superslabs trees serve it
// as they serve a trace.
import { TraceSymbols, type Finding, type Handshake, type HeapState, type Symbolizer, type TraceSummary } from '../core';
import type { ViewSource } from './view-host';

export class StoppedSource implements ViewSource {
  readonly live = false;
  private readonly symbols: TraceSymbols;
  private readonly stopFindings: readonly Finding[];
  /** the process went on running (or ended) since: what is shown is the heap as it was */
  private ran = false;
  constructor(
    readonly state: HeapState,
    findings: readonly Finding[],
    readonly title: string,
    /** where the process stopped, for the status line ("x.c:12 in main") */
    private readonly stoppedAt: string,
  ) {
    // found at the stop, not at an event: on the views' timeline a stop is its one position, 0
    this.stopFindings = findings.map((finding) => (finding.event < 0 ? { ...finding, event: 0 } : finding));
    // a stop's findings carry no program counters: its symbolizer never starts a process
    this.symbols = new TraceSymbols(() => null);
  }
  handshake(): Handshake {
    return this.state.handshake;
  }
  model(): HeapState {
    return this.state;
  }
  /** a stop has no history: every position is the stop */
  seek(): HeapState {
    return this.state;
  }
  eventCount(): number {
    return 0;
  }
  findings(): readonly Finding[] {
    return this.stopFindings;
  }
  findingsRevision(): number {
    return 0;
  }
  times(): readonly [number, number][] {
    return [];
  }
  lost(): readonly [number, number][] {
    return [];
  }
  summary(): TraceSummary {
    const findings: Record<string, number> = {};
    for (const finding of this.stopFindings) findings[finding.kind] = (findings[finding.kind] ?? 0) + 1;
    return {
      events: 0,
      threads: this.state.threads.size,
      lostEvents: 0,
      crashed: false,
      ended: false,
      durationNs: 0,
      findings,
      classes: [],
    };
  }
  ended(): boolean {
    return true;
  }
  status(): string {
    const n = this.stopFindings.length;
    const findings = `${n} finding${n === 1 ? '' : 's'}`;
    return this.ran
      ? `ran on from ${this.stoppedAt}: the heap as memory held it at that stop, ${findings}`
      : `stopped at ${this.stoppedAt}: the heap read from memory, ${findings}`;
  }
  /** The process runs on: the views keep this heap, said to be the one of the last stop. */
  ranOn(): void {
    this.ran = true;
  }
  get stale(): boolean {
    return this.ran;
  }
  symbolizer(): Symbolizer {
    return this.symbols.symbolizer;
  }
  close(): void {
    this.symbols.close();
  }
}
