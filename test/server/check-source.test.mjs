// check-source.test.mjs — `slabscope check-source` as CI runs it: exit 1 on
// misuse and 0 on correct code, in native/'s own layout API and in a foreign
// allocator whose contracts live only in names; SARIF 2.1.0 with one result per
// diagnostic; bad arguments are a usage error (2) that names what is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildLayouts, misuseMarks, nativeSrc, root, seeds } from './helpers.mjs';

buildLayouts();

const checkSource = (...args) =>
  spawnSync(process.execPath, [join(root, 'extension', 'bin', 'slabscope.mjs'), 'check-source', ...args], { cwd: root, encoding: 'utf8' });

test('misuse exits 1 and prints each at FILE:LINE:COLUMN; correct code exits 0', () => {
  const misuse = checkSource(join(seeds, 'free_misuse.c'), join(seeds, 'hakmem_tiny.h'), join(seeds, 'tiny_next_ptr_box.h'));
  assert.equal(misuse.status, 1, misuse.stderr);
  assert.match(
    misuse.stdout,
    /^test\/fixtures\/source\/seeds\/free_misuse\.c:8:39: error: `ptr` is USER where `slab_index_for` expects BASE/m,
  );
  assert.match(misuse.stdout, /9 BASE\/USER diagnostics in 3 files\n$/);
  const clean = checkSource(join(seeds, 'free_clean.c'), join(seeds, 'hakmem_tiny.h'), join(seeds, 'tiny_next_ptr_box.h'));
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stdout, '0 BASE/USER diagnostics in 3 files\n');
  const native = checkSource(nativeSrc);
  assert.equal(native.status, 0, native.stdout + native.stderr);
  assert.match(native.stdout, /^0 BASE\/USER diagnostics in \d+ files\n$/);
  const injected = checkSource('--define', 'SS_INJECT_USER_PTR_SLAB_INDEX', nativeSrc);
  assert.equal(injected.status, 1);
  assert.match(injected.stdout, /^native\/src\/slab\.c:\d+:\d+: error: `block` is USER where `ss_slab_of_base` expects BASE/m);
});

test('--sarif: SARIF 2.1.0, one result per diagnostic, each at its physicalLocation.region.startLine', () => {
  const run = checkSource('--sarif', seeds);
  assert.equal(run.status, 1, run.stderr);
  const sarif = JSON.parse(run.stdout);
  assert.equal(sarif.version, '2.1.0');
  assert.equal(sarif.runs.length, 1);
  const [{ tool, results }] = sarif.runs;
  assert.equal(tool.driver.name, 'slabscope-source');
  const expected = ['free_misuse.c', 'malformed.c'].flatMap((name) =>
    misuseMarks(readFileSync(join(seeds, name), 'utf8')).map((m) => `test/fixtures/source/seeds/${name}:${m.line}:${m.code}`),
  );
  const got = results.map(
    (r) => `${r.locations[0].physicalLocation.artifactLocation.uri}:${r.locations[0].physicalLocation.region.startLine}:${r.ruleId}`,
  );
  // the next-offset line carries two wrong literals (C0's and C7's): two results there
  assert.deepEqual([...new Set(got)], expected);
  assert.equal(results.length, expected.length + 1);
  for (const result of results) {
    assert.equal(tool.driver.rules[result.ruleIndex].id, result.ruleId);
    assert.ok(['error', 'warning'].includes(result.level));
    assert.ok(result.message.text.length > 0);
  }
  const e1 = results.find((r) => r.ruleId === 'user-as-base');
  assert.equal(e1.fixes[0].artifactChanges[0].replacements[0].insertedContent.text, 'ptr_user_to_base(ptr)');
  const json = JSON.parse(checkSource('--json', join(seeds, 'free_clean.c')).stdout);
  assert.deepEqual(json.diagnostics, []);
});

test('bad arguments are usage errors that say what is wrong', () => {
  const none = checkSource();
  assert.equal(none.status, 2);
  assert.match(none.stderr, /check-source needs the C files or directories to check/);
  const missing = checkSource(join(seeds, 'no-such.c'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no-such\.c: ENOENT/);
  const both = checkSource('--json', '--sarif', seeds);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /one of --json, --sarif/);
  const define = checkSource('--define', '1X', seeds);
  assert.match(define.stderr, /--define 1X: NAME or NAME=INTEGER/);
});

test("native/'s own layout API: its misuse corpus is flagged line by line, its correct twin is clean", () => {
  const dir = join(root, 'test', 'fixtures', 'source', 'native-api');
  const misuse = checkSource('--json', join(dir, 'cache_misuse.c'));
  assert.equal(misuse.status, 1, misuse.stderr);
  const found = JSON.parse(misuse.stdout).diagnostics.map((d) => `${d.line}:${d.code}`);
  const expected = misuseMarks(readFileSync(join(dir, 'cache_misuse.c'), 'utf8')).map((m) => `${m.line}:${m.code}`);
  assert.deepEqual(found, expected);
  // the contracts came from native/src's headers, read through the project file's sources
  const raw = JSON.parse(misuse.stdout).diagnostics.find((d) => d.code === 'raw-next-pointer');
  assert.equal(raw.fix.edits[0].newText, 'ss_next_write(cls, base, next)');
  const e1 = JSON.parse(misuse.stdout).diagnostics.find((d) => d.line === 28);
  assert.match(e1.message, /returned by `ss_cache_pop` → returned by `ss_cache_take` → returned by `ss_user_from_base`/);
  const clean = checkSource(join(dir, 'cache_clean.c'));
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
});
