// source.test.mjs — the BASE/USER language server in a real VS Code (code-server,
// the packaged .vsix): opening a C file with the seeds' E1 shows a squiggle on
// its line and a Problem labelled 'Slabscope source'; the quick fix inserts the
// conversion and the squiggle goes; typing a BASE into free() brings one back;
// hovering the pointer shows its provenance chain.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { artifacts, palette, root, startCodeServer } from './helpers.mjs';

const shot = (page, name) => page.screenshot({ path: join(artifacts, `vscode-source-${name}.png`) });
const SOURCE = `#include <stdlib.h>
int slab_index_for(void *ss, void *base);
static inline void *ptr_user_to_base(void *ptr) { return (char *)ptr - 1; }
void hak_tiny_free(void *ptr) {
    int slab_idx = slab_index_for(0, ptr);
    (void)slab_idx;
}
void release(void *base) {
    (void)base;
}
`;
let server;

before(async () => {
  const made = spawnSync('make', ['-s', 'layout'], { cwd: join(root, 'native'), encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  server = await startCodeServer('vscode-source', (folder) => {
    writeFileSync(join(folder, 'tiny_free.c'), SOURCE);
    writeFileSync(
      join(folder, 'slabscope-source.json'),
      JSON.stringify({ layout: join(root, 'native', 'build', 'hakmem', 'layout.json') }),
    );
  });
});
after(async () => {
  await server?.close();
});

test('a squiggle on the E1 line, its quick fix removes it, and typing a misuse brings one back', { timeout: 600000 }, async () => {
  const page = await server.browser.page();
  await page.goto(server.url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
  await palette(page, 'Go to File');
  await page.keyboard.type('tiny_free.c');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'tiny_free.c' }).first().waitFor();
  await page.keyboard.press('Enter');
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.waitFor();
  const errors = editor.locator('.squiggly-error');
  await errors.first().waitFor({ timeout: 120000 });
  assert.equal(await errors.count(), 1);
  await shot(page, '1-squiggle');

  await palette(page, 'View: Toggle Problems');
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'is USER where `slab_index_for` expects BASE' }).first();
  await problem.waitFor({ timeout: 30000 });
  assert.match(await problem.innerText(), /Slabscope source/);

  // the cursor to the diagnostic, then the quick fix the server offers
  await editor.click();
  await palette(page, 'Go to Next Problem in Files (Error, Warning, Info)');
  await editor
    .locator('.zone-widget')
    .first()
    .waitFor({ timeout: 10000 })
    .catch(() => {});
  await page.keyboard.press('Escape'); // the problem's peek closes; the cursor stays on it
  // the provenance hover on the pointer under the cursor (rendered markdown: no backticks)
  await palette(page, 'Show or Focus Hover');
  const hover = page.locator('.monaco-hover', { hasText: 'is USER: parameter' }).first();
  await hover.waitFor({ timeout: 30000 });
  assert.match(await hover.innerText(), /ptr is USER: parameter ptr is USER, as hak_tiny_free frees → passed to slab_index_for/);
  await shot(page, '2-hover');
  await page.keyboard.press('Escape');
  await palette(page, 'Quick Fix...');
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'ptr_user_to_base(ptr)' }).first();
  await fix.waitFor({ timeout: 30000 });
  await shot(page, '3-quick-fix');
  await fix.click();
  await page.locator('.view-line', { hasText: 'slab_index_for(0, ptr_user_to_base(ptr))' }).waitFor({ timeout: 30000 });
  await errors.first().waitFor({ state: 'detached', timeout: 30000 });
  assert.equal(await errors.count(), 0);

  // typing a misuse, as a user does: BASE into free()
  await palette(page, 'Go to Line/Column...');
  await page.keyboard.type('9');
  await page.keyboard.press('Enter');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('free(base', { delay: 30 });
  await page.keyboard.press('End');
  await page.keyboard.type(';');
  await errors.first().waitFor({ timeout: 30000 });
  await shot(page, '4-typed');
  await page
    .locator('.markers-panel .monaco-list-row', { hasText: '`base` is BASE where `free` expects USER' })
    .first()
    .waitFor({ timeout: 30000 });
});
