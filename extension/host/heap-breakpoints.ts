// heap-breakpoints.ts — "Break on Write to Link" and "Break on Write to Header" on a
// block of the Heap view: a data breakpoint on the block's link or header byte, where
// the layout description of its class puts them (debug/heap-watch.ts). VS Code 1.100
// has no DataBreakpoint in its API (vscode.debug.addBreakpoints takes source and
// function breakpoints; data breakpoints are a proposed API), so the request goes to
// the slabscope-gdb adapter through the session's customRequest; the adapter keeps
// these beside the editor's own data breakpoints. Each session's list lasts as it does
// (the Heap view marks its blocks; Clear Heap Data Breakpoints empties it).
import * as vscode from 'vscode';
import { hex } from '../core';
import {
  blockWatchpoint,
  describeWatchpoint,
  SET_HEAP_WATCHPOINTS,
  type HeapWatchpoint,
  type SetHeapWatchpointsResult,
  type WatchedPart,
} from '../debug/heap-watch';
import type { GdbSessions } from './debug-type';
import type { HeapNode } from './heap-view';
import { Command, DEBUG_TYPE } from './ids';
import type { StoppedHeaps } from './stopped-heap';

const TITLES: Record<WatchedPart, string> = { link: 'Break on Write to Link', header: 'Break on Write to Header' };

/** The adapter's answer, checked: one entry per watchpoint asked for. */
function watchResult(body: unknown, asked: number): SetHeapWatchpointsResult {
  const list = (body as { watchpoints?: unknown } | null)?.watchpoints;
  if (!Array.isArray(list) || list.length !== asked)
    throw new Error(`${SET_HEAP_WATCHPOINTS}: the adapter answered ${JSON.stringify(body)}, not ${asked} watchpoints`);
  return body as SetHeapWatchpointsResult;
}

/** Each session's heap watchpoints, as its adapter last set them; the Heap view marks their blocks. */
export class HeapWatches implements vscode.Disposable {
  private readonly bySession = new Map<string, readonly HeapWatchpoint[]>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  of(sessionId: string): readonly HeapWatchpoint[] {
    return this.bySession.get(sessionId) ?? [];
  }

  set(sessionId: string, watchpoints: readonly HeapWatchpoint[]): void {
    if (watchpoints.length) this.bySession.set(sessionId, watchpoints);
    else this.bySession.delete(sessionId);
    this.changed.fire();
  }

  /** What the block at `base` breaks on: "breaks on write to link, header", or null. */
  markOf(sessionId: string, base: number): string | null {
    const parts = this.of(sessionId)
      .filter((watchpoint) => watchpoint.base === base)
      .map((watchpoint) => watchpoint.part);
    return parts.length ? `breaks on write to ${parts.join(', ')}` : null;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

export function registerHeapBreakpoints(
  heaps: StoppedHeaps,
  sessions: GdbSessions,
  watched: HeapWatches,
  log: vscode.OutputChannel,
): vscode.Disposable[] {
  /** Sets `list` as the session's heap watchpoints; the adapter's answer, one entry per watchpoint. */
  const setWatchpoints = async (session: vscode.DebugSession, list: readonly HeapWatchpoint[]) => {
    const result = watchResult(await session.customRequest(SET_HEAP_WATCHPOINTS, { watchpoints: list }), list.length);
    watched.set(session.id, list);
    return result;
  };

  const breakOn = (part: WatchedPart) => async (item?: HeapNode) => {
    const title = TITLES[part];
    const heap = heaps.current;
    if (!heap || item?.base === undefined || item.cls === undefined) {
      void vscode.window.showWarningMessage(`${title}: pick a block in the Heap view of a stopped session`);
      return;
    }
    const { session } = heap;
    if (!sessions.get(session)) {
      void vscode.window.showWarningMessage(
        `${title}: the heap's data breakpoints are kept by the ${DEBUG_TYPE} adapter; ${session.name} is a ${session.type} session`,
      );
      return;
    }
    let watchpoint: HeapWatchpoint;
    try {
      watchpoint = blockWatchpoint(heap.state.layout, item.base, item.cls, part);
    } catch (error) {
      void vscode.window.showErrorMessage(`${title}: ${(error as Error).message}`);
      return;
    }
    const list = [...watched.of(session.id).filter((entry) => entry.base !== watchpoint.base || entry.part !== part), watchpoint];
    const what = describeWatchpoint(watchpoint);
    try {
      const result = await setWatchpoints(session, list);
      const set = result.watchpoints[list.length - 1]!; // one answer per watchpoint, checked above
      if (!set.verified) {
        void vscode.window.showWarningMessage(`${title}: gdb did not set a watchpoint on ${what} (${set.expression})`);
        return;
      }
      log.appendLine(`data breakpoint ${set.number ?? '?'} of ${session.name}: the next write to ${what}, watched as ${set.expression}`);
      void vscode.window.showInformationMessage(`The program stops at the next write to ${what}.`);
    } catch (error) {
      void vscode.window.showErrorMessage(`${title} on block ${hex(watchpoint.base)}: ${(error as Error).message}`);
    }
  };

  const clear = async () => {
    const session = heaps.current?.session ?? vscode.debug.activeDebugSession;
    if (!session || !watched.of(session.id).length) return;
    try {
      await setWatchpoints(session, []);
      log.appendLine(`the heap's data breakpoints of ${session.name} are cleared`);
    } catch (error) {
      void vscode.window.showErrorMessage(`Clear Heap Data Breakpoints: ${(error as Error).message}`);
    }
  };

  return [
    vscode.commands.registerCommand(Command.breakOnLinkWrite, breakOn('link')),
    vscode.commands.registerCommand(Command.breakOnHeaderWrite, breakOn('header')),
    vscode.commands.registerCommand(Command.clearHeapBreakpoints, clear),
    vscode.debug.onDidTerminateDebugSession((session) => watched.set(session.id, [])),
  ];
}
