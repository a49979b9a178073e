// heap.test.mjs — the heap of a program stopped in a real gdb, read through DAP
// alone: every chain equals, node by node, what the program knows of itself (the
// order it freed in, and its own C walk of each list), in both layouts, release and
// check builds; within the read bound; and a core file of the same stop gives the same heap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildNative, buildTarget, cli, debug, expectations, hex, stopAtCheckpoint, work } from './helpers.mjs';
import { BLOCK_STATE_NAMES } from '../../extension/dist/core.mjs';

let layouts;
before(() => {
  layouts = buildNative();
});
after(() => rmSync(work, { recursive: true, force: true }));

const sameHeap = (json) => ({
  layout: json.layout,
  superslabs: json.superslabs,
  threads: json.threads,
  slabs: json.slabs,
  findings: json.findings.map((f) => [f.kind, f.ptr]),
});

for (const layout of ['hakmem', 'aligned'])
  for (const mode of ['release', 'check']) {
    test(`every chain read through DAP is what the program knows (${layout}, ${mode})`, async () => {
      const program = buildTarget(layout, mode);
      const expectPath = join(work, `expect_${layout}_${mode}.json`);
      const stop = await stopAtCheckpoint(program, [expectPath]);
      let image, json, memory;
      const core = join(work, `core_${layout}_${mode}`);
      try {
        ({ image, memory } = await debug.readStop(stop.request, layouts, { threadId: stop.threadId, expectLayout: layout }));
        json = debug.heapJson(image);
        // the core file of this very stop, written by gdb
        await stop.request('evaluate', {
          expression: `>generate-core-file ${core}`,
          context: 'repl',
          frameId: (await stop.request('stackTrace', { threadId: stop.threadId, levels: 1 })).stackFrames[0].id,
        });
      } finally {
        await stop.close();
      }
      const expected = expectations(expectPath);
      assert.equal(expected.layout, layout);
      assert.equal(expected.mode, mode);
      assert.deepEqual(image.warnings, []);
      assert.deepEqual(json.findings, [], 'a clean heap has no findings');
      assert.match(image.stoppedAt.file, /heap_target\.c$/);
      assert.equal(image.stoppedAt.function, 'checkpoint');

      // thread caches: the C walk of each, node by node, and its count
      let compared = 0;
      for (const cache of expected.caches) {
        const thread = json.threads.find((t) => t.thread === cache.cache);
        assert.ok(thread, `thread ${cache.cache} is read`);
        for (const cls of [2, 4, 6]) {
          const read = thread.caches.find((c) => c.cls === cls);
          assert.ok(read, `thread ${cache.cache} C${cls}`);
          assert.deepEqual(
            read.nodes.map((node) => node.base),
            cache.classes[cls],
            `thread ${cache.cache}'s C${cls} cache, node by node`,
          );
          assert.equal(read.count, cache.classes[`count${cls}`]);
          assert.equal(read.end, 'null');
          compared += read.nodes.length;
        }
      }
      // the malloc API's own account: a cache's first blocks are the thread's frees, newest first (USER pointers)
      for (const freed of expected.frees) {
        const thread = json.threads.find((t) => t.thread === freed.thread);
        for (const [cls, users] of Object.entries(freed.freed)) {
          const read = thread.caches.find((c) => c.cls === Number(cls));
          assert.deepEqual(
            read.nodes.slice(0, users.length).map((node) => node.user),
            [...users].reverse(),
            `thread ${freed.thread} C${cls}: its frees, newest first`,
          );
        }
        // its frees of another thread's blocks wait in that slab's remote queue, newest first
        const first = BigInt(freed.remoteFreed[0]);
        const slab = json.slabs.find((s) => BigInt(s.start) <= first && first < BigInt(s.start) + 65536n);
        assert.ok(slab, 'the remote frees are in a slab read');
        assert.deepEqual(
          slab.remote.slice(0, freed.remoteFreed.length).map((node) => node.user),
          [...freed.remoteFreed].reverse(),
          'remote queue, newest first',
        );
        assert.notEqual(slab.owner, freed.thread, "a remote free is another thread's slab");
      }
      // slabs: metadata, freelist and remote queue as the program's C walks them
      assert.equal(json.slabs.length, expected.slabs.length, 'every bound slab');
      for (const slab of expected.slabs) {
        const read = json.slabs.find((s) => s.start === slab.start);
        assert.ok(read, `slab ${slab.start}`);
        assert.deepEqual(
          [read.cls, read.owner, read.used, read.carved],
          [slab.cls, slab.owner, slab.used, slab.carved],
          `slab ${slab.start}'s metadata`,
        );
        assert.deepEqual(
          read.freelist.map((node) => node.base),
          slab.freelist,
          `slab ${slab.start}'s freelist`,
        );
        assert.deepEqual(
          read.remote.map((node) => node.base),
          slab.remote,
          `slab ${slab.start}'s remote queue`,
        );
        compared += read.freelist.length + read.remote.length;
      }
      assert.ok(compared > 100, `${compared} nodes compared`);
      assert.ok(
        json.slabs.some((slab) => slab.remote.length > 0),
        'cross-thread frees still pending',
      );

      // the engine's heap state, filled from memory as a trace's snapshot fills it: its chains are the image's,
      // and each slab's blocks out of the slab (with the program, in a cache, remote-pending) are its used count
      const state = debug.heapStateOf(image, memory);
      for (const thread of image.threads)
        for (const cache of thread.caches)
          assert.deepEqual(
            [...state.threads.get(thread.thread).caches[cache.cls]].reverse(),
            cache.nodes.map((node) => node.base),
            "the state's cache, head last",
          );
      const [FREE_CACHE, FREE_SLAB, REMOTE, ALLOCATED] = ['free-cache', 'free-slab', 'remote-pending', 'allocated'].map((name) =>
        BLOCK_STATE_NAMES.indexOf(name),
      );
      for (const slab of image.slabs) {
        const model = state.locate(slab.start).slab;
        const states = [...model.state.subarray(0, slab.carved)];
        const count = (wanted) => states.filter((s) => s === wanted).length;
        assert.equal(count(FREE_SLAB), slab.freelist.nodes.length);
        assert.equal(count(REMOTE), slab.remote.nodes.length);
        assert.equal(count(ALLOCATED) + count(FREE_CACHE) + count(REMOTE), slab.used, `slab ${hex(slab.start)}: out of the slab = used`);
        assert.equal(model.header[0] >= 0, true, 'header bytes from memory');
      }

      // whole structures, never a word or a node a request
      const bound = image.superslabs.length + image.slabs.length + image.threads.length + 4;
      assert.ok(image.reads.requests <= bound, `${image.reads.requests} requests, bound ${bound}`);

      // the core file of the same stop: the same heap, through the command line
      assert.ok(existsSync(core), 'gdb wrote the core file');
      const inspected = spawnSync(process.execPath, [cli, 'inspect', '--json', '--layout', layout, '--core', core, program], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(inspected.status, 0, inspected.stderr);
      const fromCore = JSON.parse(inspected.stdout);
      assert.equal(fromCore.format, 'slabscope-heap');
      assert.deepEqual(sameHeap(fromCore), sameHeap(json), 'the core file says what the live process said');
      // and through the adapter's own core request (launch with coreFile: stopped, never run)
      const coreStop = await stopAtCheckpoint(program, [], core);
      try {
        const coreImage = await debug.inspectStop(coreStop.request, layouts, { threadId: coreStop.threadId });
        assert.deepEqual(sameHeap(debug.heapJson(coreImage)), sameHeap(json), "the adapter's core request says the same");
      } finally {
        await coreStop.close();
      }
      rmSync(core, { force: true });
    });
  }
