// status-bar.ts — the Slabscope item in the status bar: live or replay, events
// (and their rate while live), lost events, findings; a click shows the heap.
import * as vscode from 'vscode';
import type { SlabscopeContext } from './context';
import type { Controller } from './controller';
import { Command } from './ids';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 20);
  private lastRate = { time: 0, events: 0, rate: 0 };

  constructor(private readonly controller: Controller) {
    this.item.command = Command.showHeap;
    this.item.name = 'Slabscope';
  }

  update(): void {
    const source = this.controller.traced;
    if (!source) {
      this.item.text = '$(circle-slash) Slabscope: not connected';
      this.item.tooltip = 'Run a program with tracing, attach to one, or open a trace';
    } else {
      const model = source.model();
      const count = source.findings().length;
      const errors = source.findings().filter((finding) => finding.severity === 'error').length;
      const rate = source.live && model ? this.liveRate(source.eventCount()) : 0;
      this.item.text = `${source.live ? '$(pulse) live' : '$(history) replay'} ${source.eventCount().toLocaleString('en-US')} ev${source.live ? ` · ${(rate / 1e6).toFixed(2)}M/s` : ''} · ${model?.lostEvents ?? 0} lost · ${errors ? '$(error)' : '$(check)'} ${count} finding${count === 1 ? '' : 's'}`;
      this.item.tooltip = `${source.title}: click to show the heap`;
    }
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }

  /** Events a second, measured over at least a second so a tick's jitter does not show. */
  private liveRate(events: number): number {
    const now = Date.now();
    const last = this.lastRate;
    if (now - last.time >= 1000)
      this.lastRate = { time: now, events, rate: last.time ? ((events - last.events) * 1000) / (now - last.time) : 0 };
    return this.lastRate.rate;
  }
}

export function registerStatusBar(ctx: SlabscopeContext): void {
  const status = new StatusBar(ctx.controller);
  ctx.push(
    status,
    ctx.controller.onDidChange(() => status.update()),
  );
  status.update();
}
