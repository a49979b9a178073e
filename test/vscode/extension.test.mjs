// extension.test.mjs — the extension end to end in a real VS Code: code-server
// (VS Code's workbench, served on loopback) driven through its UI by headless
// Chromium. The .vsix is built and installed as a user would; then Build
// Allocator, Run Program with Tracing on the double-free demo, the finding in
// Problems and in the Findings view, jump to its line, and a .hktrace opened in
// the trace editor showing the heap map.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { artifacts, launch, markerLine, root } from '../webview/browser.mjs';
import { palette, pick } from './helpers.mjs';

const work = mkdtempSync(join(tmpdir(), 'slabscope-vscode-'));
// In CI every run installs code-server from the registry into a new cache, deleted
// afterwards, so the run proves the install path instead of trusting what an earlier
// install left behind; elsewhere the cache is kept and reused.
const inCI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());
const freshCache = inCI ? mkdtempSync(join(tmpdir(), 'slabscope-cache-')) : null;
const shot = (page, name) => page.screenshot({ path: join(artifacts, `vscode-${name}.png`) });
let browser, server, codeServer;

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function find(dir, name) {
  if (!existsSync(dir)) return null;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === name) return path;
    if (statSync(path).isDirectory()) {
      const found = find(path, name);
      if (found) return found;
    }
  }
  return null;
}

before(async () => {
  const env = freshCache ? { ...process.env, SLABSCOPE_CACHE: freshCache } : process.env;
  const ensured = spawnSync('bash', [join(root, 'test', 'vscode', 'ensure-code-server.sh')], {
    encoding: 'utf8',
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  assert.equal(ensured.status, 0, 'code-server could not be installed');
  codeServer = ensured.stdout.trim().split('\n').pop();
  const packed = spawnSync('npm', ['run', 'package'], { cwd: root, encoding: 'utf8' });
  assert.equal(packed.status, 0, `npm run package failed: ${packed.stdout}${packed.stderr}`);
  const version = JSON.parse(
    spawnSync('node', ['-p', 'JSON.stringify(require("./package.json"))'], { cwd: root, encoding: 'utf8' }).stdout,
  ).version;
  const vsix = join(root, `slabscope-${version}.vsix`);
  const userData = join(work, 'user'),
    extensions = join(work, 'extensions'),
    folder = join(work, 'workspace');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(folder, { recursive: true });
  for (const name of readdirSync(join(root, 'native', 'test', 'bugs')))
    copyFileSync(join(root, 'native', 'test', 'bugs', name), join(folder, name));
  writeFileSync(
    join(userData, 'User', 'settings.json'),
    JSON.stringify({
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'security.workspace.trust.enabled': false,
      'workbench.tips.enabled': false,
      'extensions.ignoreRecommendations': true,
      'update.mode': 'none',
      'window.dialogStyle': 'custom',
      'files.simpleDialog.enable': true,
      // the DOM renderer keeps the terminal's text in the page, where the test reads it
      'terminal.integrated.gpuAcceleration': 'off',
    }),
  );
  const installed = spawnSync(codeServer, ['--install-extension', vsix, '--extensions-dir', extensions, '--user-data-dir', userData], {
    encoding: 'utf8',
  });
  assert.equal(installed.status, 0, `installing the .vsix failed: ${installed.stdout}${installed.stderr}`);
  const port = await freePort();
  // its own process group: the server leaves file watchers behind, the group is ended whole
  server = spawn(
    codeServer,
    [
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--auth',
      'none',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir',
      userData,
      '--extensions-dir',
      extensions,
      folder,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  server.stdout.on('data', (d) => {
    log += d;
  });
  server.stderr.on('data', (d) => {
    log += d;
  });
  for (let i = 0; i < 120 && !/HTTP server listening/.test(log); i++) await new Promise((r) => setTimeout(r, 500));
  assert.match(log, /HTTP server listening/, `code-server did not start: ${log}`);
  browser = await launch({ width: 1600, height: 1000 });
  server.url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
  server.userData = userData;
  server.folder = folder;
});

after(async () => {
  await browser?.close();
  if (server?.pid) {
    // the fresh cache holds the server's own files: it is removed once the server is gone
    const running = server.exitCode === null && server.signalCode === null;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {}
    if (running) await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10000).unref())]);
  }
  rmSync(work, { recursive: true, force: true });
  if (freshCache) rmSync(freshCache, { recursive: true, force: true, maxRetries: 5 });
});

