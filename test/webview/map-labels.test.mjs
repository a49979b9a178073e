// map-labels.test.mjs — the heap map's rulers, labels and card in real headless
// Chromium, at several zoom levels (fit, 2x, 8x, 32x through the keys), for the
// double-free demo (one superslab) and for a heap of several superslabs side by
// side: every text's box is read from the page and no two may meet; the
// rulers' ticks must say distinct, increasing places; the card must never
// cover the block under the pointer, wherever on the stage the pointer is.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { browserSuite, cli, recordBug, root, screenshot, serve } from './browser.mjs';

const { dir, open } = browserSuite('map-labels');

/** Records heap_shape.c (several superslabs, classes side by side, bound and unbound slabs). */
function recordShape() {
  const program = join(dir, 'heap_shape');
  const built = spawnSync('cc', ['-O2', '-o', program, join(root, 'test', 'webview', 'heap_shape.c')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const out = join(dir, 'heap-shape.hktrace');
  const run = spawnSync(process.execPath, [cli, 'run', '--ops', '--lossless', '--layout', 'hakmem', '--out', out, '--', program], {
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return out;
}

async function withMap(trace, body, viewport) {
  const server = await serve([trace]);
  try {
    const page = await open(server.url);
    if (viewport) await page.setViewportSize(viewport);
    await body(page);
    assert.deepEqual(page.problems, []);
  } finally {
    await server.stop();
  }
}

/** Presses keys on the map and waits until it has drawn what they asked for. */
async function press(page, ...keys) {
  await page.focus('.map-canvas');
  for (const key of keys) await page.keyboard.press(key);
  const frames = await page.evaluate(() => Number(document.querySelector('.map-canvas').dataset.frames));
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  await page.waitForFunction((n) => Number(document.querySelector('.map-canvas').dataset.frames) >= n, frames);
}

const ZOOMS = [
  ['fit', ['0']],
  ['2x', ['0', '+']],
  ['8x', ['0', '+', '+', '+']],
  ['32x', ['0', '+', '+', '+', '+', '+']],
];

/** Every text drawn over the map, with its box on the page. */
function texts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.map-overlay text')].flatMap((node) => {
      const box = node.getBoundingClientRect();
      if (!node.textContent.trim() || box.width === 0 || getComputedStyle(node).visibility === 'hidden') return [];
      return [{ text: node.textContent, cls: node.getAttribute('class'), x: box.x, y: box.y, width: box.width, height: box.height }];
    }),
  );
}

const meet = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

function assertNoOverlap(boxes, where) {
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      assert.ok(
        !meet(boxes[i], boxes[j]),
        `${where}: "${boxes[i].text}" meets "${boxes[j].text}" (${JSON.stringify(boxes[i])} / ${JSON.stringify(boxes[j])})`,
      );
    }
}

/** The rulers' ticks: across, one list per ruler; down, one list. */
function ticks(page) {
  return page.evaluate(() => ({
    across: [...document.querySelectorAll('.map-overlay .axis-x')].map((axis) =>
      [...axis.querySelectorAll('.tick text')].map((t) => t.textContent),
    ),
    down: [...document.querySelectorAll('.map-overlay .axis-y .tick text')].map((t) => t.textContent),
  }));
}

/** "#3–5 slab 8 +12K" → [3, 8, 12]: the superslab row, the slab row's first slab, the KiB into the slab. */
function place(text) {
  const match = /^(?:#(\d+)(?:–\d+)? )?slab (\d+)(?: \+(\d+)K)?$/.exec(text);
  assert.ok(match, `the tick "${text}" names no slab`);
  return [Number(match[1] ?? 0), Number(match[2]), Number(match[3] ?? 0)];
}
const before = (a, b) => a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])));

function assertTicks({ across, down }, where) {
  // across: each ruler's offsets distinct and increasing; some ruler says more than 0
  const rulers = across.map((list) =>
    list.map((text) => {
      assert.match(text, /^\+?\d+$/, `${where}: the tick across "${text}" is no offset`);
      return Number(text.replace('+', ''));
    }),
  );
  assert.ok(
    rulers.some((values) => values.length >= 2),
    `${where}: no ruler across has two ticks: ${JSON.stringify(across)}`,
  );
  for (const values of rulers)
    for (let i = 1; i < values.length; i++)
      assert.ok(values[i] > values[i - 1], `${where}: ticks across not increasing: ${values.join(' ')}`);
  assert.ok(
    rulers.flat().some((value) => value > 0),
    `${where}: every tick across is 0`,
  );
  // down: every tick a distinct text, in increasing order of the place it names
  assert.ok(down.length >= 2, `${where}: fewer than two ticks down: ${JSON.stringify(down)}`);
  assert.equal(new Set(down).size, down.length, `${where}: ticks down repeat: ${down.join(' | ')}`);
  const places = down.map(place);
  for (let i = 1; i < places.length; i++)
    assert.ok(before(places[i - 1], places[i]), `${where}: ticks down not increasing: ${down[i - 1]} then ${down[i]}`);
  assert.ok(
    places.some((p) => p.some((n) => n > 0)),
    `${where}: every tick down is at 0`,
  );
}

async function checkZooms(page, name) {
  for (const [zoom, keys] of ZOOMS) {
    await press(page, ...keys);
    const where = `${name} at ${zoom}`;
    assertTicks(await ticks(page), where);
    const boxes = await texts(page);
    assert.ok(
      boxes.some((box) => /label-superslab/.test(box.cls)),
      `${where}: no superslab is named`,
    );
    assertNoOverlap(boxes, where);
    await screenshot(page, `map-labels-${name}-${zoom}`);
  }
}

