// server.test.mjs — the real language server driven over stdio by a real LSP
// client connection (vscode-languageserver-protocol, what vscode-languageclient
// speaks): open a document, receive its diagnostics, ask for the quick fix,
// apply it as an editor would, and see the diagnostic go; hover a pointer.
// Run both as the bundled server and as `slabscope lsp --stdio`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { applyEdits, buildLayouts, root, seeds } from './helpers.mjs';

const lsp = await import('vscode-languageserver-protocol/node');
const PROJECT = 'slabscope-source.json';

buildLayouts();

/** Starts `argv` and connects a client to its stdio; resolves once initialized. */
async function startClient(argv, folder = seeds, defines = {}) {
  const child = spawn(process.execPath, argv, { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const connection = lsp.createProtocolConnection(new lsp.StreamMessageReader(child.stdout), new lsp.StreamMessageWriter(child.stdin));
  const diagnostics = new Map();
  const waiters = [];
  connection.onNotification(lsp.PublishDiagnosticsNotification.type, (params) => {
    diagnostics.set(params.uri, params.diagnostics);
    for (const waiter of [...waiters]) if (waiter.uri === params.uri && waiter.test(params.diagnostics)) waiter.resolve(params.diagnostics);
  });
  connection.listen();
  const result = await connection.sendRequest(lsp.InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(folder).href,
    workspaceFolders: [{ uri: pathToFileURL(folder).href, name: 'workspace' }],
    capabilities: {},
    initializationOptions: { defines },
  });
  await connection.sendNotification(lsp.InitializedNotification.type, {});
  /** the next diagnostics for `uri` that pass `check` (within 15 s) */
  const next = (uri, check = () => true) =>
    new Promise((resolve, reject) => {
      const waiter = { uri, test: check, resolve: (d) => (clearTimeout(timer), waiters.splice(waiters.indexOf(waiter), 1), resolve(d)) };
      const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} in 15 s; stderr: ${stderr}`)), 15000);
      waiters.push(waiter);
    });
  const stop = async () => {
    await connection.sendRequest(lsp.ShutdownRequest.type);
    const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    await connection.sendNotification(lsp.ExitNotification.type);
    const code = await exited;
    connection.dispose();
    return code;
  };
  /** the server ended whatever happened: a failed assertion must not leave it holding the test open */
  const kill = () => {
    connection.dispose();
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  return { connection, result, next, stop, kill, stderr: () => stderr };
}

for (const [name, argv] of [
  ['the bundled server', ['extension/dist/server.mjs', '--stdio']],
  ['slabscope lsp --stdio', ['extension/bin/slabscope.mjs', 'lsp', '--stdio']],
]) {
  test(`${name}: diagnostics as the document opens and changes, a quick fix that clears E1, a provenance hover`, async (t) => {
    const client = await startClient(argv);
    t.after(client.kill);
    assert.equal(client.result.serverInfo.name, 'slabscope-source');
    assert.ok(client.result.capabilities.codeActionProvider);
    const file = join(seeds, 'free_misuse.c');
    const uri = pathToFileURL(file).href;
    const text = readFileSync(file, 'utf8');
    const opened = client.next(uri);
    await client.connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'c', version: 1, text },
    });
    const first = await opened;
    const lines = first.map((d) => `${d.range.start.line + 1}:${d.code}`);
    assert.deepEqual(lines, [
      '8:user-as-base',
      '17:base-as-user',
      '21:interior-pointer',
      '25:raw-next-pointer',
      '32:user-as-base',
      '35:next-offset',
      '35:next-offset',
      '38:name-disagrees',
      '39:user-as-base',
    ]);
    assert.equal(first[0].source, 'Slabscope source');
    assert.match(first[0].message, /^`ptr` is USER where `slab_index_for` expects BASE/);

    const actions = await client.connection.sendRequest(lsp.CodeActionRequest.type, {
      textDocument: { uri },
      range: first[0].range,
      context: { diagnostics: [first[0]], only: [lsp.CodeActionKind.QuickFix] },
    });
    assert.equal(actions.length, 1);
    assert.equal(actions[0].title, 'Pass BASE: ptr_user_to_base(ptr)');
    const fixed = applyEdits(text, actions[0].edit.changes[uri]);
    const changed = client.next(uri, (d) => !d.some((x) => x.range.start.line === 7));
    await client.connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: fixed }],
    });
    const after = await changed;
    assert.deepEqual(
      after.map((d) => `${d.range.start.line + 1}:${d.code}`),
      lines.slice(1),
    );

    const hover = await client.connection.sendRequest(lsp.HoverRequest.type, {
      textDocument: { uri },
      position: { line: 16, character: 10 },
    });
    assert.equal(
      hover.contents.value,
      '`head_base` is BASE: parameter `head_base` is BASE, named `head_base` → passed to `free`, whose argument 1 expects USER (as `free` is the malloc API)',
    );

    // typing a misuse into a clean file: the squiggle comes with the keystrokes
    const cleanUri = pathToFileURL(join(seeds, 'free_clean.c')).href;
    const clean = readFileSync(join(seeds, 'free_clean.c'), 'utf8');
    const none = client.next(cleanUri);
    await client.connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
      textDocument: { uri: cleanUri, languageId: 'c', version: 1, text: clean },
    });
    assert.deepEqual(await none, []);
    const typed = client.next(cleanUri, (d) => d.length > 0);
    await client.connection.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
      textDocument: { uri: cleanUri, version: 2 },
      contentChanges: [{ text: clean.replace('slab_index_for(ss, base)', 'slab_index_for(ss, ptr_user)') }],
    });
    assert.deepEqual(
      (await typed).map((d) => `${d.range.start.line + 1}:${d.code}`),
      ['9:user-as-base'],
    );
    assert.equal(await client.stop(), 0, client.stderr());
  });
}

test('a header changed on disk changes the open file that relies on it', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'slabscope-lsp-'));
  try {
    writeFileSync(join(folder, PROJECT), JSON.stringify({ layout: join(root, 'native', 'build', 'hakmem', 'layout.json') }));
    writeFileSync(join(folder, 'take.h'), 'void take(void *p);\n');
    const source = '#include "take.h"\nvoid give(void *ptr_user) { take(ptr_user); }\n';
    writeFileSync(join(folder, 'give.c'), source);
    const client = await startClient(['extension/dist/server.mjs', '--stdio'], folder);
    t.after(client.kill);
    const uri = pathToFileURL(join(folder, 'give.c')).href;
    const opened = client.next(uri);
    await client.connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'c', version: 1, text: source },
    });
    assert.deepEqual(await opened, []);
    writeFileSync(join(folder, 'take.h'), 'void take(void *base);\n');
    const changed = client.next(uri, (d) => d.length > 0);
    await client.connection.sendNotification(lsp.DidChangeWatchedFilesNotification.type, {
      changes: [{ uri: pathToFileURL(join(folder, 'take.h')).href, type: lsp.FileChangeType.Changed }],
    });
    const found = await changed;
    assert.deepEqual(
      found.map((d) => `${d.range.start.line + 1}:${d.code}`),
      ['2:user-as-base'],
    );
    assert.match(found[0].message, /whose `base` expects BASE/);
    assert.equal(await client.stop(), 0, client.stderr());
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
});

test("the defines the editor sends turn native/'s fault injections on: each is flagged at its line", async (t) => {
  const client = await startClient(['extension/dist/server.mjs', '--stdio'], join(root, 'native'), {
    SS_INJECT_USER_PTR_SLAB_INDEX: 1,
    SS_INJECT_C0_NEXT_OFFSET_1: 1,
  });
  t.after(client.kill);
  for (const [name, marker, code] of [
    ['slab.c', 'SS_INJECT_USER_PTR_SLAB_INDEX ?', 'user-as-base'],
    ['layout.h', 'SS_INJECT_C0_NEXT_OFFSET_1 && cls == 0', 'next-offset'],
  ]) {
    const file = join(root, 'native', 'src', name);
    const text = readFileSync(file, 'utf8');
    const line = text.split('\n').findIndex((l) => l.includes(marker));
    const uri = pathToFileURL(file).href;
    const opened = client.next(uri);
    await client.connection.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'c', version: 1, text },
    });
    const found = await opened;
    assert.ok(found.length > 0 && found.every((d) => d.range.start.line === line && d.code === code), JSON.stringify(found));
  }
  assert.equal(await client.stop(), 0, client.stderr());
});
