// model.ts — the heap as the trace tells it: superslabs, slabs and blocks with
// their state, header byte, next pointer and last alloc/free; per-thread
// freelist chains in order; free-route counters. Starts from the snapshot a
// program sends on connect and follows every event after it. Findings the
// model can prove (and the allocator's own check reports) go to a FindingSet.
//
// Freelist chains and next pointers are exact when the program traces
// pointer-level detail (handshake flag Detail); with operation-level events the
// model knows each block's state from alloc and free, not the chains.

import type { CrashRecord, Handshake, LostRecord, SlabBytesRecord } from './decoder';
import {
  eventBase, eventClass, eventKind, eventPc, eventRoute, eventSite, eventValue, eventValueBig, hex,
} from './events';
import { FindingSet, severityOf, type Finding, type FindingKind, type InternalSite } from './findings';
import { headerClass, headerFor, nextCoversHeader, type Layout } from './layout';
import {
  AllocRoute, CHECK_KIND_NAMES, EventKind, FREE_ROUTE_COUNT, FreeRoute, HandshakeFlag, NO_CLASS, ROUTE_SNAPSHOT,
} from './protocol';

export const enum BlockState {
  NeverCarved = 0,
  Allocated = 1,
  FreeCache = 2,
  FreeSlab = 3,
  RemotePending = 4,
  Unknown = 5,
}
export const BLOCK_STATE_NAMES: readonly string[] = [
  'never-carved', 'allocated', 'free-cache', 'free-slab', 'remote-pending', 'unknown',
];

const NONE = -1;
/** a next pointer the trace has not shown */
const NEXT_UNKNOWN = -1;

/**
 * Whether a block's header byte, as seen, is wrong for its class: checked while
 * allocated, and while free unless the class's next pointer lies over it.
 */
export function headerMismatch(layout: Layout, cls: number, state: number, header: number): boolean {
  if (header < 0 || header === headerFor(layout, cls) || headerClass(layout, header) === cls) return false;
  return state === BlockState.Allocated || ((state === BlockState.FreeCache || state === BlockState.FreeSlab) && !nextCoversHeader(layout, cls));
}

export class SlabModel {
  readonly capacity: number;
  readonly stride: number;
  owner: number;
  used = 0;
  carved = 0;
  readonly state: Uint8Array;
  /** allocated by, or the thread whose cache holds it */
  readonly thread: Uint32Array;
  /** the next pointer last written (exact below 2^53; larger values are never our addresses) */
  readonly next: Float64Array;
  /** header byte last written, -1 unknown */
  readonly header: Int16Array;
  readonly allocEvent: Float64Array;
  readonly allocPc: Float64Array;
  readonly freeEvent: Float64Array;
  readonly freePc: Float64Array;
  readonly freeThread: Uint32Array;
  /** the slab freelist, tail first, head last */
  readonly freelist: number[] = [];
  /** the remote queue, tail first, head last */
  readonly remote: number[] = [];

  constructor(readonly start: number, readonly index: number, readonly cls: number, layout: Layout, owner: number) {
    const sizeClass = layout.classes[cls];
    this.capacity = sizeClass.capacity;
    this.stride = sizeClass.stride;
    this.owner = owner;
    const n = this.capacity;
    this.state = new Uint8Array(n);
    this.thread = new Uint32Array(n);
    this.next = new Float64Array(n).fill(NEXT_UNKNOWN);
    this.header = new Int16Array(n).fill(-1);
    this.allocEvent = new Float64Array(n).fill(NONE);
    this.allocPc = new Float64Array(n);
    this.freeEvent = new Float64Array(n).fill(NONE);
    this.freePc = new Float64Array(n);
    this.freeThread = new Uint32Array(n);
  }

  baseOf(slot: number): number {
    return this.start + slot * this.stride;
  }

  /** the slot whose block holds `address`, or -1 past the carved blocks' area */
  slotOf(address: number): number {
    const offset = address - this.start;
    if (offset < 0) return -1;
    const slot = Math.floor(offset / this.stride);
    return slot < this.capacity ? slot : -1;
  }
}

export class SuperslabModel {
  readonly slabs: (SlabModel | undefined)[];
  constructor(readonly base: number, slabCount: number) {
    this.slabs = new Array(slabCount).fill(undefined);
  }
}

export class ThreadModel {
  /** per class: the thread cache chain, tail first, head last */
  readonly caches: number[][];
  /** per class: whether the chain is known exactly (lost events or operation-level traces make it unknown) */
  readonly known: boolean[];
  exited = false;
  events = 0;
  /** the alloc or free in progress on this thread, for the events and findings inside it */
  lastOp: PendingOp | null = null;
  /** the last next-pointer read (base −1: none), for the pop that follows */
  readonly lastRead = { base: -1, value: 0, event: -1 };
  constructor(readonly id: number, classCount: number, known: boolean) {
    this.caches = Array.from({ length: classCount }, () => []);
    this.known = new Array(classCount).fill(known);
  }
}

