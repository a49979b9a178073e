// helpers.mjs — what the source-analysis and language-server tests share: the
// built analysis, its parser on the shipped .wasm files, the layout
// descriptions built by the real make, the corpora, and applying a fix's edits.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const analysis = await import(new URL('../../extension/dist/analysis.mjs', import.meta.url).href);
export const seeds = join(root, 'test', 'fixtures', 'source', 'seeds');
export const nativeSrc = join(root, 'native', 'src');

/** native/build/<layout>/layout.json, made by native/'s own Makefile */
export function buildLayouts() {
  const make = spawnSync('make', ['-C', join(root, 'native'), 'layout'], { encoding: 'utf8' });
  if (make.status !== 0) throw new Error(`make layout failed: ${make.stderr}`);
}

export const parserFiles = {
  runtimeWasm: join(root, 'extension', 'dist', 'web-tree-sitter.wasm'),
  languageWasm: join(root, 'extension', 'dist', 'tree-sitter-c.wasm'),
};
export const parser = await analysis.CParser.load(parserFiles);

export const cFiles = (dir) =>
  readdirSync(dir)
    .filter((name) => /\.[ch]$/.test(name))
    .map((name) => join(dir, name));

/** A workspace of every C file in `dir`, under the project file governing it and `defines` (name → value). */
export function workspaceOf(dir, defines = {}) {
  let config = analysis.loadProjectFile(analysis.findProjectFile(join(dir, 'any.c')));
  config = { ...config, defines: new Map([...config.defines, ...Object.entries(defines)]) };
  const workspace = new analysis.SourceWorkspace(parser, config);
  for (const file of cFiles(dir)) workspace.setFile(file, readFileSync(file, 'utf8'));
  return workspace;
}

/** Each `MISUSE code` comment's 1-based line and code */
export function misuseMarks(text) {
  return text.split('\n').flatMap((line, index) => {
    const mark = /\/\* MISUSE ([\w-]+)/.exec(line);
    return mark ? [{ line: index + 1, code: mark[1] }] : [];
  });
}

/** `text` with `edits` (zero-based line/character ranges) applied */
export function applyEdits(text, edits) {
  const lines = text.split('\n');
  const offset = ({ line, character }) => lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const edit of sorted) out = out.slice(0, offset(edit.range.start)) + edit.newText + out.slice(offset(edit.range.end));
  return out;
}

export const brief = (diagnostics) => diagnostics.map((d) => `${d.range.start.line + 1}:${d.code}`);
