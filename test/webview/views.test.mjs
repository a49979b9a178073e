// views.test.mjs — the heap views in real headless Chromium, served by
// `slabscope view` from traces recorded by running the native demo programs:
// what the map, the card, the freelists, the header bytes, the free routes and
// the timeline show is checked against the program's known bug and the engine.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { browserSuite, core, cssColour, markerLine, protocol, recordBug, root, screenshot, selectedCellColour, serve } from './browser.mjs';

const hex = (n) => `0x${n.toString(16)}`;
const { dir, open } = browserSuite('views');

/** The trace of a demo program, opened by the engine, and its one finding of `kind`. */
function recorded(program, kind) {
  const path = recordBug(program, dir);
  const trace = core.TraceFile.open(path);
  const finding = trace.findings.find((entry) => entry.kind === kind);
  assert.ok(finding, `${program} produced no ${kind} finding`);
  return { path, trace, finding };
}

/** Records a demo program, serves its trace, opens the page; the body checks it; no page errors allowed. */
async function withViews(program, kind, body) {
  const { path, trace, finding } = recorded(program, kind);
  const server = await serve([path]);
  try {
    const page = await open(server.url);
    await body({ page, trace, finding, server });
    assert.deepEqual(page.problems, []);
  } finally {
    await server.stop();
    trace.close();
  }
}

async function chooseFinding(page, kind, finding) {
  await page.locator(`.findings-list li[data-kind="${kind}"]`).first().click();
  await page.waitForFunction((n) => document.body.dataset.position === String(n), finding.event + 1);
  await page.waitForFunction(
    (base) => document.querySelector('.card:not([hidden]) dd[data-field="BASE"]')?.textContent === base,
    hex(finding.base),
  );
}

test('double free: the finding and its source, the block drawn corrupt, its card, freelist, header bytes and free routes', async () => {
  await withViews('double_free', 'double-free', async ({ page, trace, finding, server }) => {
    await screenshot(page, 'double-free-1-overview');
    const items = page.locator('.findings-list li');
    assert.equal(await items.count(), trace.findings.length);
    const source = join(root, 'native', 'test', 'bugs', 'double_free.c');
    const line = markerLine(source, 'BUG');
    const item = page.locator('.findings-list li[data-kind="double-free"]');
    assert.equal(await item.locator('.open-source').innerText(), `bugs/double_free.c:${line}`);

    await chooseFinding(page, 'double-free', finding);
    const model = trace.seek(finding.event + 1);
    const at = model.locate(finding.base);
    assert.equal(await page.locator('.card dd[data-field="state"]').innerText(), core.BLOCK_STATE_NAMES[at.slab.state[at.slot]]);
    assert.equal(await page.locator('.card dd[data-field="USER"]').innerText(), hex(finding.base + 1));
    assert.match(
      await page.locator('.card').innerText(),
      new RegExp(`freed by thread ${finding.thread} at event [\\d,]+ — bugs/double_free\\.c:${markerLine(source, 'BUG') - 1}`),
    );
    // on the canvas the block is drawn in the corrupt colour, and marked on top of it
    assert.deepEqual(await selectedCellColour(page), await cssColour(page, '--ss-state-corrupt'));
    assert.ok((await page.locator('.corrupt-mark').count()) >= 1);
    await screenshot(page, 'double-free-2-map');

    // "open source" goes to the host with the file and line; the page shows and copies them
    const request = page.waitForRequest((r) => r.url().includes('/message') && (r.postData() ?? '').includes('openSource'));
    await item.locator('.open-source').click();
    const message = JSON.parse((await request).postData());
    assert.deepEqual(message, { type: 'openSource', file: source, line });
    await page.waitForSelector('.toast:not([hidden])');
    assert.match(await page.locator('.toast').innerText(), new RegExp(`double_free\\.c:${line} — copied`));
    await page.waitForFunction(() => true);
    assert.match(server.output, new RegExp(`open ${source.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}`));

    // the thread cache, head first: the block just freed heads it; the order is the engine's
    await page.click('#tab-freelists');
    const nodes = page.locator('section.chain[data-list="thread cache"] g.node');
    await nodes.first().waitFor();
    const shown = await nodes.evaluateAll((list) => list.map((node) => node.getAttribute('data-base')));
    const chain = protocol.freelistMessage(model, finding.thread, finding.cls).chains.find((entry) => entry.name === 'thread cache');
    assert.equal(shown[0], hex(finding.base));
    assert.deepEqual(
      shown,
      chain.nodes.map((node) => hex(node.base)),
    );
    assert.equal(await page.locator('section.chain .node.error').count(), 0);
    await screenshot(page, 'double-free-3-freelists');

    // header bytes: the block's header is its class's, USER one byte past BASE
    await page.click('#tab-headers');
    const row = page.locator(`.header-strip tr[data-base="${hex(finding.base)}"]`);
    await row.waitFor();
    assert.equal(await row.locator('td.header-byte').innerText(), `a${finding.cls}`);
    assert.equal(await row.getAttribute('class'), 'selected');
    const offsets = await page.locator('.header-strip thead th').allInnerTexts();
    assert.match(offsets[3], /\+0\s+BASE hdr/);
    assert.match(offsets[4], /\+1\s+USER next/);
    await screenshot(page, 'double-free-4-header-bytes');

    // free routes of the class: the counts the engine summarised
    await page.click('#tab-routes');
    const routes = trace.summary.classes.find((entry) => entry.cls === finding.cls).frees;
    const fast = page.locator(`.route-row[data-class="${finding.cls}"] .segment[data-route="header-fast"]`);
    assert.equal(Number(await fast.getAttribute('data-count')), routes['header-fast']);
    await screenshot(page, 'double-free-5-free-routes');
  });
});