/** Where an address falls in the heap. */
export interface Location {
  readonly superslab: SuperslabModel;
  readonly slab: SlabModel;
  readonly slot: number;
  /** bytes from the block's BASE */
  readonly within: number;
}

export interface ModelOptions {
  /** share of tiny frees taking the registry route that is a regression (0..1) */
  readonly routeRegressionThreshold: number;
  /** frees of a class needed before its route share is judged */
  readonly routeRegressionMinFrees: number;
}
export const DEFAULT_MODEL_OPTIONS: ModelOptions = { routeRegressionThreshold: 0.05, routeRegressionMinFrees: 1000 };

interface PendingOp {
  event: number;
  pc: number;
  /** made when something keeps it: a finding, a deeper frame */
  stack: number[] | null;
}

export class HeapModel {
  readonly layout: Layout;
  readonly detail: boolean;
  readonly superslabs = new Map<number, SuperslabModel>();
  readonly threads = new Map<number, ThreadModel>();
  readonly findings = new FindingSet();
  /** per class (the last row: mid, large and no class), frees by route */
  readonly freeRoutes: Uint32Array[];
  readonly allocRoutes: Uint32Array[];
  /** events applied, over all threads: the next event's index */
  eventCount = 0;
  lostEvents = 0;
  crashes: CrashRecord[] = [];
  ended = false;
  /** stacks of alloc and free events, kept when the trace carries deeper stacks */
  readonly opStacks = new Map<number, number[]>();
  private readonly options: ModelOptions;
  private readonly classCount: number;
  private readonly superslabSize: number;
  /** superslabSize − 1 when it fits a 32-bit mask, else −1 */
  private readonly superslabMask: number;
  private readonly slabSize: number;
  private readonly sentinel: number;
  private inSnapshot = false;
  /** findings waiting for the operation that follows their check-fail on the same thread */
  private pendingDetect = new Map<number, Finding[]>();
  /** per thread: the last slab push of the drain in progress (its slab and the used count it left) */
  private lastPut = new Map<number, { slab: number; used: number }>();
  private readonly leakingClasses = new Set<number>();
  /** classes whose links were written at the wrong offset, and the header bytes those links ran over */
  private readonly misplacedClasses = new Set<number>();
  private readonly clobberedHeaders = new Set<number>();
  /** blocks whose sentinel link was reported where the drain left it, so its later read is not a second finding */
  private readonly leftSentinels = new Set<number>();
  private routeJudged: boolean[];
  /** per class: frees that took the registry route though the header route was open to them */
  readonly avoidableRegistry: Uint32Array;

  constructor(readonly handshake: Handshake, options: Partial<ModelOptions> = {}) {
    this.layout = handshake.layout;
    this.detail = (handshake.flags & HandshakeFlag.Detail) !== 0;
    this.options = { ...DEFAULT_MODEL_OPTIONS, ...options };
    this.classCount = this.layout.classes.length;
    this.superslabSize = this.layout.superslabSize;
    this.superslabMask = this.superslabSize <= 2 ** 30 ? this.superslabSize - 1 : -1;
    this.slabSize = this.layout.slabSize;
    this.sentinel = this.layout.remoteSentinel === null ? NaN : Number(this.layout.remoteSentinel);
    this.freeRoutes = Array.from({ length: this.classCount + 1 }, () => new Uint32Array(FREE_ROUTE_COUNT));
    this.allocRoutes = Array.from({ length: this.classCount + 1 }, () => new Uint32Array(6));
    this.routeJudged = new Array(this.classCount).fill(false);
    this.avoidableRegistry = new Uint32Array(this.classCount);
  }

  // ---- queries -------------------------------------------------------------

  /**
   * Where `address` falls. The answer is one reused object (the hot path makes
   * millions of these): read it before the next locate, keep a copy to hold on.
   */
  locate(address: number): Location | null {
    // an operation's events name one block several times (pop, read, header, alloc): the answer stands
    if (address === this.lastAddress) return this.scratch;
    // a float modulo is a runtime call in V8; the low 32 bits and a mask are not
    const within = this.superslabMask >= 0 ? (address - Math.floor(address / 4294967296) * 4294967296) & this.superslabMask : address % this.superslabSize;
    const superslabBase = address - within;
    const superslab = superslabBase === this.lastSuperslabBase ? this.lastSuperslab : this.superslabs.get(superslabBase);
    if (!superslab) return null;
    this.lastSuperslabBase = superslabBase;
    this.lastSuperslab = superslab;
    const slab = superslab.slabs[Math.floor(within / this.slabSize)];
    if (!slab) return null;
    const slot = slab.slotOf(address);
    if (slot < 0) return null;
    const location = this.scratch;
    location.superslab = superslab;
    location.slab = slab;
    location.slot = slot;
    location.within = address - slab.baseOf(slot);
    this.lastAddress = address;
    return location;
  }
  /** the address the scratch location answers; −1 after anything that moves slabs */
  private lastAddress = -1;
  /** Slabs were bound, released or unmapped: no located answer stands. */
  private forgetLocations(): void {
    this.lastAddress = -1;
    this.lastSuperslabBase = -1;
  }
  private lastSuperslabBase = -1;
  private lastSuperslab: SuperslabModel | undefined = undefined;
  private readonly scratch = { superslab: null as unknown as SuperslabModel, slab: null as unknown as SlabModel, slot: 0, within: 0 };

