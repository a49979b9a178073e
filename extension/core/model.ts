// model.ts — the heap as the trace tells it: the heap state (heap/state.ts)
// follows every event after the snapshot a program sends on connect, and the
// detectors (detect/) judge each event against it. Findings the detectors can
// prove (and the allocator's own check reports) go to a FindingSet.

import type { CrashRecord, Handshake, LostRecord, SlabBytesRecord } from './decoder';
import { DETECTORS } from './detect/all';
import { DetectorMemoryError, HOOK_NAMES, type Detector, type DetectorMemory, type EventHook } from './detect/detector';
import { eventBase, eventClass, eventKind, eventPc, eventRoute, eventSite, eventValue, eventValueBig } from './events';
import { FindingSet, severityOf, type Finding, type FindingKind } from './findings';
import { HeapState, NONE, type Location, type PendingOp } from './heap/state';
import { NO_BASE, type BasePtr } from './pointers';
import { EventKind, NO_CLASS, ROUTE_SNAPSHOT } from './protocol';

export {
  BlockState,
  BLOCK_STATE_NAMES,
  HeapState,
  SlabModel,
  SuperslabModel,
  ThreadModel,
  type Location,
  type PendingOp,
} from './heap/state';
export { headerMismatch } from './detect/headers';
export {
  DetectorMemoryError,
  type Detector,
  type DetectorFactory,
  type DetectorMemory,
  type EventHook,
  type EventHooks,
} from './detect/detector';

export interface ModelOptions {
  /** share of tiny frees taking the registry route that is a regression (0..1) */
  readonly routeRegressionThreshold: number;
  /** frees of a class needed before its route share is judged */
  readonly routeRegressionMinFrees: number;
}
export const DEFAULT_MODEL_OPTIONS: ModelOptions = { routeRegressionThreshold: 0.05, routeRegressionMinFrees: 1000 };

const NONE_LOOKING: readonly Detector[] = [];

export class HeapModel extends HeapState {
  readonly findings = new FindingSet();
  /** stacks of alloc and free events, kept when the trace carries deeper stacks */
  readonly opStacks = new Map<number, number[]>();
  readonly options: ModelOptions;
  readonly detectors: readonly Detector[];
  /** per event kind, the detectors with a hook for it, in the order of DETECTORS (every kind has its list: index it with `!`) */
  private readonly looking: (readonly Detector[])[];
  /** inside the snapshot a program sends when tracing starts: a checkpoint waits until it is whole */
  inSnapshot = false;

  constructor(handshake: Handshake, options: Partial<ModelOptions> = {}) {
    super(handshake);
    this.options = { ...DEFAULT_MODEL_OPTIONS, ...options };
    this.keepsStacks = handshake.stackDepth > 1;
    this.detectors = DETECTORS.map((make) => make(this));
    this.looking = HOOK_NAMES.map((name) => {
      const looking = name ? this.detectors.filter((detector) => typeof detector[name] === 'function') : [];
      return looking.length ? looking : NONE_LOOKING;
    });
  }

  // ---- events --------------------------------------------------------------

