// stack.ts — an event's call stack in source terms: the allocator line the event was
// traced on (when it arose inside allocator code), then the call site's frames,
// inline ones included, then the deeper frames the trace carried. Every call site of
// the trace is symbolized once when the replay opens, so a line or function
// breakpoint is a lookup.

import { isAbsolute, join, normalize } from 'node:path';
import type { HeapState, SourceFrame, Symbolizer, TraceEvent } from '../../core';

export interface ReplayFrame {
  readonly name: string;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  /** the return address the frame was symbolized from; 0 for the allocator's own line */
  readonly pc: number;
  readonly module: string;
  readonly inlined: boolean;
  /** the allocator's own line (an internal site), not the program's */
  readonly allocator: boolean;
}

/** Whether two spellings of a source file name the same file (one may be relative to where the program was built). */
export function sameFile(a: string, b: string): boolean {
  const x = normalize(a),
    y = normalize(b);
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

export class ReplaySymbols {
  private readonly frames = new Map<number, readonly SourceFrame[]>();

  private constructor(
    private readonly heap: Pick<HeapState, 'internalSite' | 'layout'>,
    private readonly sourceRoot: string,
  ) {}

  /** Symbolizes every pc in `pcs` (call sites and deeper frames) through the trace's symbolizer. */
  static async resolve(
    pcs: Iterable<number>,
    symbolizer: Symbolizer,
    heap: Pick<HeapState, 'internalSite' | 'layout'>,
    sourceRoot: string,
  ): Promise<ReplaySymbols> {
    const symbols = new ReplaySymbols(heap, sourceRoot);
    for (const [pc, frames] of await symbolizer.resolveAll([...pcs].filter((pc) => pc !== 0))) symbols.frames.set(pc, frames);
    return symbols;
  }

  /** The call site's frames (innermost first), a bare address when the symbolizer knew nothing. */
  framesOf(pc: number): readonly SourceFrame[] {
    return this.frames.get(pc) ?? [];
  }

  /** The allocator source line an event was traced on, as a path a front end can open. */
  internalFrame(event: TraceEvent): ReplayFrame | null {
    const site = this.heap.internalSite(event.site);
    if (!site) return null;
    return {
      name: `${event.kindName} (allocator)`,
      file: isAbsolute(site.file) ? site.file : join(this.sourceRoot, site.file),
      line: site.line,
      column: null,
      pc: 0,
      module: 'allocator',
      inlined: false,
      allocator: true,
    };
  }

  /** The event's stack, innermost first; `deeper`: the return addresses the trace gave below the call site. */
  stackOf(event: TraceEvent, deeper: readonly number[]): ReplayFrame[] {
    const stack: ReplayFrame[] = [];
    const internal = this.internalFrame(event);
    if (internal) stack.push(internal);
    for (const pc of [event.pc, ...deeper]) {
      if (pc === 0) continue;
      const frames = this.framesOf(pc);
      if (!frames.length) stack.push(bare(pc));
      for (const frame of frames)
        stack.push({
          name: frame.function ?? `0x${pc.toString(16)}`,
          file: frame.file,
          line: frame.line,
          column: frame.column,
          pc,
          module: frame.module,
          inlined: frame.inlined,
          allocator: false,
        });
    }
    return stack;
  }

  /** The call sites with a frame (inline or not) on `file`:`line`. */
  pcsOnLine(file: string, line: number): Set<number> {
    const found = new Set<number>();
    for (const [pc, frames] of this.frames)
      if (frames.some((frame) => frame.line === line && frame.file !== null && sameFile(frame.file, file))) found.add(pc);
    return found;
  }

  /** The call sites with a frame in the function `name`. */
  pcsInFunction(name: string): Set<number> {
    const found = new Set<number>();
    for (const [pc, frames] of this.frames) if (frames.some((frame) => frame.function === name)) found.add(pc);
    return found;
  }

  /** Whether `file` is one of the allocator's sources (the layout's internal site files). */
  isAllocatorSource(file: string): boolean {
    return this.heap.layout.siteFiles.some((site) => site !== '' && sameFile(isAbsolute(site) ? site : join(this.sourceRoot, site), file));
  }

  /** Whether the allocator line of `event` is `file`:`line`. */
  internalSiteIs(event: TraceEvent, file: string, line: number): boolean {
    const site = this.heap.internalSite(event.site);
    return site !== null && site.line === line && sameFile(isAbsolute(site.file) ? site.file : join(this.sourceRoot, site.file), file);
  }
}

function bare(pc: number): ReplayFrame {
  return { name: `0x${pc.toString(16)}`, file: null, line: null, column: null, pc, module: '', inlined: false, allocator: false };
}
