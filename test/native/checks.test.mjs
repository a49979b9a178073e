// checks.test.mjs — one buggy program per check kind, against the check build
// of each layout: exactly that kind on stderr, well-formed, nothing else; an
// abort by default, and with SLABSCOPE_ON_ERROR=report the program carries on.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));
const KINDS = {
  double_free: 'double-free',
  double_free_remote: 'double-free',
  base_as_user: 'base-as-user',
  interior_free: 'interior-free',
  foreign_free: 'foreign-free',
  header_corrupt: 'header-corrupt',
  next_corrupt: 'next-corrupt',
  next_to_live: 'next-corrupt',
  next_out_of_slab: 'next-out-of-slab',
  sentinel_leak: 'sentinel-leak',
};
const REPORT = /^slabscope: ([a-z-]+) ptr=0x[0-9a-f]+ class=(-1|[0-7]) thread=(-1|\d+) pc=0x[0-9a-f]+ -- \S.*$/;

before(() => {
  const made = spawnSync('make', ['-j2', 'all', 'bugtests'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
});

function run(program, layout, mode, env = {}) {
  return spawnSync(`${nativeDir}build/test/bugs/${program}`, [], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LD_PRELOAD: `${nativeDir}build/${layout}/${mode}/libslabscope.so`, ...env },
  });
}

for (const layout of ['hakmem', 'aligned']) {
  for (const [program, kind] of Object.entries(KINDS)) {
    test(`${program}: ${kind} (${layout} layout, check build)`, () => {
      const source = readFileSync(`${nativeDir}test/bugs/${program}.c`, 'utf8');
      assert.match(source, /\/\* BUG \*\//, 'the offending line is marked');
      const aborted = run(program, layout, 'check');
      assert.equal(aborted.signal, 'SIGABRT', aborted.stderr);
      const lines = aborted.stderr.split('\n').filter((l) => l.startsWith('slabscope:'));
      assert.equal(lines.length, 1, aborted.stderr);
      const [, found, , thread] = lines[0].match(REPORT) ?? [];
      assert.equal(found, kind, lines[0]);
      // every finding names its thread, one that has only freed so far too (double_free_remote)
      assert.notEqual(thread, '0', lines[0]);

      const reported = run(program, layout, 'check', { SLABSCOPE_ON_ERROR: 'report' });
      assert.equal(reported.status, 0, reported.stderr);
      const again = reported.stderr.split('\n').filter((l) => l.startsWith('slabscope:'));
      assert.equal(again.length, 1, reported.stderr);
      assert.equal(again[0].match(REPORT)?.[1], kind);
    });
  }
  for (const mode of ['release', 'check', 'trace']) {
    test(`clean program: no finding (${layout} layout, ${mode} build)`, () => {
      const result = run('clean', layout, mode);
      assert.equal(result.status, 0, result.stderr);
      assert.doesNotMatch(result.stderr, /slabscope:/);
    });
  }
}
