// inspect.ts — `slabscope inspect`: stops a program in gdb (at a breakpoint, by
// attaching, or from a core file) through cdt-gdb-adapter run in this process,
// reads its heap through DAP and prints it with its findings. The program's own
// output goes to stderr, so stdout holds only the report.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GdbAdapter, heapJson, inspectStop, layoutsForLibrary, type DapEvent, type HeapImage, type HeapJson } from '../debug';
import { ensureNativeBuilt } from '../record';
import { formatFindings } from './text';

export class InspectUsageError extends Error {}

export interface InspectOptions {
  json: boolean;
  layout: string | undefined;
  library: string | undefined;
  core: string | undefined;
  pid: number | undefined;
  breakAt: string | undefined;
  program: string | undefined;
  programArgs: string[];
}

export function parseInspectOptions(args: string[]): InspectOptions {
  const options: InspectOptions = {
    json: false,
    layout: undefined,
    library: undefined,
    core: undefined,
    pid: undefined,
    breakAt: undefined,
    program: undefined,
    programArgs: [],
  };
  const value = (i: number, flag: string) => {
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) throw new InspectUsageError(`${flag} needs a value`);
    return next;
  };
  const words: string[] = [];
  let i = 0;
  for (; i < args.length && args[i] !== '--'; i++) {
    const arg = args[i]!;
    if (arg === '--json') options.json = true;
    else if (arg === '--layout') {
      options.layout = value(i++, arg);
      if (options.layout !== 'aligned' && options.layout !== 'hakmem')
        throw new InspectUsageError(`--layout is aligned or hakmem, not ${options.layout}`);
    } else if (arg === '--library') options.library = resolve(value(i++, arg));
    else if (arg === '--core') options.core = resolve(value(i++, arg));
    else if (arg === '--pid') {
      options.pid = Number(value(i++, arg));
      if (!Number.isInteger(options.pid) || options.pid <= 0) throw new InspectUsageError('--pid is a process id');
    } else if (arg === '--break') options.breakAt = value(i++, arg);
    else if (arg.startsWith('--')) throw new InspectUsageError(`unknown option ${arg}`);
    else words.push(arg);
  }
  const afterDash = args.slice(i + 1);
  if (options.layout && options.library) throw new InspectUsageError('--layout and --library: one or the other');
  const ways = [options.core, options.pid, options.breakAt].filter((way) => way !== undefined).length;
  if (ways !== 1) throw new InspectUsageError('inspect needs one of --core CORE PROGRAM, --pid PID, --break LOCATION -- PROGRAM [ARGS...]');
  if (options.breakAt !== undefined) {
    if (words.length) throw new InspectUsageError(`unknown argument ${words[0]} (the program goes after --)`);
    [options.program, ...options.programArgs] = afterDash;
    if (!options.program) throw new InspectUsageError('--break needs -- PROGRAM [ARGS...]');
  } else {
    if (afterDash.length) words.push(...afterDash);
    if (words.length > 1) throw new InspectUsageError(`unknown argument ${words[1]}`);
    options.program = words[0] === undefined ? undefined : resolve(words[0]);
    if (options.core !== undefined && !options.program) throw new InspectUsageError('--core needs the PROGRAM the core came from');
    if (options.core !== undefined && !existsSync(options.core)) throw new InspectUsageError(`no core file at ${options.core}`);
  }
  if (options.library && !existsSync(options.library)) throw new InspectUsageError(`no library at ${options.library}`);
  if (options.program && !existsSync(options.program) && options.breakAt === undefined)
    throw new InspectUsageError(`no program at ${options.program}`);
  return options;
}

/** The layout descriptions: beside a --library build (build/<layout>/<mode>/lib → build/<layout>/layout.json), else the packaged build's. */
function layoutDescriptions(options: InspectOptions, nativeDir: string) {
  return layoutsForLibrary(nativeDir, options.library);
}

