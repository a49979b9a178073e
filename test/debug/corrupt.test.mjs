// corrupt.test.mjs — each corruption a stopped heap can show is named, at its
// block and class, as found at the stop: the program (heap_target.c) breaks worker
// 1's C4 cache in one way before its checkpoint and says which block it broke.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildNative, buildTarget, debug, expectations, stopAtCheckpoint, work } from './helpers.mjs';

let layouts;
before(() => {
  layouts = buildNative();
});
after(() => rmSync(work, { recursive: true, force: true }));

// corruption → the finding it must give, and how the chain's walk ends
const CASES = {
  cycle: ['freelist-cycle', 'cycle'],
  'out-of-slab': ['next-out-of-slab', 'out-of-slab'],
  'wrong-class': ['next-corrupt', 'wrong-class'],
  'non-slot': ['next-corrupt', 'corrupt'],
  sentinel: ['sentinel-leak', 'sentinel'],
  header: ['header-corrupt', 'null'],
  count: ['count-mismatch', 'null'],
  // a block the program holds: told apart by the check build's check words only
  allocated: ['next-corrupt', 'corrupt', 'check'],
};

for (const [layout, mode] of [
  ['hakmem', 'release'],
  ['aligned', 'check'],
]) {
  test(`each corruption of a thread cache is named at its block (${layout}, ${mode})`, async () => {
    const program = buildTarget(layout, mode);
    for (const [corruption, [kind, end, only]] of Object.entries(CASES)) {
      if (only && only !== mode) continue;
      const expectPath = join(work, `expect_${layout}_${mode}_${corruption}.json`);
      const stop = await stopAtCheckpoint(program, [expectPath, corruption]);
      let image;
      try {
        image = await debug.inspectStop(stop.request, layouts, { threadId: stop.threadId });
      } finally {
        await stop.close();
      }
      const { corrupt } = expectations(expectPath);
      assert.equal(corrupt.kind, corruption);
      const cache = image.threads.find((thread) => thread.thread === corrupt.thread).caches.find((c) => c.cls === 4);
      assert.equal(cache.end, end, `${corruption}: the chain ends as ${end}`);
      // the check build's check word also shows a link rewritten after free, at the block rewritten
      const rewrote = mode === 'check' && corruption !== 'header' && corruption !== 'count';
      const said = image.findings.map((f) => `${f.kind}: ${f.message}`).join('; ');
      const rewritten = image.findings.filter((f) => /written after it was freed/.test(f.message));
      assert.equal(rewritten.length, rewrote ? 1 : 0, `${corruption}: a rewritten link said where the check word shows it: ${said}`);
      if (rewrote) assert.equal(debug.hexAddress(rewritten[0].base), corrupt.block);
      const others = image.findings.filter((f) => !rewritten.includes(f));
      assert.equal(others.length, 1, `${corruption}: one finding, got ${said}`);
      const [finding] = others;
      assert.equal(finding.kind, kind, `${corruption}: ${finding.message}`);
      assert.equal(finding.cls, 4);
      assert.equal(finding.thread, corrupt.thread);
      assert.match(finding.message, /found while stopped at heap_target\.c:\d+/);
      if (corrupt.block !== '(nil)') {
        assert.equal(debug.hexAddress(finding.base), corrupt.block, `${corruption}: the finding names the broken block`);
        assert.match(finding.message, new RegExp(corrupt.block));
      }
      if (end !== 'null') {
        // the chain is listed up to the break: the broken block is its last node
        assert.equal(debug.hexAddress(cache.nodes.at(-1).base), corrupt.block, `${corruption}: nodes up to the break`);
      }
    }
  });
}