  /** Applies one event record at b[o]; its index is this.eventCount. */
  apply(b: Uint8Array, o: number, thread: number): void {
    const index = this.eventCount++;
    const kind = eventKind(b, o);
    const route = eventRoute(b, o);
    if (route & ROUTE_SNAPSHOT) {
      if (!this.inSnapshot) {
        this.inSnapshot = true;
        this.beginSnapshot();
      }
      this.snapshotEvent(kind, eventClass(b, o), eventBase(b, o), eventValue(b, o));
      return;
    }
    this.inSnapshot = false;
    const cls = eventClass(b, o);
    const base = eventBase(b, o);
    // The detectors judge the event against the state before it, then the state takes it. Each
    // frequent kind has its own method whose first detector has a call site of its own: a site that
    // sees one detector class inlines its hook, one shared by several calls each (15% of the model's time).
    switch (kind) {
      case EventKind.Alloc:
        return this.onAlloc(b, o, thread, index, cls, route, base);
      case EventKind.Free:
        return this.onFree(b, o, thread, index, cls, route, base);
      case EventKind.CachePush:
        return this.onCachePush(b, o, thread, index, cls, route, base);
      case EventKind.CachePop:
        return this.onCachePop(b, o, thread, index, cls, route, base);
      case EventKind.NextWrite:
        return this.onNextWrite(b, o, thread, index, cls, route, base);
      case EventKind.NextRead:
        return this.onNextRead(b, o, thread, index, cls, route, base);
      case EventKind.HeaderWrite:
        return this.onHeaderWrite(b, o, thread, index, cls, route, base);
      default:
        break;
    }
    const looking = this.looking[kind] ?? NONE_LOOKING;
    if (looking.length) {
      const name = HOOK_NAMES[kind] as keyof Detector & `on${string}`;
      for (const detector of looking)
        (detector[name] as EventHook).call(detector, b, o, thread, index, cls, route, base, this.locate(base));
    }
    switch (kind) {
      case EventKind.SlabPush:
        return this.slabPush(base, this.locate(base), eventValue(b, o));
      case EventKind.SlabPop:
        return this.slabPop(thread, base, this.locate(base));
      case EventKind.Drain:
        return this.drain(thread, cls, eventValue(b, o));
      case EventKind.RemotePush:
        return this.remotePush(thread, base, this.locate(base));
      case EventKind.RemoteDrain:
        return this.remoteDrain(this.locate(base));
      case EventKind.Refill:
        return;
      case EventKind.SuperslabMap:
        return this.mapSuperslab(base);
      case EventKind.SuperslabUnmap:
        return this.unmapSuperslab(base);
      case EventKind.SlabBind:
        return this.bindSlab(base, cls, thread, 0, 0);
      case EventKind.SlabRelease:
        return this.releaseSlab(base);
      case EventKind.CheckFail:
        return this.checkFailed(base, eventValueBig(b, o));
      case EventKind.ThreadStart:
        return this.threadStart(thread);
      case EventKind.ThreadExit:
        return this.threadExit(thread);
      case EventKind.StackFrame: {
        const op = this.thread(thread).lastOp;
        if (op && this.stackOf(op).length < 256) this.stackOf(op).push(eventValue(b, o));
        return;
      }
      default:
        return; // a kind this engine does not know: its size is fixed, so it is skipped
    }
  }

  // Each frequent kind locates its block once: the detectors and the state take that answer. A hook
  // may locate elsewhere (a finding names its block), and the answer is one reused object: stillAt
  // takes it again then, a compare otherwise.

  private onAlloc(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: BasePtr): void {
    const pc = eventPc(b, o);
    this.beginOp(thread, index, pc);
    let at = this.locate(base);
    const looking = this.looking[EventKind.Alloc]!;
    if (looking.length) {
      looking[0]!.onAlloc!(b, o, thread, index, cls, route, base, at);
      for (let i = 1; i < looking.length; i++) looking[i]!.onAlloc!(b, o, thread, index, cls, route, base, (at = this.stillAt(base, at)));
      at = this.stillAt(base, at);
    }
    this.alloc(thread, index, cls, route, at, pc);
  }

  private onFree(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: BasePtr): void {
    const pc = eventPc(b, o);
    this.beginOp(thread, index, pc);
    let at = this.locate(base);
    const looking = this.looking[EventKind.Free]!;
    if (looking.length) {
      looking[0]!.onFree!(b, o, thread, index, cls, route, base, at);
      for (let i = 1; i < looking.length; i++) looking[i]!.onFree!(b, o, thread, index, cls, route, base, (at = this.stillAt(base, at)));
      at = this.stillAt(base, at);
    }
    this.free(thread, index, cls, route, at, pc);
  }

  private onCachePush(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: BasePtr): void {
    let at = this.locate(base);
    const looking = this.looking[EventKind.CachePush]!;
    if (looking.length) {
      looking[0]!.onCachePush!(b, o, thread, index, cls, route, base, at);
      for (let i = 1; i < looking.length; i++)
        looking[i]!.onCachePush!(b, o, thread, index, cls, route, base, (at = this.stillAt(base, at)));
      at = this.stillAt(base, at);
    }
    this.cachePush(thread, cls, base, at);
  }

