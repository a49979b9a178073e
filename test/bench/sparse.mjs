// sparse.mjs — the standing anchor for typed address spaces, sparse (the Linux
// kernel's __user checker), beside `slabscope check-source` on the same cases:
//   1. the seeds-style corpus, contracts in names only (test/fixtures/source/seeds)
//   2. the same misuse with SS_BASE/SS_USER annotations (test/fixtures/source/annotated)
//   3. native/src with its layout API annotated (a copy: ss_user_from_base,
//      ss_base_from_user, ss_slab_of_base), as written and with the E1 injection on.
// sparse's warnings never change its exit status, so its output is parsed: an
// address-space warning on a marked line is a hit, anywhere else it is noise.
// Runs sparse as the issue says it needs: -D'_Atomic(x)=x', -Wcast-from-as.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { buildLayouts, cFiles, misuseMarks, nativeSrc, root } from '../server/helpers.mjs';

buildLayouts();
const version = spawnSync('sparse', ['--version'], { encoding: 'utf8' });
if (version.error) {
  console.log('sparse is not installed (Debian package sparse): nothing to compare');
  process.exit(0);
}

/** sparse's address-space warnings on `files`: a set of "file:line" */
function sparseWarnings(files, flags) {
  const found = new Set();
  let all = 0;
  let errors = 0;
  for (const file of files.filter((f) => f.endsWith('.c'))) {
    const run = spawnSync('sparse', ['-Wcast-from-as', '-D_Atomic(x)=x', ...flags, file], { encoding: 'utf8' });
    for (const line of run.stderr.split('\n')) {
      if (/: error: /.test(line)) {
        if (errors++ < 5) console.log(`sparse: ${line}`);
        continue;
      }
      const match = /^(.*?):(\d+):\d+: warning: (.*)$/.exec(line);
      if (!match) continue;
      all++;
      if (/address space/.test(match[3])) found.add(`${relative(root, match[1])}:${match[2]}`);
    }
  }
  return { found, all, errors };
}

/** check-source's diagnostics on `paths`: a set of "file:line" */
function ours(paths, defines = []) {
  const run = spawnSync(
    process.execPath,
    [join(root, 'extension', 'bin', 'slabscope.mjs'), 'check-source', '--json', ...defines, ...paths],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return new Set(JSON.parse(run.stdout).diagnostics.map((d) => `${d.file}:${d.line}`));
}

function score(found, marks) {
  const hits = [...marks].filter((m) => found.has(m)).length;
  return { hits, noise: [...found].filter((f) => !marks.has(f)).length };
}

const rows = [];
for (const [name, dir] of [
  ['seeds corpus, names only', join(root, 'test', 'fixtures', 'source', 'seeds')],
  ['same misuse, annotated', join(root, 'test', 'fixtures', 'source', 'annotated')],
]) {
  const marks = new Set(
    cFiles(dir).flatMap((file) => misuseMarks(readFileSync(file, 'utf8')).map((m) => `${relative(root, file)}:${m.line}`)),
  );
  const sparse = sparseWarnings(cFiles(dir), ['-I', dir, '-I', join(root, 'native', 'include')]);
  rows.push({
    name,
    marks: marks.size,
    sparse: score(sparse.found, marks),
    ours: score(ours([dir]), marks),
    sparseAll: sparse.all,
    errors: sparse.errors,
  });
}

// native/src with its conversion API annotated, in a copy
const work = mkdtempSync(join(tmpdir(), 'slabscope-sparse-'));
try {
  cpSync(join(root, 'native'), join(work, 'native'), { recursive: true, filter: (path) => !path.includes('/build') });
  const annotate = (file, from, to) => {
    const path = join(work, 'native', 'src', file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(from)) throw new Error(`${file} no longer holds ${from}: update the annotation`);
    writeFileSync(path, text.replace(from, to));
  };
  annotate('layout.h', '#include "config.h"\n', '#include "config.h"\n#include "slabscope.h" /* SS_BASE, SS_USER */\n');
  annotate(
    'layout.h',
    'static inline void *ss_user_from_base(void *base) { return (char *)base + SS_USER_OFFSET; }',
    'static inline void SS_USER *ss_user_from_base(void SS_BASE *base) { return (void SS_FORCE SS_USER *)((char SS_FORCE *)base + SS_USER_OFFSET); }',
  );
  annotate(
    'layout.h',
    'static inline void *ss_base_from_user(const void *user) {\n    return (char *)(uintptr_t)user - SS_USER_OFFSET;',
    'static inline void SS_BASE *ss_base_from_user(const void SS_USER *user) {\n    return (void SS_FORCE SS_BASE *)((char *)(uintptr_t)user - SS_USER_OFFSET);',
  );
  annotate(
    'internal.h',
    'static inline struct ss_slab *ss_slab_of_base(const void *base) {',
    'static inline struct ss_slab *ss_slab_of_base(const void SS_BASE *base) {',
  );
  const src = join(work, 'native', 'src');
  const flags = ['-std=gnu11', '-D_GNU_SOURCE', '-DSS_LAYOUT_HAKMEM=1', '-DSS_CHECK=1', '-I', join(work, 'native', 'include'), '-I', src];
  cpSync(join(root, 'native', 'build'), join(work, 'native', 'build'), { recursive: true });
  const e1Line =
    readFileSync(join(src, 'slab.c'), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('SS_INJECT_USER_PTR_SLAB_INDEX ?')) + 1;
  const e1 = new Set([`${relative(root, join(src, 'slab.c'))}:${e1Line}`]);
  const clean = sparseWarnings(cFiles(src), flags);
  rows.push({
    name: 'native/src, layout API annotated',
    marks: 0,
    sparse: score(clean.found, new Set()),
    ours: score(ours([src]), new Set()),
    sparseAll: clean.all,
    errors: clean.errors,
  });
  const injected = sparseWarnings(cFiles(src), [...flags, '-DSS_INJECT_USER_PTR_SLAB_INDEX=1']);
  rows.push({
    name: 'the same with E1 injected',
    marks: 1,
    sparse: score(injected.found, e1),
    ours: score(ours([src], ['--define', 'SS_INJECT_USER_PTR_SLAB_INDEX']), e1),
    sparseAll: injected.all,
    errors: injected.errors,
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(`${version.stdout.trim() || version.stderr.trim()} beside slabscope check-source, lines flagged`);
console.log('case                               misuse  sparse hits/noise (warnings, errors)  check-source hits/noise');
for (const row of rows)
  console.log(
    `${row.name.padEnd(35)}${String(row.marks).padStart(6)}  ${`${row.sparse.hits}/${row.sparse.noise}`.padStart(10)} ${`(${row.sparseAll}, ${row.errors})`.padEnd(16)}${' '.repeat(6)}${`${row.ours.hits}/${row.ours.noise}`.padStart(8)}`,
  );
