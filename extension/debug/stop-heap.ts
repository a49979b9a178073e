// stop-heap.ts — the heap of the slabscope-gdb session's current stop, read once
// by the session itself (the same reader as every other stop's), kept until the
// process runs on; and the session's `variables` and `evaluate` answers labelled
// from it: a pointer value that lands in our heap says what it points at. No read
// per variable: every label comes from the stop's one image.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { HeapState } from '../core';
import { DapMemoryPort, type DapRequest } from './dap-port';
import { heapImage, type HeapImage } from './heap-image';
import { readHeap, type HeapMemory } from './heap-reader';
import { heapStateOf } from './heap-state';
import { labelledValue, listsOf } from './pointer-label';
import { stopContext } from './stop';
import type { LayoutStructs } from './structs';

/** One stop's heap as the session read it. */
export interface StopHeap {
  readonly threadId: number;
  readonly frameId: number;
  readonly memory: HeapMemory;
  readonly image: HeapImage;
  readonly state: HeapState;
  /** where each free block is listed, by BASE */
  readonly lists: ReadonlyMap<number, string>;
  /** the DAP requests of the read (the frame and the root's address included) */
  readonly requests: number;
  /** the stop it was read at: the session's count of stops */
  readonly stop: number;
}

/** Reads the heap at most once per stop; forgets it when the process runs on. */
export class StopHeaps {
  private stop = 0;
  private threadId: number | undefined;
  private stopped = false;
  private reading: Promise<StopHeap | null> | null = null;
  /** why the last read failed, when it did */
  problem: string | null = null;

  constructor(
    private readonly request: DapRequest,
    private readonly layouts: () => ReadonlyMap<string, LayoutStructs> | null,
    private readonly program: () => string,
  ) {}

  /** The process stopped (at `threadId`, when the adapter named one). */
  atStop(threadId: number | undefined): void {
    this.stop++;
    this.stopped = true;
    this.threadId = threadId;
    this.reading = null;
  }

  /** The debugger wrote the process's memory (a variable set, memory written, a command run): read again when next asked. */
  wrote(): void {
    if (this.stopped) this.reading = null;
  }

  /** The process runs on or ended: what was read is no longer what memory holds. */
  ran(): void {
    this.stop++;
    this.stopped = false;
    this.reading = null;
  }

  /** The heap of this stop: read on first asking, null while running or where it cannot be read. */
  current(): Promise<StopHeap | null> {
    if (!this.stopped) return Promise.resolve(null);
    const layouts = this.layouts();
    if (!layouts) return Promise.resolve(null);
    this.reading ??= this.read(this.stop, this.threadId, layouts);
    return this.reading;
  }

  private async read(stop: number, threadId: number | undefined, layouts: ReadonlyMap<string, LayoutStructs>): Promise<StopHeap | null> {
    let requests = 0;
    const counted: DapRequest = (command, args) => {
      requests++;
      return this.request(command, args);
    };
    try {
      const thread = threadId ?? ((await counted('threads', {})) as { threads?: { id: number }[] }).threads?.[0]?.id ?? 0;
      const context = await stopContext(counted, thread);
      const memory = await readHeap(new DapMemoryPort(counted, { frameId: context.frameId }), layouts);
      const image = heapImage(memory, context.stoppedAt);
      const state = heapStateOf(image, memory, this.program());
      this.problem = null;
      return { threadId: thread, frameId: context.frameId, memory, image, state, lists: listsOf(image), requests, stop };
    } catch (error) {
      this.problem = (error as Error).message;
      return null;
    }
  }
}

/** Requests after which memory may not be what the stop's read saw. */
export const WRITING_REQUESTS: ReadonlySet<string> = new Set(['setVariable', 'setExpression', 'writeMemory']);

/** A pointer value of a variable or an evaluated expression, labelled from `heap`; every other answer as it was. */
export function labelResponse(response: DebugProtocol.Response, heap: StopHeap, context: string | undefined): void {
  if (!response.success || !response.body) return;
  if (response.command === 'variables') {
    const { variables } = response.body as { variables?: DebugProtocol.Variable[] };
    for (const variable of variables ?? [])
      if (typeof variable.value === 'string') variable.value = labelledValue(heap.state, heap.lists, variable.value);
  } else if (response.command === 'evaluate' && context !== 'clipboard') {
    // a copied value is the value itself
    const body = response.body as { result?: unknown };
    if (typeof body.result === 'string') body.result = labelledValue(heap.state, heap.lists, body.result);
  }
}
