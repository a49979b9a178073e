// manifest.test.mjs — the ids the extension's code uses (extension/host/ids.ts)
// and the ones its manifest contributes (package.json) are the same: a command,
// view, setting or context key renamed or added on one side only fails here,
// not in front of a user as a "command not found" or a setting never read.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).contributes;

// ids.ts has no `vscode` import, so it bundles and loads in plain Node
const bundled = await build({
  absWorkingDir: root,
  entryPoints: ['extension/host/ids.ts'],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'node',
  logLevel: 'silent',
});
const ids = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].text).toString('base64')}`);

const sorted = (values) => [...new Set(values)].sort();
const commandIds = Object.values(ids.Command);
const viewIds = Object.values(ids.View);
const contextKeys = Object.values(ids.ContextKey);

/** Every `when` clause in the manifest, with where it is. */
function whenClauses() {
  const clauses = [];
  for (const [menu, entries] of Object.entries(manifest.menus))
    for (const entry of entries) if (entry.when) clauses.push({ where: `menus.${menu} ${entry.command}`, when: entry.when });
  for (const entry of manifest.viewsWelcome ?? []) if (entry.when) clauses.push({ where: `viewsWelcome ${entry.view}`, when: entry.when });
  return clauses;
}

/** Every text in the manifest that may name a command in a `command:` link or an `onCommand:` event. */
function linkTexts() {
  const texts = (manifest.viewsWelcome ?? []).map((entry) => ({ where: `viewsWelcome ${entry.view}`, text: entry.contents }));
  for (const walkthrough of manifest.walkthroughs ?? [])
    for (const step of walkthrough.steps)
      texts.push({ where: `walkthrough step ${step.id}`, text: [step.description, ...(step.completionEvents ?? [])].join('\n') });
  return texts;
}

test('every command in ids.ts is contributed, and every contributed command has an id', () => {
  assert.deepEqual(sorted(commandIds), sorted(manifest.commands.map((entry) => entry.command)));
  assert.equal(new Set(commandIds).size, commandIds.length, 'two names in Command share one id');
});

test('every view in ids.ts is contributed, and every contributed view has an id', () => {
  const contributed = Object.values(manifest.views)
    .flat()
    .map((view) => view.id);
  assert.deepEqual(sorted(viewIds), sorted(contributed));
});

test('every setting in ids.ts is contributed, and every contributed setting has an id', () => {
  assert.deepEqual(sorted(Object.values(ids.Setting)), sorted(Object.keys(manifest.configuration.properties)));
});

test('the trace editor and the task type are the contributed ones', () => {
  assert.deepEqual(
    manifest.customEditors.map((editor) => editor.viewType),
    [ids.TRACE_EDITOR],
  );
  assert.deepEqual(
    manifest.taskDefinitions.map((definition) => definition.type),
    [ids.TASK_TYPE],
  );
});

test('the debug types are the contributed ones, with their requests, and each snippet and initial configuration is of its type', () => {
  assert.deepEqual(
    manifest.debuggers.map((debuggerEntry) => debuggerEntry.type),
    [ids.DEBUG_TYPE, ids.REPLAY_DEBUG_TYPE],
  );
  const [gdb, replay] = manifest.debuggers;
  assert.deepEqual(Object.keys(gdb.configurationAttributes).sort(), ['attach', 'launch']);
  assert.deepEqual(Object.keys(replay.configurationAttributes), ['launch'], 'a trace is launched, never attached to');
  for (const entry of manifest.debuggers)
    for (const configuration of [...entry.initialConfigurations, ...entry.configurationSnippets.map((snippet) => snippet.body)]) {
      assert.equal(configuration.type, entry.type, configuration.name);
      const required = entry.configurationAttributes[configuration.request].required;
      for (const key of required) assert.ok(key in configuration, `${configuration.name} sets ${key}`);
      for (const key of Object.keys(configuration))
        assert.ok(
          ['type', 'request', 'name'].includes(key) || key in entry.configurationAttributes[configuration.request].properties,
          `${configuration.name}: ${key} is an attribute of ${configuration.request}`,
        );
    }
});

test('menus, welcome views and the walkthrough name only commands and views that exist', () => {
  for (const [menu, entries] of Object.entries(manifest.menus))
    for (const entry of entries)
      assert.ok(commandIds.includes(entry.command), `menus.${menu} names ${entry.command}, which is no command in ids.ts`);
  for (const entry of manifest.viewsWelcome ?? [])
    assert.ok(viewIds.includes(entry.view), `viewsWelcome names the view ${entry.view}, which is not in ids.ts`);
  for (const { where, text } of linkTexts()) {
    for (const [, command] of text.matchAll(/(?:command:|onCommand:)([\w.]+)/g))
      assert.ok(commandIds.includes(command), `${where} names ${command}, which is no command in ids.ts`);
    for (const [, view] of text.matchAll(/onView:([\w.]+)/g))
      assert.ok(viewIds.includes(view), `${where} names the view ${view}, which is not in ids.ts`);
  }
});

test("the Heap view's block menus test the context value its block items carry", () => {
  const entries = manifest.menus['view/item/context'].filter((entry) => entry.when.includes(`view == ${ids.View.stoppedHeap}`));
  assert.deepEqual(sorted(entries.map((entry) => entry.command)), sorted([ids.Command.breakOnLinkWrite, ids.Command.breakOnHeaderWrite]));
  for (const entry of entries) assert.match(entry.when, new RegExp(`viewItem == ${ids.HEAP_BLOCK_ITEM}$`), entry.command);
});

test('`when` clauses test only context keys the code sets, and every context key is tested somewhere', () => {
  const used = new Set();
  for (const { where, when } of whenClauses())
    for (const [name] of when.matchAll(/slabscope\.[\w.]+/g)) {
      assert.ok(
        contextKeys.includes(name) || viewIds.includes(name),
        `${where}: "${when}" tests ${name}, which is neither a context key nor a view in ids.ts`,
      );
      used.add(name);
    }
  for (const key of contextKeys) assert.ok(used.has(key), `the context key ${key} is set but no when clause tests it`);
});

test('the host names its ids only through ids.ts: no `slabscope.` string literal elsewhere', () => {
  const host = join(root, 'extension', 'host');
  const files = readdirSync(host, { recursive: true }).filter((name) => name.endsWith('.ts') && name !== 'ids.ts');
  assert.ok(files.length > 5, `found only ${files.length} host sources under ${host}`);
  for (const name of files) {
    const lines = readFileSync(join(host, name), 'utf8').split('\n');
    lines.forEach((text, index) => {
      // an id is `slabscope.` and a name; a file name (slabscope.svg, libslabscope.so) is no id
      for (const [, id] of text.matchAll(/['"`](slabscope\.[\w.]+)['"`]/g))
        assert.ok(
          /\.(svg|png|so|json|hktrace)$/.test(id),
          `extension/host/${name}:${index + 1} spells the id ${id} out; use its constant from ids.ts`,
        );
    });
  }
});
