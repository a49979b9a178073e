// heap-breakpoints.ts — "Break on Write to Link" and "Break on Write to Header" on a
// block of the Heap view: a data breakpoint on the block's link or header byte, where
// the layout description of its class puts them (debug/heap-watch.ts). VS Code 1.100
// has no DataBreakpoint in its API (vscode.debug.addBreakpoints takes source and
// function breakpoints; data breakpoints are a proposed API), so the request goes to
// the slabscope-gdb adapter through the session's customRequest; the adapter keeps
// these beside the editor's own data breakpoints. Each session's list lasts as it does.
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

export function registerHeapBreakpoints(heaps: StoppedHeaps, sessions: GdbSessions, log: vscode.OutputChannel): vscode.Disposable[] {
  /** per session: the heap's watchpoints set so far */
  const watched = new Map<string, HeapWatchpoint[]>();

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
    const list = (watched.get(session.id) ?? []).filter((entry) => entry.base !== watchpoint.base || entry.part !== part);
    list.push(watchpoint);
    const what = describeWatchpoint(watchpoint);
    try {
      const result = watchResult(await session.customRequest(SET_HEAP_WATCHPOINTS, { watchpoints: list }), list.length);
      watched.set(session.id, list);
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

  return [
    vscode.commands.registerCommand(Command.breakOnLinkWrite, breakOn('link')),
    vscode.commands.registerCommand(Command.breakOnHeaderWrite, breakOn('header')),
    vscode.debug.onDidTerminateDebugSession((session) => watched.delete(session.id)),
  ];
}
