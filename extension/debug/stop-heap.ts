// stop-heap.ts — the heap of the slabscope-gdb session's current stop, read once
// by the session itself (the same reader as every other stop's), kept until the
// process runs on; and the session's `variables` and `evaluate` answers labelled
// from it: a pointer value that lands in our heap says what it points at. No read
// per variable: every label comes from the stop's one image.
import type { DebugProtocol } from '@vscode/debugprotocol';
import type { HeapState } from '../core';
import { DapMemoryPort, type DapRequest } from './dap-port';
import type { GdbStop } from './gdb-session';
import { heapImage, type HeapImage } from './heap-image';
import type { MemoryPort } from './memory-port';
import { readHeap, type HeapMemory } from './heap-reader';
import { heapStateOf } from './heap-state';
import { labelledValue, listsOf } from './pointer-label';
import { stopContext } from './stop';
import type { LayoutStructs } from './structs';

/** One stop's heap as the session read it. */
export interface StopHeap {
  readonly threadId: number;
  /** the frame read in; null for a read at gdb's stop, before the editor had frames */
  readonly frameId: number | null;
  readonly memory: HeapMemory;
  readonly image: HeapImage;
  readonly state: HeapState;
  /** where each free block is listed, by BASE */
  readonly lists: ReadonlyMap<number, string>;
  /** the requests of the read (the frame and the root's address included) */
  readonly requests: number;
  /** how it was read: over gdb/MI at the stop, or through the session's DAP requests */
  readonly how: 'gdb/MI at the stop' | 'DAP';
  /** performance.now() when gdb reported the stop (MI), or when the read began (DAP) */
  readonly since: number;
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
  /** told of each heap read at gdb's stop, as soon as it is read */
  onReadAtStop: ((heap: StopHeap) => Promise<void> | void) | null = null;
  /** where the process's slabscope_debug_root was at the last read (the evaluate is not asked again) */
  private rootAddress: number | undefined;

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

  /** Reads this stop's heap over gdb/MI now, before the stop is reported; `current()` then answers with it. */
  readAtStop(port: MemoryPort, stop: GdbStop, layouts: ReadonlyMap<string, LayoutStructs>): Promise<StopHeap | null> {
    const at = this.stop;
    this.reading = (async () => {
      try {
        const memory = await readHeap(port, layouts, { rootAddress: this.rootAddress, tracePending: true });
        this.rootAddress = memory.rootAddress;
        const image = heapImage(memory, stop.stoppedAt);
        const state = heapStateOf(image, memory, this.program());
        this.problem = null;
        const lists = listsOf(image);
        const heap: StopHeap = {
          threadId: stop.threadId,
          frameId: null,
          memory,
          image,
          state,
          lists,
          requests: memory.reads.requests,
          how: 'gdb/MI at the stop',
          since: stop.since,
          stop: at,
        };
        try {
          await this.onReadAtStop?.(heap);
        } catch {
          // a listener's failure is its own: the stop's heap was read all the same
        }
        return heap;
      } catch (error) {
        this.problem = (error as Error).message;
        return null;
      }
    })();
    return this.reading;
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
    const since = performance.now();
    const counted: DapRequest = (command, args) => {
      requests++;
      return this.request(command, args);
    };
    try {
      const thread = threadId ?? ((await counted('threads', {})) as { threads?: { id: number }[] }).threads?.[0]?.id ?? 0;
      const context = await stopContext(counted, thread);
      const memory = await readHeap(new DapMemoryPort(counted, { frameId: context.frameId }), layouts, {
        rootAddress: this.rootAddress,
        tracePending: true,
      });
      this.rootAddress = memory.rootAddress;
      const image = heapImage(memory, context.stoppedAt);
      const state = heapStateOf(image, memory, this.program());
      this.problem = null;
      return { threadId: thread, frameId: context.frameId, memory, image, state, lists: listsOf(image), requests, how: 'DAP', since, stop };
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
