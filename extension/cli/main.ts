// main.ts — the `slabscope` command line: run, report, view, inspect, dap, check-source, lsp, demo.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ProcessFollower,
  Symbolizer,
  TraceFile,
  TraceSession,
  busiestProcess,
  addWriters,
  buildReport,
  findWriters,
  WRITTEN_KINDS,
  reportContext,
  toSarif,
  type Report,
  type TraceDamage,
} from '../core';
import { LiveSource } from '../protocol';
import { ensureNativeBuilt, record, RecordError, type Progress } from '../record';
import { formatFindings, formatSummary } from './text';
import { demo } from './demo';
import { ViewServer, liveSource, openInBrowser, traceSource } from './view';
import { InspectUsageError, inspectCommand } from './inspect';
import { runGdbAdapterOverStdio, runReplayAdapterOverStdio } from '../debug';
import { checkSourceCommand, lspCommand, SourceUsageError } from './source';

/** The package root: the bundle lives in extension/dist/. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nativeDir = join(packageRoot, 'native');
const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

const USAGE = `usage:
  slabscope run [--layout aligned|hakmem] [--lossy] [--ops] [--stack N] [--library LIB.so] [--out FILE.hktrace] [--find-writer] -- PROGRAM [ARGS...]
      --lossy: a full ring drops events (counted) instead of waiting: for long runs that must not be slowed
      --ops: operation-level events only; --library: preload this trace build (a fault-injection build, your own allocator)
  slabscope report FILE.hktrace [--json | --sarif] [--find-writer]
      --find-writer: for each overwritten header, link and check word, the write that put it there as the trace shows it
  slabscope view FILE.hktrace [--port N] [--no-open]
  slabscope view --live [run options] [--port N] [--no-open] -- PROGRAM [ARGS...]
      serves the heap views on 127.0.0.1 and prints the URL
  slabscope inspect [--json] [--layout L | --library LIB] (--core CORE PROGRAM | --pid PID | --break LOCATION -- PROGRAM [ARGS...])
      stops the program in gdb and reads its heap: every freelist, validated (LOCATION: FILE:LINE or a function)
  slabscope dap gdb
      the gdb debug adapter (cdt-gdb-adapter) over stdin and stdout, for editors that start adapters themselves
  slabscope check-source [--json | --sarif] [--define NAME[=VALUE]]... PATHS...
      BASE/USER misuse in C source (files or directories); exits 1 when there is any
  slabscope lsp --stdio
      the language server for BASE/USER misuse over stdin and stdout, for editors that start servers themselves
  slabscope dap replay
      the replay debug adapter over stdin and stdout: a .hktrace stepped through forwards and backwards (launch with "trace")
  slabscope demo
  slabscope --version`;

class UsageError extends Error {}

function takeValue(args: string[], i: number, flag: string): string {
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return value;
}

interface RunOptions {
  layout: 'aligned' | 'hakmem';
  lossless: boolean;
  detail: boolean;
  stackDepth: number;
  out: string | null;
  library: string | undefined;
  port: number;
  open: boolean;
  live: boolean;
  /** run: name the writer of each damaged header and link (report --find-writer) */
  findWriter: boolean;
  /** words before `--` that are no option */
  words: string[];
  program: string | undefined;
  programArgs: string[];
}

/** The options of `run` and `view`; `view` also takes --port, --no-open and --live. */
function parseOptions(args: string[], command: 'run' | 'view'): RunOptions {
  const options: RunOptions = {
    layout: 'aligned',
    lossless: true,
    detail: true,
    stackDepth: 1,
    out: null,
    library: undefined,
    port: 0,
    open: true,
    live: false,
    findWriter: false,
    words: [],
    program: undefined,
    programArgs: [],
  };
  let i = 0;
  for (; i < args.length && args[i] !== '--'; i++) {
    const arg = args[i]!;
    if (arg === '--layout') {
      const value = takeValue(args, i++, arg);
      if (value !== 'aligned' && value !== 'hakmem') throw new UsageError(`--layout is aligned or hakmem, not ${value}`);
      options.layout = value;
    } else if (arg === '--lossy') options.lossless = false;
    else if (arg === '--lossless')
      options.lossless = true; // the default; kept for scripts that say so
    else if (arg === '--ops') options.detail = false;
    else if (arg === '--stack') {
      options.stackDepth = Number(takeValue(args, i++, arg));
      if (!Number.isInteger(options.stackDepth) || options.stackDepth < 1 || options.stackDepth > 64)
        throw new UsageError('--stack is a depth from 1 to 64');
    } else if (arg === '--out') options.out = takeValue(args, i++, arg);
    else if (arg === '--library') {
      options.library = resolve(takeValue(args, i++, arg));
      if (!existsSync(options.library)) throw new UsageError(`no library at ${options.library}`);
    } else if (command === 'view' && arg === '--port') {
      options.port = Number(takeValue(args, i++, arg));
      if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
        throw new UsageError('--port is a TCP port from 0 to 65535');
    } else if (command === 'view' && arg === '--no-open') options.open = false;
    else if (command === 'view' && arg === '--live') options.live = true;
    else if (command === 'run' && arg === '--find-writer') options.findWriter = true;
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else options.words.push(arg);
  }
  [options.program, ...options.programArgs] = args.slice(i + 1);
  return options;
}