test('header overwritten: the header-bytes strip marks the block, expected against actual', async () => {
  await withViews('header_corrupt', 'header-corrupt', async ({ page, trace, finding, server }) => {
    await chooseFinding(page, 'header-corrupt', finding);
    assert.match(await page.locator('.card dd[data-field="header"]').innerText(), /^00 \(expected a3\) ✕ mismatch$/);
    await page.click('#tab-headers');
    const cell = page.locator(`.header-strip tr[data-base="${hex(finding.base)}"] td.mismatch`);
    await cell.waitFor();
    assert.equal(await cell.innerText(), '00≠a3');
    assert.match(await page.locator('.header-caption').innerText(), /1 header mismatch\b/);
    await screenshot(page, 'header-corrupt-header-bytes');
  });
});

test('link written after free: the freelist draws the bad link in the error style and names it', async () => {
  await withViews('next_corrupt', 'next-corrupt', async ({ page, trace, finding, server }) => {
    await chooseFinding(page, 'next-corrupt', finding);
    await page.click('#tab-freelists');
    const bad = page.locator(`section.chain[data-list="thread cache"] g.node.error`);
    await bad.first().waitFor();
    assert.equal(await bad.count(), 1);
    assert.equal(await bad.getAttribute('data-base'), hex(finding.base));
    assert.equal(await bad.getAttribute('data-error'), 'out-of-slab');
    assert.match(await bad.locator('.node-error').textContent(), /out-of-slab: ~?0x41414141414\w+ is in no slab of ours/);
    await screenshot(page, 'next-corrupt-freelists');
  });
});

test('scrubbing the timeline moves the whole model: the block is allocated, then free, as the engine says', async () => {
  await withViews('double_free', 'double-free', async ({ page, trace, finding, server }) => {
    await chooseFinding(page, 'double-free', finding);
    const stateAt = (n) => {
      const at = trace.seek(n).locate(finding.base);
      return core.BLOCK_STATE_NAMES[at.slab.state[at.slot]];
    };
    const goTo = async (n) => {
      await page.fill('.goto', String(n));
      await page.press('.goto', 'Enter');
      await page.waitForFunction((event) => document.body.dataset.position === String(event), n);
      await page.waitForFunction((state) => document.querySelector('.card dd[data-field="state"]')?.textContent === state, stateAt(n));
    };
    await goTo(finding.allocEvent + 1);
    assert.equal(await page.locator('.card dd[data-field="state"]').innerText(), 'allocated');
    assert.equal(await page.locator('.timeline-chart').getAttribute('aria-valuenow'), String(finding.allocEvent + 1));
    await screenshot(page, 'scrub-1-allocated');
    // the free event routes the block; the push that follows puts it on the thread cache
    let freedAt = finding.freeEvent + 1;
    while (stateAt(freedAt) !== 'free-cache' && freedAt < finding.freeEvent + 16) freedAt++;
    await goTo(freedAt);
    assert.equal(await page.locator('.card dd[data-field="state"]').innerText(), 'free-cache');
    // one step back undoes the push; one step forward redoes it
    await page.click('button[data-step="-1"]');
    await page.waitForFunction((n) => document.body.dataset.position === String(n), freedAt - 1);
    await page.waitForFunction(() => document.querySelector('.card dd[data-field="state"]')?.textContent === 'allocated');
    await page.focus('.timeline-chart');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction((n) => document.body.dataset.position === String(n), freedAt);
    await page.waitForFunction(() => document.querySelector('.card dd[data-field="state"]')?.textContent === 'free-cache');
    // before the block was ever allocated
    let before = finding.allocEvent;
    while (stateAt(before) === 'allocated' && before > finding.allocEvent - 16) before--;
    await goTo(before);
    assert.notEqual(await page.locator('.card dd[data-field="state"]').innerText(), 'allocated');
    await page.focus('.timeline-chart');
    await page.keyboard.press('End');
    await page.waitForFunction((n) => document.body.dataset.position === String(n), trace.eventCount);
    await screenshot(page, 'scrub-2-end');
  });
});
