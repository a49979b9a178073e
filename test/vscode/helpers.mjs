// helpers.mjs — a real VS Code for the end-to-end tests: code-server (VS Code's
// workbench, served on loopback) with the packaged .vsix installed as a user
// would, on a workspace folder of the test's, driven by headless Chromium.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { artifacts, launch, root } from '../webview/browser.mjs';

export { artifacts, root };

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The first file named `name` under `dir`, or null. */
export function find(dir, name) {
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

/**
 * Installs code-server (in CI into a new cache, deleted afterwards, so each run proves the
 * install path; elsewhere the cache is kept), packages and installs the extension, and
 * starts the server on a new workspace folder that `prepare(folder)` fills; the browser's
 * page is `viewport` large.
 * Returns { url, userData, folder, browser, close }.
 */
export async function startCodeServer(name, prepare, viewport = { width: 1600, height: 1000 }) {
  const work = mkdtempSync(join(tmpdir(), `slabscope-${name}-`));
  const inCI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());
  const freshCache = inCI ? mkdtempSync(join(tmpdir(), 'slabscope-cache-')) : null;
  let server = null,
    browser = null;
  const close = async () => {
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
  };
  try {
    return await serve();
  } catch (error) {
    await close();
    throw error;
  }

  async function serve() {
    const env = freshCache ? { ...process.env, SLABSCOPE_CACHE: freshCache } : process.env;
    const ensured = spawnSync('bash', [join(root, 'test', 'vscode', 'ensure-code-server.sh')], {
      encoding: 'utf8',
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    assert.equal(ensured.status, 0, 'code-server could not be installed');
    const codeServer = ensured.stdout.trim().split('\n').pop();
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
    await prepare(folder);
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
    browser = await launch(viewport);
    return { url: `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`, userData, folder, browser, close };
  }
}

/** Runs a command through the palette, as a user does; retries while the extension host is still registering it. */
export async function palette(page, title, timeout = 120000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill('>');
    await page.keyboard.type(title);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ timeout: 5000 });
      // the row that matches, not whichever the list put first (a recently used command may lead it)
      await row.click();
      return;
    } catch (error) {
      await page.keyboard.press('Escape');
      if (Date.now() > deadline) throw error;
    }
  }
}

export async function pick(page, text) {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill('');
  await page.keyboard.type(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The Slabscope output channel as the editor of `server` wrote it to its log folder. */
export function slabscopeLog(server) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/Slabscope\.log$/.test(entry.name)) found.push(readFileSync(path, 'utf8'));
    }
  };
  walk(join(server.userData, 'logs'));
  return found.join('\n');
}

/** Polls `check` until it gives something truthy (that value), failing after `ms`. */
export async function until(what, check, ms = 60000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
