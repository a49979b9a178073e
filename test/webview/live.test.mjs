// live.test.mjs — live updates are paced by the page: the host sends the next
// update only once the page has applied the last, so a slow page is never
// buried; and however many updates were merged on the way, the last one the
// page gets is the program's end exactly (events, findings, every slab's states).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { core, launch, protocol, serve } from './browser.mjs';

// churns at a steady pace for SECONDS, then frees one block twice: a stream long
// enough for many updates, and a finding that arrives last (built -O0: an optimiser
// may drop a malloc and free of a block nothing reads)
const PROGRAM = `#include <stdlib.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
    double seconds = atof(argv[1]), start = now();
    void *live[1024] = {0};
    unsigned seed = 1;
    while (now() - start < seconds) {
        for (int i = 0; i < 200; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned slot = (seed >> 8) % 1024;
            free(live[slot]);
            live[slot] = malloc(16 + (seed >> 20) % 200);
        }
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
    }
    char *twice = malloc(40);
    free(twice);
    free(twice);
    return 0;
}
`;

const dir = mkdtempSync(join(tmpdir(), 'slabscope-live-'));
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Merges heap messages as the page's store does: a full one replaces, a partial one updates and drops what is not present. */
function mergeHeaps(messages) {
  const slabs = new Map();
  for (const heap of messages) {
    if (heap.full) slabs.clear();
    const present = new Set(heap.present);
    for (const start of slabs.keys()) if (!present.has(start)) slabs.delete(start);
    for (const slab of heap.slabs) slabs.set(slab.slabStart, slab);
  }
  return slabs;
}

test("a slow page paces the live host, and the last live update is the program's end exactly", async () => {
  const source = join(dir, 'churn-then-double-free.c');
  const program = join(dir, 'churn-then-double-free');
  writeFileSync(source, PROGRAM);
  const cc = spawnSync('cc', ['-O0', '-o', program, source], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const out = join(dir, 'live.hktrace');
  const server = await serve(['--live', '--lossless', '--layout', 'aligned', '--out', out, '--', program, '6']);
  const page = await browser.page();
  try {
    // every host message in arrival order, and how many "applied" the page had posted when each arrived
    await page.addInitScript(() => {
      window.seen = [];
      window.appliedPosted = 0;
      const fetch = window.fetch.bind(window);
      window.fetch = (url, options) => {
        if (typeof options?.body === 'string' && JSON.parse(options.body).type === 'applied') window.appliedPosted++;
        return fetch(url, options);
      };
      const Source = window.EventSource;
      window.EventSource = class extends Source {
        set onmessage(receive) {
          super.onmessage = (event) => {
            window.seen.push({ message: JSON.parse(event.data), appliedBefore: window.appliedPosted });
            receive(event);
          };
        }
      };
    });
    // a page four times slower than this machine: it cannot take an update every tick
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(server.url);
    await page.waitForFunction(() => /^Slabscope — live(\.\d+)?\.hktrace$/.test(document.title), null, { timeout: 90000 });
    const seen = await page.evaluate(() => window.seen);

    // the live part: from the program's trace message to the replay's
    const isTrace = (entry, live) => entry.message.type === 'trace' && entry.message.live === live;
    const firstLive = seen.findIndex((entry) => isTrace(entry, true));
    const replay = seen.findIndex((entry, i) => i > firstLive && isTrace(entry, false));
    assert.ok(firstLive >= 0 && replay > firstLive, 'the page saw the program live, then its replay');
    const live = seen.slice(firstLive, replay);
    const statuses = live.filter((entry) => entry.message.type === 'status');
    const running = statuses.filter((entry) => !entry.message.ended);
    assert.ok(running.length >= 4, `only ${running.length} live updates`);
    // each update left the host only once the page had applied the one before (from the third:
    // an "applied" for the waiting page may still be on its way when the program connects)
    for (let n = 2; n < running.length; n++)
      assert.ok(
        running[n].appliedBefore > running[n - 1].appliedBefore,
        `live update ${n + 1} arrived before the page had applied update ${n}`,
      );

    const trace = core.TraceFile.open(out);
    try {
      const last = statuses.at(-1).message;
      assert.equal(last.ended, true);
      assert.equal(last.events, trace.eventCount);
      assert.equal(last.findings, trace.findings.length);
      assert.ok(
        trace.findings.some((finding) => finding.kind === 'double-free'),
        "the program's double free was found",
      );
      const findings = live.filter((entry) => entry.message.type === 'findings').at(-1).message.findings;
      assert.deepEqual(
        findings.map((finding) => [finding.kind, finding.event]),
        trace.findings.map((finding) => [finding.kind, finding.event]),
      );
      assert.equal(live.filter((entry) => entry.message.type === 'timeline').at(-1).message.eventCount, trace.eventCount);
      // the heap the page ends with, merged from every update, is the engine's heap at the last event
      const heaps = live.filter((entry) => entry.message.type === 'heap').map((entry) => entry.message);
      assert.equal(heaps.at(-1).event, trace.eventCount);
      const expected = new protocol.HeapFeed().heap(trace.seek(trace.eventCount), trace.findings, true);
      const shown = mergeHeaps(heaps);
      assert.deepEqual(
        [...shown.keys()].sort((a, b) => a - b),
        expected.slabs.map((slab) => slab.slabStart).sort((a, b) => a - b),
      );
      for (const slab of expected.slabs) assert.deepEqual(shown.get(slab.slabStart), slab, `slab 0x${slab.slabStart.toString(16)}`);
    } finally {
      trace.close();
    }
    assert.deepEqual(page.problems, []);
  } finally {
    await page.close();
    await server.stop();
  }
});
