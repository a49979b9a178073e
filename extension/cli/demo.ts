// demo.ts — `slabscope demo` (and `npm start`): builds the buggy demo programs
// and the fault-injection builds, records each, and shows every finding kind
// with the source line it points at.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Symbolizer, buildReport, reportContext, type FindingKind, type ReportFinding } from '../core';
import { ensureNativeBuilt, record } from '../record';
import { formatFinding } from './text';

export interface DemoCase {
  readonly name: string;
  readonly expect: FindingKind;
  readonly program: string;
  readonly args: string[];
  readonly layout: 'aligned' | 'hakmem';
  /** a fault-injection build (make INJECT=name) instead of the plain trace build */
  readonly inject?: string;
  readonly env?: Record<string, string>;
  readonly lossless?: boolean;
}

/** One case per finding kind: the seeds' bugs as programs, and as allocator builds with the bug put back. */
export function demoCases(nativeDir: string): DemoCase[] {
  const bug = (name: string) => join(nativeDir, 'build', 'test', 'bugs', name);
  const injectDemo = join(nativeDir, 'build', 'test', 'inject_demo');
  return [
    { name: 'double free', expect: 'double-free', program: bug('double_free'), args: [], layout: 'hakmem' },
    { name: 'BASE passed to free (Phase E1)', expect: 'base-as-user', program: bug('base_as_user'), args: [], layout: 'hakmem' },
    { name: 'free inside a block', expect: 'interior-free', program: bug('interior_free'), args: [], layout: 'hakmem' },
    { name: 'free of memory never allocated', expect: 'foreign-free', program: bug('foreign_free'), args: [], layout: 'hakmem' },
    { name: 'header byte overwritten', expect: 'header-corrupt', program: bug('header_corrupt'), args: [], layout: 'hakmem' },
    { name: 'freelist link written after free', expect: 'next-corrupt', program: bug('next_corrupt'), args: [], layout: 'hakmem' },
    {
      name: 'slab freelist link leaving its slab',
      expect: 'next-out-of-slab',
      program: bug('next_out_of_slab'),
      args: [],
      layout: 'hakmem',
    },
    { name: 'remote sentinel in a freelist', expect: 'sentinel-leak', program: bug('sentinel_leak'), args: [], layout: 'hakmem' },
    {
      name: 'drain hands USER to the slab code (injected)',
      expect: 'user-as-base',
      program: injectDemo,
      args: ['drain'],
      layout: 'hakmem',
      inject: 'user-ptr-slab-index',
    },
    {
      name: 'free asks the registry first (Phase E2, injected)',
      expect: 'route-regression',
      program: injectDemo,
      args: ['route'],
      layout: 'hakmem',
      inject: 'registry-in-fast-path',
    },
    {
      name: 'slabs never empty: the drain forgets used (Phase 9, injected)',
      expect: 'slab-leak',
      program: injectDemo,
      args: ['leak'],
      layout: 'hakmem',
      inject: 'sll-no-used-decrement',
      lossless: true,
    },
    {
      name: 'header read across a page boundary (Phase 7-1.2, injected)',
      expect: 'crash',
      program: injectDemo,
      args: ['page'],
      layout: 'hakmem',
      inject: 'page-boundary-header-read',
    },
    {
      name: 'ring too small for the load, lossy by choice',
      expect: 'lost-events',
      program: join(nativeDir, 'build', 'test', 'workload'),
      args: ['20000'],
      layout: 'aligned',
      lossless: false,
      env: { SLABSCOPE_RING: '16' },
    },
  ];
}

export function buildDemoPrograms(nativeDir: string, cases: readonly DemoCase[]): void {
  ensureNativeBuilt(nativeDir, ['all', 'bugtests', 'tracetests']);
  // of an injected build, only the trace library the case preloads
  for (const { inject, layout } of cases)
    if (inject) ensureNativeBuilt(nativeDir, [`INJECT=${inject}`, `build/inject/${inject}/${layout}/trace/libslabscope.so`]);
}

export interface DemoOutcome {
  readonly demo: DemoCase;
  readonly findings: ReportFinding[];
  readonly trace: string;
}

export async function runDemoCase(demo: DemoCase, nativeDir: string, sourceRoot: string, outDir: string): Promise<DemoOutcome> {
  const out = join(outDir, `${demo.expect}.hktrace`);
  const library = demo.inject ? join(nativeDir, 'build', 'inject', demo.inject, demo.layout, 'trace', 'libslabscope.so') : undefined;
  const result = await record({
    program: demo.program,
    args: demo.args,
    layout: demo.layout,
    lossless: demo.lossless ?? true,
    detail: true,
    stackDepth: 1,
    out,
    nativeDir,
    library,
    env: demo.env,
    stdio: 'pipe',
  });
  const findings: ReportFinding[] = [];
  for (const entry of result.processes) {
    const model = entry.session.model;
    if (!model) continue;
    const symbolizer = new Symbolizer(model.handshake.modules);
    const report = await buildReport(model.findings.all, entry.index.summary, reportContext(model.handshake, symbolizer, sourceRoot));
    symbolizer.close();
    findings.push(...report.findings);
  }
  return { demo, findings, trace: out };
}

export async function demo({ packageRoot, nativeDir }: { packageRoot: string; nativeDir: string }): Promise<number> {
  const cases = demoCases(nativeDir);
  process.stderr.write('slabscope demo: building the allocator, the buggy programs and the fault-injection builds\n');
  buildDemoPrograms(nativeDir, cases);
  const outDir = mkdtempSync(join(tmpdir(), 'slabscope-demo-'));
  let missing = 0;
  for (const entry of cases) {
    const outcome = await runDemoCase(entry, nativeDir, packageRoot, outDir);
    const found = outcome.findings.filter((finding) => finding.kind === entry.expect);
    process.stdout.write(`\n== ${entry.name} (${entry.layout} layout${entry.inject ? `, make INJECT=${entry.inject}` : ''})\n`);
    if (!found.length) {
      missing++;
      process.stdout.write(`   expected ${entry.expect}, found ${outcome.findings.map((f) => f.kind).join(', ') || 'nothing'}\n`);
    }
    for (const finding of found.slice(0, 1)) process.stdout.write(`${formatFinding(finding)}\n`);
  }
  process.stdout.write(
    `\nslabscope demo: ${cases.length - missing} of ${cases.length} finding kinds shown; traces in ${outDir} (slabscope report FILE)\n`,
  );
  return missing ? 1 : 0;
}