async function runCommand(args: string[]): Promise<number> {
  const { layout, lossless, detail, stackDepth, out, library, program, programArgs, words, findWriter } = parseOptions(args, 'run');
  if (words.length) throw new UsageError(`unknown argument ${words[0]} (the program goes after --)`);
  if (!program) throw new UsageError('run needs -- PROGRAM [ARGS...]');
  const outPath = resolve(out ?? `${basename(program)}.hktrace`);
  process.stderr.write(`slabscope: building the allocator if needed\n`);
  ensureNativeBuilt(nativeDir);
  const tty = process.stderr.isTTY;
  const started = Date.now();
  let lastEvents = 0,
    lastTime = started;
  const showProgress = (progress: Progress) => {
    if (!tty) return;
    const now = Date.now();
    const rate = (progress.events - lastEvents) / Math.max(0.001, (now - lastTime) / 1000);
    lastEvents = progress.events;
    lastTime = now;
    process.stderr.write(
      `\r\x1b[2Kslabscope: ${progress.events.toLocaleString('en-US')} events  ${(rate / 1e6).toFixed(2)}M/s  lost ${progress.lost}  findings ${progress.findings}  processes ${progress.processes}`,
    );
  };
  const result = await record({
    program,
    args: programArgs,
    layout,
    lossless,
    detail,
    stackDepth,
    out: outPath,
    nativeDir,
    library,
    onProgress: showProgress,
  });
  if (tty) process.stderr.write('\n');
  const seconds = (Date.now() - started) / 1000;
  const status = result.signal ? `was killed by ${result.signal}` : `exited with status ${result.exitCode}`;
  const lines: string[] = [`slabscope: ${program} ${status} after ${seconds.toFixed(1)} s`];
  let corruptions = 0;
  for (const entry of result.processes) {
    const model = entry.session.model;
    if (!model) {
      lines.push(`slabscope: a process connected but sent no valid handshake: ${entry.errors[0]?.message ?? 'nothing received'}`);
      continue;
    }
    lines.push(`slabscope: ${entry.executable} (pid ${entry.pid}): ${formatSummary(entry.index.summary)}; trace written to ${entry.path}`);
    for (const error of entry.errors.slice(0, 5)) lines.push(`slabscope:   stream ${error.fatal ? 'error' : 'warning'}: ${error.message}`);
    const symbolizer = new Symbolizer(model.handshake.modules);
    const context = reportContext(model.handshake, symbolizer, packageRoot);
    const report = await buildReport(model.findings.all, entry.index.summary, context);
    if (findWriter && report.findings.some((finding) => WRITTEN_KINDS.has(finding.kind))) {
      // the writers come from the recorded file: one pass over its events up to each finding
      const trace = TraceFile.open(entry.path);
      try {
        await addWriters(report, findWriters(trace, model.findings.all), context);
      } finally {
        trace.close();
      }
    }
    symbolizer.close();
    lines.push(...formatFindings(report.findings));
    corruptions += report.findings.filter((finding) => finding.severity === 'error').length;
  }
  if (!result.processes.length)
    lines.push('slabscope: the program never connected (was it run with the allocator preloaded? a static binary cannot preload it)');
  process.stdout.write(`${lines.join('\n')}\n`);
  return corruptions > 0 ? 1 : 0;
}

