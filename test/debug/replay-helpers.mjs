// replay-helpers.mjs — traces the replay tests debug: a real buggy C program from
// native/test/bugs run through `slabscope run` on the trace build, and the lines of
// its source the tests stop on.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const nativeDir = join(root, 'native');
export const cli = join(root, 'extension', 'bin', 'slabscope.mjs');
export const debug = await import(join(root, 'extension', 'dist', 'debug.mjs'));
export const work = mkdtempSync(join(tmpdir(), 'slabscope-replay-'));

export function buildBugs() {
  const made = spawnSync('make', ['-s', '-C', nativeDir, '-j2', 'all', 'bugtests', 'build/test/exec_target'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
}

/** Records `program` (a native/test/bugs program by name, or a path) on the trace build of `layout`; the trace's path. */
export function record(program, layout = 'hakmem', args = []) {
  const path = program.startsWith('/') ? program : join(nativeDir, 'build', 'test', 'bugs', program);
  const out = join(work, `${basename(path)}-${layout}.hktrace`);
  const run = spawnSync(process.execPath, [cli, 'run', '--lossless', '--layout', layout, '--out', out, '--', path, ...args], {
    encoding: 'utf8',
    timeout: 180_000,
  });
  assert.match(run.stdout, /exited with status 0/, run.stdout + run.stderr);
  return out;
}

/** The source of a bug program and the 1-based line of the first line holding `marker`. */
export function sourceLine(program, marker) {
  const path = join(nativeDir, 'test', 'bugs', `${program}.c`);
  const index = readFileSync(path, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(marker));
  assert.ok(index >= 0, `${marker} in ${path}`);
  return { path, line: index + 1 };
}
