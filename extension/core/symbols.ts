// symbols.ts — call-site addresses to function, file and line, inline frames
// included, through one long-lived llvm-symbolizer child process (it serves
// every module from one process, where addr2line needs one per module). Requests are batched, answers cached; a missing tool or a
// module without debug information gives frames with only pc and module.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { ModuleEntry } from './decoder';

export interface SourceFrame {
  readonly pc: number;
  readonly module: string;
  readonly function: string | null;
  readonly file: string | null;
  readonly line: number | null;
  readonly column: number | null;
  /** a frame inlined into the one after it */
  readonly inlined: boolean;
}

/** Starts the symbolizer tool: the engine's one process, injected so a front end may start it elsewhere. */
export type SpawnTool = (tool: string, args: readonly string[]) => ChildProcessWithoutNullStreams;

export interface SymbolizerOptions {
  /** llvm-symbolizer, by path; found on PATH when not given */
  readonly tool?: string;
  /** how the tool is started (a local child process by default) */
  readonly spawn?: SpawnTool;
  /** whether a module's file is there to read (the local file system by default) */
  readonly exists?: (path: string) => boolean;
}

const spawnLocal: SpawnTool = (tool, args) => spawn(tool, args as string[], { stdio: 'pipe' });

interface Pending {
  resolve: (frames: SourceFrame[]) => void;
  pc: number;
  module: string;
}

/** Maps a pc to its module by the module map's load biases. */
export function moduleOf(modules: readonly ModuleEntry[], pc: number): ModuleEntry | null {
  let best: ModuleEntry | null = null;
  for (const module of modules) if (module.base <= pc && (!best || module.base > best.base) && module.path) best = module;
  return best;
}

/** The first of `names` that exists: a path as given, a bare name on PATH. */
export function findTool(names: readonly string[]): string | null {
  for (const name of names) {
    if (name.includes('/')) {
      if (existsSync(name)) return name;
      continue;
    }
    for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) if (dir && existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return null;
}

export class Symbolizer {
  private readonly cache = new Map<number, Promise<SourceFrame[]>>();
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly queue: Pending[] = [];
  private buffered = '';
  private readonly tool: string | null;
  private failed = false;
  /** closed for good: a lookup after close (a report still on its way) starts no new process */
  private closed = false;
  private readonly spawnTool: SpawnTool;
  private readonly exists: (path: string) => boolean;

  constructor(
    private readonly modules: readonly ModuleEntry[],
    options: SymbolizerOptions = {},
  ) {
    this.exists = options.exists ?? existsSync;
    this.spawnTool = options.spawn ?? spawnLocal;
    const names = options.tool ? [options.tool] : ['llvm-symbolizer', 'llvm-symbolizer-16', 'llvm-symbolizer-15', 'llvm-symbolizer-14'];
    // a tool started elsewhere is found there: its name is passed as given
    this.tool = options.spawn ? names[0]! : findTool(names);
  }

  /** The frames for a call site (a return address), innermost first. */
  resolve(pc: number): Promise<SourceFrame[]> {
    let frames = this.cache.get(pc);
    if (!frames) {
      frames = this.lookup(pc);
      this.cache.set(pc, frames);
    }
    return frames;
  }

  async resolveAll(pcs: Iterable<number>): Promise<Map<number, SourceFrame[]>> {
    const unique = [...new Set(pcs)];
    const frames = await Promise.all(unique.map((pc) => this.resolve(pc)));
    return new Map(unique.map((pc, i) => [pc, frames[i]!])); // one answer per pc, in order
  }

  close(): void {
    this.closed = true;
    this.child?.stdin.end();
    this.child?.kill();
    this.child = null;
  }

  private lookup(pc: number): Promise<SourceFrame[]> {
    const module = moduleOf(this.modules, pc);
    const bare: SourceFrame[] = [{ pc, module: module?.path ?? '', function: null, file: null, line: null, column: null, inlined: false }];
    if (!module || !this.tool || this.failed || this.closed || !this.exists(module.path)) return Promise.resolve(bare);
    // a return address: the call is the instruction before it
    const address = pc - module.base - 1;
    if (address < 0) return Promise.resolve(bare);
    return new Promise((resolve) => {
      const child = this.start();
      if (!child) return resolve(bare);
      this.queue.push({ resolve, pc, module: module.path });
      const line = `"${module.path.replace(/"/g, '\\"')}" 0x${address.toString(16)}\n`;
      child.stdin.write(line);
    });
  }

  private start(): ChildProcessWithoutNullStreams | null {
    if (this.child) return this.child;
    if (!this.tool) return null;
    try {
      const child = this.spawnTool(this.tool, ['--output-style=JSON', '--inlining', '--demangle']);
      this.attach(child, (line) => this.onLlvmLine(line));
      this.child = child;
      return child;
    } catch {
      this.failed = true;
      return null;
    }
  }

  private attach(child: ChildProcessWithoutNullStreams, onLine: (line: string) => void): void {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (data: string) => {
      this.buffered += data;
      let newline: number;
      while ((newline = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        if (line.trim()) onLine(line);
      }
    });
    const fail = () => {
      this.failed = true;
      this.child = null;
      for (const pending of this.queue.splice(0))
        pending.resolve([{ pc: pending.pc, module: pending.module, function: null, file: null, line: null, column: null, inlined: false }]);
    };
    child.on('error', fail);
    child.on('exit', fail);
    child.stdin.on('error', fail);
  }

  private onLlvmLine(line: string): void {
    const pending = this.queue.shift();
    if (!pending) return;
    const bare: SourceFrame = {
      pc: pending.pc,
      module: pending.module,
      function: null,
      file: null,
      line: null,
      column: null,
      inlined: false,
    };
    let parsed: { Symbol?: { FunctionName?: string; FileName?: string; Line?: number; Column?: number }[] };
    try {
      parsed = JSON.parse(line);
    } catch {
      return pending.resolve([bare]);
    }
    const symbols = parsed.Symbol ?? [];
    const frames = symbols.map((symbol, i): SourceFrame => ({
      pc: pending.pc,
      module: pending.module,
      function: symbol.FunctionName && symbol.FunctionName !== '??' ? symbol.FunctionName : null,
      file: symbol.FileName && symbol.FileName !== '??' ? symbol.FileName : null,
      line: symbol.Line ? symbol.Line : null,
      column: symbol.Column ? symbol.Column : null,
      inlined: i < symbols.length - 1,
    }));
    pending.resolve(frames.length ? frames : [bare]);
  }
}

/**
 * The one symbolizer of one trace: every user of the trace (its views, its report,
 * the editor's CodeLens) asks here, so a trace starts at most one llvm-symbolizer.
 * Made when first asked once the trace's module map is known (a live trace has
 * none until its handshake); closed with the trace's source.
 */
export class TraceSymbols {
  private shared: Symbolizer | null = null;
  private closed = false;

  constructor(
    private readonly modules: () => readonly ModuleEntry[] | null,
    private readonly options: SymbolizerOptions = {},
  ) {}

  get symbolizer(): Symbolizer {
    const modules = this.closed ? null : this.modules();
    // no module map yet, or closed: a symbolizer with no module to look in, which starts nothing
    if (!modules) return new Symbolizer([], this.options);
    this.shared ??= new Symbolizer(modules, this.options);
    return this.shared;
  }

  close(): void {
    this.closed = true;
    this.shared?.close();
    this.shared = null;
  }
}