  thread(id: number): ThreadModel {
    // nearly every event is on the thread of the one before: no map lookup then
    if (id === this.lastThreadId) return this.lastThread!;
    let thread = this.threads.get(id);
    if (!thread) {
      thread = new ThreadModel(id, this.classCount, this.detail);
      this.threads.set(id, thread);
    }
    this.lastThreadId = id;
    this.lastThread = thread;
    return thread;
  }
  private lastThreadId = -1;
  private lastThread: ThreadModel | null = null;

  /** the allocator source line of an internal site id, or null */
  internalSite(site: number): InternalSite | null {
    if (site === 0) return null;
    const file = this.layout.siteFiles[site >>> 16];
    return file ? { file, line: site & 0xffff } : null;
  }

  // ---- events --------------------------------------------------------------

  /** Applies one event record at b[o]; its index is this.eventCount. */
  apply(b: Uint8Array, o: number, thread: number): void {
    const index = this.eventCount++;
    const kind = eventKind(b, o);
    const route = eventRoute(b, o);
    if (route & ROUTE_SNAPSHOT) {
      if (!this.inSnapshot) this.beginSnapshot();
      this.applySnapshot(b, o, kind);
      return;
    }
    this.inSnapshot = false;
    const cls = eventClass(b, o);
    const base = eventBase(b, o);
    switch (kind) {
      case EventKind.Alloc: return this.onAlloc(b, o, thread, index, cls, route, base);
      case EventKind.Free: return this.onFree(b, o, thread, index, cls, route, base);
      case EventKind.CachePush: return this.onCachePush(b, o, thread, index, cls, base);
      case EventKind.CachePop: return this.onCachePop(b, o, thread, index, cls, base);
      case EventKind.SlabPush: return this.onSlabPush(b, o, thread, index, cls, base);
      case EventKind.SlabPop: return this.onSlabPop(b, o, thread, index, cls, base);
      case EventKind.NextWrite: return this.onNextWrite(b, o, thread, index, cls, base);
      case EventKind.NextRead: {
        const read = this.thread(thread).lastRead;
        read.base = base; read.value = eventValue(b, o); read.event = index;
        // a sentinel already reported where it was left behind is the same finding
        if (this.isSentinel(b, o) && !this.leftSentinels.delete(base)) this.engineFinding('sentinel-leak', b, o, thread, index, cls, base,
          `the remote queue's sentinel ${hex(eventValueBig(b, o))} was read as the next pointer of ${hex(base)}: it leaked out of the queue`, eventValueBig(b, o));
        return;
      }
      case EventKind.HeaderWrite: {
        const at = this.locate(base);
        if (at) at.slab.header[at.slot] = eventValue(b, o) & 0xff;
        return;
      }
      case EventKind.Drain:
        this.lastPut.delete(thread);
        return this.onDrain(b, o, thread, cls);
      case EventKind.RemotePush: return this.onRemotePush(thread, base);
      case EventKind.RemoteDrain: return this.onRemoteDrain(b, o, thread, index, cls, base);
      case EventKind.Refill:
        return;
      case EventKind.SuperslabMap:
        // a slab bound by another thread may have come first and created it
        if (!this.superslabs.has(base)) this.superslabs.set(base, new SuperslabModel(base, this.layout.slabsPerSuperslab));
        return;
      case EventKind.SuperslabUnmap:
        this.superslabs.delete(base);
        this.forgetLocations();
        return;
      case EventKind.SlabBind: return this.bindSlab(base, cls, thread, 0, 0);
      case EventKind.SlabRelease: {
        const at = this.locate(base);
        if (at) at.superslab.slabs[at.slab.index] = undefined;
        this.forgetLocations();
        return;
      }
      case EventKind.CheckFail: return this.onCheckFail(b, o, thread, index, cls, base);
      case EventKind.ThreadStart:
        this.thread(thread);
        return;
      case EventKind.ThreadExit:
        this.thread(thread).exited = true;
        return;
      case EventKind.StackFrame: {
        const op = this.thread(thread).lastOp;
        if (op && this.stackOf(op).length < 256) this.stackOf(op).push(eventValue(b, o));
        return;
      }
      default:
        return; // a kind this engine does not know: its size is fixed, so it is skipped
    }
  }

  private beginOp(thread: number, index: number, pc: number): void {
    const owner = this.thread(thread);
    let op = owner.lastOp;
    if (!op) op = owner.lastOp = { event: index, pc, stack: null };
    op.event = index;
    op.pc = pc;
    op.stack = null;
    if (this.handshake.stackDepth > 1) {
      op.stack = [pc];
      this.opStacks.set(index, op.stack);
      if (this.opStacks.size > 1 << 20) this.opStacks.delete(this.opStacks.keys().next().value as number);
    }
    if (this.pendingDetect.size) {
      const waiting = this.pendingDetect.get(thread);
      if (waiting) {
        for (const finding of waiting) if (finding.stacks.detect[0] === pc) finding.stacks = { ...finding.stacks, detect: this.stackOf(op) };
        this.pendingDetect.delete(thread);
      }
    }
  }

