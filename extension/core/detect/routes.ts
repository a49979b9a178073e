// routes.ts — free routes: a class whose tiny frees take the registry lookup
// though their header would do (the header fast path) is a regression, judged
// once per class after its first few frees (route-regression).

import { eventValue } from '../events';
import type { HeapModel } from '../model';
import { FreeRoute } from '../protocol';
import { booleans, numbers, record, type Detector, type DetectorMemory } from './detector';

export class RoutesDetector implements Detector {
  readonly name = 'routes';
  /** per class: frees that took the registry route though the header route was open to them */
  private readonly avoidableRegistry: Uint32Array;
  private readonly judged: boolean[];
  private readonly classCount: number;

  constructor(private readonly model: HeapModel) {
    this.classCount = model.layout.classes.length;
    this.avoidableRegistry = new Uint32Array(this.classCount);
    this.judged = new Array(this.classCount).fill(false);
  }

  onFree(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: number): void {
    // a class judged is done with: what its later frees count is never read
    if (cls < this.classCount && !this.judged[cls] && (route === FreeRoute.Registry || route === FreeRoute.HeaderFast))
      this.countFree(b, o, thread, index, cls, route, base);
  }

  /** a class's frees until it is judged: a path of its own, so the hook stays small enough to inline */
  private countFree(b: Uint8Array, o: number, thread: number, index: number, cls: number, route: number, base: number): void {
    // a USER pointer at a page start must ask the registry (its header may be on an unmapped page); any other need not
    // cls is below classCount (onFree checked), and every class has its row of routes
    if (route === FreeRoute.Registry && eventValue(b, o) % this.model.handshake.pageSize !== 0) this.avoidableRegistry[cls]!++;
    const routes = this.model.freeRoutes[cls]!;
    const total = routes[FreeRoute.HeaderFast]! + routes[FreeRoute.Registry]! + 1; // this free is counted after the detectors look
    if (total >= this.model.options.routeRegressionMinFrees) this.judge(b, o, thread, index, cls, base, total);
  }

  /** once per class, when its first frees are in */
  private judge(b: Uint8Array, o: number, thread: number, index: number, cls: number, base: number, total: number): void {
    const { routeRegressionThreshold } = this.model.options;
    this.judged[cls] = true;
    const share = this.avoidableRegistry[cls]! / total;
    if (share > routeRegressionThreshold)
      this.model.report(
        'route-regression',
        b,
        o,
        thread,
        index,
        cls,
        base,
        `${(share * 100).toFixed(1)}% of class ${cls}'s first ${total} frees took the registry lookup though their header was usable (not at a page start), instead of the header fast path (threshold ${(routeRegressionThreshold * 100).toFixed(1)}%)`,
      );
  }

  save(): DetectorMemory {
    return { avoidableRegistry: [...this.avoidableRegistry], judged: [...this.judged] };
  }
  restore(memory: DetectorMemory): void {
    const saved = record(memory, 'routes');
    this.avoidableRegistry.set(numbers(saved.avoidableRegistry, 'avoidableRegistry').slice(0, this.classCount));
    booleans(saved.judged, 'judged')
      .slice(0, this.classCount)
      .forEach((judged, cls) => (this.judged[cls] = judged));
  }
}
