// replay-views.ts — the heap views in step with a slabscope-replay session: when the
// session stops, every view showing its trace (the trace editor, the Show Heap panel)
// moves to the stop's event; when the user moves a view (the timeline, a finding),
// the session goes to that event. A replay of a trace no view shows makes it the
// current trace, so Show Heap, the trees and the CodeLens show the replay.
import * as vscode from 'vscode';
import { sameFile } from '../debug/replay/stack';
import { GOTO_EVENT_REQUEST, POSITION_REQUEST } from '../debug/replay/requests';
import { TraceFileSource, type ViewHost, type ViewSource } from '../protocol';
import type { Controller } from './controller';
import { REPLAY_DEBUG_TYPE } from './ids';

interface Position {
  readonly trace: string;
  readonly event: number;
}

export class ReplayViews {
  private readonly hosts = new Set<ViewHost>();

  constructor(private readonly controller: Controller) {}

  /** A view that follows replay sessions on its trace, until the disposable is disposed. */
  add(host: ViewHost): vscode.Disposable {
    this.hosts.add(host);
    return { dispose: () => this.hosts.delete(host) };
  }

  /** The user moved a view of `source` to `events` applied: the replay session on its trace follows. */
  seeked(source: ViewSource, events: number): void {
    const session = vscode.debug.activeDebugSession;
    if (session?.type !== REPLAY_DEBUG_TYPE || !(source instanceof TraceFileSource)) return;
    const trace = session.configuration.trace;
    if (typeof trace !== 'string' || !sameFile(trace, source.trace.path)) return;
    // the view counts events applied; a stop is at the last of them
    void Promise.resolve(session.customRequest(GOTO_EVENT_REQUEST, { event: Math.max(0, events - 1) })).catch(() => undefined);
  }

  /** A replay session stopped: the views of its trace move to the event it stopped at. */
  async stopped(session: vscode.DebugSession): Promise<void> {
    let position: Position;
    try {
      position = (await session.customRequest(POSITION_REQUEST)) as Position;
    } catch {
      return; // the session ended meanwhile
    }
    const showing = (source: ViewSource) => source instanceof TraceFileSource && sameFile(source.trace.path, position.trace);
    const current = this.controller.traced;
    if (!(current && showing(current)) && ![...this.hosts].some((host) => showing(host.viewing))) this.controller.openTrace(position.trace);
    for (const host of this.hosts) if (showing(host.viewing)) host.showEvent(position.event + 1);
    const source = this.controller.traced;
    if (source && showing(source)) {
      if (![...this.hosts].some((host) => host.viewing === source)) source.seek(position.event + 1);
      this.controller.moved();
    }
  }
}

export function registerReplayViews(views: ReplayViews): vscode.Disposable {
  return vscode.debug.registerDebugAdapterTrackerFactory(REPLAY_DEBUG_TYPE, {
    createDebugAdapterTracker(session) {
      return {
        onDidSendMessage(message: { type?: string; event?: string }) {
          if (message.type === 'event' && message.event === 'stopped') void views.stopped(session);
        },
      };
    },
  });
}