  private stackOf(op: PendingOp): number[] {
    return op.stack ?? (op.stack = [op.pc]);
  }

  private onAlloc(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: number): void {
    const pc = eventPc(b, o);
    this.beginOp(thread, index, pc);
    this.allocRoutes[cls === NO_CLASS ? this.classCount : cls][route < 6 ? route : 0]++;
    if (cls === NO_CLASS) return;
    const at = this.locate(base);
    if (!at) return;
    const { slab, slot } = at;
    if (at.within !== 0) {
      this.engineFinding('user-as-base', b, o, thread, index, cls, base, `the allocator handed out ${hex(base)}, ${at.within} bytes into a block, as a BASE`);
      return;
    }
    if (route === AllocRoute.Carve && slot >= slab.carved) slab.carved = slot + 1;
    slab.state[slot] = BlockState.Allocated;
    slab.thread[slot] = thread;
    slab.allocEvent[slot] = index;
    slab.allocPc[slot] = pc;
    if (!this.detail) slab.header[slot] = headerFor(this.layout, cls);
  }

  private onFree(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: number): void {
    const pc = eventPc(b, o);
    this.beginOp(thread, index, pc);
    this.freeRoutes[cls === NO_CLASS ? this.classCount : cls][route < FREE_ROUTE_COUNT ? route : 0]++;
    if (route === FreeRoute.Registry || route === FreeRoute.HeaderFast) {
      // a USER pointer at a page start must ask the registry (its header may be on an unmapped page); any other need not
      if (route === FreeRoute.Registry && eventValue(b, o) % this.handshake.pageSize !== 0 && cls < this.classCount) this.avoidableRegistry[cls]++;
      this.judgeRoutes(cls, b, o, thread, index, base);
    }
    if (cls === NO_CLASS || route === FreeRoute.Rejected || route === FreeRoute.Foreign) return;
    const user = eventValue(b, o);
    const at = this.locate(base);
    if (!at) return;
    const { slab, slot } = at;
    // The allocator's checks reject these before this event; an allocator without checks does not.
    if (user !== base + this.layout.userOffset) {
      const kind: FindingKind = user === base ? 'base-as-user' : 'interior-free';
      this.engineFinding(kind, b, o, thread, index, cls, base, kind === 'base-as-user'
        ? `free(${hex(user)}) got the block's BASE; its USER pointer is ${hex(base + this.layout.userOffset)}`
        : `free(${hex(user)}) points ${user - base} bytes into the block at BASE ${hex(base)}`);
    } else if (slab.state[slot] !== BlockState.Allocated && slab.state[slot] !== BlockState.Unknown) {
      this.engineFinding('double-free', b, o, thread, index, cls, base, `free(${hex(user)}) of a block that is already ${BLOCK_STATE_NAMES[slab.state[slot]]}`);
    }
    slab.freeEvent[slot] = index;
    slab.freePc[slot] = pc;
    slab.freeThread[slot] = thread;
    if (!this.detail) {
      slab.state[slot] = route === FreeRoute.Remote ? BlockState.RemotePending : BlockState.FreeCache;
      slab.thread[slot] = thread;
    }
  }

  private onCachePush(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number): void {
    const at = this.locate(base);
    if (at && at.within !== 0) {
      this.userAsBase(b, o, thread, index, cls, base, at.within, 'thread cache');
      return;
    }
    if (cls < this.classCount) this.thread(thread).caches[cls].push(base);
    if (!at) return;
    at.slab.state[at.slot] = BlockState.FreeCache;
    at.slab.thread[at.slot] = thread;
  }

  private onCachePop(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number): void {
    const owner = this.thread(thread);
    const chain = owner.caches[cls];
    if (chain.length && chain[chain.length - 1] === base) chain.pop();
    else removeFrom(chain, base);
    const at = this.locate(base);
    if (!at) return;
    if (at.slab.state[at.slot] === BlockState.Allocated)
      this.engineFinding('double-free', b, o, thread, index, cls, base,
        `${hex(base + this.layout.userOffset)} is handed out while still allocated: it was on the freelist twice (freed twice)`);
    at.slab.state[at.slot] = BlockState.Allocated;
    at.slab.thread[at.slot] = thread;
    this.checkLinkRead(b, o, thread, index, cls, base, at, 'thread cache');
  }

  private onSlabPush(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number): void {
    const at = this.locate(base);
    if (!at) return;
    if (at.within !== 0) {
      this.userAsBase(b, o, thread, index, cls, base, at.within, 'slab freelist');
      return;
    }
    const { slab, slot } = at;
    slab.state[slot] = BlockState.FreeSlab;
    slab.freelist.push(base);
    this.checkUsedFalls(b, o, thread, index, cls, slab);
    const next = slab.next[slot];
    if (next > 0 && next !== NEXT_UNKNOWN && (next < slab.start || next >= slab.start + this.slabSize) && !this.isSentinelNumber(next))
      this.engineFinding('next-out-of-slab', b, o, thread, index, cls, base,
        `the slab freelist link of ${hex(base)} points to ${hex(next)}, outside its slab ${hex(slab.start)}..${hex(slab.start + this.slabSize)}`);
  }

