// browser.mjs — what the webview tests share: real headless Chromium (Debian's,
// driven by playwright-core), `slabscope view` started as the user starts it,
// traces recorded from the native demo programs, and screenshots kept as artefacts.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const core = await import(new URL('../../extension/dist/core.mjs', import.meta.url).href);
/** the views' protocol and server, sharing the engine's modules with `core` */
export const protocol = await import(new URL('../../extension/dist/protocol.mjs', import.meta.url).href);
export const cli = join(root, 'extension', 'bin', 'slabscope.mjs');
export const bugs = join(root, 'native', 'build', 'test', 'bugs');
export const artifacts = join(root, 'test', 'artifacts', 'webview');
mkdirSync(artifacts, { recursive: true });

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

/** A fresh Chromium with its own profile directory; close() removes it. */
export async function launch(viewport = { width: 1400, height: 900 }) {
  const profile = mkdtempSync(join(tmpdir(), 'slabscope-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport,
  });
  return {
    context,
    async page() {
      const page = await context.newPage();
      page.problems = [];
      page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') page.problems.push(`console: ${message.text()}`);
      });
      return page;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Builds the demo programs and records `program` with `slabscope run` into dir; returns the trace path. */
export function recordBug(name, dir, layout = 'hakmem') {
  const made = spawnSync('make', ['-s', '-C', join(root, 'native'), '-j2', 'all', 'bugtests', 'tracetests'], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`make failed: ${made.stderr}`);
  const out = join(dir, `${name}-${layout}.hktrace`);
  const run = spawnSync(process.execPath, [cli, 'run', '--lossless', '--layout', layout, '--out', out, '--', join(bugs, name)], {
    encoding: 'utf8',
  });
  if (run.status === 2) throw new Error(`slabscope run failed: ${run.stderr}`);
  return out;
}

/** `slabscope view ARGS --no-open --port 0`; resolves once it prints its URL. stop() ends it. */
export async function serve(args, env = {}) {
  const child = spawn(process.execPath, [cli, 'view', '--no-open', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let output = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`slabscope view printed no URL: ${output}`)), 60000);
    child.stdout.setEncoding('utf8').on('data', (data) => {
      output += data;
      const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (data) => {
      output += data;
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`slabscope view exited ${code}: ${output}`));
    });
  });
  return {
    url,
    child,
    get output() {
      return output;
    },
    stop() {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      });
    },
  };
}

/** Opens the served page and waits until the first heap is drawn. */
export async function open(browser, url) {
  const page = await browser.page();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 30000 });
  return page;
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

/** The line of `marker` (e.g. "BUG") in a demo program's source. */
export function markerLine(source, marker) {
  const lines = spawnSync('grep', ['-n', `/\\* ${marker} \\*/`, source], { encoding: 'utf8' })
    .stdout.trim()
    .split('\n');
  return Number(lines[0].split(':')[0]);
}

/** The colour a CSS variable of the page resolves to, as [r, g, b]. */
export async function cssColour(page, variable) {
  return page.evaluate((name) => {
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = getComputedStyle(document.body).getPropertyValue(name).trim();
    probe.fillRect(0, 0, 1, 1);
    return [...probe.getImageData(0, 0, 1, 1).data.slice(0, 3)];
  }, variable);
}

/** The colour drawn on the heap map's canvas at the centre of the selected block's outline, as [r, g, b]. */
export async function selectedCellColour(page) {
  return page.evaluate(() => {
    const outline = document.querySelector('.selection-block');
    const canvas = document.querySelector('.map-canvas');
    if (!outline || outline.getAttribute('visibility') !== 'visible') return null;
    const box = outline.getBoundingClientRect(),
      frame = canvas.getBoundingClientRect();
    const ratio = canvas.width / frame.width;
    // the outline is 2 px outside the block's first row: sample just inside its left edge
    const x = Math.round((box.left - frame.left + 5) * ratio),
      y = Math.round((box.top - frame.top + box.height / 2) * ratio);
    return [...canvas.getContext('2d').getImageData(x, y, 1, 1).data.slice(0, 3)];
  });
}

/** A test file's browser and scratch folder: launched before its tests, closed and removed after. */
export function browserSuite(name) {
  const dir = mkdtempSync(join(tmpdir(), `slabscope-${name}-`));
  let browser;
  before(async () => {
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, open: (url) => open(browser, url) };
}
