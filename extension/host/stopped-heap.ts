// stopped-heap.ts — the heap of every stopped debug session whose process has
// slabscope_debug_root, whatever its debug type (slabscope-gdb, cppdbg, CodeLLDB,
// cdt-gdb, Native Debug): a tracker on every type sees each `stopped`, and the
// heap is read through that session's own DAP requests (extension/debug's reader,
// the same as the inline adapter's), again when the user picks another thread or
// frame. A slabscope-gdb session reads its stop's heap itself (to label its
// variables): that read is taken, not made again. Each read's requests, bytes and
// milliseconds go to the Slabscope log.
import * as vscode from 'vscode';
import { HeapReadError, readHeap, type HeapMemory } from '../debug/heap-reader';
import { compareWithTrace, sentArrived, tracedAtStop } from '../debug/trace-agreement';
import { heapImage, type HeapImage } from '../debug/heap-image';
import { heapStateOf } from '../debug/heap-state';
import { DapMemoryPort, type DapRequest } from '../debug/dap-port';
import { listsOf } from '../debug/pointer-label';
import { stopContext } from '../debug/stop';
import { layoutsForLibrary, ownLibrary } from '../debug/launch-config';
import { WRITING_REQUESTS, type StopHeap } from '../debug/stop-heap';
import type { LayoutStructs } from '../debug/structs';
import type { HeapState, TraceSession } from '../core';
import type { GdbSessions } from './debug-type';

/** One stop's heap: what memory said, as the image (chains, findings) and the engine's state. */
export interface StoppedHeap {
  readonly session: vscode.DebugSession;
  readonly threadId: number;
  /** the frame read in; null for the heap slabscope-gdb read at gdb's stop, before the editor had frames */
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
  /** the layout descriptions, by the library they are beside ('' for the allocator's build) */
  private readonly layouts = new Map<string, Map<string, LayoutStructs>>();
  /** per session: a read in flight, and the one asked for meanwhile (only the newest waits) */
  private readonly reading = new Map<
    string,
    { running: Promise<void>; next: { threadId: number | undefined; frameId: number | undefined; since: number } | null }
  >();
  /** per session: the thread its last stop named, until the editor has focused it */
  private readonly stopThread = new Map<string, number>();
  /** sessions whose stop's heap their adapter handed over before the `stopped` event came */
  private readonly adopted = new Set<string>();
  /** per session: where its process's slabscope_debug_root was at the last read (no evaluate again) */
  private readonly rootAddresses = new Map<string, number>();
  /** sessions that have no debug root: asked once, then left alone */
  private readonly without = new Set<string>();

  constructor(
    private readonly nativeDir: string,
    private readonly log: vscode.OutputChannel,
    private readonly sessions: GdbSessions,
    /** the live trace of a process, by its pid, when the views have one (a trace build run under a debugger) */
    private readonly traceOf: (pid: number) => TraceSession | null = () => null,
  ) {
    sessions.onStopHeap((session, heap) => this.adopt(session, heap));
  }

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
    // its heap came with the stop, from the session itself (adopt)
    if (this.adopted.delete(session.id)) return;
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

  /** The debugger wrote the process's memory at this stop (a variable set, memory written): read the heap again. */
  wrote(session: vscode.DebugSession): void {
    if (this.current?.session.id === session.id) this.schedule(session, this.current.threadId, undefined, performance.now());
  }