  private onSlabPop(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number): void {
    const at = this.locate(base);
    if (!at) return;
    const list = at.slab.freelist;
    if (list.length && list[list.length - 1] === base) list.pop();
    else removeFrom(list, base);
    at.slab.state[at.slot] = BlockState.FreeCache;
    this.checkLinkRead(b, o, thread, index, cls, base, at, 'slab freelist');
  }

  private onNextWrite(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number): void {
    const at = this.locate(base);
    if (!at || at.within !== 0) return;
    at.slab.next[at.slot] = this.isSentinel(b, o) ? this.sentinel : eventValue(b, o);
    if (this.layout.linkOffsets && cls < this.classCount) {
      const offset = eventRoute(b, o), expected = this.layout.classes[cls].nextOffset;
      if (offset !== expected) this.misplacedLink(b, o, thread, index, cls, base, at, offset, expected);
    }
  }

  /** A link written where the layout does not put it (the seeds' Phase E3-FINAL: C0's next pointer at offset 1). */
  private misplacedLink(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number, at: Location, offset: number, expected: number): void {
    const { slab, slot } = at;
    const stride = slab.stride, end = offset + 8;
    const first = !this.misplacedClasses.has(cls);
    this.misplacedClasses.add(cls);
    const wrong = `class ${cls}'s next pointer was written at BASE+${offset} of ${hex(base)}, where the layout puts it at +${expected}`;
    const neighbour = slot + 1;
    const clobbered = stride + this.layout.headerOffset - offset; // which of the link's 8 bytes lands on the next block's header
    if (end > stride && clobbered >= 0 && clobbered < 8 && neighbour < slab.capacity) {
      const value = eventValue(b, o);
      slab.header[neighbour] = Math.floor(value / 2 ** (8 * clobbered)) % 256;
      // one finding per class: every link of the class is misplaced; the headers it clobbers are that finding's
      this.clobberedHeaders.add(slab.baseOf(neighbour));
      if (first) this.engineFinding('header-corrupt', b, o, thread, index, cls, slab.baseOf(neighbour) + this.layout.userOffset,
        `${wrong}: its 8 bytes run ${end - stride} past the ${stride}-byte block, over the header byte of the next block ${hex(slab.baseOf(neighbour) + this.layout.userOffset)}`);
    } else if (first) {
      this.engineFinding('next-corrupt', b, o, thread, index, cls, base, `${wrong}: a pop reads the link from +${expected}`);
    }
  }

  /** Within one drain, each block a slab takes back lowers its used count by one (the seeds' Phase 9). */
  private checkUsedFalls(b: Uint8Array, o: number, thread: number, index: number, cls: number, slab: SlabModel): void {
    const used = eventValue(b, o);
    const last = this.lastPut.get(thread);
    if (last && last.slab === slab.start && used !== last.used - 1 && !this.leakingClasses.has(cls)) {
      this.leakingClasses.add(cls); // one finding per class: its other slabs leak the same way
      this.engineFinding('slab-leak', b, o, thread, index, cls, slab.start,
        `slab ${hex(slab.start)} (class ${cls}) took a block back and still counts ${used} blocks used (${last.used} before): its used count does not fall, so it never empties and its superslab is never returned`);
    }
    slab.used = used;
    if (last) { last.slab = slab.start; last.used = used; } else this.lastPut.set(thread, { slab: slab.start, used });
  }

  /** The link a pop read must be the one its push wrote; a different one was written after the free. */
  private checkLinkRead(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number, at: Location, list: string): void {
    const read = this.thread(thread).lastRead;
    if (read.base !== base) return;
    const { slab, slot } = at;
    const written = slab.next[slot];
    const leaves = list === 'slab freelist' && read.value !== 0 && (read.value < slab.start || read.value >= slab.start + this.slabSize) && !this.isSentinelNumber(read.value);
    if (leaves) {
      this.engineFinding('next-out-of-slab', b, o, thread, index, cls, base,
        `the slab freelist link of ${hex(base)} leads to ${hex(read.value)}, outside its slab ${hex(slab.start)}..${hex(slab.start + this.slabSize)}`);
    } else if (written !== NEXT_UNKNOWN && read.value !== written && read.value !== 0 && !this.isSentinelNumber(read.value)) {
      this.engineFinding('next-corrupt', b, o, thread, index, cls, base,
        `the ${list} link of ${hex(base)} was ${hex(written)} when it was pushed and ${hex(read.value)} when popped: the block was written after it was freed`);
    }
    slab.next[slot] = NEXT_UNKNOWN;
  }

