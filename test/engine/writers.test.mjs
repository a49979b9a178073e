// writers.test.mjs — `slabscope report --find-writer`: the write that put a header's or a
// link's damage there, as the trace shows it. The seeds' E3 bug (class 0's link written at
// BASE+1, built in with INJECT=c0-next-offset-1) is the allocator's own write, named with
// its event and allocator line; a link overwritten through a stale pointer
// (native/test/writer/stale_link.c) is the program's, and the report says so, with what
// the allocator wrote and what it then found there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const nativeDir = join(root, 'native');
const cli = join(root, 'extension', 'bin', 'slabscope.mjs');
const work = mkdtempSync(join(tmpdir(), 'slabscope-writers-'));

before(() => {
  for (const args of [
    ['all', 'tracetests'],
    ['INJECT=c0-next-offset-1', 'all'],
  ]) {
    const made = spawnSync('make', ['-s', '-j2', ...args], { cwd: nativeDir, encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  }
});
after(() => rmSync(work, { recursive: true, force: true }));

function recordAndReport(name, runArgs, program) {
  const out = join(work, `${name}.hktrace`);
  const run = spawnSync(process.execPath, [cli, 'run', ...runArgs, '--out', out, '--', ...program], { encoding: 'utf8' });
  assert.ok(run.status === 0 || run.status === 1, run.stderr);
  const json = spawnSync(process.execPath, [cli, 'report', out, '--find-writer', '--json'], { encoding: 'utf8' });
  const text = spawnSync(process.execPath, [cli, 'report', out, '--find-writer'], { encoding: 'utf8' });
  const plain = spawnSync(process.execPath, [cli, 'report', out, '--json'], { encoding: 'utf8' });
  return { report: JSON.parse(json.stdout), text: text.stdout, plain: JSON.parse(plain.stdout) };
}

test('a link the allocator wrote where the layout puts none: its own write, event and line (E3, hakmem)', () => {
  const library = join(nativeDir, 'build', 'inject', 'c0-next-offset-1', 'hakmem', 'trace', 'libslabscope.so');
  const { report, text, plain } = recordAndReport(
    'c0',
    ['--layout', 'hakmem', '--library', library],
    [join(nativeDir, 'build', 'test', 'inject_demo'), 'c0'],
  );
  const finding = report.findings.find((f) => f.kind === 'header-corrupt');
  assert.ok(finding, 'the injected bug is found');
  assert.equal(finding.writer.how, 'trace');
  assert.equal(finding.writer.event, finding.event, 'the misplaced write is the event that found it');
  assert.match(finding.writer.site.file, /native\/src\/layout\.h$/);
  assert.ok(finding.writer.site.line > 0);
  assert.match(finding.writerReason, /wrote a link over it at event \d+, where the layout puts no link of that class/);
  assert.match(text, new RegExp(`written at (\\S*/)?native/src/layout\\.h:${finding.writer.site.line} \\(event ${finding.event}`));
  assert.equal(plain.findings.find((f) => f.kind === 'header-corrupt').writer, undefined, 'only asked for');
});

for (const layout of ['hakmem', 'aligned'])
  test(`a link the program wrote through a stale pointer: not the allocator's, and why (${layout})`, () => {
    const program = join(work, 'stale_link');
    const cc = spawnSync('cc', ['-g', '-O0', '-o', program, join(nativeDir, 'test', 'writer', 'stale_link.c')], { encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    const { report, text } = recordAndReport(`stale-${layout}`, ['--layout', layout], [program]);
    const finding = report.findings.find((f) => f.kind === 'next-corrupt');
    assert.ok(finding, `the overwritten link is found: ${report.findings.map((f) => f.kind).join(', ')}`);
    assert.equal(finding.writer, null);
    assert.match(
      finding.writerReason,
      /the allocator wrote 0x[0-9a-f]+ there at event \d+ and found 0x123412341234 at event \d+: the program wrote it in between/,
    );
    assert.match(text, /writer: the allocator wrote 0x[0-9a-f]+ there/);
  });

test('run --find-writer says it right after the run', () => {
  const program = join(work, 'stale_link_run');
  const cc = spawnSync('cc', ['-g', '-O0', '-o', program, join(nativeDir, 'test', 'writer', 'stale_link.c')], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const out = join(work, 'run-find-writer.hktrace');
  const run = spawnSync(process.execPath, [cli, 'run', '--find-writer', '--out', out, '--', program], { encoding: 'utf8' });
  assert.equal(run.status, 1, 'a corruption was found');
  assert.match(run.stdout, /error next-corrupt: /);
  assert.match(
    run.stdout,
    /writer: the allocator wrote 0x[0-9a-f]+ there at event \d+ and found 0x123412341234 at event \d+: the program wrote it in between/,
  );
  const plain = spawnSync(process.execPath, [cli, 'run', '--out', out, '--', program], { encoding: 'utf8' });
  assert.doesNotMatch(plain.stdout, /writer:/, 'only asked for');
});
