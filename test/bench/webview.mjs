// webview.mjs — `npm run bench:webview`: the heap views in headless Chromium,
// each figure beside a peer measured in the same run:
//   - drawing a superslab of 16-byte blocks (131,072 cells) and a 100-superslab heap,
//     beside the canvas's own bound (putImageData + drawImage of as many pixels);
//   - frames per second and the longest frame while a live program streams losslessly
//     at its own pace (the default stream: full detail, a full ring waits for the
//     viewer), beside the same page at rest; the events per second the views took in,
//     from the stream, and the program's pace, beside the same program traced with no
//     views (slabscope run) and untraced;
//   - scrubbing to random events of a multi-million-event trace, beside the engine's
//     own seek to the same events.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, core, launch, open, root, serve } from '../webview/browser.mjs';

const dir = mkdtempSync(join(tmpdir(), 'slabscope-bench-webview-'));
const fill = join(dir, 'fill');
const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0 && result.status !== 1) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result;
};
run('cc', ['-O2', '-o', fill, join(root, 'test', 'bench', 'fill.c')]);
run('make', ['-s', '-C', join(root, 'native'), '-j2', 'all']);
const record = (name, args, extra = []) => {
  const out = join(dir, `${name}.hktrace`);
  run(process.execPath, [cli, 'run', '--ops', '--lossless', ...extra, '--out', out, '--', fill, ...args]);
  return out;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value) => `${value.toFixed(2)} ms`;
const browser = await launch({ width: 1400, height: 900 });

/** Loads the page `times` times; each load draws the whole heap once. */
async function drawTimes(trace, times) {
  const server = await serve([trace]);
  const draws = [],
    bounds = [];
  let cells = 0,
    superslabs = 0;
  try {
    for (let i = 0; i < times; i++) {
      const page = await open(browser, server.url);
      await page.waitForFunction(() => Number(document.querySelector('.map-canvas')?.dataset.cellsRebuilt) > 0);
      const result = await page.evaluate(() => {
        const canvas = document.querySelector('.map-canvas');
        const images = Number(document.querySelectorAll('.label-superslab').length) || 1;
        // the peer: the canvas alone moving as many pixels (one 1024 × 256 image per superslab)
        const scratch = document.createElement('canvas');
        scratch.width = 1024;
        scratch.height = 256;
        const data = new ImageData(1024, 256);
        new Uint32Array(data.data.buffer).fill(0xff336699);
        const target = canvas.getContext('2d');
        const started = performance.now();
        for (let n = 0; n < images; n++) {
          scratch.getContext('2d').putImageData(data, 0, 0);
          target.drawImage(scratch, 0, 0);
        }
        const bound = performance.now() - started;
        return { draw: Number(canvas.dataset.cellsDrawMs), cells: Number(canvas.dataset.cellsRebuilt), bound, images };
      });
      draws.push(result.draw);
      bounds.push(result.bound);
      cells = result.cells;
      superslabs = result.images;
      await page.close();
    }
  } finally {
    await server.stop();
  }
  return { draw: median(draws), bound: median(bounds), cells, superslabs };
}

const say = (line) => process.stdout.write(`${line}\n`);
say('bench:webview — headless Chromium (Debian chromium), one run; medians');

// 1. one superslab's worth of 16-byte blocks (hakmem layout: C1, stride 16)
const small = record('cells-16', ['fill', '131072', '15'], ['--layout', 'hakmem']);
const smallDraw = await drawTimes(small, 7);
say(
  `draw ${smallDraw.cells.toLocaleString('en-US')} cells of 16 B (${smallDraw.superslabs} superslabs): ${ms(smallDraw.draw)}  | canvas bound for as many images ${ms(smallDraw.bound)}  | ratio ${(smallDraw.draw / Math.max(0.001, smallDraw.bound)).toFixed(2)}x  | target <= 16 ms: ${smallDraw.draw <= 16 ? 'met' : 'NOT met'}`,
);

// 2. a heap of 100 superslabs (1 KiB blocks)
const big = record('heap-100', ['fill', String(100 * 31 * 64), '1000'], ['--layout', 'hakmem']);
const bigDraw = await drawTimes(big, 5);
say(
  `draw the whole heap, ${bigDraw.superslabs} superslabs (${bigDraw.cells.toLocaleString('en-US')} cells): ${ms(bigDraw.draw)}  | canvas bound ${ms(bigDraw.bound)}  | ratio ${(bigDraw.draw / Math.max(0.001, bigDraw.bound)).toFixed(2)}x`,
);