  private onDrain(b: Uint8Array, o: number, thread: number, cls: number): void {
    // The drain takes the coldest n blocks (the chain's tail) back to their slabs; slab-push events follow.
    const owner = this.thread(thread);
    const n = Math.min(eventValue(b, o), owner.caches[cls].length);
    if (cls < this.classCount) owner.caches[cls].splice(0, n);
  }

  private onRemotePush(thread: number, base: number): void {
    const at = this.locate(base);
    if (!at) return;
    at.slab.state[at.slot] = BlockState.RemotePending;
    at.slab.thread[at.slot] = thread;
    at.slab.remote.push(base);
  }

  private onRemoteDrain(b: Uint8Array, o: number, thread: number, index: number, cls: number, chainHead: number): void {
    const at = this.locate(chainHead);
    if (!at) return;
    const { slab } = at;
    // The splice rewrote the tail's link before this event: walk the drained chain from its head
    // (blocks pushed after the drain took the queue start a new chain, ending in the sentinel rightly);
    // a sentinel still met on the way now sits in the slab freelist.
    const pending = new Set(slab.remote);
    for (let link = chainHead, steps = 0; pending.has(link) && steps < slab.remote.length; steps++) {
      const next = slab.next[slab.slotOf(link)];
      if (this.isSentinelNumber(next)) {
        if (!this.leftSentinels.has(link)) {
          this.leftSentinels.add(link);
          this.engineFinding('sentinel-leak', b, o, thread, index, cls, link,
            `the remote drain spliced its chain onto the slab freelist but left the queue's sentinel ${hex(this.layout.remoteSentinel ?? 0n)} as the link of its tail ${hex(link)}: the next refill will follow it`);
        }
        break;
      }
      link = next;
    }
    for (const base of slab.remote) {
      const slot = slab.slotOf(base);
      if (slot >= 0) slab.state[slot] = BlockState.FreeSlab;
    }
    slab.freelist.push(...slab.remote);
    slab.remote.length = 0;
  }

  private bindSlab(start: number, cls: number, owner: number, used: number, carved: number): void {
    const within = start % this.superslabSize;
    let superslab = this.superslabs.get(start - within);
    if (!superslab) {
      superslab = new SuperslabModel(start - within, this.layout.slabsPerSuperslab);
      this.superslabs.set(superslab.base, superslab);
    }
    if (cls >= this.classCount) return;
    const slab = new SlabModel(start, Math.floor(within / this.slabSize), cls, this.layout, owner);
    slab.used = used;
    slab.carved = carved;
    superslab.slabs[slab.index] = slab;
    this.forgetLocations();
  }

  private onCheckFail(b: Uint8Array, o: number, thread: number, index: number, cls: number, ptr: number): void {
    const value = eventValueBig(b, o);
    const code = Number(value & 0xffn);
    const kind = (CHECK_KIND_NAMES[code] ?? '') as FindingKind;
    if (!kind) return;
    const at = this.locate(ptr);
    const base = at ? at.slab.baseOf(at.slot) : 0;
    // the value that failed (low 56 bits): what the block really holds, which no event wrote
    const failed = value >> 8n;
    if (at && kind === 'header-corrupt') at.slab.header[at.slot] = Number(failed & 0xffn);
    else if (at && failed && (kind === 'next-corrupt' || kind === 'next-out-of-slab')) at.slab.next[at.slot] = Number(failed);
    if (kind === 'sentinel-leak' && this.leftSentinels.has(base)) return; // reported where the drain left it
    if (kind === 'header-corrupt' && this.clobberedHeaders.has(base)) return; // reported where a misplaced link ran over it
    const message = nativeMessage(kind, ptr, this.layout);
    const finding = this.makeFinding(kind, 'native', ptr, base, cls === NO_CLASS ? -1 : cls, thread, index, message, eventPc(b, o), eventSite(b, o), at);
    if (this.findings.add(finding)) {
      const waiting = this.pendingDetect.get(thread) ?? [];
      waiting.push(finding);
      this.pendingDetect.set(thread, waiting);
    }
  }

  // ---- findings ------------------------------------------------------------

  private userAsBase(b: Uint8Array, o: number, thread: number, index: number, cls: number, ptr: number, within: number, list: string): void {
    this.engineFinding(within === this.layout.userOffset ? 'user-as-base' : 'next-corrupt', b, o, thread, index, cls, ptr,
      within === this.layout.userOffset
        ? `allocator code pushed the USER pointer ${hex(ptr)} onto the ${list}, which holds BASE pointers (BASE is ${hex(ptr - within)})`
        : `allocator code pushed ${hex(ptr)}, ${within} bytes into a block, onto the ${list}`);
  }

  /** `raw`: the pointer as the finding names it, when not `ptr` (a sentinel read names the sentinel) */
  private engineFinding(kind: FindingKind, b: Uint8Array, o: number, thread: number, index: number, cls: number, ptr: number, message: string, raw: bigint = BigInt(ptr)): void {
    const at = this.locate(ptr);
    const base = at ? at.slab.baseOf(at.slot) : 0;
    this.findings.add(this.makeFinding(kind, 'engine', raw, base, cls === NO_CLASS ? -1 : cls, thread, index, message, eventPc(b, o), eventSite(b, o), at));
  }

