// inject.test.mjs — the seeds' historical bugs, built in with `make INJECT=name`,
// each caught the way it should be; the same scenario is clean on a correct build.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrace } from './wire.mjs';

const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));
const INJECTIONS = ['user-ptr-slab-index', 'c0-next-offset-1', 'remote-sentinel-leak',
  'page-boundary-header-read', 'registry-in-fast-path', 'sll-no-used-decrement'];
const lib = (inject, layout, mode) =>
  `${nativeDir}build/${inject ? `inject/${inject}/` : ''}${layout}/${mode}/libslabscope.so`;

function demo(scenario, library, env = {}) {
  return spawnSync(`${nativeDir}build/test/inject_demo`, [scenario], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LD_PRELOAD: library, SLABSCOPE_ON_ERROR: 'report', ...env },
  });
}
const findings = (stderr) => [...stderr.matchAll(/^slabscope: (\S+) /gm)].map((m) => m[1]);

before(() => {
  const build = (args) => spawnSync('make', ['-j2', ...args], { cwd: nativeDir, encoding: 'utf8' });
  let made = build(['all', 'tracetests']);
  assert.equal(made.status, 0, made.stderr);
  for (const inject of INJECTIONS) {
    made = build([`INJECT=${inject}`, 'all']);
    assert.equal(made.status, 0, made.stderr);
  }
});

const cases = [
  { inject: 'user-ptr-slab-index', scenario: 'drain', layouts: ['hakmem', 'aligned'], finding: 'user-as-base' },
  { inject: 'c0-next-offset-1', scenario: 'c0', layouts: ['hakmem'], finding: 'header-corrupt' },
  { inject: 'remote-sentinel-leak', scenario: 'remote', layouts: ['hakmem', 'aligned'], finding: 'sentinel-leak' },
];
for (const { inject, scenario, layouts, finding } of cases) {
  for (const layout of layouts) {
    for (const mode of ['check', 'trace']) {
      test(`${inject}: ${finding} in the ${layout} ${mode} build, none without the injection`, () => {
        const clean = demo(scenario, lib(null, layout, mode));
        assert.equal(clean.status, 0, clean.stderr);
        assert.deepEqual(findings(clean.stderr), []);
        const buggy = demo(scenario, lib(inject, layout, mode));
        const kinds = findings(buggy.stderr);
        assert.ok(kinds.length > 0, `no finding: ${buggy.stderr}`);
        assert.deepEqual([...new Set(kinds)], [finding]);
      });
    }
  }
}

test('page-boundary-header-read: the injected read faults where the correct build reports foreign-free', () => {
  const clean = demo('page', lib(null, 'aligned', 'check'));
  assert.equal(clean.status, 0);
  assert.deepEqual(findings(clean.stderr), ['foreign-free']);
  const release = demo('page', lib(null, 'aligned', 'release'));
  assert.equal(release.status, 0, 'the release build leaves a foreign pointer alone');
  const buggy = demo('page', lib('page-boundary-header-read', 'aligned', 'check'));
  assert.equal(buggy.signal, 'SIGSEGV');
});

test('page-boundary-header-read: the trace build delivers the crash record', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slabscope-inject-'));
  try {
    const file = join(dir, 'page.bin');
    const run = demo('page', lib('page-boundary-header-read', 'aligned', 'trace'), { SLABSCOPE_TRACE_FILE: file });
    assert.equal(run.signal, 'SIGSEGV');
    const trace = readTrace(readFileSync(file));
    assert.equal(trace.crashes.length, 1);
    assert.equal(trace.crashes[0].signal, 11);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('registry-in-fast-path: every tiny free takes the registry route instead of the header fast path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'slabscope-inject-'));
  try {
    const routes = (library) => {
      const file = join(dir, 'routes.bin');
      const run = demo('route', library, { SLABSCOPE_TRACE_FILE: file });
      assert.equal(run.status, 0, run.stderr);
      const counts = { headerFast: 0, registry: 0 };
      for (const e of readTrace(readFileSync(file)).events) {
        if (e.kind !== 'free' || e.cls === 255) continue;
        if (e.route === 1) counts.headerFast++;
        if (e.route === 2) counts.registry++;
      }
      return counts;
    };
    const clean = routes(lib(null, 'aligned', 'trace'));
    assert.ok(clean.headerFast >= 10000 && clean.registry < clean.headerFast / 100, JSON.stringify(clean));
    const buggy = routes(lib('registry-in-fast-path', 'aligned', 'trace'));
    assert.ok(buggy.registry >= 10000 && buggy.headerFast === 0, JSON.stringify(buggy));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('sll-no-used-decrement: slabs never empty, superslabs are never returned', () => {
  const count = (library) => {
    const run = demo('leak', library);
    assert.equal(run.status, 0, run.stderr);
    return Number(run.stdout.match(/superslabs_mapped=(\d+)/)[1]);
  };
  assert.equal(count(lib(null, 'aligned', 'release')), 1);
  assert.ok(count(lib('sll-no-used-decrement', 'aligned', 'release')) >= 4);
});
