// constants.test.mjs — every protocol constant written in more than one place
// says the same everywhere: the C header is the source (native/include/
// slabscope_probe.h); PROTOCOL.md, the engine (extension/core/protocol.ts),
// the native tests' wire reader and the views must agree with it, name by
// name and number by number. Block states: the model, the view protocol, the
// palette and the stylesheet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './helpers.mjs';

const read = (path) => readFileSync(join(root, path), 'utf8');
const header = read('native/include/slabscope_probe.h');
const protocolMd = read('native/PROTOCOL.md');
const protocolTs = read('extension/core/protocol.ts');

/** The members of a C enum, by value: `enum NAME { A = 1, B, ... }`, PREFIX stripped, kebab-cased. */
function cEnum(source, name, prefix) {
  const body = new RegExp(`enum ${name}\\s*\\{([^}]*)\\}`).exec(source)?.[1];
  assert.ok(body, `enum ${name} in the header`);
  const names = [];
  let value = 0;
  for (const member of body
    .split(',')
    .map((m) => m.replace(/\/\*.*?\*\//g, '').trim())
    .filter(Boolean)) {
    const [id, explicit] = member.split('=').map((part) => part.trim());
    if (explicit !== undefined) value = Number(explicit);
    if (!id.endsWith('_COUNT') && !id.endsWith('_NONE')) names[value] = id.slice(prefix.length).toLowerCase().replace(/_/g, '-');
    value++;
  }
  return Array.from(names, (n) => n ?? '');
}

/** A TypeScript string array constant: `export const NAME: ... = [ 'a', ... ]`. */
function tsNames(source, name) {
  const body = new RegExp(`export const ${name}[^=]*=\\s*\\[([^\\]]*)\\]`).exec(source)?.[1];
  assert.ok(body, `${name} in the source`);
  return [...body.matchAll(/'([^']*)'/g)].map((m) => m[1]);
}

/** A TypeScript const enum's members by value, names kebab-cased: `Alloc = 1` → alloc. */
function tsEnum(source, name) {
  const body = new RegExp(`export const enum ${name}\\s*\\{([^}]*)\\}`).exec(source)?.[1];
  assert.ok(body, `enum ${name} in the source`);
  const names = [''];
  for (const m of body.matchAll(/(\w+)\s*=\s*(\d+)/g)) names[Number(m[2])] = m[1].replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return Array.from(names, (n) => n ?? '');
}

/** "1 a, 2 b, …" lists of PROTOCOL.md, after `label`: to the end of its line, or of its paragraph. */
function mdList(label, paragraph = false) {
  const line = new RegExp(`${label}(${paragraph ? '[^\\n]*(?:\\n(?!\\n)[^\\n]*)*' : '[^\\n]*'})`).exec(protocolMd)?.[1];
  assert.ok(line, `${label} in PROTOCOL.md`);
  const names = [''];
  for (const m of line.matchAll(/(\d+) ([a-z-]+)/g)) names[Number(m[1])] = m[2];
  return names;
}

test("event kinds: the header, PROTOCOL.md, the engine and the native tests' reader agree", () => {
  const kinds = cEnum(header, 'ssp_kind', 'SSP_');
  assert.ok(kinds.length > 20);
  const table = [''];
  for (const m of protocolMd.matchAll(/^\| (\d+) \| ([a-z-]+) \|/gm)) table[Number(m[1])] = m[2];
  assert.deepEqual(table, kinds, 'PROTOCOL.md §3 event table');
  assert.deepEqual(tsNames(protocolTs, 'EVENT_KIND_NAMES'), kinds, 'protocol.ts EVENT_KIND_NAMES');
  assert.deepEqual(tsEnum(protocolTs, 'EventKind'), kinds, 'protocol.ts EventKind');
  assert.equal(Number(/EVENT_KIND_COUNT = (\d+)/.exec(protocolTs)[1]), kinds.length - 1);
  assert.deepEqual(tsNames(read('test/native/wire.mjs'), 'EVENT_KINDS'), kinds, 'wire.mjs EVENT_KINDS');
});

test("check kinds: the header, the allocator's report names, PROTOCOL.md and the engine agree", () => {
  const checks = cEnum(header, 'ssp_check', 'SSP_CHECK_');
  assert.ok(checks.length > 9);
  const reported = [''];
  for (const m of read('native/src/check.c').matchAll(/\[SSP_CHECK_(\w+)\] = "([a-z-]*)"/g))
    if (m[1] !== 'NONE') reported[checks.indexOf(m[1].toLowerCase().replace(/_/g, '-'))] = m[2];
  assert.deepEqual(reported, checks, 'check.c check_names');
  assert.deepEqual(mdList('## 4\\. Check kinds\\n\\n', true), checks, 'PROTOCOL.md §4');
  assert.deepEqual(tsNames(protocolTs, 'CHECK_KIND_NAMES'), checks, 'protocol.ts CHECK_KIND_NAMES');
  const findingKinds = tsNames(read('extension/core/findings.ts'), 'FINDING_KINDS');
  for (const check of checks.slice(1)) assert.ok(findingKinds.includes(check), `${check} is a finding kind`);
});

test('alloc and free routes: the header, PROTOCOL.md and the engine agree', () => {
  const alloc = cEnum(header, 'ssp_alloc_route', 'SSP_ALLOC_');
  const free = cEnum(header, 'ssp_free_route', 'SSP_FREE_');
  assert.deepEqual(mdList('Alloc routes: '), alloc);
  assert.deepEqual(mdList('Free routes: '), free);
  assert.deepEqual(tsNames(protocolTs, 'ALLOC_ROUTE_NAMES'), alloc);
  assert.deepEqual(tsNames(protocolTs, 'FREE_ROUTE_NAMES'), free);
  assert.deepEqual(tsEnum(protocolTs, 'AllocRoute'), alloc);
  assert.deepEqual(tsEnum(protocolTs, 'FreeRoute'), free);
});

test('block states: the model, the view protocol, the palette and the stylesheet agree', () => {
  const modelSource =
    read('extension/core/model.ts') +
    (() => {
      try {
        return read('extension/core/heap/state.ts');
      } catch {
        return '';
      }
    })();
  const model = tsNames(modelSource, 'BLOCK_STATE_NAMES');
  const members = /export const enum BlockState\s*\{([^}]*)\}/.exec(modelSource)[1];
  const numbered = [];
  for (const m of members.matchAll(/(\w+)\s*=\s*(\d+)/g)) numbered[Number(m[2])] = m[1].replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  assert.deepEqual(numbered, model, 'BlockState and BLOCK_STATE_NAMES');
  const view = /VIEW_BLOCK_STATES = \[([^\]]*)\]/.exec(read('extension/protocol/view-protocol.ts'))[1];
  const viewStates = [...view.matchAll(/'([^']*)'/g)].map((m) => m[1]);
  assert.deepEqual(viewStates, [...model, 'corrupt'], "the view protocol: the model's states and corrupt");
  const palette = read('webview/src/palette.ts');
  const css = read('webview/style.css');
  for (const state of viewStates) {
    assert.match(palette, new RegExp(`'?${state}'?: '`), `palette letter and label for ${state}`);
    assert.match(css, new RegExp(`--ss-state-${state}:`), `a colour for ${state} in style.css`);
  }
});