test('double free (one superslab): at fit, 2x, 8x and 32x no two labels meet, and the rulers say where', async () => {
  await withMap(recordBug('double_free', dir), (page) => checkZooms(page, 'double-free'));
});

test('several superslabs side by side, bound and unbound slabs: no two labels meet at any zoom, in a tall and a wide stage', async () => {
  const trace = recordShape();
  await withMap(trace, async (page) => {
    assert.ok(
      Number(await page.evaluate(() => document.querySelectorAll('.label-superslab').length)) >= 3,
      'the heap has fewer than 3 superslabs',
    );
    await checkZooms(page, 'superslabs');
  });
  await withMap(trace, (page) => checkZooms(page, 'superslabs-wide'), { width: 1900, height: 700 });
});

test('the card sits beside the pointer, never over the hovered block, at every edge of the stage', async () => {
  await withMap(recordShape(), async (page) => {
    // zoom to 32x around the middle of the first superslab's slabs: cells fill the stage
    await press(page, '0', 'ArrowRight');
    for (let i = 0; i < 12; i++) await press(page, 'PageDown');
    const slab = await page.locator('.selection-slab').boundingBox();
    await page.mouse.move(slab.x + slab.width / 2, slab.y + slab.height / 2);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, -500);
    await press(page);
    const stage = await page.locator('.map-stage').boundingBox();
    const inset = 14;
    const points = [
      [stage.x + stage.width / 2, stage.y + stage.height / 2],
      [stage.x + stage.width - inset, stage.y + stage.height / 2],
      [stage.x + stage.width / 2, stage.y + stage.height - inset],
      [stage.x + stage.width - inset, stage.y + stage.height - inset],
      [stage.x + stage.width - inset, stage.y + 30],
      [stage.x + inset, stage.y + stage.height - inset],
      [stage.x + inset, stage.y + 30],
      [stage.x + stage.width / 2, stage.y + 30],
    ];
    let checked = 0;
    for (const [x, y] of points) {
      await page.mouse.move(stage.x + stage.width / 2, stage.y - 20); // off the map: the card goes
      await page.waitForFunction(() => document.querySelector('.card').hidden);
      await page.mouse.move(x, y);
      const card = page.locator('.card');
      try {
        await page.waitForFunction(() => !document.querySelector('.card').hidden, null, { timeout: 3000 });
      } catch {
        continue; // no block under this point (a gap between superslabs)
      }
      await page.waitForTimeout(150);
      const shown = await card.boundingBox();
      const base = await card.locator('dd[data-field="BASE"]').innerText();
      // the hovered block's box: the selection outline the map draws around it once clicked
      await page.mouse.down();
      await page.mouse.up();
      await page.waitForFunction((b) => document.querySelector('.card:not([hidden]) dd[data-field="BASE"]')?.textContent === b, base);
      await press(page);
      await page.waitForTimeout(150);
      const outline = await page.locator('.selection-block').boundingBox();
      const where = `pointer at (${Math.round(x - stage.x)}, ${Math.round(y - stage.y)}), block ${base}`;
      assert.ok(
        x >= outline.x && x <= outline.x + outline.width && y >= outline.y && y <= outline.y + outline.height,
        `${where}: the outline is not under the pointer`,
      );
      assert.ok(!meet(shown, outline), `${where}: the card ${JSON.stringify(shown)} covers the block ${JSON.stringify(outline)}`);
      assert.ok(
        shown.x >= stage.x - 0.5 &&
          shown.y >= stage.y - 0.5 &&
          shown.x + shown.width <= stage.x + stage.width + 0.5 &&
          shown.y + shown.height <= stage.y + stage.height + 0.5,
        `${where}: the card ${JSON.stringify(shown)} leaves the stage ${JSON.stringify(stage)}`,
      );
      // once chosen, the card beside the chosen block keeps off it too
      const chosen = await card.boundingBox();
      assert.ok(!meet(chosen, outline), `${where}: the chosen block's card ${JSON.stringify(chosen)} covers it ${JSON.stringify(outline)}`);
      checked++;
    }
    assert.ok(checked >= 6, `only ${checked} of ${points.length} points were over a block`);
    await screenshot(page, 'map-labels-card');
  });
});

test("the timeline's axis labels stay whole inside its chart, the first and last too", async () => {
  await withMap(recordBug('double_free', dir), async (page) => {
    await page.waitForFunction(() => document.querySelectorAll('.timeline-chart .axis .tick text').length >= 2);
    const { chart, ticks } = await page.evaluate(() => {
      const box = (node) => {
        const r = node.getBoundingClientRect();
        return { x: r.x, y: r.y, width: r.width, height: r.height, text: node.textContent };
      };
      return {
        chart: box(document.querySelector('.timeline-chart')),
        ticks: [...document.querySelectorAll('.timeline-chart .axis .tick text')].map(box),
      };
    });
    for (const tick of ticks) {
      assert.ok(
        tick.x >= chart.x - 0.5 && tick.x + tick.width <= chart.x + chart.width + 0.5,
        `"${tick.text}" at ${tick.x}..${tick.x + tick.width} leaves the chart ${chart.x}..${chart.x + chart.width}`,
      );
    }
  });
});
