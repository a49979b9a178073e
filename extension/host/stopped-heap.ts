// stopped-heap.ts — the heap of every stopped debug session whose process has
// slabscope_debug_root, whatever its debug type (slabscope-gdb, cppdbg, CodeLLDB,
// cdt-gdb, Native Debug): a tracker on every type sees each `stopped`, and the
// heap is read through that session's own DAP requests (extension/debug's reader,
// the same as the inline adapter's), again when the user picks another thread or
// frame. A slabscope-gdb session (our own adapter) hands the heap over itself,
// read over gdb/MI before its `stopped` event goes out (`prereadAt`): no DAP
// round trips, and no queue behind the editor's requests at the stop. Each
// read's requests, bytes and milliseconds go to the Slabscope log.
import * as vscode from 'vscode';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HeapReadError, readHeap, type HeapMemory } from '../debug/heap-reader';
import { heapImage, type HeapImage, type StopLocation } from '../debug/heap-image';
import { heapStateOf } from '../debug/heap-state';
import { DapMemoryPort, type DapRequest } from '../debug/dap-port';
import { listsOf } from '../debug/pointer-label';
import { stopContext } from '../debug/stop';
import type { GdbStop } from '../debug/gdb-session';
import type { MemoryPort } from '../debug/memory-port';
import { layoutsOf, type LayoutStructs } from '../debug/structs';
import { ensureNativeBuilt } from '../record';
import type { HeapState } from '../core';

/** One stop's heap: what memory said, as the image (chains, findings) and the engine's state. */
export interface StoppedHeap {
  readonly session: vscode.DebugSession;
  readonly threadId: number;
  /** the frame read in; null for a heap read at the stop itself, before the editor had frames */
  readonly frameId: number | null;
  readonly image: HeapImage;
  readonly state: HeapState;
  /** where each free block is listed, by BASE */
  readonly lists: ReadonlyMap<number, string>;
  /** every DAP request of the read (frames and evaluate included), its bytes and ms from the stop */
  readonly cost: { requests: number; memoryReads: number; bytes: number; ms: number };
}

/** The C expression prefix an adapter wants: CodeLLDB evaluates its own syntax unless told `/nat `. */
function expressionPrefix(type: string): string {
  return type === 'lldb' ? '/nat ' : '';
}

/** A session's requests as the reader's DapRequest, counted. */
function countedRequest(session: vscode.DebugSession): { request: DapRequest; count: () => number } {
  let requests = 0;
  return {
    request: async (command, args) => {
      requests++;
      return (await session.customRequest(command, args)) as unknown;
    },
    count: () => requests,
  };
}

