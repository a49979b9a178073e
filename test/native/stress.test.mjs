// stress.test.mjs — 8 threads, cross-thread frees, realloc and calloc, threads
// exiting midway: under ASan, UBSan and TSan builds of the allocator's own code,
// and with each release and check build preloaded. Every pattern must verify.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));
const OPS = process.env.SLABSCOPE_STRESS_OPS ?? '10000000';
// TSan runs every memory access through its checker: fewer operations, same threads and paths.
const TSAN_OPS = process.env.SLABSCOPE_STRESS_TSAN_OPS ?? '2000000';

before(() => {
  const made = spawnSync('make', ['-j2', 'all', 'stresstests'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
});

function stress(binary, ops, env = {}) {
  const result = spawnSync(`${nativeDir}build/test/${binary}`, [ops, '8'], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, TSAN_OPTIONS: 'halt_on_error=1', ...env },
  });
  assert.equal(result.error, undefined, String(result.error));
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`stress: \\d+ operations on 8 threads, 0 broken patterns`));
  assert.doesNotMatch(result.stderr, /ERROR: AddressSanitizer|runtime error|WARNING: ThreadSanitizer|slabscope:/);
  return result;
}

for (const layout of ['hakmem', 'aligned']) {
  for (const sanitizer of ['asan', 'ubsan', 'tsan']) {
    test(`stress under ${sanitizer} (${layout} layout)`, () => {
      stress(`stress-${sanitizer}-${layout}`, sanitizer === 'tsan' ? TSAN_OPS : OPS);
    });
  }
}
for (const layout of ['hakmem', 'aligned']) {
  for (const mode of ['release', 'check']) {
    test(`stress with the ${layout} ${mode} build preloaded`, () => {
      stress('stress', OPS, { LD_PRELOAD: `${nativeDir}build/${layout}/${mode}/libslabscope.so` });
    });
  }
}
