// store.ts — what the views show: the host's latest messages, merged (heap
// updates carry only changed slabs), and the user's selection. Views subscribe
// to the topics they draw.

import {
  decodeBase64,
  type BlockMessage, type FindingsMessage, type FreelistMessage, type HostMessage, type RouteCounts, type SlabMessage, type StatusMessage,
  type TimelineMessage, type TraceMessage, type ViewFinding, type ViewSlab, type ViewThread,
} from '../../extension/core/view-protocol';

/** A slab as the views keep it: the message's, with the states decoded. */
export type SlabView = Omit<ViewSlab, 'states'> & { states: Uint8Array };

export type Topic = 'trace' | 'heap' | 'timeline' | 'findings' | 'slab' | 'freelist' | 'block' | 'status' | 'error' | 'selection';

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
  private readonly listeners = new Map<Topic, Set<() => void>>();

  on(topic: Topic, listener: () => void): void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener);
  }

  emit(topic: Topic): void {
    for (const listener of this.listeners.get(topic) ?? []) listener();
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
    const offset = address - slab.start;
    return offset < slab.capacity * slab.stride ? slab : null;
  }

  apply(message: HostMessage): void {
    switch (message.type) {
      case 'trace':
        this.trace = message;
        this.slabs.clear();
        this.dirty.clear();
        this.emit('trace');
        return;
      case 'heap': {
        if (message.full) this.slabs.clear();
        const present = new Set(message.present);
        for (const [start, slab] of this.slabs) if (!present.has(start)) { this.slabs.delete(start); this.dirty.add(slab.superslab); }
        for (const slab of message.slabs) {
          const states = decodeBase64(slab.states);
          if (states.length !== slab.capacity) {
            this.fail(`heap: slab ${slab.start.toString(16)} has ${states.length} states for ${slab.capacity} blocks`);
            continue;
          }
          this.slabs.set(slab.start, { ...slab, states });
          this.dirty.add(slab.superslab);
        }
        if (message.full || this.superslabs.join() !== message.superslabs.join()) for (const base of message.superslabs) this.dirty.add(base);
        this.superslabs = message.superslabs;
        this.routes = message.routes;
        this.threads = message.threads;
        this.position = message.event;
        this.emit('heap');
        return;
      }
      case 'timeline': this.timeline = message; this.emit('timeline'); return;
      case 'findings': this.findings = (message as FindingsMessage).findings; this.emit('findings'); return;
      case 'slab': this.slab = message; this.emit('slab'); return;
      case 'freelist': this.freelist = message; this.emit('freelist'); return;
      case 'block': this.block = message; this.emit('block'); return;
      case 'status': this.status = message; this.emit('status'); return;
      case 'error': this.fail(message.message); return;
    }
  }

  fail(text: string): void {
    this.lastError = text;
    this.emit('error');
  }
}