export class StoppedHeaps implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<StoppedHeap | null>();
  readonly onDidChange = this.changed.event;
  /** the heap shown: the last one read, of the session the user looks at */
  current: StoppedHeap | null = null;
  /** what could not be read at the last stop, for the view to say */
  problem: string | null = null;
  private layouts: Map<string, LayoutStructs> | null = null;
  /** per session: a read in flight, and the one asked for meanwhile (only the newest waits) */
  private readonly reading = new Map<
    string,
    { running: Promise<void>; next: { threadId: number | undefined; frameId: number | undefined; since: number } | null }
  >();
  /** per session: the thread its last stop named, until the editor has focused it */
  private readonly stopThread = new Map<string, number>();
  /** per session: the thread of a stop whose heap its adapter already handed over */
  private readonly preread = new Map<string, number>();
  /** sessions that have no debug root: asked once, then left alone */
  private readonly without = new Set<string>();

  constructor(
    private readonly nativeDir: string,
    private readonly log: vscode.OutputChannel,
  ) {}

  dispose(): void {
    this.changed.dispose();
  }

  /** Settles when the reads of `session` asked for so far are done. */
  async settled(session: vscode.DebugSession): Promise<void> {
    await this.reading.get(session.id)?.running;
  }

  /** A `stopped` event of `session` (from its tracker). */
  stopped(session: vscode.DebugSession, threadId: number | undefined): void {
    if (threadId !== undefined) this.stopThread.set(session.id, threadId);
    const handed = this.preread.get(session.id);
    this.preread.delete(session.id);
    if (handed !== undefined && (threadId === undefined || handed === threadId)) return;
    this.schedule(session, threadId, undefined, performance.now());
  }

  /** The user picked a thread or frame: read again there, unless it is the stop's own (already read). */
  focused(item: vscode.DebugThread | vscode.DebugStackFrame | undefined): void {
    if (!item || this.without.has(item.session.id)) return;
    const id = item.session.id;
    const readThread = this.current?.session.id === id ? this.current.threadId : this.stopThread.get(id);
    if (!('frameId' in item)) {
      if (readThread !== item.threadId) this.schedule(item.session, item.threadId, undefined, performance.now());
      return;
    }
    // frame ids are the adapter's handles, new with each stack trace: the editor's first focus after a
    // stop is the stopped thread's top frame, which that stop's read already stood in
    if (this.stopThread.get(id) === item.threadId) {
      this.stopThread.delete(id);
      return;
    }
    this.schedule(item.session, item.threadId, item.frameId, performance.now());
  }

  /** The session went on running or ended: its heap is no longer what memory holds. */
  left(session: vscode.DebugSession, ended: boolean): void {
    if (ended) {
      this.stopThread.delete(session.id);
      this.preread.delete(session.id);
      this.without.delete(session.id);
      this.reading.delete(session.id);
    }
    if (this.current?.session.id === session.id) {
      this.current = null;
      this.problem = null;
      this.changed.fire(null);
    }
  }

  private schedule(session: vscode.DebugSession, threadId: number | undefined, frameId: number | undefined, since: number): void {
    if (this.without.has(session.id)) return;
    const busy = this.reading.get(session.id);
    if (busy) {
      busy.next = { threadId, frameId, since };
      return;
    }
    const entry: { running: Promise<void>; next: { threadId: number | undefined; frameId: number | undefined; since: number } | null } = {
      running: Promise.resolve(),
      next: null,
    };
    this.reading.set(session.id, entry);
    entry.running = (async () => {
      let ask: { threadId: number | undefined; frameId: number | undefined; since: number } | null = { threadId, frameId, since };
      while (ask) {
        entry.next = null;
        await this.read(session, ask.threadId, ask.frameId, ask.since);
        ask = entry.next;
      }
      if (this.reading.get(session.id) === entry) this.reading.delete(session.id);
    })();
  }

  private layoutsFor(session: vscode.DebugSession): Map<string, LayoutStructs> {
    // a slabscope-gdb preload of the user's own build: its layout.json is beside it (build/<layout>/<mode>/lib)
    const preload = session.configuration.preload;
    if (typeof preload === 'string' && preload.endsWith('.so')) {
      const beside = join(dirname(preload), '..', 'layout.json');
      if (existsSync(beside)) return layoutsOf(readFileSync(beside, 'utf8'));
    }
    if (!this.layouts) {
      const all = join(this.nativeDir, 'build', 'layout.json');
      if (!existsSync(all)) ensureNativeBuilt(this.nativeDir, ['layout']);
      this.layouts = layoutsOf(readFileSync(all, 'utf8'));
    }
    return this.layouts;
  }

  /** A slabscope-gdb stop, before its `stopped` event: the heap read over gdb/MI through `port`. */
  async prereadAt(session: vscode.DebugSession, port: MemoryPort, stop: GdbStop): Promise<void> {
    if (this.without.has(session.id)) return;
    try {
      const memory = await readHeap(port, this.layoutsFor(session));
      this.publish(session, stop.threadId, null, memory, stop.stoppedAt, {
        requests: memory.reads.requests,
        since: stop.since,
        how: 'gdb/MI at the stop',
      });
      this.preread.set(session.id, stop.threadId);
    } catch (error) {
      // said once here; the stop's tracker then tries DAP, which says what it finds
      this.log.appendLine(`heap of ${session.name} not read at gdb's stop: ${(error as Error).message}; reading through DAP`);
    }
  }

  private async read(
    session: vscode.DebugSession,
    threadId: number | undefined,
    frameId: number | undefined,
    since: number,
  ): Promise<void> {
    const { request, count } = countedRequest(session);
    try {
      const thread = threadId ?? (await this.firstThread(request));
      const context = await stopContext(request, thread);
      const port = new DapMemoryPort(request, { frameId: frameId ?? context.frameId, expressionPrefix: expressionPrefix(session.type) });
      const memory = await readHeap(port, this.layoutsFor(session));
      this.publish(session, thread, frameId ?? context.frameId, memory, context.stoppedAt, { requests: count(), since, how: 'DAP' });
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof HeapReadError && /no slabscope_debug_root/.test(message) && session.type !== 'slabscope-gdb') {
        // a process without our allocator: nothing to show, and nothing to ask at its next stops
        this.without.add(session.id);
        this.log.appendLine(`${session.name} (${session.type}): ${message}; its later stops are not read`);
        return;
      }
      this.log.appendLine(`heap of ${session.name} (${session.type}) could not be read: ${message}`);
      if (this.current?.session.id === session.id) this.current = null;
      this.problem = message;
      this.changed.fire(null);
    }
  }

  /** Validates what was read, makes the engine's state of it, and hands it to the views; logs its cost. */
  private publish(
    session: vscode.DebugSession,
    threadId: number,
    frameId: number | null,
    memory: HeapMemory,
    stoppedAt: StopLocation,
    read: { requests: number; since: number; how: string },
  ): void {
    const image = heapImage(memory, stoppedAt);
    const state = heapStateOf(image, memory, typeof session.configuration.program === 'string' ? session.configuration.program : '');
    const heap: StoppedHeap = {
      session,
      threadId,
      frameId,
      image,
      state,
      lists: listsOf(image),
      cost: { requests: read.requests, memoryReads: memory.reads.requests, bytes: memory.reads.bytes, ms: 0 },
    };
    this.current = heap;
    this.problem = null;
    this.changed.fire(heap);
    heap.cost.ms = performance.now() - read.since;
    const nodes =
      image.threads.reduce((n, t) => n + t.caches.reduce((m, c) => m + c.nodes.length, 0), 0) +
      image.slabs.reduce((n, s) => n + s.freelist.nodes.length + s.remote.nodes.length, 0);
    const where = stoppedAt.file ? `${stoppedAt.file}:${stoppedAt.line ?? '?'}` : 'an unknown place';
    this.log.appendLine(
      `heap of ${session.name} (${session.type}) stopped at ${where}, read by ${read.how}: ${heap.cost.requests} requests (${heap.cost.memoryReads} of them memory: the root's address and reads), ` +
        `${heap.cost.bytes.toLocaleString('en-US')} bytes, ${heap.cost.ms.toFixed(1)} ms from the stop to the views updated; ${image.slabs.length} slabs, ${image.threads.length} threads, ${nodes} freelist nodes, ${image.findings.length} findings`,
    );
    for (const warning of image.warnings) this.log.appendLine(`  warning: ${warning}`);
  }

  private async firstThread(request: DapRequest): Promise<number> {
    const { threads } = (await request('threads', {})) as { threads?: { id: number }[] };
    return threads?.[0]?.id ?? 0;
  }
}

/** Every debug type's stops, through one tracker factory; and the user's choice of thread or frame. */
export function trackStops(heaps: StoppedHeaps): vscode.Disposable[] {
  return [
    vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker(session) {
        return {
          onDidSendMessage(message: { type?: string; event?: string; body?: { threadId?: unknown } }) {
            if (message.type !== 'event') return;
            if (message.event === 'stopped')
              heaps.stopped(session, typeof message.body?.threadId === 'number' ? message.body.threadId : undefined);
            else if (message.event === 'continued') heaps.left(session, false);
          },
          onWillStopSession() {
            heaps.left(session, true);
          },
          onExit() {
            heaps.left(session, true);
          },
        };
      },
    }),
    vscode.debug.onDidChangeActiveStackItem((item) => heaps.focused(item)),
    vscode.debug.onDidTerminateDebugSession((session) => heaps.left(session, true)),
  ];
}
