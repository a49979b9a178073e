// inspect.test.mjs — `slabscope inspect`, the command line on the same adapter code:
// --break prints the slabscope-heap JSON alone on stdout (the program's own output
// goes to stderr), --pid attaches to a running program, and a layout other than the
// process's is refused with a message naming both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildNative, cli, nativeDir, work } from './helpers.mjs';

before(() => {
  buildNative();
  const made = spawnSync('make', ['-s', 'tracetests'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
});
after(() => rmSync(work, { recursive: true, force: true }));

const inspect = (args) => spawnSync(process.execPath, [cli, 'inspect', ...args], { encoding: 'utf8', timeout: 120_000 });

test("inspect --json --break: the heap as JSON on stdout, the program's output on stderr", () => {
  const result = inspect(['--json', '--layout', 'hakmem', '--break', 'checkpoint', '--', join(nativeDir, 'build', 'test', 'debug_target')]);
  assert.equal(result.status, 0, result.stderr);
  const first = BigInt(/first=(0x[0-9a-f]+)/.exec(result.stderr)?.[1]);
  const heap = JSON.parse(result.stdout);
  assert.equal(heap.format, 'slabscope-heap');
  assert.equal(heap.version, 1);
  assert.equal(heap.layout, 'hakmem');
  assert.equal(heap.stoppedAt.function, 'checkpoint');
  const [thread] = heap.threads;
  const cache = thread.caches.find((c) => c.cls === 4);
  assert.equal(BigInt(cache.nodes[0].base), first - 1n, "the cache's head is BASE of the last block freed");
  assert.equal(BigInt(cache.nodes[0].user), first);
  assert.equal(cache.nodes.length, cache.count);
  assert.equal(cache.end, 'null');
  assert.ok(heap.reads.requests > 0 && heap.reads.bytes > 0);
  assert.deepEqual(heap.findings, []);
});

test('inspect --pid attaches to a running program; another layout is refused naming both', async () => {
  const source = join(work, 'waiting.c'),
    program = join(work, 'waiting');
  writeFileSync(
    source,
    '#include <stdio.h>\n#include <stdlib.h>\n#include <unistd.h>\nint main(void) { void *p[8]; for (int i = 0; i < 8; i++) p[i] = malloc(40);\n' +
      'for (int i = 0; i < 5; i++) free(p[i]); printf("ready\\n"); fflush(stdout); pause(); return 0; }\n',
  );
  assert.equal(spawnSync('cc', ['-g', '-o', program, source]).status, 0);
  const child = spawn(program, [], {
    env: { ...process.env, LD_PRELOAD: join(nativeDir, 'build', 'hakmem', 'release', 'libslabscope.so') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const refused = inspect(['--layout', 'aligned', '--pid', String(child.pid)]);
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /runs the hakmem layout; aligned was asked for/);
    const result = inspect(['--json', '--pid', String(child.pid), program]);
    assert.equal(result.status, 0, result.stderr);
    const heap = JSON.parse(result.stdout);
    assert.equal(heap.layout, 'hakmem');
    const cache = heap.threads[0].caches.find((c) => c.cls === 3);
    assert.ok(cache && cache.nodes.length === cache.count && cache.count >= 5, JSON.stringify(heap.threads));
    assert.equal(child.exitCode, null, 'still running after the debugger left');
  } finally {
    child.kill();
  }
});
