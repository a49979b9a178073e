// debug-trace.test.mjs — in a real VS Code (code-server): slabscope-gdb launches a
// program on the trace build (preload "aligned/trace"), so its trace streams to the
// views while it is debugged; at each stop the heap read from memory is compared
// with that trace. The first stop agrees; at the second, the block the program wrote
// after freeing it is a Problem naming the link the trace wrote and the one memory
// holds. native/test/debug/agree_target.c.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { artifacts, palette, root, slabscopeLog, startCodeServer, until } from './helpers.mjs';

const shot = (page, name) => page.screenshot({ path: join(artifacts, `vscode-debug-trace-${name}.png`) });
const nativeDir = join(root, 'native');
let server;

before(async () => {
  const made = spawnSync('make', ['-s', '-j2', 'all', 'layout'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  server = await startCodeServer('vscode-debug-trace', (folder) => {
    copyFileSync(join(nativeDir, 'test', 'debug', 'agree_target.c'), join(folder, 'agree_target.c'));
    const cc = spawnSync('cc', ['-std=gnu11', '-O0', '-g', '-o', 'agree_target', 'agree_target.c'], { cwd: folder, encoding: 'utf8' });
    assert.equal(cc.status, 0, cc.stderr);
    mkdirSync(join(folder, '.vscode'));
    writeFileSync(
      join(folder, '.vscode', 'launch.json'),
      JSON.stringify({
        version: '0.2.0',
        configurations: [
          {
            type: 'slabscope-gdb',
            request: 'launch',
            name: 'agree_target',
            program: '${workspaceFolder}/agree_target',
            arguments: '${workspaceFolder}/held.json',
            preload: 'aligned/trace',
            // main's two checkpoint() lines: stopped in main, its blocks[] are the frame's own locals
            initCommands: readFileSync(join(nativeDir, 'test', 'debug', 'agree_target.c'), 'utf8')
              .split('\n')
              .flatMap((text, i) => (/^\s+checkpoint\(\);/.test(text) ? [`break agree_target.c:${i + 1}`] : [])),
          },
        ],
      }),
    );
  });
});

after(() => server?.close());

test(
  'in VS Code: a traced program under slabscope-gdb; each stop compared with its trace, the difference a Problem',
  { timeout: 600000 },
  async (t) => {
    const { browser } = server;
    const page = await browser.page();
    t.after(() => shot(page, 'last').catch(() => {}));
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
    const compared = () =>
      slabscopeLog(server).match(
        /compared with its trace \(pid \d+, \d+ unsent events read from \d+ rings\): \d+ free blocks, \d+ differ/g,
      ) ?? [];

    t.after(() => {
      try {
        writeFileSync(join(artifacts, 'vscode-debug-trace-slabscope.log'), slabscopeLog(server));
      } catch (error) {
        writeFileSync(join(artifacts, 'vscode-debug-trace-slabscope.log'), String(error));
      }
    });
    await palette(page, 'Debug: Start Debugging');
    await page.locator('.debug-toolbar').waitFor({ timeout: 60000 });
    const first = await until('the first stop compared with its trace', () => compared()[0]);
    assert.match(first, /: ([89]|\d\d+) free blocks, 0 differ/);
    t.diagnostic(first);

    // the trace knows where each free block was freed: main's blocks[] say so in the Variables view
    const freeLine =
      readFileSync(join(nativeDir, 'test', 'debug', 'agree_target.c'), 'utf8')
        .split('\n')
        .findIndex((text) => text.includes('free(blocks[i])')) + 1;
    const variables = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^Variables/ }) }).first();
    const locals = variables.locator('.monaco-list-row', { hasText: /^Local/ }).first();
    await locals.waitFor({ timeout: 30000 });
    if ((await locals.getAttribute('aria-expanded')) !== 'true') {
      await locals.click();
      await page.keyboard.press('ArrowRight');
    }
    const blocks = variables.locator('.monaco-list-row', { hasText: /^blocks/ }).first();
    await blocks.waitFor({ timeout: 30000 });
    if ((await blocks.getAttribute('aria-expanded')) !== 'true') {
      await blocks.click();
      await page.keyboard.press('ArrowRight');
    }
    const third = variables.locator('.monaco-list-row', { hasText: /^\[3\]/ }).first();
    await third.waitFor({ timeout: 30000 });
    assert.match(
      await third.innerText(),
      new RegExp(`USER of a C4 block, free in thread 1's cache, freed at agree_target\\.c:${freeLine}`),
    );
    await shot(page, '0-freed-at');

    await page.locator('.debug-toolbar .action-label.codicon-debug-continue').click();
    const second = await until('the second stop compared with its trace', () => compared()[1], 60000);
    assert.match(second, /, 1 differ/);
    t.diagnostic(second);
    const { overwritten } = JSON.parse(readFileSync(join(server.folder, 'held.json'), 'utf8'));
    const base = `0x${(BigInt(overwritten) - 16n).toString(16)}`; // the aligned layout's USER is BASE + 16
    // the difference is a Problem at the stop, as the memory's own findings are
    await page
      .getByRole('tab', { name: /^Problems/ })
      .first()
      .click();
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: `the trace wrote the link of C4 block ${base}` });
    await problem.first().waitFor({ timeout: 60000 });
    assert.match(await problem.first().innerText(), /memory holds 0x123412341234/);
    await shot(page, '1-problem');
    await page.locator('.debug-toolbar .action-label.codicon-debug-stop').click();
  },
);