  private makeFinding(kind: FindingKind, origin: 'native' | 'engine', ptr: number | bigint, base: number, cls: number, thread: number,
    index: number, message: string, pc: number, site: number, at: Location | null): Finding {
    const allocEvent = at ? at.slab.allocEvent[at.slot] : NONE;
    const freeEvent = at ? at.slab.freeEvent[at.slot] : NONE;
    const stackOf = (event: number, pcValue: number) => (event === NONE ? [] : this.opStacks.get(event) ?? (pcValue ? [pcValue] : []));
    const op = this.thread(thread).lastOp;
    return {
      kind, severity: severityOf(kind), ptr: BigInt(ptr), base, cls, thread, event: index, message, origin,
      internalSite: this.internalSite(site),
      stacks: {
        alloc: at ? stackOf(allocEvent, at.slab.allocPc[at.slot]) : [],
        free: at ? stackOf(freeEvent, at.slab.freePc[at.slot]) : [],
        detect: op && op.pc === pc ? this.stackOf(op) : pc ? [pc] : [],
      },
      allocEvent, freeEvent,
    };
  }

  private judgeRoutes(cls: number, b: Uint8Array, o: number, thread: number, index: number, base: number): void {
    if (cls >= this.classCount || this.routeJudged[cls]) return;
    const routes = this.freeRoutes[cls];
    const total = routes[FreeRoute.HeaderFast] + routes[FreeRoute.Registry];
    if (total < this.options.routeRegressionMinFrees) return;
    this.routeJudged[cls] = true;
    const share = this.avoidableRegistry[cls] / total;
    if (share > this.options.routeRegressionThreshold)
      this.engineFinding('route-regression', b, o, thread, index, cls, base,
        `${(share * 100).toFixed(1)}% of class ${cls}'s first ${total} frees took the registry lookup though their header was usable (not at a page start), instead of the header fast path (threshold ${(this.options.routeRegressionThreshold * 100).toFixed(1)}%)`);
  }

  private isSentinel(b: Uint8Array, o: number): boolean {
    const sentinel = this.layout.remoteSentinel;
    return sentinel !== null && b[o + 39] !== 0 && eventValueBig(b, o) === sentinel;
  }
  private isSentinelNumber(value: number): boolean {
    return value === this.sentinel;
  }

  // ---- snapshot, lost events, crash, slab bytes ----------------------------

  private beginSnapshot(): void {
    this.inSnapshot = true;
    this.superslabs.clear();
    this.forgetLocations();
    for (const thread of this.threads.values())
      for (let cls = 0; cls < this.classCount; cls++) {
        thread.caches[cls].length = 0;
        thread.known[cls] = true;
      }
  }

  /** Snapshot events (PROTOCOL §8) describe state; walks come head first. */
  private applySnapshot(b: Uint8Array, o: number, kind: number): void {
    const cls = eventClass(b, o);
    const base = eventBase(b, o);
    switch (kind) {
      case EventKind.SuperslabMap:
        if (!this.superslabs.has(base)) this.superslabs.set(base, new SuperslabModel(base, this.layout.slabsPerSuperslab));
        return;
      case EventKind.SlabBind: {
        const value = eventValue(b, o);
        const used = value % 2 ** 20, carved = Math.floor(value / 2 ** 20) % 2 ** 20, owner = Math.floor(value / 2 ** 40);
        this.bindSlab(base, cls, owner, used, carved);
        const at = this.locate(base);
        if (at) for (let slot = 0; slot < carved; slot++) at.slab.state[slot] = BlockState.Unknown;
        return;
      }
      default:
        break;
    }
    const at = this.locate(base);
    if (!at || at.within !== 0) return;
    const { slab, slot } = at;
    switch (kind) {
      case EventKind.SlabPush:
        slab.state[slot] = BlockState.FreeSlab;
        slab.freelist.unshift(base);
        return;
      case EventKind.RemotePush:
        slab.state[slot] = BlockState.RemotePending;
        slab.remote.unshift(base);
        return;
      case EventKind.Alloc:
        slab.state[slot] = BlockState.Allocated;
        slab.thread[slot] = slab.owner;
        slab.header[slot] = headerFor(this.layout, slab.cls);
        return;
      case EventKind.CachePush: {
        const owner = eventValue(b, o);
        slab.state[slot] = BlockState.FreeCache;
        slab.thread[slot] = owner;
        this.thread(owner).caches[cls].unshift(base);
        return;
      }
      default:
        return;
    }
  }

