// all.ts — every detector, in the order they look at an event (the order of
// findings made at one event). A new detector is one file and one line here.

import { CrashesDetector } from './crashes';
import type { DetectorFactory } from './detector';
import { FreesDetector } from './frees';
import { HeadersDetector } from './headers';
import { LinksDetector } from './links';
import { LossesDetector } from './losses';
import { NativeReportsDetector } from './native';
import { RoutesDetector } from './routes';
import { SentinelDetector } from './sentinel';
import { SlabsDetector } from './slabs';

export const DETECTORS: readonly DetectorFactory[] = [
  (model) => new RoutesDetector(model),
  (model) => new FreesDetector(model),
  (model) => new SlabsDetector(model),
  (model) => new LinksDetector(model),
  (model) => new HeadersDetector(model),
  (model) => new SentinelDetector(model),
  (model) => new NativeReportsDetector(model),
  (model) => new CrashesDetector(model),
  (model) => new LossesDetector(model),
];