  private onCachePop(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: BasePtr): void {
    let at = this.locate(base);
    const looking = this.looking[EventKind.CachePop]!;
    if (looking.length) {
      looking[0]!.onCachePop!(b, o, thread, index, cls, route, base, at);
      for (let i = 1; i < looking.length; i++)
        looking[i]!.onCachePop!(b, o, thread, index, cls, route, base, (at = this.stillAt(base, at)));
      at = this.stillAt(base, at);
    }
    this.cachePop(thread, cls, base, at);
  }

  private onNextWrite(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: BasePtr): void {
    let at = this.locate(base);
    const looking = this.looking[EventKind.NextWrite]!;
    if (looking.length) {
      looking[0]!.onNextWrite!(b, o, thread, index, cls, route, base, at);
      for (let i = 1; i < looking.length; i++)
        looking[i]!.onNextWrite!(b, o, thread, index, cls, route, base, (at = this.stillAt(base, at)));
      at = this.stillAt(base, at);
    }
    this.nextWrite(cls, at, this.linkValue(b, o), route);
  }

  private onNextRead(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: BasePtr): void {
    const looking = this.looking[EventKind.NextRead]!;
    if (looking.length) {
      // the state takes no block here: located for the hooks alone
      let at = this.locate(base);
      looking[0]!.onNextRead!(b, o, thread, index, cls, route, base, at);
      for (let i = 1; i < looking.length; i++)
        looking[i]!.onNextRead!(b, o, thread, index, cls, route, base, (at = this.stillAt(base, at)));
    }
    this.nextRead(thread, index, base, eventValue(b, o));
  }

  private onHeaderWrite(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: BasePtr): void {
    let at = this.locate(base);
    const looking = this.looking[EventKind.HeaderWrite]!;
    if (looking.length) {
      looking[0]!.onHeaderWrite!(b, o, thread, index, cls, route, base, at);
      for (let i = 1; i < looking.length; i++)
        looking[i]!.onHeaderWrite!(b, o, thread, index, cls, route, base, (at = this.stillAt(base, at)));
      at = this.stillAt(base, at);
    }
    this.headerWrite(at, eventValue(b, o));
  }

  /** `at` (this.locate(base)) again: a hook located elsewhere since when the reused answer is no longer base's */
  private stillAt(base: BasePtr, at: Location | null): Location | null {
    // hooks change no state, so an address in no block stays in none
    return at === null || this.lastAddress === base ? at : this.locate(base);
  }

  onLost(record: LostRecord): void {
    for (const detector of this.detectors) detector.onLost?.(record);
    this.loseEvents(record.thread, record.count);
  }

  onCrash(record: CrashRecord): void {
    this.crash(record);
    for (const detector of this.detectors) detector.onCrash?.(record);
  }

  /** Raw slab bytes: every header byte is compared with what the trace says it should be. */
  onSlabBytes(record: SlabBytesRecord): void {
    for (const detector of this.detectors) detector.onSlabBytes?.(record);
    this.slabBytes(record);
  }

  /** the link an event carries as a number: the sentinel as this.sentinel */
  linkValue(b: Uint8Array, o: number): number {
    return this.isSentinelEvent(b, o) ? this.sentinel : eventValue(b, o);
  }

  /** whether the event's value is the remote queue's sentinel */
  isSentinelEvent(b: Uint8Array, o: number): boolean {
    const sentinel = this.layout.remoteSentinel;
    return sentinel !== null && b[o + 39] !== 0 && eventValueBig(b, o) === sentinel;
  }

  // ---- the operation in progress -------------------------------------------