// 3. frame rate while a live program streams: the default stream, lossless and in full detail
{
  const seconds = 8,
    perMs = 500;
  const pace = (output) => {
    const match = /(\d+) malloc\/free pairs in ([\d.]+) s/.exec(output);
    return match ? Number(match[1]) / Number(match[2]) : NaN;
  };
  const churn = [fill, 'churn', String(seconds), String(perMs)];
  const untraced = pace(run(fill, churn.slice(1)).stdout);
  // the peer: the same stream recorded by `slabscope run`, which decodes and models it as the views' host does, with no views
  const alone = join(dir, 'alone.hktrace');
  const recorded = run(process.execPath, [cli, 'run', '--lossless', '--layout', 'aligned', '--out', alone, '--', ...churn]);
  const aloneTrace = core.TraceFile.open(alone);
  const aloneRate = aloneTrace.eventCount / (aloneTrace.summary.durationNs / 1e9);
  aloneTrace.close();
  const server = await serve(['--live', '--lossless', '--layout', 'aligned', '--out', join(dir, 'live.hktrace'), '--', ...churn]);
  const page = await browser.page();
  await page.goto(server.url);
  await page.waitForFunction(() => /^live: /.test(document.querySelector('.status')?.textContent ?? ''), null, { timeout: 30000 });
  await page.waitForTimeout(500);
  // frames, and the events the page was told of (each status line carries the host's count) over the same window
  const measure = () =>
    page.evaluate(
      () =>
        new Promise((resolve) => {
          const status = document.querySelector('.status');
          const events = () => Number(/([\d,]+) events/.exec(status.textContent)?.[1].replace(/,/g, ''));
          let frames = 0,
            worst = 0,
            last = performance.now();
          const start = last,
            firstEvents = events();
          const tick = (now) => {
            frames++;
            worst = Math.max(worst, now - last);
            last = now;
            if (now - start < 3000) requestAnimationFrame(tick);
            else
              resolve({
                fps: (frames * 1000) / (now - start),
                worst,
                eventsPerSecond: ((events() - firstEvents) * 1000) / (now - start),
                live: /^live: /.test(status.textContent),
              });
          };
          requestAnimationFrame(tick);
        }),
    );
  const live = await measure();
  await page.waitForFunction(() => !/^live: /.test(document.querySelector('.status')?.textContent ?? ''), null, { timeout: 120000 });
  const rest = await measure();
  await page.close();
  await server.stop();
  const traced = pace(server.output);
  const met = live.live && live.fps >= 30 && live.worst <= 100;
  const kPairs = (rate) => `${(rate / 1e3).toFixed(0)}k pairs/s`;
  say(
    `live, lossless: the views took in ${(live.eventsPerSecond / 1e6).toFixed(2)}M events/s, the program ran at ${kPairs(traced)}  | slabscope run with no views ${(aloneRate / 1e6).toFixed(2)}M events/s, ${kPairs(pace(recorded.stdout))}  | untraced ${kPairs(untraced)}  | ratio to no views ${(traced / pace(recorded.stdout)).toFixed(2)}`,
  );
  say(
    `live, lossless: ${live.fps.toFixed(1)} fps, longest frame ${ms(live.worst)}  | same page at rest ${rest.fps.toFixed(1)} fps, longest frame ${ms(rest.worst)}  | ratio ${(live.fps / rest.fps).toFixed(2)}  | target >= 30 fps, no frame over 100 ms: ${met ? 'met' : live.live ? 'NOT met' : 'NOT measured (the program ended first)'}`,
  );
}

// 4. scrubbing a long trace
{
  const long = record('scrub', ['churn', '4', '1000'], ['--layout', 'aligned']);
  const trace = core.TraceFile.open(long);
  const targets = Array.from({ length: 20 }, (_, i) => Math.floor(((((i * 7919) % 20) + 0.5) / 20) * trace.eventCount));
  const engine = targets.map((n) => {
    const t = performance.now();
    trace.seek(n);
    return performance.now() - t;
  });
  const server = await serve([long]);
  const page = await open(browser, server.url);
  const views = [];
  for (const n of targets) {
    views.push(
      await page.evaluate(
        (event) =>
          new Promise((resolve) => {
            const input = document.querySelector('.goto');
            const started = performance.now();
            input.value = String(event);
            input.dispatchEvent(new Event('change'));
            const wait = () => {
              if (document.body.dataset.position === String(event)) requestAnimationFrame(() => resolve(performance.now() - started));
              else requestAnimationFrame(wait);
            };
            wait();
          }),
        n,
      ),
    );
  }
  say(
    `scrub in a ${trace.eventCount.toLocaleString('en-US')}-event trace: median ${ms(median(views))}, max ${ms(Math.max(...views))}  | engine seek alone median ${ms(median(engine))}, max ${ms(Math.max(...engine))}  | target < 100 ms: ${Math.max(...views) < 100 ? 'met' : 'NOT met'}`,
  );
  trace.close();
  await page.close();
  await server.stop();
}

await browser.close();
rmSync(dir, { recursive: true, force: true });
