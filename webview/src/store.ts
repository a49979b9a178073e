// store.ts — what the views show: the host's latest messages, merged (heap
// updates carry only changed slabs), and the user's selection. Views subscribe
// to the topics they draw; a message's topic is announced at the next flush, so
// a burst of live updates costs the views one redraw, not one per message.

import {
  decodeBase64,
  type BlockMessage,
  type FindingsMessage,
  type FreelistMessage,
  type HostMessage,
  type RouteCounts,
  type SlabMessage,
  type StatusMessage,
  type TimelineMessage,
  type TraceMessage,
  type ViewFinding,
  type ViewSlab,
  type ViewThread,
} from '../../extension/protocol/view-protocol';

/** A slab as the views keep it: the message's, with the states decoded. */
export type SlabView = Omit<ViewSlab, 'states'> & { states: Uint8Array };

export type Topic = 'trace' | 'heap' | 'timeline' | 'findings' | 'slab' | 'freelist' | 'block' | 'status' | 'error' | 'selection';

/** the order a flush announces topics in: a new trace before what arrived with it */
const FLUSH_ORDER: readonly Topic[] = ['trace', 'heap', 'timeline', 'findings', 'slab', 'freelist', 'block', 'status'];

export interface Selection {
  /** the selected block's BASE */
  block: number | null;
  /** the slab whose header bytes are shown */
  slab: number | null;
  finding: number | null;
  thread: number | null;
  cls: number | null;
}

export class Store {
  trace: TraceMessage | null = null;
  position = 0;
  readonly slabs = new Map<number, SlabView>();
  superslabs: number[] = [];
  routes: RouteCounts[] = [];
  threads: ViewThread[] = [];
  timeline: TimelineMessage | null = null;
  findings: ViewFinding[] = [];
  slab: SlabMessage | null = null;
  freelist: FreelistMessage | null = null;
  block: BlockMessage | null = null;
  status: StatusMessage | null = null;
  lastError = '';
  /** superslabs whose cells changed since the map last drew them */
  readonly dirty = new Set<number>();
  readonly selection: Selection = { block: null, slab: null, finding: null, thread: null, cls: null };
  /** topics changed and not yet announced */
  private readonly pending = new Set<Topic>();
  private flushScheduled = false;
  private readonly listeners = new Map<Topic, Set<() => void>>();

  /**
   * `schedule` asks for a flush soon (the page: at the next animation frame), once
   * until that flush runs; by default topics are announced at once.
   */
  constructor(
    private readonly schedule: (flush: (budgetMs?: number) => Topic[]) => void = (flush) => {
      flush();
    },
  ) {}

  on(topic: Topic, listener: () => void): void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
  }

  emit(topic: Topic): void {
    for (const listener of this.listeners.get(topic) ?? []) listener();
  }

  /**
   * Announces the topics changed since they were last announced, each once, in
   * FLUSH_ORDER; once `budgetMs` is spent the rest wait for another flush (asked
   * for here), so one frame does not redraw every view. Returns the topics announced.
   */
  flush(budgetMs = Infinity): Topic[] {
    this.flushScheduled = false;
    const started = performance.now();
    const announced: Topic[] = [];
    for (const topic of FLUSH_ORDER) {
      if (!this.pending.has(topic)) continue;
      if (announced.length && performance.now() - started >= budgetMs) {
        this.requestFlush();
        break;
      }
      this.pending.delete(topic);
      this.emit(topic);
      announced.push(topic);
    }
    return announced;
  }

  private changed(topic: Topic): void {
    this.pending.add(topic);
    this.requestFlush();
  }

  private requestFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    this.schedule((budgetMs) => this.flush(budgetMs));
  }

  select(change: Partial<Selection>): void {
    Object.assign(this.selection, change);
    this.emit('selection');
  }

  /** The slab holding an address, or null. */
  slabAt(address: number): SlabView | null {
    if (!this.trace) return null;
    const { superslabSize, slabSize } = this.trace.layout;
    const superslab = address - (address % superslabSize);
    const start = superslab + Math.floor((address - superslab) / slabSize) * slabSize;
    const slab = this.slabs.get(start);
    if (!slab) return null;
    const offset = address - slab.slabStart;
    return offset < slab.capacity * slab.stride ? slab : null;
  }

  apply(message: HostMessage): void {
    switch (message.type) {
      case 'trace':
        this.trace = message;
        this.slabs.clear();
        this.dirty.clear();
        this.changed('trace');
        return;
      case 'heap': {
        if (message.full) this.slabs.clear();
        const present = new Set(message.present);
        for (const [start, slab] of this.slabs)
          if (!present.has(start)) {
            this.slabs.delete(start);
            this.dirty.add(slab.superslab);
          }
        for (const slab of message.slabs) {
          const states = decodeBase64(slab.states);
          if (states.length !== slab.capacity) {
            this.fail(`heap: slab ${slab.slabStart.toString(16)} has ${states.length} states for ${slab.capacity} blocks`);
            continue;
          }
          this.slabs.set(slab.slabStart, { ...slab, states });
          this.dirty.add(slab.superslab);
        }
        if (message.full || this.superslabs.join() !== message.superslabs.join())
          for (const base of message.superslabs) this.dirty.add(base);
        this.superslabs = message.superslabs;
        this.routes = message.routes;
        this.threads = message.threads;
        this.position = message.event;
        this.changed('heap');
        return;
      }
      case 'timeline':
        this.timeline = message;
        this.changed('timeline');
        return;
      case 'findings':
        this.findings = (message as FindingsMessage).findings;
        this.changed('findings');
        return;
      case 'slab':
        this.slab = message;
        this.changed('slab');
        return;
      case 'freelist':
        this.freelist = message;
        this.changed('freelist');
        return;
      case 'block':
        this.block = message;
        this.changed('block');
        return;
      case 'status':
        this.status = message;
        this.changed('status');
        return;
      case 'error':
        this.fail(message.message);
        return;
    }
  }

  fail(text: string): void {
    this.lastError = text;
    this.emit('error');
  }
}
