// state.ts — the heap as plain data: superslabs, slabs and their blocks (state,
// header byte, next pointer, last alloc and free), threads and their caches,
// alloc and free route counts. What a checkpoint saves, and what a stopped
// process can fill from its memory: small mutators, one per thing an event does
// to the heap, and no judgement (the detectors judge, detect/).
//
// Freelist chains and next pointers are exact when the program traces
// pointer-level detail (handshake flag Detail); with operation-level events the
// state knows each block's state from alloc and free, not the chains.

import type { CrashRecord, Handshake, SlabBytesRecord } from '../decoder';
import type { InternalSite } from '../findings';
import { headerFor, type Layout } from '../layout';
import { basePtr, type BasePtr } from '../pointers';
import { AllocRoute, CHECK_KIND_NAMES, EventKind, FREE_ROUTE_COUNT, FreeRoute, HandshakeFlag, NO_CLASS } from '../protocol';

export const enum BlockState {
  NeverCarved = 0,
  Allocated = 1,
  FreeCache = 2,
  FreeSlab = 3,
  RemotePending = 4,
  Unknown = 5,
}
export const BLOCK_STATE_NAMES: readonly string[] = ['never-carved', 'allocated', 'free-cache', 'free-slab', 'remote-pending', 'unknown'];

/** no event (an alloc or free the trace has not shown) */
export const NONE = -1;
/** a next pointer the trace has not shown */
export const NEXT_UNKNOWN = -1;

export class SlabModel {
  readonly capacity: number;
  readonly stride: number;
  owner: number;
  used = 0;
  carved = 0;
  readonly state: Uint8Array;
  /**
   * the thread the block is with: while allocated, the thread that allocated it; while
   * free, the one whose cache or remote push holds it (its state says which)
   */
  readonly holder: Uint32Array;
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
  readonly freelist: BasePtr[] = [];
  /** the remote queue, tail first, head last */
  readonly remote: BasePtr[] = [];

  constructor(
    readonly start: number,
    readonly index: number,
    readonly cls: number,
    layout: Layout,
    owner: number,
  ) {
    const sizeClass = layout.classes[cls];
    if (!sizeClass) throw new RangeError(`slab 0x${start.toString(16)}: class ${cls} is not one of the layout's ${layout.classes.length}`);
    this.capacity = sizeClass.capacity;
    this.stride = sizeClass.stride;
    this.owner = owner;
    const n = this.capacity;
    this.state = new Uint8Array(n);
    this.holder = new Uint32Array(n);
    this.next = new Float64Array(n).fill(NEXT_UNKNOWN);
    this.header = new Int16Array(n).fill(-1);
    this.allocEvent = new Float64Array(n).fill(NONE);
    this.allocPc = new Float64Array(n);
    this.freeEvent = new Float64Array(n).fill(NONE);
    this.freePc = new Float64Array(n);
    this.freeThread = new Uint32Array(n);
  }

  baseOf(slot: number): BasePtr {
    return basePtr(this.start + slot * this.stride);
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
  constructor(
    readonly base: number,
    slabCount: number,
  ) {
    this.slabs = new Array(slabCount).fill(undefined);
  }
}

/** The alloc or free in progress on a thread, for the events and findings inside it. */
export interface PendingOp {
  event: number;
  pc: number;
  /** made when something keeps it: a finding, a deeper frame */
  stack: number[] | null;
}

export class ThreadModel {
  /** per class: the thread cache chain, tail first, head last */
  readonly caches: BasePtr[][];
  /** per class: whether the chain is known exactly (lost events or operation-level traces make it unknown) */
  readonly known: boolean[];
  exited = false;
  events = 0;
  lastOp: PendingOp | null = null;
  /** the last next-pointer read (base −1: none), for the pop that follows */
  readonly lastRead: { base: BasePtr | -1; value: number; event: number } = { base: -1, value: 0, event: -1 };
  constructor(
    readonly id: number,
    classCount: number,
    known: boolean,
  ) {
    this.caches = Array.from({ length: classCount }, () => []);
    this.known = new Array(classCount).fill(known);
  }
}

/** Where an address falls in the heap. */
export interface Location {
  readonly superslab: SuperslabModel;
  readonly slab: SlabModel;
  /** below slab.capacity: an index into every per-block array of the slab */
  readonly slot: number;
  /** bytes from the block's BASE */
  readonly within: number;
}

export class HeapState {
  readonly layout: Layout;
  readonly detail: boolean;
  readonly superslabs = new Map<number, SuperslabModel>();
  readonly threads = new Map<number, ThreadModel>();
  /** per class (the last row: mid, large and no class), frees by route */
  readonly freeRoutes: Uint32Array[];
  readonly allocRoutes: Uint32Array[];
  /** events applied, over all threads: the next event's index */
  eventCount = 0;
  lostEvents = 0;
  crashes: CrashRecord[] = [];
  ended = false;
  protected readonly classCount: number;
  protected readonly superslabSize: number;
  /** superslabSize − 1 when it fits a 32-bit mask, else −1 */
  private readonly superslabMask: number;
  protected readonly slabSize: number;
  /** the remote queue's sentinel as a number, NaN when the layout has none */
  readonly sentinel: number;

