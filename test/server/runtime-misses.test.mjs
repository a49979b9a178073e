// runtime-misses.test.mjs — runtime findings beside the static ones: each of
// native/test/bugs' BASE/USER programs run under the trace build gives its
// finding at a line; check-source on the same sources must have flagged that
// line. A runtime BASE/USER finding with no static diagnostic on its line is one
// the analysis missed: printed, and none may be missed here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './helpers.mjs';

const protocol = await import(new URL('../../extension/dist/protocol.mjs', import.meta.url).href);
const nativeDir = join(root, 'native');
const cli = join(root, 'extension', 'bin', 'slabscope.mjs');
const slabscope = (args) =>
  spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 180_000, maxBuffer: 1 << 26 });

test('every runtime BASE/USER finding of the buggy programs is on a line the source analysis flagged', () => {
  const made = spawnSync('make', ['-s', '-C', nativeDir, '-j2', 'all', 'bugtests'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const work = mkdtempSync(join(tmpdir(), 'slabscope-misses-'));
  try {
    const runtime = [];
    for (const program of ['base_as_user', 'interior_free', 'double_free', 'clean'])
      for (const layout of ['hakmem', 'aligned']) {
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
        assert.ok(run.status === 0 || run.status === 1, run.stderr);
        const report = JSON.parse(slabscope(['report', '--json', out]).stdout);
        for (const finding of report.findings)
          if (finding.site) runtime.push({ kind: finding.kind, file: finding.site.file, line: finding.site.line, layout });
      }
    const baseUser = runtime.filter((f) => protocol.BASE_USER_FINDING_KINDS.includes(f.kind));
    assert.deepEqual([...new Set(baseUser.map((f) => f.kind))].sort(), ['base-as-user', 'interior-free']);
    const check = slabscope(['check-source', '--json', join(nativeDir, 'test', 'bugs')]);
    const flagged = JSON.parse(check.stdout).diagnostics.map((d) => ({ file: join(root, d.file), line: d.line }));
    const missed = protocol.missedByAnalysis(runtime, flagged);
    for (const miss of missed) console.log(`# missed by the source analysis: ${miss.kind} at ${miss.file}:${miss.line} (${miss.layout})`);
    console.log(`# ${baseUser.length} runtime BASE/USER findings, ${missed.length} missed statically`);
    assert.deepEqual(missed, []);
    // and the static side says nothing where the runtime found nothing of its kind
    assert.ok(
      flagged.every((at) => runtime.some((f) => f.file === at.file && f.line === at.line)),
      JSON.stringify(flagged),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
