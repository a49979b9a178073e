// frees.ts — the program's frees and the pointers allocator code passes around:
// a free of a block already free (double-free), of a BASE where USER belongs
// (base-as-user), of a pointer inside a block (interior-free); a USER pointer,
// or one inside a block, where allocator code wants a BASE (user-as-base). The
// allocator's checks reject these before the event; one without checks does not.
// (foreign-free comes only from the allocator's own report, detect/native.ts.)

import { eventValue, hex } from '../events';
import type { FindingKind } from '../findings';
import { BLOCK_STATE_NAMES, BlockState, type Location } from '../heap/state';
import type { HeapModel } from '../model';
import { FreeRoute, NO_CLASS } from '../protocol';
import type { Detector } from './detector';

export class FreesDetector implements Detector {
  readonly name = 'frees';

  private readonly userOffset: number;

  constructor(private readonly model: HeapModel) {
    this.userOffset = model.layout.userOffset;
  }

  onCachePush(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    _route: number,
    base: number,
    at: Location | null,
  ): void {
    this.onPush(b, o, thread, index, cls, base, at, 'thread cache');
  }

  onSlabPush(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    _route: number,
    base: number,
    at: Location | null,
  ): void {
    this.onPush(b, o, thread, index, cls, base, at, 'slab freelist');
  }

  onAlloc(b: Uint8Array, o: number, thread: number, index: number, cls: number, _route: number, base: number, at: Location | null): void {
    if (cls === NO_CLASS) return;
    if (at && at.within !== 0) this.handedOutInside(b, o, thread, index, cls, base, at.within);
  }

  // the findings' messages are cold paths of their own, so the hooks stay small enough to inline
  private handedOutInside(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number, within: number): void {
    this.model.report(
      'user-as-base',
      b,
      o,
      thread,
      index,
      cls,
      base,
      `the allocator handed out ${hex(base)}, ${within} bytes into a block, as a BASE`,
    );
  }

  onFree(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: number, at: Location | null): void {
    if (cls === NO_CLASS || route === FreeRoute.Rejected || route === FreeRoute.Foreign) return;
    if (!at) return;
    const user = eventValue(b, o);
    if (user !== base + this.userOffset) return this.freedNotUser(b, o, thread, index, cls, base, user);
    const state = at.slab.state[at.slot]!;
    if (state !== BlockState.Allocated && state !== BlockState.Unknown) this.freedTwice(b, o, thread, index, cls, base, user, state);
  }

  private freedNotUser(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number, user: number): void {
    const kind: FindingKind = user === base ? 'base-as-user' : 'interior-free';
    this.model.report(
      kind,
      b,
      o,
      thread,
      index,
      cls,
      base,
      kind === 'base-as-user'
        ? `free(${hex(user)}) got the block's BASE; its USER pointer is ${hex(base + this.model.layout.userOffset)}`
        : `free(${hex(user)}) points ${user - base} bytes into the block at BASE ${hex(base)}`,
    );
  }

  private freedTwice(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    base: number,
    user: number,
    state: number,
  ): void {
    this.model.report(
      'double-free',
      b,
      o,
      thread,
      index,
      cls,
      base,
      `free(${hex(user)}) of a block that is already ${BLOCK_STATE_NAMES[state]}`,
    );
  }

  /** A push of a pointer that is no block's BASE. */
  private onPush(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    ptr: number,
    at: Location | null,
    list: string,
  ): void {
    if (at && at.within !== 0) this.pushedInside(b, o, thread, index, cls, ptr, at.within, list);
  }

  private pushedInside(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    ptr: number,
    within: number,
    list: string,
  ): void {
    const userOffset = this.model.layout.userOffset;
    this.model.report(
      within === userOffset ? 'user-as-base' : 'next-corrupt',
      b,
      o,
      thread,
      index,
      cls,
      ptr,
      within === userOffset
        ? `allocator code pushed the USER pointer ${hex(ptr)} onto the ${list}, which holds BASE pointers (BASE is ${hex(ptr - within)})`
        : `allocator code pushed ${hex(ptr)}, ${within} bytes into a block, onto the ${list}`,
    );
  }

  onCachePop(
    b: Uint8Array,
    o: number,
    thread: number,
    index: number,
    cls: number,
    _route: number,
    base: number,
    at: Location | null,
  ): void {
    if (at && at.slab.state[at.slot] === BlockState.Allocated) this.handedOutTwice(b, o, thread, index, cls, base);
  }

  private handedOutTwice(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number): void {
    this.model.report(
      'double-free',
      b,
      o,
      thread,
      index,
      cls,
      base,
      `${hex(base + this.model.layout.userOffset)} is handed out while still allocated: it was on the freelist twice (freed twice)`,
    );
  }

  save(): null {
    return null; // judged from the state alone
  }
  restore(): void {}
}
