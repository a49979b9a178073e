// redraw.test.mjs — the heap map spreads an update that touched many superslabs
// over several frames (a frame rebuilds superslab images for at most a few
// milliseconds), and ends exactly where a whole redraw would.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { browserSuite, cli, core, serve } from './browser.mjs';

// fills many superslabs with 1000-byte blocks, then frees every other one: between
// the middle and the end of the trace every superslab's cells change, and none goes
const PROGRAM = `#include <stdlib.h>
int main(int argc, char **argv) {
    long count = atol(argv[1]);
    void **blocks = malloc(count * sizeof *blocks);
    for (long i = 0; i < count; i++) blocks[i] = malloc(1000);
    for (long i = 0; i < count; i += 2) free(blocks[i]);
    return 0;
}
`;

const { dir, open } = browserSuite('redraw');
const BLOCKS = 24 * 31 * 64;

/** The map's canvas as a data URL once it has stopped changing, and the heap map's frame counter then. */
async function settledCanvas(page) {
  let last = '';
  for (;;) {
    await page.waitForTimeout(400);
    const now = await page.evaluate(() => document.querySelector('.map-canvas').toDataURL());
    if (now === last)
      return { pixels: now, frames: Number(await page.evaluate(() => document.querySelector('.map-canvas').dataset.frames)) };
    last = now;
  }
}

test('an update that touched many superslabs is redrawn over several frames and ends as a whole redraw would', async () => {
  const source = join(dir, 'fill-then-free.c');
  const program = join(dir, 'fill-then-free');
  writeFileSync(source, PROGRAM);
  const cc = spawnSync('cc', ['-O0', '-o', program, source], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const out = join(dir, 'fill.hktrace');
  const run = spawnSync(
    process.execPath,
    [cli, 'run', '--ops', '--lossless', '--layout', 'hakmem', '--out', out, '--', program, String(BLOCKS)],
    { encoding: 'utf8' },
  );
  assert.notEqual(run.status, 2, run.stderr);
  const server = await serve([out]);
  try {
    const page = await open(server.url);
    const end = Number(await page.evaluate(() => document.body.dataset.position));
    // just after the last malloc: every block allocated, the same superslabs as at the end
    const middle = end - BLOCKS / 2 - 16;
    const trace = core.TraceFile.open(out);
    const superslabs = trace.seek(end).superslabs.size;
    assert.equal(trace.seek(middle).superslabs.size, superslabs);
    trace.close();
    assert.ok(superslabs >= 20, `only ${superslabs} superslabs`);
    // the first draw rebuilds every superslab in one frame: the reference
    const whole = await settledCanvas(page);
    // a page six times slower: rebuilding every superslab takes longer than one frame's share
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 6 });
    const seek = async (event) => {
      await page.locator('.goto').fill(String(event));
      await page.locator('.goto').dispatchEvent('change');
      await page.waitForFunction((n) => document.body.dataset.position === String(n), event);
    };
    await seek(middle);
    const allocated = await settledCanvas(page);
    assert.notEqual(allocated.pixels, whole.pixels, 'with every block allocated the map differs from the end');
    await seek(end);
    const back = await settledCanvas(page);
    assert.ok(back.frames - allocated.frames >= 2, `the way back was drawn in ${back.frames - allocated.frames} frame(s)`);
    assert.equal(back.pixels, whole.pixels, "back at the end, the map is the whole redraw's");
    assert.deepEqual(page.problems, []);
  } finally {
    await server.stop();
  }
});
