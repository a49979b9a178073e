// cli.test.mjs — every finding kind proven on a real buggy C program run
// through `slabscope run`, at the exact source line of the offending call
// (the line marked DETECTED where the bug is seen later than it is made, else
// BUG), with the alloc and free sites marked in the source; the fault-injection
// builds name the allocator line the bug was put back at; the JSON and SARIF
// reports carry the same; exit statuses say what happened.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './helpers.mjs';

const cli = join(root, 'extension', 'dist', 'cli.mjs');
const nativeDir = join(root, 'native');
const work = mkdtempSync(join(tmpdir(), 'slabscope-cli-'));
const slabscope = (args, options = {}) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 180_000, maxBuffer: 1 << 28, ...options });

// Each of the seeds' bugs, found at the line that injects it (`marker`), whatever the
// allocator's own checks see later; `options`: what the scenario needs to be traced whole.
const INJECTED = [
  {
    inject: 'user-ptr-slab-index',
    scenario: 'drain',
    kind: 'user-as-base',
    file: 'slab.c',
    marker: 'SS_INJECT_USER_PTR_SLAB_INDEX ? ss_user_from_base(base)',
  },
  {
    inject: 'registry-in-fast-path',
    scenario: 'route',
    kind: 'route-regression',
    file: 'free.c',
    marker: 'if (SS_INJECT_REGISTRY_IN_FAST_PATH) return *site',
  },
  {
    inject: 'c0-next-offset-1',
    scenario: 'c0',
    kind: 'header-corrupt',
    file: 'layout.h',
    marker: 'if (SS_INJECT_C0_NEXT_OFFSET_1 && cls == 0) return *site',
  },
  {
    inject: 'remote-sentinel-leak',
    scenario: 'remote',
    kind: 'sentinel-leak',
    file: 'remote.c',
    marker: 'if (!SS_INJECT_REMOTE_SENTINEL_LEAK) { ss_link',
  },
  {
    inject: 'page-boundary-header-read',
    scenario: 'page',
    kind: 'crash',
    file: 'free.c',
    marker: 'if (SS_INJECT_PAGE_BOUNDARY_HEADER_READ) (void)',
  },
  {
    inject: 'sll-no-used-decrement',
    scenario: 'leak',
    kind: 'slab-leak',
    file: 'slab.c',
    marker: 'slab->used -= SS_INJECT_SLL_NO_USED_DECREMENT',
    options: ['--lossless'],
  },
];

before(() => {
  const injected = INJECTED.map(({ inject }) => [`INJECT=${inject}`, `build/inject/${inject}/hakmem/trace/libslabscope.so`]);
  for (const args of [['all', 'bugtests', 'tracetests'], ...injected]) {
    const made = spawnSync('make', ['-s', '-C', nativeDir, '-j2', ...args], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  }
});

/** The line of `marker` in a source file (1-based). */
function lineOf(file, marker) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => line.includes(marker));
  return index < 0 ? null : index + 1;
}

function report(trace) {
  const result = slabscope(['report', '--json', trace]);
  assert.ok(result.status === 0 || result.status === 1, result.stderr);
  return JSON.parse(result.stdout);
}

const BUGS = [
  ['double_free', 'double-free', ['hakmem', 'aligned']],
  ['base_as_user', 'base-as-user', ['hakmem', 'aligned']],
  ['interior_free', 'interior-free', ['hakmem', 'aligned']],
  ['foreign_free', 'foreign-free', ['hakmem', 'aligned']],
  ['header_corrupt', 'header-corrupt', ['hakmem', 'aligned']],
  ['next_corrupt', 'next-corrupt', ['hakmem', 'aligned']],
  ['next_to_live', 'next-corrupt', ['hakmem', 'aligned']],
  ['next_out_of_slab', 'next-out-of-slab', ['hakmem', 'aligned']],
  ['sentinel_leak', 'sentinel-leak', ['hakmem', 'aligned']],
];

for (const [program, kind, layouts] of BUGS) {
  for (const layout of layouts) {
    test(`${program} through slabscope run: ${kind} at the offending line (${layout} layout)`, () => {
      const source = join(nativeDir, 'test', 'bugs', `${program}.c`);
      const out = join(work, `${program}-${layout}.hktrace`);
      const run = slabscope([
        'run',
        '--lossless',
        '--layout',
        layout,
        '--out',
        out,
        '--',
        join(nativeDir, 'build', 'test', 'bugs', program),
      ]);
      assert.equal(run.status, 1, `corruption found means exit 1\n${run.stdout}${run.stderr}`);
      assert.match(run.stdout, /exited with status 0/);
      const { findings, summary } = report(out);
      assert.deepEqual(
        findings.map((f) => f.kind),
        [kind],
        JSON.stringify(findings, null, 1),
      );
      const [finding] = findings;
      assert.equal(finding.severity, 'error');
      assert.equal(finding.site.file, source);
      assert.equal(finding.site.line, lineOf(source, '/* DETECTED */') ?? lineOf(source, '/* BUG */'));
      assert.equal(finding.site.function, 'main');
      assert.match(finding.ptr, /^0x[0-9a-f]+$/);
      assert.ok(finding.event >= 0 && finding.event < summary.events);
      const freed = lineOf(source, '/* FREED */');
      if (freed)
        assert.ok(
          finding.stacks.free.some((frame) => frame.file === source && frame.line === freed),
          JSON.stringify(finding.stacks.free),
        );
      if (kind !== 'foreign-free')
        assert.ok(
          finding.stacks.alloc.some((frame) => frame.file === source),
          'allocated-by stack',
        );
      assert.ok(finding.internalSite.file.startsWith(join(nativeDir, 'src')), finding.internalSite.file);
      // the text output names the same place
      assert.match(run.stdout, new RegExp(`${kind}: .*\\n\\s+at .*${program}\\.c:${finding.site.line} \\(main\\)`));
    });
  }
}

