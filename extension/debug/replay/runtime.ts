// runtime.ts — a trace replayed as a program to debug: a position (one event), moves
// forwards and backwards by thread, block, allocator call or breakpoint, and the heap
// model after the event at the position. No DAP here (replay-session.ts translates);
// the heap after an event comes from the trace file's checkpoints (TraceFile.seek),
// never from a replay from the trace's start.
//
// A position is an event index; "stopped at event N" shows the event and the heap
// once it has been applied, so a finding the event raises is in the Findings so far.

import {
  EventKind,
  Symbolizer,
  TraceFile,
  type Finding,
  type FindingKind,
  type HeapModel,
  type SymbolizerOptions,
  type TraceEvent,
} from '../../core';
import { BreakpointBook, type DataAsk, type FunctionAsk, type LineAsk } from './breakpoint-book';
import { nextHit, type PlacedBreakpoint, type StopKind } from './breakpoints';
import { isBlockEvent } from './event-fields';
import { ReplaySymbols, type ReplayFrame } from './stack';
import { isStoppable, Timeline } from './timeline';
import { processTrace } from './processes';

export interface ReplayOptions {
  /** the `.hktrace` file */
  readonly trace: string;
  /** in a multi-process recording, the process to replay (its file is the trace's or a sibling FILE.N.hktrace) */
  readonly pid?: number;
  /** the directory the layout's allocator source paths (internal sites) are relative to */
  readonly sourceRoot: string;
  readonly symbolizer?: SymbolizerOptions;
}

export type StopReason = 'entry' | 'step' | 'goto' | StopKind;

export interface ReplayStop {
  readonly event: TraceEvent;
  readonly reason: StopReason;
  readonly description: string;
  readonly breakpointIds: readonly number[];
  /** the findings raised at this event (an exception stop) */
  readonly findings: readonly Finding[];
  /** the trace's first or last event, reached with nothing to stop at on the way */
  readonly edge: 'start' | 'end' | null;
}

export class ReplayRuntime {
  position = 0;
  private cached: { position: number; model: HeapModel } | null = null;
  readonly breakpoints: BreakpointBook;

  private constructor(
    readonly file: TraceFile,
    readonly timeline: Timeline,
    readonly symbols: ReplaySymbols,
    private readonly symbolizer: Symbolizer,
    /** the program's threads, by first event */
    readonly threads: readonly number[],
  ) {
    this.breakpoints = new BreakpointBook(file, timeline, symbols);
  }

  /** Opens the trace (TraceFileError when it cannot be read at all) and symbolizes its call sites. */
  static async open(options: ReplayOptions): Promise<ReplayRuntime> {
    const file = TraceFile.open(processTrace(options.trace, options.pid));
    try {
      const timeline = new Timeline(file);
      const pcs = new Set<number>();
      for (const event of timeline.all()) {
        timeline.note(event);
        pcs.add(event.kind === EventKind.StackFrame ? Number(event.value) : event.pc);
      }
      const threads = timeline.threadIds;
      const symbolizer = new Symbolizer(file.handshake.modules, options.symbolizer);
      const heap = file.seek(0);
      const symbols = await ReplaySymbols.resolve(pcs, symbolizer, heap, options.sourceRoot);
      return new ReplayRuntime(file, timeline, symbols, symbolizer, threads);
    } catch (error) {
      file.close();
      throw error;
    }
  }

  close(): void {
    this.symbolizer.close();
    this.file.close();
  }

  get eventCount(): number {
    return this.timeline.count;
  }

  get event(): TraceEvent {
    return this.timeline.event(this.position);
  }

  /** The heap once the event at the position has been applied. */
  model(): HeapModel {
    if (this.cached?.position !== this.position) this.cached = { position: this.position, model: this.file.seek(this.position + 1) };
    return this.cached.model;
  }

  /** The findings raised at or before the position. */
  findingsSoFar(): Finding[] {
    return this.file.findings.filter((finding) => finding.event <= this.position);
  }

  /**
   * The link stored in the block at `base` after the position, exactly: the model keeps links
   * as doubles (exact below 2^53, where every address of ours is), so a larger one (a sentinel,
   * a corrupt link) is read back from the event that wrote it. Null when the trace has not shown it.
   */
  linkOf(base: number): bigint | null {
    const at = this.model().locate(base);
    const link = at ? at.slab.next[at.slot]! : -1;
    if (link < 0) return null;
    if (link <= Number.MAX_SAFE_INTEGER) return BigInt(link);
    const sentinel = this.file.handshake.layout.remoteSentinel;
    if (sentinel !== null && Number(sentinel) === link) return sentinel;
    const writer = this.timeline.find(
      this.position,
      -1,
      (event) => (event.kind === EventKind.NextWrite || event.kind === EventKind.NextRead) && event.base === base,
      1 << 16,
    );
    return writer && Number(writer.value) === link ? writer.value : null;
  }

  /** Where `thread` is: its last event at or before the position, null before its first. */
  threadEvent(thread: number): TraceEvent | null {
    return this.position < 0 ? null : this.timeline.threadEvent(thread, this.position, -1, true);
  }

  stackOf(event: TraceEvent): ReplayFrame[] {
    return this.symbols.stackOf(event, this.timeline.deeperFrames(event.index));
  }

  // ---- moves ---------------------------------------------------------------

  /** The first stoppable event: where a replay starts. */
  start(): ReplayStop {
    const first = this.timeline.find(0, 1, isStoppable);
    return this.moveTo(first?.index ?? 0, 'entry', 'the start of the trace', [], null);
  }

  /** From before the first event to the first hit (the end of the trace when nothing stops). */
  begin(): ReplayStop {
    this.position = -1;
    return this.run(1);
  }

