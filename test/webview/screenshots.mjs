// screenshots.mjs — `node test/webview/screenshots.mjs`, run by hand: the
// README's picture of each view, taken in headless Chromium from the
// double-free demo's trace with its finding chosen, each cropped to its view
// (the map seen whole),
// into media/screenshots/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, open, recordBug, root, serve } from './browser.mjs';

const out = join(root, 'media', 'screenshots');
mkdirSync(out, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'slabscope-screenshots-'));
const browser = await launch({ width: 1280, height: 820 });
const server = await serve([recordBug('double_free', dir)]);
try {
  const page = await open(browser, server.url);
  const shot = async (selector, name, height) => {
    const box = await page.locator(selector).boundingBox();
    const path = join(out, `${name}.png`);
    await page.screenshot({ path, clip: { x: box.x, y: box.y, width: box.width, height: Math.min(box.height, height ?? box.height) } });
    process.stdout.write(`${path}\n`);
  };
  // the finding chosen: the map zooms to its block and shows its card
  await page.locator('.findings-list li[data-kind="double-free"]').first().click();
  await page.waitForSelector('.card:not([hidden]) dd[data-field="BASE"]');
  await page.waitForTimeout(400);
  // the whole heap, the chosen block's card beside it
  await page.focus('.map-canvas');
  await page.keyboard.press('0');
  await page.waitForTimeout(400);
  await shot('.map-panel', 'heap-map');
  await shot('.findings-panel', 'findings', 200);
  await shot('.timeline-panel', 'timeline');
  await page.waitForSelector('section.chain g.node');
  await shot('.details-panel', 'freelists');
  await page.click('#tab-headers');
  await page.waitForSelector('.header-strip tr.selected');
  await shot('.details-panel', 'header-bytes');
  await page.click('#tab-routes');
  await page.waitForSelector('.route-row');
  await shot('.details-panel', 'free-routes');
} finally {
  await server.stop();
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