/** gdb takes the program's arguments as one string, split as a shell would: quote each. */
function gdbArguments(args: readonly string[]): string {
  return args.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

const STOP_MS = 60_000;

/** Starts gdb for the options, stops the program, reads its heap; the adapter is closed after. */
export async function inspectProgram(options: InspectOptions, nativeDir: string, echo: (text: string) => void): Promise<HeapImage> {
  const layouts = layoutDescriptions(options, nativeDir);
  const library =
    options.library ??
    (options.breakAt !== undefined ? join(nativeDir, 'build', options.layout ?? 'aligned', 'release', 'libslabscope.so') : undefined);
  if (library && !existsSync(library)) ensureNativeBuilt(nativeDir);
  const adapter = new GdbAdapter();
  adapter.onEvent((event: DapEvent) => {
    if (
      event.event === 'output' &&
      typeof event.body?.output === 'string' &&
      (event.body.category === 'stdout' || event.body.category === 'stderr')
    )
      echo(event.body.output);
  });
  const { request } = adapter;
  try {
    await request('initialize', {
      adapterID: 'slabscope-gdb',
      clientID: 'slabscope',
      linesStartAt1: true,
      columnsStartAt1: true,
      pathFormat: 'path',
    });
    const common = { gdb: process.env.SLABSCOPE_GDB || 'gdb', gdbArguments: ['-q'], cwd: process.cwd() };
    let threadId: number | undefined;
    if (options.core !== undefined) {
      await request('launch', { ...common, program: options.program, initCommands: [`core-file ${options.core}`] });
    } else if (options.pid !== undefined) {
      await request('attach', { ...common, processId: String(options.pid), ...(options.program ? { program: options.program } : {}) });
    } else {
      const initialized = adapter.nextEvent('initialized', STOP_MS);
      await request('launch', {
        ...common,
        program: resolve(options.program as string),
        arguments: gdbArguments(options.programArgs),
        initCommands: [`set environment LD_PRELOAD=${library}`],
      });
      await initialized;
      const at = options.breakAt as string;
      const line = /^(.*):(\d+)$/.exec(at);
      const answer = line
        ? await request('setBreakpoints', { source: { path: resolve(line[1]!) }, breakpoints: [{ line: Number(line[2]!) }] })
        : await request('setFunctionBreakpoints', { breakpoints: [{ name: at }] });
      const placed = (answer as { breakpoints?: { verified?: boolean; message?: string }[] }).breakpoints?.[0];
      if (!placed?.verified) throw new Error(`gdb could not place a breakpoint at ${at}${placed?.message ? `: ${placed.message}` : ''}`);
      const ended = adapter.nextEvent('terminated', STOP_MS + 1000).then(() => {
        throw new Error(`${options.program} ended before it reached ${at}`);
      });
      const stopped = adapter.nextEvent('stopped', STOP_MS);
      await request('configurationDone', {});
      const event = await Promise.race([stopped, ended]);
      ended.catch(() => undefined);
      threadId = typeof event.body?.threadId === 'number' ? event.body.threadId : undefined;
    }
    return await inspectStop(request, layouts, { threadId, expectLayout: options.layout });
  } finally {
    await Promise.race([
      request('disconnect', { terminateDebuggee: options.pid === undefined }).catch(() => undefined),
      new Promise((done) => setTimeout(done, 5000)),
    ]);
    adapter.dispose();
  }
}

export function formatHeap(json: HeapJson): string[] {
  const where = json.stoppedAt?.file
    ? `${json.stoppedAt.file}:${json.stoppedAt.line}${json.stoppedAt.function ? ` (${json.stoppedAt.function})` : ''}`
    : 'an unknown place';
  const lines = [`stopped at ${where}, ${json.layout} layout`];
  for (const thread of json.threads) {
    lines.push(`thread ${thread.thread}:`);
    for (const cache of thread.caches)
      lines.push(
        `  C${cache.cls} cache: ${cache.nodes.length} blocks (count ${cache.count})${cache.end === 'null' ? '' : `, ends: ${cache.end}`}${
          cache.nodes.length
            ? `: ${cache.nodes
                .slice(0, 4)
                .map((node) => node.base)
                .join(' → ')}${cache.nodes.length > 4 ? ' → …' : ''}`
            : ''
        }`,
      );
  }
  for (const slab of json.slabs)
    lines.push(
      `slab ${slab.start} C${slab.cls} owner ${slab.owner}: used ${slab.used}/${slab.capacity}, carved ${slab.carved}, ${slab.freelist.length} free${slab.freelistEnd === 'null' ? '' : ` (ends: ${slab.freelistEnd})`}, ${slab.remote.length} remote-pending${slab.remoteEnd === 'null' ? '' : ` (ends: ${slab.remoteEnd})`}`,
    );
  for (const warning of json.warnings) lines.push(`warning: ${warning}`);
  lines.push(...formatFindings(json.findings));
  lines.push(`${json.reads.requests} reads, ${json.reads.bytes.toLocaleString('en-US')} bytes, ${json.reads.ms} ms`);
  return lines;
}

export async function inspectCommand(args: string[], nativeDir: string): Promise<number> {
  const options = parseInspectOptions(args);
  let image: HeapImage;
  try {
    image = await inspectProgram(options, nativeDir, (text) => process.stderr.write(text));
  } catch (error) {
    // gdb's, the adapter's and the reader's errors say what and where: no stack needed
    process.stderr.write(`slabscope: ${(error as Error).message}\n`);
    return 2;
  }
  const json = heapJson(image);
  process.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${formatHeap(json).join('\n')}\n`);
  return json.findings.some((finding) => finding.severity === 'error') ? 1 : 0;
}