async function reportCommand(args: string[]): Promise<number> {
  const files = args.filter((arg) => !arg.startsWith('--'));
  const json = args.includes('--json'),
    sarif = args.includes('--sarif'),
    findWriter = args.includes('--find-writer');
  for (const arg of args)
    if (arg.startsWith('--') && arg !== '--json' && arg !== '--sarif' && arg !== '--find-writer')
      throw new UsageError(`unknown option ${arg}`);
  const [file] = files;
  if (files.length !== 1 || file === undefined) throw new UsageError('report needs one trace file');
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  const trace = TraceFile.open(file);
  try {
    // a damaged file opens with what came before the damage: said once, beside the report
    const damage = trace.damage;
    if (damage) process.stderr.write(`slabscope: ${damage.message}\n`);
    const symbolizer = new Symbolizer(trace.handshake.modules);
    const context = reportContext(trace.handshake, symbolizer, packageRoot);
    const report: Report = await buildReport(trace.findings, trace.summary, context);
    // the writer of each damaged header, link and check word, from the trace's own writes
    if (findWriter) await addWriters(report, findWriters(trace, trace.findings), context);
    symbolizer.close();
    if (json) process.stdout.write(`${JSON.stringify({ ...report, damage }, null, 2)}\n`);
    else if (sarif) process.stdout.write(`${JSON.stringify(withDamageNotice(toSarif(report, version), damage), null, 2)}\n`);
    else {
      const lines = [
        `${trace.handshake.executable} (pid ${trace.handshake.pid}, ${trace.handshake.layout.name} layout): ${formatSummary(trace.summary)}`,
      ];
      for (const error of trace.index.errors.slice(0, 5)) lines.push(`stream ${error.fatal ? 'error' : 'warning'}: ${error.message}`);
      lines.push(...formatFindings(report.findings));
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return report.findings.some((finding) => finding.severity === 'error') ? 1 : 0;
  } finally {
    trace.close();
  }
}

/** SARIF's place for what kept a run from seeing everything: a warning notification on the run's invocation. */
function withDamageNotice(sarif: object, damage: TraceDamage | null): object {
  if (!damage) return sarif;
  const { runs } = sarif as { runs: object[] };
  const notice = { executionSuccessful: true, toolExecutionNotifications: [{ level: 'warning', message: { text: damage.message } }] };
  return { ...sarif, runs: runs.map((run) => ({ ...run, invocations: [notice] })) };
}

const bundleDir = join(packageRoot, 'webview', 'dist');

async function viewCommand(options: RunOptions): Promise<number> {
  const log = (line: string) => process.stdout.write(`slabscope: ${line}\n`);
  const server = new ViewServer({ port: options.port, bundleDir, sourceRoot: packageRoot, log });
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  if (!options.live) {
    if (options.program) throw new UsageError('view FILE takes no program; use view --live -- PROGRAM');
    const [file] = options.words;
    if (options.words.length !== 1 || file === undefined) throw new UsageError('view needs one trace file (or --live -- PROGRAM)');
    if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
    await server.setSource(traceSource(file));
    const url = await server.listen();
    log(`serving ${options.words[0]} at ${url} (Ctrl-C stops)`);
    if (options.open) openInBrowser(url);
    await stop;
    server.close();
    return 0;
  }
  const program = options.program;
  if (!program || options.words.length) throw new UsageError('view --live needs -- PROGRAM [ARGS...]');
  const outPath = resolve(options.out ?? `${basename(program)}.hktrace`);
  ensureNativeBuilt(nativeDir);
  await server.setSource(new LiveSource(new TraceSession(), `${basename(program)} (waiting)`));
  const url = await server.listen();
  log(`serving ${program} live at ${url} (Ctrl-C stops)`);
  if (options.open) openInBrowser(url);
  const follower = new ProcessFollower((session) => void server.setSource(liveSource(session, program)));
  const ticker = setInterval(() => void server.refresh(), 100);
  const result = await record({
    program,
    args: options.programArgs,
    layout: options.layout,
    lossless: options.lossless,
    detail: options.detail,
    stackDepth: options.stackDepth,
    out: outPath,
    nativeDir,
    library: options.library,
    onSession: (session) => follower.opened(session),
    onSessionClosed: (session) => follower.closed(session),
  });
  clearInterval(ticker);
  await server.refresh();
  const status = result.signal ? `was killed by ${result.signal}` : `exited with status ${result.exitCode}`;
  const recorded = busiestProcess(result.processes);
  log(
    `${program} ${status}; ${recorded ? `${result.processes.length} process${result.processes.length === 1 ? '' : 'es'} recorded; replaying ${recorded.executable} from ${recorded.path}` : 'it never connected'}`,
  );
  if (recorded) await server.setSource(traceSource(recorded.path));
  await stop;
  server.close();
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'run':
        return await runCommand(args);
      case 'report':
        return await reportCommand(args);
      case 'view':
        return await viewCommand(parseOptions(args, 'view'));
      case 'inspect':
        return await inspectCommand(args, nativeDir);
      case 'dap':
        if (args.length !== 1 || (args[0] !== 'gdb' && args[0] !== 'replay')) throw new UsageError('dap takes one adapter: gdb or replay');
        if (args[0] === 'gdb') runGdbAdapterOverStdio(nativeDir);
        else runReplayAdapterOverStdio(packageRoot);
        return await new Promise<number>(() => undefined); // runs until its client closes stdin
      case 'check-source':
        return await checkSourceCommand(args, version);
      case 'lsp':
        return await lspCommand(args);
      case 'demo':
        return await demo({ packageRoot, nativeDir });
      case '--version':
        process.stdout.write(`${version}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command ? 0 : 2;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof InspectUsageError || error instanceof SourceUsageError) {
      process.stderr.write(`slabscope: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    const message =
      error instanceof RecordError || (error as Error).name === 'TraceFileError' || (error as Error).name === 'LayoutError'
        ? (error as Error).message
        : `${(error as Error).stack ?? error}`;
    process.stderr.write(`slabscope: ${message}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
