// terminate.test.mjs — Stop in the editor ends a slabscope-gdb session at once: the
// `terminate` request makes gdb quit, the program it started goes with it, and the
// session says `terminated` (cdt-gdb-adapter's own answer left the editor waiting).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildNative, debug, launchToCheckpoint, nativeDir, work } from './helpers.mjs';

after(() => rmSync(work, { recursive: true, force: true }));

test('terminate ends the session and the program it launched', async () => {
  buildNative();
  const program = join(work, 'bench_target_terminate');
  const cc = spawnSync('cc', ['-g', '-o', program, 'test/debug/bench_target.c', 'build/aligned/release/libslabscope.a', '-pthread'], {
    cwd: nativeDir,
    encoding: 'utf8',
  });
  assert.equal(cc.status, 0, cc.stderr);
  const adapter = new debug.GdbAdapter();
  try {
    await launchToCheckpoint(adapter, { program });
    const stopped = adapter.nextEvent('stopped', 60_000);
    await adapter.request('configurationDone', {});
    await stopped;
    const alive = () => spawnSync('pgrep', ['-f', program]).status === 0;
    assert.ok(alive(), 'the program runs, stopped at its breakpoint');
    const terminated = adapter.nextEvent('terminated', 10_000);
    await adapter.request('terminate', {});
    await terminated;
    for (let i = 0; i < 50 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(!alive(), 'the program ended with the session');
  } finally {
    adapter.dispose();
    // a session that did not end leaves gdb and the program behind: they must not hold the test open
    spawnSync('pkill', ['-f', program]);
    spawnSync('pkill', ['-P', String(process.pid), 'gdb']);
  }
});