test(
  'in VS Code: build, run the double-free demo, the finding in Problems and Findings, its line, the trace editor',
  { timeout: 900000 },
  async (t) => {
    const page = await browser.page();
    // whatever fails, the screen at that moment is kept
    t.after(() => shot(page, 'last').catch(() => {}));
    await page.goto(server.url);
    await page.locator('.monaco-workbench').waitFor({ timeout: 120000 });
    // the extension host must have registered its contributions before anything is opened:
    // the palette is asked until the command is there
    await palette(page, 'Slabscope: Build Allocator');
    await shot(page, '1-build-pickers');
    await pick(page, 'hakmem');
    await pick(page, 'trace');
    await page.locator('.notifications-toasts', { hasText: 'hakmem trace built' }).waitFor({ timeout: 600000 });
    await shot(page, '2-built');

    await palette(page, 'Slabscope: Run Program with Tracing');
    await pick(page, 'double_free (demo)');
    await page.locator('.quick-input-widget', { hasText: 'arguments for double_free' }).waitFor();
    await page.keyboard.press('Enter'); // no arguments
    // the run ends (the status bar turns to replay with its finding and nothing lost), the finding reaches the Problems panel
    await page.locator('.statusbar-item', { hasText: /replay [\d,]+ ev · 0 lost · .* 1 finding/ }).waitFor({ timeout: 120000 });
    // the program ran in a terminal: the allocator's own report and the exit status are there
    await page.locator('.part.panel .composite-bar .action-label', { hasText: 'Terminal' }).first().click();
    const terminal = page.locator('.part.panel .xterm-rows').first();
    await page.locator('.part.panel .xterm-rows', { hasText: 'double_free exited with status 0' }).first().waitFor({ timeout: 30000 });
    assert.match(await terminal.innerText(), /slabscope: double-free ptr=0x[0-9a-f]+ class=3/);
    await shot(page, '3-terminal');
    await page.locator('.part.panel .composite-bar .action-label', { hasText: 'Problems' }).first().click();
    const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'double-free' }).first();
    await problem.waitFor({ timeout: 120000 });
    await shot(page, '3-problems');

    // and the Findings view; clicking it opens the line that freed twice
    const line = markerLine(join(root, 'native', 'test', 'bugs', 'double_free.c'), 'BUG');
    await page.locator('.pane-header', { hasText: 'Findings' }).first().waitFor();
    const kind = page.locator('.monaco-list-row', { hasText: /^double-free/ }).first();
    await kind.click();
    const finding = page.locator('.monaco-list-row', { hasText: 'free(' }).first();
    await finding.waitFor();
    await finding.click();
    await page.locator('.tab.active', { hasText: 'double_free.c' }).waitFor({ timeout: 30000 });
    await page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${line},`) }).waitFor({ timeout: 30000 });
    // CodeLens over the C lines: the block freed at the first free, the finding at the second
    await page.locator('.codelens-decoration', { hasText: 'Slabscope: 1 freed here' }).first().waitFor({ timeout: 30000 });
    await page.locator('.codelens-decoration', { hasText: 'Slabscope: ⚠ 1 finding' }).first().waitFor({ timeout: 30000 });
    await shot(page, '4-source');

    // a recorded trace opens in the trace editor and its map is drawn
    const trace = find(server.userData, 'double_free.hktrace');
    assert.ok(trace, 'the run left no trace file in the extension storage');
    await palette(page, 'Slabscope: Open Trace');
    // the palette and the file dialog share one input: wait for the dialog's own button
    const accept = page.locator('.quick-input-widget .monaco-button', { hasText: /^Open trace$/ });
    await accept.waitFor();
    await page.locator('.quick-input-widget input').fill(trace);
    // an Enter while the dialog still reads the typed folder is dropped (seen on a loaded
    // machine): it is pressed again until the dialog closes
    const input = page.locator('.quick-input-widget input');
    for (let tries = 0; await accept.isVisible(); tries++) {
      assert.ok(tries < 12, 'the file dialog did not take the trace path');
      // the dialog puts its own folder in the input once it has read it, over what was typed first
      if ((await input.inputValue().catch(() => trace)) !== trace) await input.fill(trace);
      await page.keyboard.press('Enter');
      await accept.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
    }
    const view = page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
    await view.locator('body[data-ready="true"]').waitFor({ timeout: 60000 });
    await view.locator('.map-canvas').waitFor();
    assert.equal(await view.locator('.findings-list li[data-kind="double-free"]').count(), 1);
    await shot(page, '5-trace-editor');
  },
);
