// source.mjs — speed of the BASE/USER analysis beside gcc -fsyntax-only and
// sparse on the same text in the same run: a 10,000-line file (the seeds-style
// corpus's functions, renamed per copy), one edit to it, and all of native/src.
// Prints each figure with the budget (≤ 100 ms, ≤ 20 ms, ≤ 1 s).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analysis, buildLayouts, cFiles, nativeSrc, parser, seeds } from '../server/helpers.mjs';

buildLayouts();
const ROUNDS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = (fn) => {
  const start = performance.now();
  fn();
  return performance.now() - start;
};

// a 10,000-line file: the header's prototypes once, then the corpus's functions again and again, renamed per copy
const header = readFileSync(join(seeds, 'hakmem_tiny.h'), 'utf8') + readFileSync(join(seeds, 'tiny_next_ptr_box.h'), 'utf8');
const body = ['free_misuse.c', 'free_clean.c']
  .map((name) => readFileSync(join(seeds, name), 'utf8').replace(/^#include.*$/gm, ''))
  .join('\n');
const lines = [header];
for (let copy = 0; lines.join('\n').split('\n').length < 10000; copy++)
  lines.push(
    body.replace(
      /\b(hak_tiny_free|release_block|push_interior|push_raw|drop|drop_user|wrong_next_off|hak_tiny_free_ok|release_block_ok|push_ok|alloc_round_trip|good_next_off)\b/g,
      `$1_${copy}`,
    ),
  );
const big = lines.join('\n');
const lineCount = big.split('\n').length;
const work = mkdtempSync(join(tmpdir(), 'slabscope-bench-source-'));
const bigFile = join(work, 'big.c');
writeFileSync(bigFile, big);
writeFileSync(
  join(work, analysis.PROJECT_FILE),
  JSON.stringify({ layout: join(seeds, '..', '..', '..', '..', 'native', 'build', 'hakmem', 'layout.json') }),
);
const config = analysis.loadProjectFile(join(work, analysis.PROJECT_FILE));

const whole = [];
const edit = [];
let found = 0;
for (let round = 0; round < ROUNDS; round++) {
  const workspace = new analysis.SourceWorkspace(parser, config);
  whole.push(
    time(() => {
      workspace.setFile(bigFile, big);
      found = workspace.diagnostics(bigFile).length;
    }),
  );
  // ten keystrokes in the middle of the file, characters typed into a comment, once it is open
  // (the server keeps an open file's parse tree, made while the editor is idle)
  const at = big.indexOf('/* MISUSE', big.length / 2);
  workspace.keepTree(bigFile);
  let typed = big;
  for (let key = 0; key < 10; key++) {
    typed = typed.slice(0, at) + 'y' + typed.slice(at);
    const text = typed;
    edit.push(
      time(() => {
        workspace.setFile(bigFile, text);
        workspace.diagnostics(bigFile);
      }),
    );
  }
}
const nativeRuns = [];
for (let round = 0; round < ROUNDS; round++) {
  const nativeConfig = analysis.loadProjectFile(analysis.findProjectFile(join(nativeSrc, 'x.c')));
  nativeRuns.push(
    time(() => {
      const workspace = new analysis.SourceWorkspace(parser, nativeConfig);
      for (const file of cFiles(nativeSrc)) workspace.setFile(file, readFileSync(file, 'utf8'));
      for (const file of cFiles(nativeSrc)) workspace.diagnostics(file);
    }),
  );
}
const peer = (command, args) => {
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    const run = spawnSync(command, args, { encoding: 'utf8' });
    if (run.error) return null;
    runs.push(performance.now() - start);
  }
  return median(runs);
};
const gcc = peer('gcc', ['-fsyntax-only', '-w', '-I', seeds, bigFile]);
const sparse = peer('sparse', ['-D_Atomic(x)=x', '-I', seeds, bigFile]);
const nativeGcc = peer('gcc', [
  '-fsyntax-only',
  '-w',
  '-DSS_LAYOUT_HAKMEM',
  '-I',
  join(nativeSrc, '..', 'include'),
  ...cFiles(nativeSrc).filter((f) => f.endsWith('.c')),
]);
if (!process.env.KEEP) rmSync(work, { recursive: true, force: true });

const ms = (x) => (x === null ? 'not installed' : `${x.toFixed(1)} ms`);
console.log(`source analysis, median of ${ROUNDS} rounds (${lineCount} lines, ${found} diagnostics)`);
console.log(`  10,000-line file, whole:  ${ms(median(whole))} (budget 100 ms)   gcc -fsyntax-only ${ms(gcc)}   sparse ${ms(sparse)}`);
console.log(`  one keystroke, re-analysed: ${ms(median(edit))} (budget 20 ms; median of ${edit.length})`);
console.log(`  all of native/src:        ${ms(median(nativeRuns))} (budget 1 s)   gcc -fsyntax-only ${ms(nativeGcc)}`);
