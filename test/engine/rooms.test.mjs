// rooms.test.mjs — the rules the build enforces fail on a violation: an import
// across rooms (eslint.config.mjs), a browser global in the engine or a Node
// module in the webview (each room's tsconfig). `npm run lint` runs them on the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './helpers.mjs';

const { ESLint } = await import(join(root, 'node_modules', 'eslint', 'lib', 'api.js'));
const eslint = new ESLint({ cwd: root });

async function importErrors(path, code) {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('an import across rooms is an error; the imports each room may make are not', async () => {
  assert.match(
    (await importErrors('extension/core/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n"))[0],
    /the engine has no editor API/,
  );
  assert.match(
    (await importErrors('extension/core/x.ts', "import { main } from '../cli/main';\nexport const m = main;\n"))[0],
    /the engine imports no front end/,
  );
  assert.match(
    (await importErrors('extension/host/commands/x.ts', "import { main } from '../../cli/main';\nexport const m = main;\n"))[0],
    /never imports the command line/,
  );
  assert.match(
    (
      await importErrors('webview/src/x.ts', "import { TraceFile } from '../../extension/core/tracefile';\nexport const t = TraceFile;\n")
    )[0],
    /only the view protocol/,
  );
  assert.match(
    (
      await importErrors('webview/src/x.ts', "import { ViewHost } from '../../extension/protocol/view-host';\nexport const h = ViewHost;\n")
    )[0],
    /only the view protocol/,
  );
  assert.match(
    (
      await importErrors(
        'webview/src/x.ts',
        "import { parseHostMessage } from '../../extension/core/view-protocol';\nexport const p = parseHostMessage;\n",
      )
    )[0],
    /only the view protocol/,
  );
  assert.match(
    (await importErrors('extension/core/x.ts', "import { ViewHost } from '../protocol';\nexport const h = ViewHost;\n"))[0],
    /the engine never imports the views' protocol/,
  );
  assert.match(
    (
      await importErrors('extension/core/heap/x.ts', "import { ViewHost } from '../../protocol/view-host';\nexport const h = ViewHost;\n")
    )[0],
    /the engine never imports the views' protocol/,
  );
  assert.deepEqual(
    await importErrors('extension/core/heap/x.ts', "import { EventKind } from '../protocol';\nexport const k = EventKind;\n"),
    [],
  );
  assert.match(
    (await importErrors('extension/protocol/x.ts', "import { record } from '../record';\nexport const r = record;\n"))[0],
    /imports the engine only/,
  );
  assert.match(
    (
      await importErrors('extension/analysis/x.ts', "import { Connection } from 'vscode-languageserver';\nexport type C = Connection;\n")
    )[0],
    /speaks no language-server protocol/,
  );
  assert.match(
    (await importErrors('extension/analysis/x.ts', "import { main } from '../cli/main';\nexport const m = main;\n"))[0],
    /imports the engine only/,
  );
  assert.match(
    (await importErrors('extension/core/x.ts', "import { SourceWorkspace } from '../analysis';\nexport const w = SourceWorkspace;\n"))[0],
    /the engine imports no front end/,
  );
  assert.match(
    (await importErrors('extension/server/x.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n"))[0],
    /knows no editor API/,
  );
  assert.match(
    (await importErrors('extension/server/x.ts', "import { record } from '../record';\nexport const r = record;\n"))[0],
    /never another front end/,
  );
  assert.match(
    (await importErrors('extension/host/x.ts', "import { startServer } from '../server/server';\nexport const s = startServer;\n"))[0],
    /starts the language server as its own process/,
  );
  assert.deepEqual(
    await importErrors(
      'extension/server/x.ts',
      "import { SourceWorkspace } from '../analysis';\nimport { createConnection } from 'vscode-languageserver/node';\nexport const s = [SourceWorkspace, createConnection];\n",
    ),
    [],
  );
  assert.match(
    (await importErrors('extension/debug/replay/x.ts', "import { main } from '../../cli/main';\nexport const m = main;\n"))[0],
    /the debugger room imports core and record, never a front end/,
  );
  assert.deepEqual(
    await importErrors('extension/debug/replay/x.ts', "import { TraceFile } from '../../core';\nexport const t = TraceFile;\n"),
    [],
  );
  assert.match(
    (await importErrors('webview/src/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"))[0],
    /runs in a browser/,
  );
  assert.deepEqual(
    await importErrors(
      'webview/src/x.ts',
      "import { parseHostMessage } from '../../extension/protocol/view-protocol';\nexport const p = parseHostMessage;\n",
    ),
    [],
  );
  assert.deepEqual(
    await importErrors('extension/protocol/x.ts', "import { TraceFile } from '../core';\nexport const t = TraceFile;\n"),
    [],
  );
  assert.deepEqual(
    await importErrors(
      'extension/host/x.ts',
      "import { record } from '../record';\nimport * as vscode from 'vscode';\nexport const r = [record, vscode];\n",
    ),
    [],
  );
});

/** Type-checks one file as if it were in `room` (its tsconfig's lib and types). */
function typeErrors(room, code) {
  const dir = mkdtempSync(join(tmpdir(), 'slabscope-room-'));
  writeFileSync(join(dir, 'x.ts'), code);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, room, 'tsconfig.json'),
      compilerOptions: {
        composite: false,
        noEmit: true,
        emitDeclarationOnly: false,
        declaration: false,
        rootDir: dir,
        typeRoots: [join(root, 'node_modules', '@types')],
      },
      include: ['x.ts'],
      references: [],
    }),
  );
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
  return tsc.status === 0 ? '' : tsc.stdout;
}

test('the engine sees no DOM and the webview no Node', () => {
  assert.match(typeErrors('extension/core', 'export const title = document.title;\n'), /Cannot find name 'document'/);
  assert.match(typeErrors('webview', 'export const cwd = process.cwd();\n'), /Cannot find name 'process'/);
  assert.equal(typeErrors('extension/core', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"), '');
  assert.equal(typeErrors('webview', 'export const title = document.title;\n'), '');
});

test('the formatter rejects a file it would rewrite, and leaves the tree as it is', () => {
  const prettier = join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  // A file inside the tree, so the project's .prettierrc.json and .prettierignore apply to it.
  const dir = mkdtempSync(join(root, 'extension', 'core', '.format-'));
  try {
    const misformatted = join(dir, 'x.ts');
    writeFileSync(misformatted, 'export const kinds = [ "alloc","free" ]\n');
    const check = spawnSync(process.execPath, [prettier, '--check', misformatted], { cwd: root, encoding: 'utf8' });
    assert.equal(check.status, 1, check.stdout + check.stderr);
    assert.match(check.stdout + check.stderr, /x\.ts/);
    writeFileSync(misformatted, "export const kinds = ['alloc', 'free'];\n");
    const clean = spawnSync(process.execPath, [prettier, '--check', misformatted], { cwd: root, encoding: 'utf8' });
    assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