  private beginOp(thread: number, index: number, pc: number): void {
    const owner = this.thread(thread);
    let op = owner.lastOp;
    if (!op) op = owner.lastOp = { event: index, pc, stack: null };
    op.event = index;
    op.pc = pc;
    op.stack = null;
    // what is rare waits in methods of its own: this one inlines into every alloc and free
    if (this.keepsStacks) this.keepStack(op, index, pc);
    if (this.opWaiters.size !== 0) this.wakeWaiter(thread, op);
  }
  private readonly keepsStacks: boolean;
  private keepStack(op: PendingOp, index: number, pc: number): void {
    op.stack = [pc];
    this.opStacks.set(index, op.stack);
    if (this.opStacks.size > 1 << 20) this.opStacks.delete(this.opStacks.keys().next().value as number);
  }
  private wakeWaiter(thread: number, op: PendingOp): void {
    const waiter = this.opWaiters.get(thread);
    if (waiter) {
      this.opWaiters.delete(thread);
      waiter(op);
    }
  }
  /** per thread: who waits for its next operation to begin (rare: a check report's detect stack) */
  private readonly opWaiters = new Map<number, (op: PendingOp) => void>();

  /** Calls `waiter` when `thread`'s next alloc or free begins, once (a later call for the thread replaces it). */
  atNextOp(thread: number, waiter: (op: PendingOp) => void): void {
    this.opWaiters.set(thread, waiter);
  }

  /** the stack of the operation in progress: its pc and the frames the trace gave */
  stackOf(op: PendingOp): number[] {
    return op.stack ?? (op.stack = [op.pc]);
  }

  // ---- findings ------------------------------------------------------------

  /**
   * A finding the engine proves at the event at b[o]; `raw`: the pointer as the
   * finding names it, when not `ptr` (a sentinel read names the sentinel).
   */
  report(
    kind: FindingKind,
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    ptr: number,
    message: string,
    raw: bigint = BigInt(ptr),
  ): boolean {
    const at = this.locate(ptr);
    const base = at ? at.slab.baseOf(at.slot) : NO_BASE;
    return this.findings.add(
      this.makeFinding(kind, 'engine', raw, base, cls === NO_CLASS ? -1 : cls, thread, index, message, eventPc(b, o), eventSite(b, o), at),
    );
  }

  makeFinding(
    kind: FindingKind,
    origin: 'native' | 'engine',
    ptr: number | bigint,
    base: BasePtr,
    cls: number,
    thread: number,
    index: number,
    message: string,
    pc: number,
    site: number,
    at: Location | null,
  ): Finding {
    // a location's slot is below its slab's capacity
    const allocEvent = at ? at.slab.allocEvent[at.slot]! : NONE;
    const freeEvent = at ? at.slab.freeEvent[at.slot]! : NONE;
    const stackOf = (event: number, pcValue: number) => (event === NONE ? [] : (this.opStacks.get(event) ?? (pcValue ? [pcValue] : [])));
    const op = this.thread(thread).lastOp;
    return {
      kind,
      severity: severityOf(kind),
      ptr: BigInt(ptr),
      base,
      cls,
      thread,
      event: index,
      message,
      origin,
      internalSite: this.internalSite(site),
      stacks: {
        alloc: at ? stackOf(allocEvent, at.slab.allocPc[at.slot]!) : [],
        free: at ? stackOf(freeEvent, at.slab.freePc[at.slot]!) : [],
        detect: op && op.pc === pc ? this.stackOf(op) : pc ? [pc] : [],
      },
      allocEvent,
      freeEvent,
    };
  }

  /** whether a detector made the finding the allocator's own report of `kind` at `base` would be */
  explained(kind: FindingKind, base: number): boolean {
    for (const detector of this.detectors) if (detector.explains?.(kind, base)) return true;
    return false;
  }

  // ---- the detectors' memory, for checkpoints ------------------------------

  saveDetectors(): Record<string, DetectorMemory> {
    return Object.fromEntries(this.detectors.map((detector) => [detector.name, detector.save()]));
  }

  /** A detector with no memory saved starts blind, as a new one does; a memory that is not its own is an error. */
  restoreDetectors(saved: Record<string, DetectorMemory>): void {
    for (const detector of this.detectors) {
      if (!(detector.name in saved)) continue;
      try {
        detector.restore(saved[detector.name]!);
      } catch (error) {
        if (error instanceof DetectorMemoryError) throw new DetectorMemoryError(`the ${detector.name} detector's memory: ${error.message}`);
        throw error;
      }
    }
  }
}