  /** `thread`'s next event after the position. */
  next(thread: number): ReplayStop {
    const next = this.timeline.threadIndex(thread, this.position, 1);
    return next >= 0 ? this.moveTo(next, 'step', `event ${next}`, [], null) : this.edge(1);
  }

  /** `thread`'s event before where it is. */
  stepBack(thread: number): ReplayStop {
    const at = this.position < 0 ? -1 : this.timeline.threadIndex(thread, this.position, -1, true);
    const back = at < 0 ? -1 : this.timeline.threadIndex(thread, at, -1);
    return back >= 0 ? this.moveTo(back, 'step', `event ${back}`, [], null) : this.edge(-1);
  }

  /** The next event, of any thread, about the same block as the event at the position (a plain next when it has none). */
  stepIn(): ReplayStop {
    const here = this.event;
    if (!isBlockEvent(here)) return this.next(here.thread);
    const location = this.model().locate(here.base);
    const [start, end] = location
      ? [location.slab.baseOf(location.slot), location.slab.baseOf(location.slot) + location.slab.stride]
      : [here.base, here.base + 1];
    const next = this.timeline.find(
      this.position + 1,
      1,
      (event) => isStoppable(event) && isBlockEvent(event) && event.base >= start && event.base < end,
    );
    return next ? this.moveTo(next.index, 'step', `event ${next.index}: the block's next event`, [], null) : this.edge(1);
  }

  /** The end of the allocator call the position is in (a malloc's alloc event); from a call's end, the next call's. */
  stepOut(thread: number): ReplayStop {
    const at = this.threadEvent(thread);
    if (!at) return this.next(thread);
    let end = this.timeline.callEnd(at.index);
    if (end.index === at.index) {
      const after = this.timeline.threadStep(at.index, 1);
      if (!after) return this.edge(1);
      end = this.timeline.callEnd(after.index);
    }
    return this.moveTo(end.index, 'step', `event ${end.index}: the end of the allocator call`, [], null);
  }

  continue(): ReplayStop {
    return this.run(1);
  }

  reverseContinue(): ReplayStop {
    return this.run(-1);
  }

  goto(index: number): ReplayStop {
    if (!Number.isInteger(index) || index < 0 || index >= this.eventCount)
      throw new RangeError(`event ${index} is not in the trace (events 0 to ${this.eventCount - 1})`);
    return this.moveTo(index, 'goto', `event ${index}`, [], null);
  }

  /** The events whose call site is `file`:`line`, at most `limit`. */
  eventsOnLine(file: string, line: number, limit = 1000): TraceEvent[] {
    const pcs = this.symbols.pcsOnLine(file, line);
    const found: TraceEvent[] = [];
    for (const event of this.timeline.all()) {
      if (isStoppable(event) && (pcs.has(event.pc) || this.symbols.internalSiteIs(event, file, line))) found.push(event);
      if (found.length === limit) break;
    }
    return found;
  }

  private run(direction: 1 | -1): ReplayStop {
    const lists = this.breakpoints.lists();
    let best = -1;
    for (const list of lists) {
      const hit = nextHit(list.hits, this.position, direction);
      if (hit >= 0 && (best < 0 || (direction === 1 ? hit < best : hit > best))) best = hit;
    }
    if (best < 0) return this.edge(direction);
    const stopping = lists.filter((list) => list.hits.includes(best));
    // an exception says most, then a data breakpoint, a function breakpoint, a line
    const order: StopKind[] = ['exception', 'data breakpoint', 'function breakpoint', 'breakpoint'];
    const kind = order.find((candidate) => stopping.some((list) => list.kind === candidate))!;
    const findings = kind === 'exception' ? this.breakpoints.findingsAt(best) : [];
    const description =
      kind === 'exception' ? findings.map((finding) => `${finding.kind}: ${finding.message}`).join('; ') : `${kind} at event ${best}`;
    const ids = stopping.filter((list) => list.id > 0).map((list) => list.id);
    return this.moveTo(best, kind, description, ids, null, findings);
  }

  /** The first or last stoppable event: where a move with nothing on its way ends. */
  private edge(direction: 1 | -1): ReplayStop {
    const last = this.timeline.find(direction === 1 ? this.eventCount - 1 : 0, direction === 1 ? -1 : 1, isStoppable);
    const index = last?.index ?? this.position;
    return this.moveTo(
      index,
      'step',
      direction === 1 ? 'the end of the trace' : 'the start of the trace',
      [],
      direction === 1 ? 'end' : 'start',
    );
  }

  private moveTo(
    index: number,
    reason: StopReason,
    description: string,
    breakpointIds: readonly number[],
    edge: 'start' | 'end' | null,
    findings: readonly Finding[] = [],
  ): ReplayStop {
    this.position = index;
    if (!this.timeline.holds(index) && this.cached?.position !== index) {
      // a jump: the event and the heap after it from one replay, not one each
      const from = this.timeline.chunkStart(index);
      const { model, events } = this.file.seekWithEvents(index + 1, from);
      this.timeline.adopt(from, events);
      this.cached = { position: index, model };
    }
    return { event: this.event, reason, description, breakpointIds, findings, edge };
  }

  // ---- breakpoints (breakpoint-book.ts) ------------------------------------

  setLineBreakpoints(file: string, asks: readonly LineAsk[]): PlacedBreakpoint[] {
    return this.breakpoints.setLine(file, asks);
  }
  setFunctionBreakpoints(asks: readonly FunctionAsk[]): PlacedBreakpoint[] {
    return this.breakpoints.setFunction(asks);
  }
  setExceptionFilters(kinds: readonly FindingKind[]): void {
    this.breakpoints.setExceptions(kinds);
  }
  setDataBreakpoints(asks: readonly DataAsk[]): PlacedBreakpoint[] {
    return this.breakpoints.setData(asks);
  }
}
