// crashes.ts — the program died of a signal (crash): where, touching what, and
// whether the fault is the last byte of an unmapped page below a pointer (a
// header read before a page-aligned pointer, the seeds' page-boundary bug).

import type { CrashRecord } from '../decoder';
import { hex } from '../events';
import { NONE } from '../heap/state';
import type { HeapModel } from '../model';
import { NO_BASE } from '../pointers';
import type { Detector } from './detector';

const SIGNAL_NAMES: Record<number, string> = { 4: 'SIGILL', 6: 'SIGABRT', 7: 'SIGBUS', 11: 'SIGSEGV' };

export class CrashesDetector implements Detector {
  readonly name = 'crashes';

  constructor(private readonly model: HeapModel) {}

  onCrash(record: CrashRecord): void {
    const signal = SIGNAL_NAMES[record.signal] ?? `signal ${record.signal}`;
    const fault = record.faultAddress,
      page = BigInt(this.model.handshake.pageSize);
    const touched = record.signal === 11 || record.signal === 7 ? `, touching ${hex(fault)}` : '';
    const pageEdge =
      touched && page > 0n && fault % page === page - 1n && fault > 0n
        ? `: the last byte of the page below ${hex(fault + 1n)}, which is not mapped — a header read before a page-aligned pointer crossed the page boundary`
        : '';
    this.model.findings.add({
      kind: 'crash',
      severity: 'error',
      ptr: fault,
      base: NO_BASE,
      cls: -1,
      thread: record.thread,
      event: this.model.eventCount,
      message: `the program died of ${signal} at pc ${hex(record.pc)}${touched}${pageEdge}`,
      origin: 'engine',
      internalSite: null,
      // the crash pc first (its line, in the allocator or not), then the allocator call the thread was in;
      // stacks hold return addresses, looked up at pc − 1, and a fault's pc is the instruction itself
      stacks: { alloc: [], free: [], detect: [Number(record.pc) + 1, ...(record.callPc ? [record.callPc] : [])] },
      allocEvent: NONE,
      freeEvent: NONE,
    });
  }

  save(): null {
    return null; // a crash is judged from its record alone
  }
  restore(): void {}
}
