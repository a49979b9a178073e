// losses.ts — lost events: one finding per thread that lost any, with the exact
// total and the dropped ranges (FindingSet.addLoss keeps each thread's loss,
// and a checkpoint keeps it with the finding set's memory).

import type { LostRecord } from '../decoder';
import type { HeapModel } from '../model';
import type { Detector } from './detector';

export class LossesDetector implements Detector {
  readonly name = 'losses';

  constructor(private readonly model: HeapModel) {}

  onLost(record: LostRecord): void {
    this.model.findings.addLoss(record.thread, record.count, record.firstSeq, record.lastSeq, this.model.eventCount);
  }

  save(): null {
    return null;
  }
  restore(): void {}
}
