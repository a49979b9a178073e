// follow.ts — which of several traced processes a live view follows, and which
// recording to replay when they have all ended.

import type { TraceSession } from './session';

/**
 * Which process the views follow while several stream: the newest still
 * running. A launcher that execs (env, a shell script) ends its stream and the
 * program it became connects anew, so the views pass on to it.
 */
export class ProcessFollower {
  private readonly running: TraceSession[] = [];
  followed: TraceSession | null = null;

  constructor(private readonly onFollow: (session: TraceSession) => void) {}

  opened(session: TraceSession): void {
    this.running.push(session);
    if (!this.followed || !this.running.includes(this.followed)) this.follow();
  }

  closed(session: TraceSession): void {
    const at = this.running.indexOf(session);
    if (at >= 0) this.running.splice(at, 1);
    if (session === this.followed) this.follow();
  }

  private follow(): void {
    const next = this.running[this.running.length - 1];
    if (!next || next === this.followed) return;
    this.followed = next;
    this.onFollow(next);
  }
}

/** The recorded process that did the most (the program rather than its launcher), for replay. */
export function busiestProcess<T extends { readonly session: TraceSession }>(processes: readonly T[]): T | null {
  return processes.filter((entry) => entry.session.model).sort((a, b) => b.session.eventCount - a.session.eventCount)[0] ?? null;
}