  onLost(record: LostRecord): void {
    this.lostEvents += record.count;
    const thread = this.thread(record.thread);
    // What the lost events did is unknown from here on: this thread's caches, the
    // slabs it owns, and every allocated block (it may have freed any of them).
    // A drain cut by the loss took back blocks we never saw: its next put is no leak.
    this.lastPut.delete(record.thread);
    thread.lastRead.base = -1; // and a link read before the loss is not the next pop's
    for (let cls = 0; cls < this.classCount; cls++) {
      for (const base of thread.caches[cls]) {
        const at = this.locate(base);
        if (at) this.forget(at.slab, at.slot);
      }
      thread.caches[cls].length = 0;
      thread.known[cls] = false;
    }
    for (const superslab of this.superslabs.values())
      for (const slab of superslab.slabs) {
        if (!slab) continue;
        const owned = slab.owner === record.thread;
        for (let slot = 0; slot < slab.capacity; slot++) {
          const state = slab.state[slot];
          if (state === BlockState.Allocated || (owned && state !== BlockState.FreeCache)) this.forget(slab, slot);
        }
        if (owned) {
          slab.freelist.length = 0;
          slab.remote.length = 0;
        }
      }
    this.findings.addLoss(record.thread, record.count, record.firstSeq, record.lastSeq, this.eventCount);
  }

  private forget(slab: SlabModel, slot: number): void {
    slab.state[slot] = BlockState.Unknown;
    slab.next[slot] = NEXT_UNKNOWN;
  }

  onCrash(record: CrashRecord): void {
    this.crashes.push(record);
    const signal = SIGNAL_NAMES[record.signal] ?? `signal ${record.signal}`;
    const fault = record.faultAddress, page = BigInt(this.handshake.pageSize);
    const touched = record.signal === 11 || record.signal === 7 ? `, touching ${hex(fault)}` : '';
    const pageEdge = touched && page > 0n && fault % page === page - 1n && fault > 0n
      ? `: the last byte of the page below ${hex(fault + 1n)}, which is not mapped — a header read before a page-aligned pointer crossed the page boundary`
      : '';
    this.findings.add({
      kind: 'crash', severity: 'error', ptr: fault, base: 0, cls: -1, thread: record.thread, event: this.eventCount,
      message: `the program died of ${signal} at pc ${hex(record.pc)}${touched}${pageEdge}`,
      origin: 'engine', internalSite: null,
      // the crash pc first (its line, in the allocator or not), then the allocator call the thread was in;
      // stacks hold return addresses, looked up at pc − 1, and a fault's pc is the instruction itself
      stacks: { alloc: [], free: [], detect: [Number(record.pc) + 1, ...(record.callPc ? [record.callPc] : [])] },
      allocEvent: NONE, freeEvent: NONE,
    });
  }

  /** Raw slab bytes: every header byte and link is compared with what the trace says it should be. */
  onSlabBytes(record: SlabBytesRecord): void {
    const at = this.locate(record.start);
    if (!at || at.slab.start !== record.start) return;
    const { slab } = at;
    const layout = this.layout;
    const expected = headerFor(layout, slab.cls);
    for (let slot = 0; slot < slab.carved && slot < slab.capacity; slot++) {
      const offset = slot * slab.stride + layout.headerOffset;
      if (offset >= record.bytes.length) break;
      const actual = record.bytes[offset];
      const state = slab.state[slot];
      slab.header[slot] = actual;
      if (headerMismatch(layout, slab.cls, state, actual)) {
        const base = slab.baseOf(slot);
        this.findings.add({
          kind: 'header-corrupt', severity: 'error', ptr: BigInt(base + layout.userOffset), base, cls: slab.cls, thread: slab.thread[slot],
          event: this.eventCount,
          message: `the header byte of ${hex(base + layout.userOffset)} is ${hex(actual)}, ${hex(expected)} expected (block ${BLOCK_STATE_NAMES[state]})`,
          origin: 'engine', internalSite: null,
          stacks: { alloc: slab.allocPc[slot] ? [slab.allocPc[slot]] : [], free: slab.freePc[slot] ? [slab.freePc[slot]] : [], detect: [] },
          allocEvent: slab.allocEvent[slot], freeEvent: slab.freeEvent[slot],
        });
      }
    }
  }
}

const SIGNAL_NAMES: Record<number, string> = { 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 11: 'SIGSEGV' };

function removeFrom(list: number[], value: number): void {
  const at = list.lastIndexOf(value);
  if (at >= 0) list.splice(at, 1);
}

function nativeMessage(kind: FindingKind, ptr: number, layout: Layout): string {
  const pointer = hex(ptr);
  switch (kind) {
    case 'double-free': return `free(${pointer}) of a block that is already free`;
    case 'base-as-user': return `free(${pointer}) got a BASE pointer where USER belongs (USER = BASE + ${layout.userOffset})`;
    case 'interior-free': return `free(${pointer}) points inside a block, not at its USER pointer`;
    case 'foreign-free': return `free(${pointer}) of memory this allocator never handed out`;
    case 'header-corrupt': return `the header byte of the block at ${pointer} is not its class's: it was overwritten`;
    case 'next-corrupt': return `the freelist link of the free block at ${pointer} is no block of its class: the block was written after it was freed`;
    case 'sentinel-leak': return `the remote queue's sentinel came out of the freelist at ${pointer}`;
    case 'user-as-base': return `allocator code used the USER pointer ${pointer} where a BASE pointer belongs`;
    case 'next-out-of-slab': return `the slab freelist link of the free block at ${pointer} leads to a block of another slab`;
    default: return `${kind} at ${pointer}`;
  }
}
