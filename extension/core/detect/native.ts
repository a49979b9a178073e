// native.ts — the allocator's own check reports (check-fail events): each is a
// finding of the kind the check names, unless a detector made it already; its
// detect stack is the operation that follows on the same thread (the report
// comes from inside it, before the operation's own event).

import { eventPc, eventSite, eventValueBig, hex } from '../events';
import type { Finding, FindingKind } from '../findings';
import type { PendingOp } from '../heap/state';
import type { Layout } from '../layout';
import type { HeapModel } from '../model';
import { NO_BASE } from '../pointers';
import { CHECK_KIND_NAMES, EventKind, NO_CLASS } from '../protocol';
import type { Detector } from './detector';

export class NativeReportsDetector implements Detector {
  readonly name = 'native';
  /** findings waiting for the operation that follows their check-fail on the same thread */
  private readonly pendingDetect = new Map<number, Finding[]>();

  constructor(private readonly model: HeapModel) {}

  onCheckFail(b: Uint8Array, o: number, thread: number, index: number, cls: number, _route: number, ptr: number): void {
    const model = this.model;
    const value = eventValueBig(b, o);
    const kind = (CHECK_KIND_NAMES[Number(value & 0xffn)] ?? '') as FindingKind;
    if (!kind) return;
    const at = model.locate(ptr);
    const base = at ? at.slab.baseOf(at.slot) : NO_BASE;
    if (model.explained(kind, base)) return;
    const finding = model.makeFinding(
      kind,
      'native',
      ptr,
      base,
      cls === NO_CLASS ? -1 : cls,
      thread,
      index,
      nativeMessage(kind, ptr, model.layout),
      eventPc(b, o),
      eventSite(b, o),
      at,
    );
    if (!model.findings.add(finding)) return;
    const waiting = this.pendingDetect.get(thread);
    if (waiting) {
      waiting.push(finding);
      return;
    }
    this.pendingDetect.set(thread, [finding]);
    model.atNextOp(thread, (op) => this.opBegan(thread, op));
  }

  /** The operation after a report began (its stack is the thread's op now): the report's detect stack is that. */
  private opBegan(thread: number, op: PendingOp): void {
    const waiting = this.pendingDetect.get(thread) ?? [];
    this.pendingDetect.delete(thread);
    for (const finding of waiting)
      if (finding.stacks.detect[0] === op.pc) finding.stacks = { ...finding.stacks, detect: this.model.stackOf(op) };
  }

  save(): null {
    return null; // a waiting finding was made before the checkpoint: a model restored from it does not hold it
  }
  restore(): void {}
}

function nativeMessage(kind: FindingKind, ptr: number, layout: Layout): string {
  const pointer = hex(ptr);
  switch (kind) {
    case 'double-free':
      return `free(${pointer}) of a block that is already free`;
    case 'base-as-user':
      return `free(${pointer}) got a BASE pointer where USER belongs (USER = BASE + ${layout.userOffset})`;
    case 'interior-free':
      return `free(${pointer}) points inside a block, not at its USER pointer`;
    case 'foreign-free':
      return `free(${pointer}) of memory this allocator never handed out`;
    case 'header-corrupt':
      return `the header byte of the block at ${pointer} is not its class's: it was overwritten`;
    case 'next-corrupt':
      return `the freelist link of the free block at ${pointer} is no block of its class: the block was written after it was freed`;
    case 'sentinel-leak':
      return `the remote queue's sentinel came out of the freelist at ${pointer}`;
    case 'user-as-base':
      return `allocator code used the USER pointer ${pointer} where a BASE pointer belongs`;
    case 'next-out-of-slab':
      return `the slab freelist link of the free block at ${pointer} leads to a block of another slab`;
    default:
      return `${kind} at ${pointer}`;
  }
}
