// debugger.test.mjs — a real gdb, stopped in a program, finds the thread cache
// it expects through slabscope_debug_root and layout.json alone: memory reads,
// no calls into the stopped process, no struct types from debug info.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));

before(() => {
  const made = spawnSync('make', ['-j2', 'all', 'layout', 'tracetests'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
});

// Runs gdb to checkpoint() and reads 8-byte words at the addresses `plan` asks for, in turn.
function gdbSession(layout, commands) {
  const args = ['-q', '-batch', '-nx',
    '-ex', `set environment LD_PRELOAD=${nativeDir}build/${layout}/release/libslabscope.so`,
    '-ex', 'set startup-with-shell off',
    '-ex', 'break checkpoint', '-ex', 'run',
    ...commands.flatMap((c) => ['-ex', c]),
    '-ex', 'kill', `${nativeDir}build/test/debug_target`];
  const result = spawnSync('gdb', args, { encoding: 'utf8', timeout: 60_000 });
  assert.equal(result.error, undefined, String(result.error));
  return result.stdout + result.stderr;
}

for (const layout of ['hakmem', 'aligned']) {
  test(`gdb walks the thread caches from slabscope_debug_root (${layout})`, () => {
    const description = JSON.parse(readFileSync(`${nativeDir}build/layout.json`, 'utf8')).layouts[layout];
    const root = description.structs.slabscope_debug_root;
    const tcache = description.structs.ss_tcache.fields;
    const cls = 4;
    // 1: the root's magic and the address of the thread list head
    let out = gdbSession(layout, [
      `printf "magic=%u\\n", *(unsigned int *)((char *)&slabscope_debug_root + ${root.fields.magic.offset})`,
      `printf "threads=%lu\\n", *(unsigned long *)((char *)&slabscope_debug_root + ${root.fields.threads.offset})`,
    ]);
    assert.match(out, new RegExp(`magic=${root.magic}\\b`), out);
    const threadsHead = BigInt(out.match(/threads=(\d+)/)[1]);
    // 2: the head thread cache, then its head and count for class 4
    out = gdbSession(layout, [
      `set $t = *(unsigned long *)${threadsHead}`,
      `printf "next=%lu\\n", *(unsigned long *)($t + ${tcache.next_thread.offset})`,
      `printf "count=%u\\n", *(unsigned int *)($t + ${tcache.count.offset} + 4 * ${cls})`,
      `printf "head=%lu\\n", *(unsigned long *)($t + ${tcache.head.offset} + 8 * ${cls})`,
    ]);
    const count = Number(out.match(/count=(\d+)/)[1]);
    const head = BigInt(out.match(/head=(\d+)/)[1]);
    const first = BigInt('0x' + out.match(/first=0x([0-9a-f]+)/)[1]);
    const batch = description.classes[cls].refillBatch;
    assert.equal(out.match(/next=(\d+)/)[1], '0', 'one thread');
    assert.equal(count, batch - 10 + 3, 'one refill batch, ten taken, three returned');
    assert.equal(head, first - BigInt(description.userOffset), 'the cache holds BASE of the last block freed');
  });
}
