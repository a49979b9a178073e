// debug-heap.ts — the heap of a stopped debug session in the editor: the stops of
// every debug type read (stopped-heap.ts), the Heap view in Run and Debug, the
// findings of each stop in Problems, the same heap in the heap panel and the
// Threads and Superslabs views (over the trace, until the process runs on), the
// frame's pointers labelled in the editor, "Show in Heap" on a variable, and data
// breakpoints on a block's link or header from the Heap view.
import * as vscode from 'vscode';
import { addressInValue, pointerTarget } from '../debug/pointer-label';
import { LiveSource, StoppedSource } from '../protocol';
import type { SlabscopeContext } from './context';
import type { GdbSessions } from './debug-type';
import { HeapWatches, registerHeapBreakpoints } from './heap-breakpoints';
import { HeapView } from './heap-view';
import { Command, ContextKey } from './ids';
import { PointerLabels } from './pointer-labels';
import { StoppedHeaps, trackStops } from './stopped-heap';
import { registerStoppedProblems } from './stopped-problems';

/** What the Variables view passes a `debug/variables/context` command. */
interface VariableArgument {
  readonly sessionId?: string;
  readonly variable?: { readonly name?: string; readonly value?: string; readonly memoryReference?: string };
}

export function registerDebugHeap(ctx: SlabscopeContext, sessions: GdbSessions): StoppedHeaps {
  const heaps = new StoppedHeaps(ctx.nativeDir, ctx.log, sessions, (pid) => {
    // the trace the views follow, when it is the stopped process's (a trace build under the debugger)
    const traced = ctx.controller.traced;
    return traced instanceof LiveSource && traced.session.model?.handshake.pid === pid ? traced.session : null;
  });
  const watches = new HeapWatches();
  const view = new HeapView(heaps, watches);
  const labels = new PointerLabels(heaps, ctx.log);
  ctx.push(
    heaps,
    watches,
    view,
    labels,
    ...trackStops(heaps),
    ...registerStoppedProblems(heaps),
    ...registerHeapBreakpoints(heaps, sessions, watches, ctx.log),
    vscode.languages.registerInlineValuesProvider([{ language: 'c' }, { language: 'cpp' }], labels),
    heaps.onDidChange((heap) => {
      void vscode.commands.executeCommand('setContext', ContextKey.heapStopped, heap !== null);
      const at = heap?.image.stoppedAt;
      const where = at?.file
        ? `${at.file.split('/').pop()}:${at.line ?? '?'}${at.function ? ` in ${at.function}` : ''}`
        : 'an unknown place';
      ctx.controller.showStopped(heap ? new StoppedSource(heap.state, heap.image.findings, `${heap.session.name} (stopped)`, where) : null);
    }),
    vscode.commands.registerCommand(Command.showInHeap, async (argument?: VariableArgument) => {
      const variable = argument?.variable;
      const heap = heaps.current;
      if (!heap || (argument?.sessionId && argument.sessionId !== heap.session.id)) {
        void vscode.window.showWarningMessage('Show in Heap: no heap of this session was read at this stop');
        return;
      }
      const address = addressInValue(variable?.value ?? '') ?? addressInValue(variable?.memoryReference ?? '');
      if (address === null) {
        void vscode.window.showWarningMessage(
          `Show in Heap: ${variable?.name ?? 'the variable'} holds no address (${variable?.value ?? 'no value'})`,
        );
        return;
      }
      const target = pointerTarget(heap.state, heap.lists, address);
      if (!target) {
        void vscode.window.showInformationMessage(
          `Show in Heap: ${variable?.name ?? 'the variable'} (0x${address.toString(16)}) is in no slab of ours`,
        );
        return;
      }
      ctx.log.appendLine(`${variable?.name ?? 'a variable'} = 0x${address.toString(16)}: ${target.label}`);
      await view.show(target);
    }),
  );
  return heaps;
}
