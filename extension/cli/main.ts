// main.ts — the `slabscope` command line: run, report, demo.

import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Symbolizer, TraceFile, buildReport, toSarif, type Report } from '../core';
import { ensureNativeBuilt, record, RecordError, type Progress } from './record';
import { formatFindings, formatSummary } from './text';
import { demo } from './demo';

/** The package root: the bundle lives in extension/dist/. */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nativeDir = join(packageRoot, 'native');
const version = (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;

const USAGE = `usage:
  slabscope run [--layout aligned|hakmem] [--lossless] [--ops] [--stack N] [--library LIB.so] [--out FILE.hktrace] -- PROGRAM [ARGS...]
      --ops: operation-level events only; --library: preload this trace build (a fault-injection build, your own allocator)
  slabscope report FILE.hktrace [--json | --sarif]
  slabscope demo
  slabscope --version`;

class UsageError extends Error {}

function takeValue(args: string[], i: number, flag: string): string {
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${flag} needs a value`);
  return value;
}

async function runCommand(args: string[]): Promise<number> {
  let layout: 'aligned' | 'hakmem' = 'aligned';
  let lossless = false, detail = true, stackDepth = 1;
  let out: string | null = null, library: string | undefined;
  let i = 0;
  for (; i < args.length && args[i] !== '--'; i++) {
    const arg = args[i];
    if (arg === '--layout') {
      const value = takeValue(args, i++, arg);
      if (value !== 'aligned' && value !== 'hakmem') throw new UsageError(`--layout is aligned or hakmem, not ${value}`);
      layout = value;
    } else if (arg === '--lossless') lossless = true;
    else if (arg === '--ops') detail = false;
    else if (arg === '--stack') {
      stackDepth = Number(takeValue(args, i++, arg));
      if (!Number.isInteger(stackDepth) || stackDepth < 1 || stackDepth > 64) throw new UsageError('--stack is a depth from 1 to 64');
    } else if (arg === '--out') out = takeValue(args, i++, arg);
    else if (arg === '--library') {
      library = resolve(takeValue(args, i++, arg));
      if (!existsSync(library)) throw new UsageError(`no library at ${library}`);
    }
    else throw new UsageError(`unknown option ${arg}`);
  }
  const [program, ...programArgs] = args.slice(i + 1);
  if (i >= args.length || !program) throw new UsageError('run needs -- PROGRAM [ARGS...]');
  const outPath = resolve(out ?? `${basename(program)}.hktrace`);
  process.stderr.write(`slabscope: building the allocator if needed\n`);
  ensureNativeBuilt(nativeDir);
  const tty = process.stderr.isTTY;
  const started = Date.now();
  let lastEvents = 0, lastTime = started;
  const showProgress = (progress: Progress) => {
    if (!tty) return;
    const now = Date.now();
    const rate = (progress.events - lastEvents) / Math.max(0.001, (now - lastTime) / 1000);
    lastEvents = progress.events;
    lastTime = now;
    process.stderr.write(`\r\x1b[2Kslabscope: ${progress.events.toLocaleString('en-US')} events  ${(rate / 1e6).toFixed(2)}M/s  lost ${progress.lost}  findings ${progress.findings}  processes ${progress.processes}`);
  };
  const result = await record({ program, args: programArgs, layout, lossless, detail, stackDepth, out: outPath, nativeDir, library, onProgress: showProgress });
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
    const report = await buildReport(model.findings.all, entry.index.summary, {
      symbolizer, sourceRoot: packageRoot, executable: entry.executable, pid: entry.pid, layout: model.layout.name,
    });
    symbolizer.close();
    lines.push(...formatFindings(report.findings));
    corruptions += report.findings.filter((finding) => finding.severity === 'error').length;
  }
  if (!result.processes.length) lines.push('slabscope: the program never connected (was it run with the allocator preloaded? a static binary cannot preload it)');
  process.stdout.write(`${lines.join('\n')}\n`);
  return corruptions > 0 ? 1 : 0;
}

async function reportCommand(args: string[]): Promise<number> {
  const files = args.filter((arg) => !arg.startsWith('--'));
  const json = args.includes('--json'), sarif = args.includes('--sarif');
  for (const arg of args) if (arg.startsWith('--') && arg !== '--json' && arg !== '--sarif') throw new UsageError(`unknown option ${arg}`);
  if (files.length !== 1) throw new UsageError('report needs one trace file');
  if (!existsSync(files[0])) throw new UsageError(`no such file: ${files[0]}`);
  const trace = TraceFile.open(files[0]);
  try {
    const symbolizer = new Symbolizer(trace.handshake.modules);
    const report: Report = await buildReport(trace.findings, trace.summary, {
      symbolizer, sourceRoot: packageRoot, executable: trace.handshake.executable, pid: trace.handshake.pid, layout: trace.handshake.layout.name,
    });
    symbolizer.close();
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (sarif) process.stdout.write(`${JSON.stringify(toSarif(report, version), null, 2)}\n`);
    else {
      const lines = [`${trace.handshake.executable} (pid ${trace.handshake.pid}, ${trace.handshake.layout.name} layout): ${formatSummary(trace.summary)}`];
      for (const error of trace.index.errors.slice(0, 5)) lines.push(`stream ${error.fatal ? 'error' : 'warning'}: ${error.message}`);
      lines.push(...formatFindings(report.findings));
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return report.findings.some((finding) => finding.severity === 'error') ? 1 : 0;
  } finally {
    trace.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'run': return await runCommand(args);
      case 'report': return await reportCommand(args);
      case 'demo': return await demo({ packageRoot, nativeDir });
      case '--version': process.stdout.write(`${version}\n`); return 0;
      case undefined: case '--help': case '-h': case 'help': process.stdout.write(`${USAGE}\n`); return command ? 0 : 2;
      default: throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`slabscope: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    const message = error instanceof RecordError || (error as Error).name === 'TraceFileError' || (error as Error).name === 'LayoutError'
      ? (error as Error).message : `${(error as Error).stack ?? error}`;
    process.stderr.write(`slabscope: ${message}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
