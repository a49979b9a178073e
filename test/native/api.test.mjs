// api.test.mjs — the malloc API, errno, fork, thread exit and C++ new/delete,
// as programs that use the plain API see them with each build preloaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));

test('the API test programs build', () => {
  const make = spawnSync('make', ['-j2', 'all', 'apitests'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(make.status, 0, make.stdout + make.stderr);
});

for (const layout of ['hakmem', 'aligned']) {
  for (const mode of ['release', 'check']) {
    for (const program of ['api', 'api_cxx']) {
      test(`${program} with the ${layout} ${mode} build preloaded`, () => {
        const result = spawnSync(`build/test/${program}`, [], {
          cwd: nativeDir,
          encoding: 'utf8',
          timeout: 180_000,
          env: { ...process.env, LD_PRELOAD: `${nativeDir}build/${layout}/${mode}/libslabscope.so` },
        });
        assert.equal(result.error, undefined, String(result.error));
        assert.equal(result.status, 0, result.stdout + result.stderr);
        assert.match(result.stdout, new RegExp(`\\(${layout} layout\\): all promises kept`));
        assert.doesNotMatch(result.stderr, /slabscope:/);
      });
    }
  }
}
