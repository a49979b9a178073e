// replay.test.mjs — a trace replayed in a real VS Code (code-server, the packaged .vsix):
// double_free.c built and recorded in the workspace, a slabscope-replay launch stops at
// a breakpoint set in the editor on the first free; the call stack and the Event scope
// say where; step over and Step Back move one event and back while the heap panel's
// timeline follows; choosing the double-free finding in the heap panel moves the
// session there; stepping back from it, the panel's block card shows the block change.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { artifacts, palette, root, startCodeServer } from './helpers.mjs';

const shot = (page, name) => page.screenshot({ path: join(artifacts, `vscode-replay-${name}.png`) });
const nativeDir = join(root, 'native');
const bugs = join(nativeDir, 'test', 'bugs');
let server;
const firstFreeLine =
  readFileSync(join(bugs, 'double_free.c'), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('free(user);')) + 1;

before(async () => {
  const made = spawnSync('make', ['-s', '-j2', 'all'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  server = await startCodeServer(
    'vscode-replay',
    (folder) => {
      for (const name of ['double_free.c', 'bug.h']) copyFileSync(join(bugs, name), join(folder, name));
      const cc = spawnSync('cc', ['-std=gnu11', '-O0', '-g', '-o', 'double_free', 'double_free.c', '-ldl'], {
        cwd: folder,
        encoding: 'utf8',
      });
      assert.equal(cc.status, 0, cc.stderr);
      const run = spawnSync(
        process.execPath,
        [
          join(root, 'extension', 'bin', 'slabscope.mjs'),
          'run',
          '--lossless',
          '--layout',
          'hakmem',
          '--out',
          'double_free.hktrace',
          '--',
          './double_free',
        ],
        { cwd: folder, encoding: 'utf8', timeout: 120000 },
      );
      assert.match(run.stdout, /1 double-free/, run.stdout + run.stderr);
      mkdirSync(join(folder, '.vscode'));
      writeFileSync(
        join(folder, '.vscode', 'launch.json'),
        JSON.stringify(
          {
            version: '0.2.0',
            configurations: [
              { type: 'slabscope-replay', request: 'launch', name: 'replay double_free', trace: '${workspaceFolder}/double_free.hktrace' },
            ],
          },
          null,
          2,
        ),
      );
    },
    { width: 1600, height: 1200 },
  );
});

after(() => server?.close());

test(
  'in VS Code: a replay stops on the free line, steps and steps back with the heap panel in step, and follows a finding chosen there',
  { timeout: 600000 },
  async (t) => {
    const { browser } = server;
    const page = await browser.page();
    t.after(() => shot(page, 'last').catch(() => {}));
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });

    // a breakpoint on the first free, set in the editor
    await page.keyboard.press('Control+P');
    await page.keyboard.type('double_free.c');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'double_free.c' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: 'double_free.c' }).waitFor();
    await page.keyboard.press('Control+G');
    await page.keyboard.type(String(firstFreeLine));
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: `go to line ${firstFreeLine}` })
      .first()
      .waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: `Ln ${firstFreeLine},` }).waitFor();
    await page.keyboard.press('F9');
    await page.locator('.codicon-debug-breakpoint').first().waitFor();

    await page.keyboard.press('F5');
    await page.locator('.debug-toolbar').waitFor({ timeout: 60000 });
    const frame = page.locator('.debug-call-stack .monaco-list-row', { hasText: /^main/ }).first();
    await frame.waitFor({ timeout: 60000 });
    assert.match(await frame.innerText(), new RegExp(`double_free\\.c\\s*${firstFreeLine}`));
    const variable = (name) => page.locator('.debug-variables .monaco-list-row', { hasText: new RegExp(`^${name}`) }).first();
    const kindIs = (kind) => variable('kind').filter({ hasText: kind }).waitFor({ timeout: 30000 });
    const eventScope = page.locator('.debug-variables .monaco-list-row', { hasText: /^Event$/ }).first();
    await eventScope.waitFor({ timeout: 30000 });
    if ((await eventScope.getAttribute('aria-expanded')) !== 'true') await eventScope.click();
    await kindIs('free');
    // the top frame is the allocator's line the free event arose on, which the editor opens at a breakpoint
    assert.match(await page.locator('.debug-call-stack .monaco-list-row').first().innerText(), /^free \(allocator\)\s*free\.c/);
    await page.locator('.tab.active', { hasText: /^free\.c/ }).waitFor({ timeout: 30000 });
    const freeIndex = Number((await variable('index').innerText()).match(/(\d+)\s*$/)[1]);
    await shot(page, '1-breakpoint');

    // the heap panel opens on the replay's trace, at the stop
    await palette(page, 'Slabscope: Show Heap');
    const panel = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await panel.locator(`body[data-ready="true"][data-position="${freeIndex + 1}"]`).waitFor({ timeout: 60000 });

    // step over: the thread's next event, the free's link write; Step Back: the free again
    await page.locator('.debug-toolbar .codicon-debug-step-over').click();
    await kindIs('next-write');
    await panel.locator(`body[data-position="${freeIndex + 2}"]`).waitFor({ timeout: 30000 });
    await page.locator('.debug-toolbar .codicon-debug-step-back').click();
    await kindIs('free');
    await panel.locator(`body[data-position="${freeIndex + 1}"]`).waitFor({ timeout: 30000 });
    await shot(page, '2-stepped-back');

    // the double free chosen in the panel: the session goes to its event, the block's card opens
    const finding = panel.locator('.findings-list li[data-kind="double-free"]');
    await finding.waitFor({ timeout: 30000 });
    await finding.click();
    await kindIs('check-fail');
    const state = panel.locator('.card dd[data-field="state"]');
    await state.filter({ hasText: 'free-cache' }).waitFor({ timeout: 30000 });
    await shot(page, '3-finding');

    // stepping back through the first free's end: the block leaves the cache, as the card shows
    await page.locator('.debug-toolbar .codicon-debug-step-back').click();
    await kindIs('cache-push');
    assert.equal(await state.innerText(), 'free-cache');
    await page.locator('.debug-toolbar .codicon-debug-step-back').click();
    await kindIs('next-write');
    await state.filter({ hasText: 'allocated' }).waitFor({ timeout: 30000 });
    await shot(page, '4-block-changed');
    await page.keyboard.press('Shift+F5');
    await page.locator('.debug-toolbar').waitFor({ state: 'hidden', timeout: 30000 });

    // Debug from Here on the finding in the Findings view: a new replay, stopped at its event
    await page.locator('.activitybar .action-label[aria-label^="Slabscope"]').click();
    const kind = page.locator('.monaco-list-row', { hasText: /^double-free/ }).first();
    await kind.waitFor({ timeout: 30000 });
    if ((await kind.getAttribute('aria-expanded')) !== 'true') await kind.click();
    const item = page.locator('.monaco-list-row', { hasText: 'of a block that is already free' }).first();
    await item.click({ button: 'right' });
    const entry = page.locator('.context-view .action-label', { hasText: 'Debug from Here' });
    await entry.hover();
    await entry.click();
    await page.locator('.debug-toolbar').waitFor({ timeout: 60000 });
    await page.keyboard.press('Control+Shift+D');
    await kindIs('check-fail');
    // at a stop that is no breakpoint or step, the editor opens the program's line, not the allocator's (subtle) one
    await page.locator('.tab.active', { hasText: 'double_free.c' }).waitFor({ timeout: 30000 });
    await shot(page, '5-debug-from-here');
    // what the editor evaluates on its own (its words under the pointer, watches) is answered quietly
    assert.equal(await page.locator('.notifications-toasts .notification-toast', { hasText: 'at column' }).count(), 0);
    await page.keyboard.press('Shift+F5');
  },
);
