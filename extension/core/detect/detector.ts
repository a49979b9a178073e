// detector.ts — what a detector is: one family of findings, judged from the
// events as they reach the heap state (each hook sees an event before the state
// takes it, so it judges the transition against the state before it), with its
// own memory between events, which a checkpoint saves and restores.

import type { CrashRecord, LostRecord, SlabBytesRecord } from '../decoder';
import type { FindingKind } from '../findings';
import type { Location } from '../heap/state';
import type { HeapModel } from '../model';

/**
 * One event record at b[o]: its index, thread and the fields every hook reads, and
 * where its BASE falls (null: in no slab; the model's one reused answer, so read it
 * before anything else locates).
 */
export type EventHook = (
  b: Uint8Array,
  o: number,
  thread: number,
  index: number,
  cls: number,
  route: number,
  base: number,
  at: Location | null,
) => void;

/** What a detector keeps between events, as JSON. */
export type DetectorMemory = null | boolean | number | string | DetectorMemory[] | { [key: string]: DetectorMemory };

/** The event kinds a detector may look at, each by its hook's name. */
export interface EventHooks {
  onAlloc?: EventHook;
  onFree?: EventHook;
  onCachePush?: EventHook;
  onCachePop?: EventHook;
  onSlabPush?: EventHook;
  onSlabPop?: EventHook;
  onNextWrite?: EventHook;
  onNextRead?: EventHook;
  onHeaderWrite?: EventHook;
  onRefill?: EventHook;
  onDrain?: EventHook;
  onRemotePush?: EventHook;
  onRemoteDrain?: EventHook;
  onSuperslabMap?: EventHook;
  onSuperslabUnmap?: EventHook;
  onSlabBind?: EventHook;
  onSlabRelease?: EventHook;
  onCheckFail?: EventHook;
  onThreadStart?: EventHook;
  onThreadExit?: EventHook;
}

/** Per event kind (EventKind), its hook's name; '' for a kind no hook looks at. */
export const HOOK_NAMES: readonly (keyof EventHooks | '')[] = [
  '',
  'onAlloc',
  'onFree',
  'onCachePush',
  'onCachePop',
  'onSlabPush',
  'onSlabPop',
  'onNextWrite',
  'onNextRead',
  'onHeaderWrite',
  'onRefill',
  'onDrain',
  'onRemotePush',
  'onRemoteDrain',
  'onSuperslabMap',
  'onSuperslabUnmap',
  'onSlabBind',
  'onSlabRelease',
  'onCheckFail',
  'onThreadStart',
  'onThreadExit',
  '',
];

export interface Detector extends EventHooks {
  /** its memory's key in a checkpoint */
  readonly name: string;
  onLost?(record: LostRecord): void;
  onCrash?(record: CrashRecord): void;
  onSlabBytes?(record: SlabBytesRecord): void;
  /** whether the allocator's own report of `kind` at the block `base` is a finding this detector made already */
  explains?(kind: FindingKind, base: number): boolean;
  save(): DetectorMemory;
  /** `memory` is what save() gave; throws a DetectorMemoryError when it is not */
  restore(memory: DetectorMemory): void;
}

export type DetectorFactory = (model: HeapModel) => Detector;

export class DetectorMemoryError extends Error {
  override readonly name = 'DetectorMemoryError';
}

/** A saved list of numbers, checked. */
export function numbers(memory: DetectorMemory | undefined, what: string): number[] {
  if (!Array.isArray(memory) || memory.some((value) => typeof value !== 'number'))
    throw new DetectorMemoryError(`${what} is not a list of numbers`);
  return memory as number[];
}

/** A saved list of booleans, checked. */
export function booleans(memory: DetectorMemory | undefined, what: string): boolean[] {
  if (!Array.isArray(memory) || memory.some((value) => typeof value !== 'boolean'))
    throw new DetectorMemoryError(`${what} is not a list of booleans`);
  return memory as boolean[];
}

/** A saved list, checked. */
export function list(memory: DetectorMemory | undefined, what: string): DetectorMemory[] {
  if (!Array.isArray(memory)) throw new DetectorMemoryError(`${what} is not a list`);
  return memory;
}

/** A saved object, checked. */
export function record(memory: DetectorMemory | undefined, what: string): { [key: string]: DetectorMemory } {
  if (typeof memory !== 'object' || memory === null || Array.isArray(memory)) throw new DetectorMemoryError(`${what} is not an object`);
  return memory;
}
