// mi-read.test.mjs — slabscope-gdb reads the heap over gdb/MI at gdb's stop, before
// its `stopped` event: the same heap, node for node, as the DAP read of the same stop
// gives, within the request bound, and an unreadable range said as such, not thrown.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildNative, debug, launchToCheckpoint, nativeDir, work } from './helpers.mjs';

after(() => rmSync(work, { recursive: true, force: true }));

const chains = (image) =>
  image.threads.map((thread) => ({
    thread: thread.thread,
    caches: thread.caches.map((cache) => ({ cls: cache.cls, end: cache.end, nodes: cache.nodes.map((node) => node.base) })),
  }));

test('the heap read over gdb/MI at the stop is the heap DAP reads after it (both layouts)', async () => {
  const layouts = buildNative();
  for (const layout of ['hakmem', 'aligned']) {
    const program = join(work, `bench_target_${layout}`);
    const cc = spawnSync(
      'cc',
      ['-std=gnu11', '-O0', '-g', '-o', program, 'test/debug/bench_target.c', `build/${layout}/release/libslabscope.a`, '-pthread'],
      { cwd: nativeDir, encoding: 'utf8' },
    );
    assert.equal(cc.status, 0, cc.stderr);
    const adapter = new debug.GdbAdapter();
    let atStop = null;
    let unreadable = null;
    adapter.onStop(async (port, stop) => {
      const memory = await debug.readHeap(port, layouts);
      atStop = { memory, image: debug.heapImage(memory, stop.stoppedAt), stop };
      unreadable = await port.readMemory(0x1000, 64);
      // the root's address kept from a stop before saves its evaluate; one that no longer holds it is looked up again
      atStop.known = await debug.readHeap(port, layouts, { rootAddress: memory.rootAddress });
      atStop.stale = await debug.readHeap(port, layouts, { rootAddress: 0x1000 });
    });
    try {
      await launchToCheckpoint(adapter, { program });
      const stopped = adapter.nextEvent('stopped', 60_000);
      await adapter.request('configurationDone', {});
      const event = await stopped;
      assert.ok(atStop, 'the heap was read before the stopped event went out');
      assert.equal(atStop.stop.threadId, event.body.threadId);
      assert.equal(atStop.image.stoppedAt.function, 'checkpoint');
      assert.match(atStop.image.stoppedAt.file, /bench_target\.c$/);
      const { image } = await debug.readStop(adapter.request, layouts, { threadId: event.body.threadId });
      assert.deepEqual(chains(atStop.image), chains(image));
      const nodes = image.threads.reduce((n, thread) => n + thread.caches.reduce((m, cache) => m + cache.nodes.length, 0), 0);
      assert.ok(nodes >= 1000, `8 workers hold 1,000 nodes, read ${nodes}`);
      assert.deepEqual(atStop.image.findings, []);
      const bound = atStop.image.superslabs.length + atStop.image.slabs.length + atStop.image.threads.length + 4;
      assert.ok(atStop.memory.reads.requests <= bound, `${atStop.memory.reads.requests} MI requests, bound ${bound}`);
      assert.equal(atStop.known.reads.requests, atStop.memory.reads.requests - 1);
      assert.equal(atStop.stale.reads.requests, atStop.memory.reads.requests + 1);
      for (const again of [atStop.known, atStop.stale]) {
        assert.equal(again.rootAddress, atStop.memory.rootAddress);
        assert.deepEqual(chains(debug.heapImage(again, atStop.stop.stoppedAt)), chains(atStop.image));
      }
      assert.equal(unreadable.bytes.length, 0);
      assert.equal(unreadable.unreadable, 64);
      await adapter.request('disconnect', { terminateDebuggee: true }).catch(() => undefined);
    } finally {
      adapter.dispose();
    }
  }
});