  /** The session went on running or ended: its heap is no longer what memory holds. */
  left(session: vscode.DebugSession, ended: boolean): void {
    if (ended) {
      this.stopThread.delete(session.id);
      this.rootAddresses.delete(session.id);
      this.adopted.delete(session.id);
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
    const cwd = typeof session.configuration.cwd === 'string' ? session.configuration.cwd : process.cwd();
    const library = ownLibrary(session.configuration.preload, cwd) ?? '';
    let found = this.layouts.get(library);
    if (!found) this.layouts.set(library, (found = layoutsForLibrary(this.nativeDir, library || undefined)));
    return found;
  }

  private async read(
    session: vscode.DebugSession,
    threadId: number | undefined,
    frameId: number | undefined,
    since: number,
  ): Promise<void> {
    try {
      // the stop's own read, where the session made one; else (another adapter, another frame, or a
      // session that could not read it, whose error the read here says) through the session's requests
      const own = frameId === undefined ? await this.sessions.get(session)?.heaps.current() : undefined;
      const read =
        own && (threadId === undefined || own.threadId === threadId)
          ? { heap: this.fromSession(session, own, since), memory: own.memory }
          : await this.readThrough(session, threadId, frameId, since);
      const heap = await this.withTrace(read.heap, read.memory);
      this.publish(session, heap, own && heap.frameId === own.frameId ? own : null, since);
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

  /**
   * The heap a slabscope-gdb session read over gdb/MI at its stop, handed over in this process before
   * the `stopped` event has gone out and come back through the editor: the views update at once, and
   * that event then asks nothing more.
   */
  async adopt(session: vscode.DebugSession, own: StopHeap): Promise<void> {
    if (this.without.has(session.id)) return;
    this.adopted.add(session.id);
    this.stopThread.set(session.id, own.threadId);
    this.publish(session, await this.withTrace(this.fromSession(session, own, own.since), own.memory), own, own.since);
  }

  /**
   * A trace-build process whose trace the views have: its heap compared with that trace, brought up to
   * the stop with the events its rings still held. Where they differ, a finding at the block.
   */
  private async withTrace(heap: StoppedHeap, memory: HeapMemory): Promise<StoppedHeap> {
    const pending = memory.tracePending;
    const trace = pending ? this.traceOf(pending.pid) : null;
    if (!pending || !trace?.model) return heap;
    try {
      const arrived = await sentArrived(trace, pending);
      const traced = tracedAtStop(trace, pending);
      const { findings, compared } = compareWithTrace(heap.state, traced.model, heap.image.stoppedAt);
      const behind = traced.inFlight.map(({ thread, missing }) => `${missing} of thread ${thread}`).join(', ');
      this.log.appendLine(
        `  compared with its trace (pid ${pending.pid}, ${traced.added} unsent events read from ${pending.rings.length} rings): ${compared} free blocks, ${findings.length} differ` +
          (arrived ? '' : `; events sent but not yet arrived (${behind}): their blocks may differ for that alone`) +
          (traced.lostMarks ? `; the trace lost events (${traced.lostMarks} lost marks in the rings)` : ''),
      );
      if (!findings.length) return heap;
      return { ...heap, image: { ...heap.image, findings: [...heap.image.findings, ...findings] } };
    } catch (error) {
      this.log.appendLine(`  not compared with its trace: ${(error as Error).message}`);
      return heap;
    }
  }

  /** Hands `heap` to the views and logs what it cost; `own` is the session's read it came from, if so. */
  private publish(session: vscode.DebugSession, heap: StoppedHeap, own: StopHeap | null, since: number): void {
    this.current = heap;
    this.problem = null;
    this.changed.fire(heap);
    // from gdb's stop where the session read there, else from the editor's `stopped`
    heap.cost.ms = performance.now() - (own?.how === 'gdb/MI at the stop' ? own.since : since);
    const { image } = heap;
    const nodes =
      image.threads.reduce((n, t) => n + t.caches.reduce((m, c) => m + c.nodes.length, 0), 0) +
      image.slabs.reduce((n, s) => n + s.freelist.nodes.length + s.remote.nodes.length, 0);
    const at = image.stoppedAt;
    const where = at?.file ? `${at.file}:${at.line ?? '?'}` : 'an unknown place';
    const how = own ? `${own.how}, by the adapter for its own labels` : 'DAP';
    this.log.appendLine(
      `heap of ${session.name} (${session.type}) stopped at ${where}, read by ${how}: ${heap.cost.requests} requests (${heap.cost.memoryReads} of them memory: the root's address and reads), ` +
        `${heap.cost.bytes.toLocaleString('en-US')} bytes, ${heap.cost.ms.toFixed(1)} ms from the stop to the views updated (the reads ${heap.image.reads.ms.toFixed(1)} ms); ${image.slabs.length} slabs, ${image.threads.length} threads, ${nodes} freelist nodes, ${image.findings.length} findings`,
    );
    for (const warning of image.warnings) this.log.appendLine(`  warning: ${warning}`);
  }

  /** The heap the slabscope-gdb session read at this stop, as the views take it. */
  private fromSession(session: vscode.DebugSession, own: StopHeap, since: number): StoppedHeap {
    const { memory } = own;
    return {
      session,
      threadId: own.threadId,
      frameId: own.frameId,
      image: own.image,
      state: own.state,
      lists: own.lists,
      cost: { requests: own.requests, memoryReads: memory.reads.requests, bytes: memory.reads.bytes, ms: performance.now() - since },
    };
  }

  /** Reads the heap through `session`'s own DAP requests. */
  private async readThrough(
    session: vscode.DebugSession,
    threadId: number | undefined,
    frameId: number | undefined,
    since: number,
  ): Promise<{ heap: StoppedHeap; memory: HeapMemory }> {
    const { request, count } = countedRequest(session);
    const thread = threadId ?? (await this.firstThread(request));
    const context = await stopContext(request, thread);
    const port = new DapMemoryPort(request, { frameId: frameId ?? context.frameId, expressionPrefix: expressionPrefix(session.type) });
    const memory = await readHeap(port, this.layoutsFor(session), { rootAddress: this.rootAddresses.get(session.id), tracePending: true });
    this.rootAddresses.set(session.id, memory.rootAddress);
    const image = heapImage(memory, context.stoppedAt);
    const program = typeof session.configuration.program === 'string' ? session.configuration.program : '';
    const heap: StoppedHeap = {
      session,
      threadId: thread,
      frameId: frameId ?? context.frameId,
      image,
      state: heapStateOf(image, memory, program),
      lists: listsOf(image),
      cost: { requests: count(), memoryReads: memory.reads.requests, bytes: memory.reads.bytes, ms: performance.now() - since },
    };
    return { heap, memory };
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
          onDidSendMessage(message: { type?: string; event?: string; command?: string; success?: boolean; body?: { threadId?: unknown } }) {
            if (message.type === 'response' && message.success && message.command && WRITING_REQUESTS.has(message.command))
              heaps.wrote(session);
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