for (const { inject, scenario, kind, file, marker, options = [] } of INJECTED) {
  test(`make INJECT=${inject}: ${kind} at the injected allocator line`, () => {
    const out = join(work, `${inject}.hktrace`);
    const library = join(nativeDir, 'build', 'inject', inject, 'hakmem', 'trace', 'libslabscope.so');
    const run = slabscope([
      'run',
      ...options,
      '--library',
      library,
      '--out',
      out,
      '--',
      join(nativeDir, 'build', 'test', 'inject_demo'),
      scenario,
    ]);
    // exit 1 when a corruption was found; a route regression is a warning
    assert.equal(run.status, kind === 'route-regression' ? 0 : 1, run.stdout + run.stderr);
    const { findings } = report(out);
    const found = findings.filter((f) => f.kind === kind);
    assert.ok(found.length >= 1, JSON.stringify(findings.map((f) => f.kind)));
    assert.deepEqual(
      findings.filter((f) => f.kind !== kind && f.kind !== 'lost-events'),
      [],
    );
    const source = join(nativeDir, 'src', file);
    for (const finding of found) {
      assert.equal(finding.internalSite.file, source);
      assert.equal(finding.internalSite.line, lineOf(source, marker));
      assert.equal(finding.site.file, join(nativeDir, 'test', 'trace', 'inject_demo.c'));
    }
  });
}

test('the SARIF report is SARIF 2.1.0 with one result per finding at the offending line', () => {
  const out = join(work, 'double_free-hakmem.hktrace');
  const result = slabscope(['report', '--sarif', out]);
  assert.equal(result.status, 1);
  const sarif = JSON.parse(result.stdout);
  assert.equal(sarif.version, '2.1.0');
  const [run] = sarif.runs;
  assert.equal(run.tool.driver.name, 'Slabscope');
  assert.ok(run.tool.driver.rules.some((rule) => rule.id === 'double-free'));
  assert.equal(run.results.length, 1);
  const [location] = run.results[0].locations;
  assert.equal(location.physicalLocation.artifactLocation.uri, `file://${join(nativeDir, 'test', 'bugs', 'double_free.c')}`);
  assert.equal(location.physicalLocation.region.startLine, lineOf(join(nativeDir, 'test', 'bugs', 'double_free.c'), '/* BUG */'));
  assert.equal(run.results[0].level, 'error');
  assert.ok(run.results[0].relatedLocations.some((related) => related.message.text === 'freed here'));
});

test('a clean program: exit 0, no findings; usage errors and missing files: one sentence, exit 2', () => {
  const out = join(work, 'clean.hktrace');
  const run = slabscope(['run', '--out', out, '--', join(nativeDir, 'build', 'test', 'bugs', 'clean')]);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  assert.deepEqual(report(out).findings, []);
  const usage = slabscope(['run', '--layout', 'weird', '--', 'true']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^slabscope: --layout is aligned or hakmem, not weird\n/);
  const missing = slabscope(['report', join(work, 'nope.hktrace')]);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^slabscope: no such file: /);
  const notTrace = slabscope(['report', cli]);
  assert.equal(notTrace.status, 2);
  assert.match(notTrace.stderr, /is not a Slabscope trace/);
  const noProgram = slabscope(['run', '--', join(work, 'does-not-exist')]);
  assert.equal(noProgram.status, 2);
  assert.match(noProgram.stderr, /could not start .*does-not-exist/);
});

test("the program's own exit status and signal are reported", () => {
  const out = join(work, 'crash.hktrace');
  const run = slabscope(['run', '--out', out, '--', join(nativeDir, 'build', 'test', 'crash')]);
  assert.match(run.stdout, /was killed by SIG(SEGV|ABRT|BUS|ILL)|exited with status \d+/);
  const trace = report(out);
  assert.ok(trace.summary.events > 0);
  assert.equal(trace.summary.crashed, /killed/.test(run.stdout));
});

test('the default trace is exact: a two-thread hand-off of 20,000 blocks loses nothing; --lossy drops what a full ring cannot hold, said once per thread', () => {
  const handoff = join(work, 'handoff');
  const built = spawnSync('cc', ['-O2', '-pthread', '-o', handoff, join(root, 'test', 'bench', 'handoff.c')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const exact = join(work, 'handoff.hktrace');
  const run = slabscope(['run', '--layout', 'hakmem', '--out', exact, '--', handoff, '20000']);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const trace = report(exact);
  assert.equal(trace.summary.lostEvents, 0);
  assert.deepEqual(trace.findings, []);
  // 20,000 mallocs and frees, each at least one event, and the threads' own set-up
  assert.ok(trace.summary.events > 40_000, `${trace.summary.events} events`);
  // a ring of 16 events cannot hold a burst: lossy by choice loses, and each thread says so once
  const lossy = join(work, 'handoff-lossy.hktrace');
  const dropped = slabscope(['run', '--layout', 'hakmem', '--lossy', '--out', lossy, '--', handoff, '20000'], {
    env: { ...process.env, SLABSCOPE_RING: '16' },
  });
  assert.equal(dropped.status, 0, dropped.stdout + dropped.stderr);
  const lossyTrace = report(lossy);
  assert.ok(lossyTrace.summary.lostEvents > 0);
  const warnings = lossyTrace.findings.filter((f) => f.kind === 'lost-events');
  assert.equal(new Set(warnings.map((f) => f.thread)).size, warnings.length, 'one lost-events finding per thread');
  assert.equal(
    warnings.reduce((sum, f) => sum + Number(/^(\d+) events? /.exec(f.message)[1]), 0),
    lossyTrace.summary.lostEvents,
  );
});