  constructor(readonly handshake: Handshake) {
    this.layout = handshake.layout;
    this.detail = (handshake.flags & HandshakeFlag.Detail) !== 0;
    this.classCount = this.layout.classes.length;
    this.superslabSize = this.layout.superslabSize;
    this.superslabMask = this.superslabSize <= 2 ** 30 ? this.superslabSize - 1 : -1;
    this.slabSize = this.layout.slabSize;
    this.sentinel = this.layout.remoteSentinel === null ? NaN : Number(this.layout.remoteSentinel);
    this.freeRoutes = Array.from({ length: this.classCount + 1 }, () => new Uint32Array(FREE_ROUTE_COUNT));
    this.allocRoutes = Array.from({ length: this.classCount + 1 }, () => new Uint32Array(6));
  }

  // ---- queries -------------------------------------------------------------

  /**
   * Where `address` falls. The answer is one reused object (the hot path makes
   * millions of these): read it before the next locate, keep a copy to hold on.
   */
  locate(address: number): Location | null {
    // an operation's events name one block several times (pop, read, header, alloc), and the state
    // and each detector locate it again: the answer stands, in a test small enough to inline everywhere
    return address === this.lastAddress ? this.scratch : this.locateAnew(address);
  }
  private locateAnew(address: number): Location | null {
    // a float modulo is a runtime call in V8; the low 32 bits and a mask are not
    const within =
      this.superslabMask >= 0
        ? (address - Math.floor(address / 4294967296) * 4294967296) & this.superslabMask
        : address % this.superslabSize;
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
  protected lastAddress = -1;
  /** Slabs were bound, released or unmapped: no located answer stands. */
  protected forgetLocations(): void {
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

  isSentinel(value: number): boolean {
    return value === this.sentinel;
  }

  // ---- the heap's shape ----------------------------------------------------

  mapSuperslab(base: number): void {
    // a slab bound by another thread may have come first and created it
    if (!this.superslabs.has(base)) this.superslabs.set(base, new SuperslabModel(base, this.layout.slabsPerSuperslab));
  }

  unmapSuperslab(base: number): void {
    this.superslabs.delete(base);
    this.forgetLocations();
  }

  bindSlab(start: number, cls: number, owner: number, used: number, carved: number): void {
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

  releaseSlab(start: number): void {
    const at = this.locate(start);
    if (at) at.superslab.slabs[at.slab.index] = undefined;
    this.forgetLocations();
  }

  /** What a block holds is no longer known. */
  forget(slab: SlabModel, slot: number): void {
    slab.state[slot] = BlockState.Unknown;
    slab.next[slot] = NEXT_UNKNOWN;
  }

  // ---- what one event does to the heap --------------------------------------

  // Each mutator of a block takes `at`, where the event's BASE falls (this.locate(base)): the model
  // locates an event's block once, for the detectors and the state both.

  alloc(thread: number, index: number, cls: number, route: number, at: Location | null, pc: number): void {
    // the decoder passes a class below classCount or NO_CLASS only
    this.allocRoutes[cls === NO_CLASS ? this.classCount : cls]![route < 6 ? route : 0]!++;
    if (cls === NO_CLASS) return;
    if (!at || at.within !== 0) return;
    const { slab, slot } = at;
    if (route === AllocRoute.Carve && slot >= slab.carved) slab.carved = slot + 1;
    slab.state[slot] = BlockState.Allocated;
    slab.holder[slot] = thread;
    slab.allocEvent[slot] = index;
    slab.allocPc[slot] = pc;
    if (!this.detail) slab.header[slot] = headerFor(this.layout, cls);
  }

  free(thread: number, index: number, cls: number, route: number, at: Location | null, pc: number): void {
    this.freeRoutes[cls === NO_CLASS ? this.classCount : cls]![route < FREE_ROUTE_COUNT ? route : 0]!++;
    if (cls === NO_CLASS || route === FreeRoute.Rejected || route === FreeRoute.Foreign) return;
    if (!at) return;
    const { slab, slot } = at;
    slab.freeEvent[slot] = index;
    slab.freePc[slot] = pc;
    slab.freeThread[slot] = thread;
    if (!this.detail) {
      slab.state[slot] = route === FreeRoute.Remote ? BlockState.RemotePending : BlockState.FreeCache;
      slab.holder[slot] = thread;
    }
  }

  cachePush(thread: number, cls: number, base: BasePtr, at: Location | null): void {
    if (at && at.within !== 0) return; // not a BASE: no block of ours went on the chain
    if (cls < this.classCount) this.thread(thread).caches[cls]!.push(base);
    if (!at) return;
    at.slab.state[at.slot] = BlockState.FreeCache;
    at.slab.holder[at.slot] = thread;
  }

  cachePop(thread: number, cls: number, base: BasePtr, at: Location | null): void {
    const owner = this.thread(thread);
    const chain = owner.caches[cls];
    if (chain) {
      if (chain.length && chain[chain.length - 1] === base) chain.pop();
      else removeFrom(chain, base);
    }
    if (!at) return;
    at.slab.state[at.slot] = BlockState.Allocated;
    at.slab.holder[at.slot] = thread;
    this.linkTaken(owner, base, at);
  }

  /** A pop that read the block's link took it: what the block holds there is no longer a link. */
  private linkTaken(thread: ThreadModel, base: BasePtr, at: Location): void {
    if (thread.lastRead.base === base) at.slab.next[at.slot] = NEXT_UNKNOWN;
  }

  /** `used`: the slab's used count after the push, as the allocator reports it */
  slabPush(base: BasePtr, at: Location | null, used: number): void {
    if (!at || at.within !== 0) return;
    const { slab, slot } = at;
    slab.state[slot] = BlockState.FreeSlab;
    slab.freelist.push(base);
    slab.used = used;
  }

  slabPop(thread: number, base: BasePtr, at: Location | null): void {
    if (!at) return;
    const list = at.slab.freelist;
    if (list.length && list[list.length - 1] === base) list.pop();
    else removeFrom(list, base);
    at.slab.state[at.slot] = BlockState.FreeCache;
    this.linkTaken(this.thread(thread), base, at);
  }

  /**
   * `value`: the link as a number, the sentinel as this.sentinel; `offset`: where
   * in the block it was written (a link written past the block runs over the next one's header).
   */
  nextWrite(cls: number, at: Location | null, value: number, offset: number): void {
    if (!at || at.within !== 0) return;
    at.slab.next[at.slot] = value;
    if (this.layout.linkOffsets && cls < this.classCount && offset !== this.layout.classes[cls]!.nextOffset) {
      const neighbour = this.spillTarget(at, offset);
      if (neighbour >= 0) at.slab.header[neighbour] = Math.floor(value / 2 ** (8 * this.spilledByte(at, offset))) % 256;
    }
  }

  nextRead(thread: number, index: number, base: BasePtr, value: number): void {
    const read = this.thread(thread).lastRead;
    read.base = base;
    read.value = value;
    read.event = index;
  }

  headerWrite(at: Location | null, header: number): void {
    if (at) at.slab.header[at.slot] = header & 0xff;
  }

  /**
   * The slot whose header byte a link written at BASE+`offset` of the block at
   * `at` runs over (its 8 bytes reach past the block), or -1.
   */
  spillTarget(at: Location, offset: number): number {
    const clobbered = this.spilledByte(at, offset);
    const neighbour = at.slot + 1;
    return offset + 8 > at.slab.stride && clobbered >= 0 && clobbered < 8 && neighbour < at.slab.capacity ? neighbour : -1;
  }
  /** which of the link's 8 bytes lands on the next block's header */
  private spilledByte(at: Location, offset: number): number {
    return at.slab.stride + this.layout.headerOffset - offset;
  }

  /** The drain takes the coldest n blocks (the chain's tail) back to their slabs; slab-push events follow. */
  drain(thread: number, cls: number, count: number): void {
    if (cls >= this.classCount) return;
    const chain = this.thread(thread).caches[cls]!;
    chain.splice(0, Math.min(count, chain.length));
  }

  remotePush(thread: number, base: BasePtr, at: Location | null): void {
    if (!at) return;
    at.slab.state[at.slot] = BlockState.RemotePending;
    at.slab.holder[at.slot] = thread;
    at.slab.remote.push(base);
  }

  /** The owner took its remote queue: every block in it joins the slab freelist. */
  remoteDrain(at: Location | null): void {
    if (!at) return;
    const { slab } = at;
    for (const base of slab.remote) {
      const slot = slab.slotOf(base);
      if (slot >= 0) slab.state[slot] = BlockState.FreeSlab;
    }
    slab.freelist.push(...slab.remote);
    slab.remote.length = 0;
  }

  /**
   * The allocator's check failed on the block holding `ptr` (`value`: the check's
   * kind, low 8 bits, and the value that failed): a header byte or link that
   * failed is what the block really holds, which no event wrote.
   */
  checkFailed(ptr: number, value: bigint): void {
    const kind = CHECK_KIND_NAMES[Number(value & 0xffn)] ?? '';
    if (!kind) return;
    const at = this.locate(ptr);
    if (!at) return;
    const failed = value >> 8n;
    if (kind === 'header-corrupt') at.slab.header[at.slot] = Number(failed & 0xffn);
    else if (failed && (kind === 'next-corrupt' || kind === 'next-out-of-slab')) at.slab.next[at.slot] = Number(failed);
  }

  threadStart(thread: number): void {
    this.thread(thread);
  }

  threadExit(thread: number): void {
    this.thread(thread).exited = true;
  }

  /**
   * Events of `thread` were dropped: what they did is unknown from here on — its
   * caches, the slabs it owns, and every allocated block (it may have freed any).
   */
  loseEvents(thread: number, count: number): void {
    this.lostEvents += count;
    const lost = this.thread(thread);
    lost.lastRead.base = -1; // a link read before the loss is not the next pop's
    for (let cls = 0; cls < this.classCount; cls++) {
      for (const base of lost.caches[cls]!) {
        const at = this.locate(base);
        if (at) this.forget(at.slab, at.slot);
      }
      lost.caches[cls]!.length = 0;
      lost.known[cls] = false;
    }
    for (const superslab of this.superslabs.values())
      for (const slab of superslab.slabs) {
        if (!slab) continue;
        const owned = slab.owner === thread;
        for (let slot = 0; slot < slab.capacity; slot++) {
          const state = slab.state[slot];
          if (state === BlockState.Allocated || (owned && state !== BlockState.FreeCache)) this.forget(slab, slot);
        }
        if (owned) {
          slab.freelist.length = 0;
          slab.remote.length = 0;
        }
      }
  }

  crash(record: CrashRecord): void {
    this.crashes.push(record);
  }

  /** Raw slab bytes: every carved block's header byte as it is. */
  slabBytes(record: SlabBytesRecord): void {
    const at = this.locate(record.start);
    if (!at || at.slab.start !== record.start) return;
    const { slab } = at;
    for (let slot = 0; slot < slab.carved && slot < slab.capacity; slot++) {
      const offset = slot * slab.stride + this.layout.headerOffset;
      if (offset >= record.bytes.length) break;
      slab.header[slot] = record.bytes[offset]!;
    }
  }

  // ---- snapshot (PROTOCOL §8) ----------------------------------------------

  /** A snapshot starts: it describes the whole heap, so what was known goes. */
  beginSnapshot(): void {
    this.superslabs.clear();
    this.forgetLocations();
    for (const thread of this.threads.values())
      for (let cls = 0; cls < this.classCount; cls++) {
        thread.caches[cls]!.length = 0;
        thread.known[cls] = true;
      }
  }

  /** One snapshot event: it describes state; walks come head first. */
  snapshotEvent(kind: number, cls: number, base: BasePtr, value: number): void {
    switch (kind) {
      case EventKind.SuperslabMap:
        this.mapSuperslab(base);
        return;
      case EventKind.SlabBind: {
        const used = value % 2 ** 20,
          carved = Math.floor(value / 2 ** 20) % 2 ** 20,
          owner = Math.floor(value / 2 ** 40);
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
        slab.holder[slot] = slab.owner;
        slab.header[slot] = headerFor(this.layout, slab.cls);
        return;
      case EventKind.CachePush: {
        const owner = value;
        slab.state[slot] = BlockState.FreeCache;
        slab.holder[slot] = owner;
        this.thread(owner).caches[cls]?.unshift(base);
        return;
      }
      default:
        return;
    }
  }
}

function removeFrom(list: BasePtr[], value: BasePtr): void {
  const at = list.lastIndexOf(value);
  if (at >= 0) list.splice(at, 1);
}
