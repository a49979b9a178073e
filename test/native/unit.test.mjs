// unit.test.mjs — builds the allocator and runs its C unit tests (native/test/unit_*.c)
// for both layouts; each C test binary is one node test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));

function run(command, args, options = {}) {
  return spawnSync(command, args, { cwd: nativeDir, encoding: 'utf8', timeout: 300_000, ...options });
}

test('the allocator builds for every layout and mode', () => {
  const make = run('make', ['-j2', 'all', 'unit']);
  assert.equal(make.status, 0, make.stdout + make.stderr);
});

const units = readdirSync(new URL('../../native/test/', import.meta.url))
  .filter((name) => /^unit_.*\.c$/.test(name))
  .map((name) => name.replace(/\.c$/, ''));

for (const layout of ['hakmem', 'aligned']) {
  for (const unit of units) {
    test(`${unit} (${layout} layout)`, () => {
      const result = run(`build/unit/${layout}/${unit}`, [], {
        env: { ...process.env, SLABSCOPE_ON_ERROR: 'report' },
      });
      assert.equal(result.error, undefined, String(result.error));
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout, / ok \d+ checks, 0 failed/);
      assert.doesNotMatch(result.stderr, /slabscope:/);
    });
  }
}
