// real-programs.test.mjs — programs nobody here wrote (python3, sqlite3, gcc, git)
// run with the aligned layout's release and check builds preloaded. Each must
// behave exactly as it does without the preload: the same stdout, the same
// stderr, the same exit status, and no `slabscope:` finding. Every case runs the
// reference (no preload) first, then the same thing preloaded.
//
// That the preload really took effect is checked in the very runs compared:
// they set LD_DEBUG=files with LD_DEBUG_OUTPUT pointing into a temporary
// directory, so the dynamic loader writes, per process, which objects it
// loaded to files there (and nothing to the program's stdout or stderr). Every
// program started in those runs must have loaded the preloaded library, and
// the programs under test must be among them; a silently ignored preload fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const nativeDir = path.join(repoRoot, 'native');
const fixtures = path.join(repoRoot, 'test', 'fixtures', 'real');
const modes = ['release', 'check'];
const soPath = (mode) => path.join(nativeDir, 'build', 'aligned', mode, 'libslabscope.so');

const RUN_TIMEOUT = 180_000;
const TEST_TIMEOUT = 400_000;

// --- building ------------------------------------------------------------------

let buildResult;
// The pretest hook normally builds everything; when a library is missing
// (a fresh checkout, or `node --test` run directly) build it here, once.
function ensureBuilt() {
  if (modes.every((m) => existsSync(soPath(m)))) return;
  if (!buildResult) {
    buildResult = spawnSync('make', ['-C', nativeDir, '-j2'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  }
  assert.equal(buildResult.error, undefined, String(buildResult.error));
  assert.equal(buildResult.status, 0, `make -C native failed:\n${buildResult.stdout}${buildResult.stderr}`);
  for (const m of modes) assert.ok(existsSync(soPath(m)), `make -C native did not build ${soPath(m)}`);
}

// --- running -------------------------------------------------------------------

// The environment every run starts from: the caller's, without anything that
// changes how an allocator or these programs behave, plus a private HOME.
function baseEnv(home) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(LD_PRELOAD$|LD_DEBUG|LD_AUDIT$|SLABSCOPE_|MALLOC_|GLIBC_TUNABLES$|PYTHON|GIT_|SQLITE_)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), LC_ALL: 'C', LANG: 'C', TZ: 'UTC' };
}

function preloadEnv(env, mode, ldDir) {
  return { ...env, LD_PRELOAD: soPath(mode), LD_DEBUG: 'files', LD_DEBUG_OUTPUT: path.join(ldDir, 'ld') };
}

function run(cmd, args, { cwd, env, input } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, input, encoding: 'utf8', timeout: RUN_TIMEOUT, maxBuffer: 256 << 20 });
  assert.equal(r.error, undefined, `${cmd} ${args.join(' ')}: ${r.error}`);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function excerpt(text, max = 3000) {
  return text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text;
}

// Where two texts part: the first differing line of each, with its number.
function firstDifference(expected, actual) {
  const a = expected.split('\n');
  const b = actual.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const show = (lines) => (i < lines.length ? JSON.stringify(excerpt(lines[i], 500)) : '(end of output)');
  return `first difference at line ${i + 1} of ${a.length} (reference) / ${b.length} (preloaded):\n` +
    `  reference: ${show(a)}\n  preloaded: ${show(b)}`;
}

// The preloaded run must match the reference in everything.
function assertSameRun(what, ref, pre) {
  const ctx = `${what}\n--- stderr with the preload ---\n${excerpt(pre.stderr)}`;
  assert.doesNotMatch(pre.stderr, /^slabscope:/m, `a finding: ${ctx}`);
  assert.equal(pre.signal, ref.signal, `signal differs: ${ctx}`);
  assert.equal(pre.status, ref.status, `exit status differs: ${ctx}`);
  if (pre.stdout !== ref.stdout) assert.fail(`stdout differs: ${firstDifference(ref.stdout, pre.stdout)}\n${ctx}`);
  // Every program here writes the same stderr with and without the preload
  // (mostly nothing), so stderr is compared whole, nothing removed.
  if (pre.stderr !== ref.stderr) assert.fail(`stderr differs: ${firstDifference(ref.stderr, pre.stderr)}\n${ctx}`);
}

function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Reads the loader's logs of a preloaded run: every program started (each
// "transferring control", exec included) must have loaded the library, and each
// expected program must be among them. Returns the programs seen.
function assertPreloaded(ldDir, mode, expected) {
  const so = soPath(mode);
  const loaded = new RegExp(`file=${escapeRegExp(so)} \\[0\\];\\s+needed by (.+?) \\[0\\]$`);
  const files = readdirSync(ldDir).filter((f) => f.startsWith('ld.'));
  assert.ok(files.length > 0, `no loader log in ${ldDir}: LD_DEBUG_OUTPUT was ignored`);
  const programs = [];
  for (const f of files) {
    const started = [];
    const preloaded = [];
    for (const line of readFileSync(path.join(ldDir, f), 'utf8').split('\n')) {
      const s = line.match(/transferring control: (.+)$/);
      if (s) started.push(s[1]);
      const p = line.match(loaded);
      if (p) preloaded.push(p[1]);
    }
    assert.deepEqual(preloaded, started, `process ${f}: the programs that started and those that loaded ${so} differ`);
    programs.push(...started);
  }
  const names = new Set(programs.map((p) => path.basename(p)));
  for (const e of expected) {
    assert.ok(names.has(e), `${e} is not among the programs that ran with ${so}: ${[...names].join(', ')}`);
  }
  return programs;
}

function withTmp(prefix, fn) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// A fresh directory tree for one run: home/, work/ and (preloaded) ld/.
function runDirs(root, name) {
  const dir = path.join(root, name);
  const d = { dir, home: path.join(dir, 'home'), work: path.join(dir, 'work'), ld: path.join(dir, 'ld') };
  for (const p of [d.home, d.work, d.ld]) mkdirSync(p, { recursive: true });
  return d;
}

// --- 1. python3 ------------------------------------------------------------------

// The interpreter itself, not a version manager's shim in front of it (a shim
// would only add shell scripts to every run).
let pythonExe;
function python() {
  if (!pythonExe) {
    const r = run('python3', ['-c', 'import sys; print(sys.executable)'], { env: baseEnv(tmpdir()) });
    assert.equal(r.status, 0, r.stderr);
    pythonExe = r.stdout.trim();
    assert.ok(pythonExe, 'python3 did not say where its executable is');
  }
  return pythonExe;
}

const pythonVariants = [
  // CPython's own small-object allocator serves objects up to 512 bytes from
  // arenas it gets from malloc; larger ones, buffers and the interpreter's
  // own structures come from malloc directly.
  { label: 'python3 workload.py', env: {} },
  // Every object, however small, from malloc: the heaviest real-world load.
  { label: 'python3 workload.py with PYTHONMALLOC=malloc', env: { PYTHONMALLOC: 'malloc' } },
];

for (const mode of modes) {
  for (const variant of pythonVariants) {
    test(`${variant.label} under the aligned ${mode} build`, { timeout: TEST_TIMEOUT }, (t) => {
      ensureBuilt();
      withTmp('slabscope-python-', (root) => {
        const script = path.join(fixtures, 'workload.py');
        const go = (d, preload) => {
          const env = { ...baseEnv(d.home), ...variant.env };
          return run(python(), [script], { cwd: d.work, env: preload ? preloadEnv(env, mode, d.ld) : env });
        };
        const refDirs = runDirs(root, 'ref');
        const ref = go(refDirs, false);
        assert.equal(ref.status, 0, `the reference run failed:\n${ref.stderr}`);
        assert.match(ref.stdout, /^digest: [0-9a-f]{64}$/m);
        const preDirs = runDirs(root, 'pre');
        const pre = go(preDirs, true);
        assertSameRun(`${variant.label}, aligned ${mode}`, ref, pre);
        assertPreloaded(preDirs.ld, mode, [path.basename(python())]);

        // The library in the process is the build meant.
        const ident = run(python(), ['-c', [
          'import ctypes',
          'lib = ctypes.CDLL(None)',
          'lib.ss_layout_name.restype = lib.ss_build_mode.restype = ctypes.c_char_p',
          'print(lib.ss_layout_name().decode(), lib.ss_build_mode().decode())',
        ].join('\n')], { env: { ...baseEnv(preDirs.home), LD_PRELOAD: soPath(mode) } });
        assert.equal(ident.stdout, `aligned ${mode}\n`, ident.stderr);
      });
    });
  }
}

// --- 2. sqlite3 ------------------------------------------------------------------

for (const mode of modes) {
  for (const where of ['memory', 'file']) {
    test(`sqlite3 rows.sql on a ${where} database under the aligned ${mode} build`, { timeout: TEST_TIMEOUT }, () => {
      ensureBuilt();
      withTmp('slabscope-sqlite-', (root) => {
        const sql = readFileSync(path.join(fixtures, 'rows.sql'), 'utf8');
        // Relative to the run's work directory, so no temporary path is printed.
        const db = where === 'memory' ? ':memory:' : 'rows.db';
        const go = (d, preload) => {
          const env = baseEnv(d.home);
          return run('sqlite3', ['-batch', '-bail', db], { cwd: d.work, input: sql, env: preload ? preloadEnv(env, mode, d.ld) : env });
        };
        const refDirs = runDirs(root, 'ref');
        const ref = go(refDirs, false);
        assert.equal(ref.status, 0, `the reference run failed:\n${ref.stderr}`);
        assert.match(ref.stdout, /^final_rows\n\d+$/m);
        const preDirs = runDirs(root, 'pre');
        const pre = go(preDirs, true);
        assertSameRun(`sqlite3 (${where}), aligned ${mode}`, ref, pre);
        assertPreloaded(preDirs.ld, mode, ['sqlite3']);

        if (where === 'file') {
          // The database the preloaded sqlite3 wrote, read back without the
          // preload, holds the same content as the reference's.
          const judge = (d) => run('sqlite3', ['-batch', '-bail', db, 'PRAGMA integrity_check;', '.sha3sum'], { cwd: d.work, env: baseEnv(d.home) });
          const a = judge(refDirs);
          const b = judge(preDirs);
          assert.equal(a.status, 0, a.stderr);
          assert.match(a.stdout, /^ok\n[0-9a-f]{56}\n$/);
          assert.equal(b.stdout, a.stdout, `the database written with the preload differs:\n${b.stderr}`);
          assert.equal(b.stderr, a.stderr);
        }
      });
    });
  }
}

// --- 3. gcc ----------------------------------------------------------------------

const progSources = ['main.c', 'list.c', 'hash.c'];

for (const mode of modes) {
  test(`gcc compiling and linking prog/ under the aligned ${mode} build`, { timeout: TEST_TIMEOUT }, () => {
    ensureBuilt();
    withTmp('slabscope-gcc-', (root) => {
      const src = path.join(fixtures, 'prog');
      // Run in the source directory with relative source names, so the objects
      // name the same files in both builds; outputs go to the run's work dir.
      const build = (d, preload) => {
        const env = preload ? preloadEnv(baseEnv(d.home), mode, d.ld) : baseEnv(d.home);
        const steps = progSources.map((c) => ({
          what: `gcc -O2 -Wall -c ${c}`,
          r: run('gcc', ['-O2', '-Wall', '-c', c, '-o', path.join(d.work, c.replace(/\.c$/, '.o'))], { cwd: src, env }),
        }));
        steps.push({
          what: 'gcc -O2 -o prog *.o',
          r: run('gcc', ['-O2', '-o', path.join(d.work, 'prog'), ...progSources.map((c) => path.join(d.work, c.replace(/\.c$/, '.o')))], { cwd: src, env }),
        });
        return steps;
      };
      const refDirs = runDirs(root, 'ref');
      const ref = build(refDirs, false);
      for (const s of ref) assert.equal(s.r.status, 0, `reference ${s.what} failed:\n${s.r.stderr}`);
      const preDirs = runDirs(root, 'pre');
      const pre = build(preDirs, true);
      ref.forEach((s, i) => assertSameRun(`${s.what}, aligned ${mode}`, s.r, pre[i].r));
      assertPreloaded(preDirs.ld, mode, ['gcc', 'cc1', 'as', 'collect2', 'ld']);

      // gcc is deterministic here: the same objects and executable, byte for byte.
      for (const f of [...progSources.map((c) => c.replace(/\.c$/, '.o')), 'prog']) {
        const a = readFileSync(path.join(refDirs.work, f));
        const b = readFileSync(path.join(preDirs.work, f));
        assert.ok(a.equals(b), `${f} built with the aligned ${mode} build preloaded differs from the reference`);
      }

      // Both executables, run without the preload, print the same.
      const out = (d) => run(path.join(d.work, 'prog'), [], { cwd: d.work, env: baseEnv(d.home) });
      const a = out(refDirs);
      assert.equal(a.status, 0, a.stderr);
      assert.match(a.stdout, /^after re-add: /m);
      assertSameRun(`prog built under aligned ${mode}`, a, out(preDirs));

      // And the program itself, run with the preload, prints the same too.
      const ldDir = path.join(root, 'ld-prog');
      mkdirSync(ldDir);
      const c = run(path.join(refDirs.work, 'prog'), [], { cwd: refDirs.work, env: preloadEnv(baseEnv(refDirs.home), mode, ldDir) });
      assertSameRun(`prog run with aligned ${mode} preloaded`, a, c);
      assertPreloaded(ldDir, mode, ['prog']);
    });
  });
}

// --- 4. git ----------------------------------------------------------------------

// Deterministic file contents from a small linear congruential generator.
function makeRandom(seed) {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) % n;
  };
}
const vocabulary = ['alloc', 'slab', 'free', 'block', 'header', 'class', 'cache', 'thread', 'remote', 'queue',
  'superslab', 'registry', 'carve', 'drain', 'refill', 'pointer', 'base', 'user', 'link', 'page'];
function paragraph(rand, lines) {
  const out = [];
  for (let i = 0; i < lines; i++) {
    const words = [];
    for (let j = 1 + rand(12); j > 0; j--) words.push(vocabulary[rand(vocabulary.length)]);
    out.push(words.join(' '));
  }
  return `${out.join('\n')}\n`;
}

// The scenario: a list of steps, each a git command or a file change, the same
// for every run. Returns the transcript, one entry per step (the command, its
// stdout, stderr and status), with the run's own directory written as <root>.
function gitScenario(d, envFor) {
  const rand = makeRandom(2024);
  const repo = path.join(d.work, 'repo');
  mkdirSync(repo);
  let tick = 0;
  const transcript = [];
  const git = (...args) => {
    tick++;
    const stamp = `@${1700000000 + tick * 97} +0000`;
    const env = { ...envFor(), GIT_AUTHOR_DATE: stamp, GIT_COMMITTER_DATE: stamp };
    const r = run('git', args, { cwd: repo, env });
    transcript.push(`$ git ${args.join(' ')}\n${r.stdout}--- stderr\n${r.stderr}--- status ${r.status} signal ${r.signal}\n`);
    return r;
  };
  const write = (name, text) => {
    const file = path.join(repo, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    transcript.push(`# write ${name} (${text.length} bytes)\n`);
  };
  const files = Array.from({ length: 120 }, (_, i) => `${['src', 'doc', 'test'][i % 3]}/part${String(i).padStart(2, '0')}.txt`);

  git('init', '-b', 'main');
  git('config', 'user.name', 'Slab Scope');
  git('config', 'user.email', 'slabscope@example.invalid');
  git('config', 'pack.threads', '1'); // one delta search thread: the same pack every time
  git('config', 'gc.autoDetach', 'false');
  git('config', 'core.autocrlf', 'false');
  for (const f of files) write(f, paragraph(rand, 20 + rand(200)));
  write('README', 'A repository for the allocator to chew on.\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial import');
  git('status', '--porcelain');

  for (let round = 1; round <= 8; round++) {
    for (let k = 0; k < 20; k++) {
      const f = files[rand(files.length)];
      const old = readFileSync(path.join(repo, f), 'utf8').split('\n');
      const at = rand(old.length);
      old.splice(at, rand(5), ...paragraph(rand, 1 + rand(8)).trimEnd().split('\n'));
      write(f, old.join('\n'));
    }
    write(`notes/round${round}.txt`, paragraph(rand, 50));
    git('add', '-A');
    git('commit', '-m', `round ${round}: edit twenty files`);
  }

  git('mv', files[5], 'src/renamed.txt');
  git('rm', '-q', files[7]);
  git('commit', '-m', 'rename one file, remove another');
  git('checkout', '-q', '-b', 'feature');
  for (let k = 0; k < 3; k++) {
    write(`feature/f${k}.txt`, paragraph(rand, 80));
    write(files[10 + k], paragraph(rand, 40));
    git('add', '-A');
    git('commit', '-m', `feature step ${k}`);
  }
  git('checkout', '-q', 'main');
  write(files[30], paragraph(rand, 60));
  git('commit', '-a', '-m', 'main moves on');
  git('merge', '--no-ff', '-m', 'merge feature', 'feature');
  git('tag', '-a', 'v1.0', '-m', 'first release');
  git('log', '--stat');
  git('log', '--graph', '--oneline', '--decorate', '--all');
  git('log', '-p', '--reverse', '--format=%H %s');
  git('diff', 'HEAD~2');
  git('diff', '--stat', '-M', 'HEAD~8', 'HEAD');
  git('show', '--stat', 'HEAD^2');
  git('blame', '-s', files[11]);
  git('grep', '-c', 'superslab');
  git('describe', '--tags', '--long');
  git('rev-list', '--count', '--all');
  git('shortlog', '-s', '-n', 'HEAD');
  git('gc');
  git('count-objects', '-v');
  git('fsck', '--full', '--strict');
  const packs = readdirSync(path.join(repo, '.git', 'objects', 'pack')).filter((f) => f.endsWith('.idx')).sort();
  for (const p of packs) git('verify-pack', '-v', path.join('.git', 'objects', 'pack', p));
  git('cat-file', '--batch-all-objects', '--batch-check');
  git('repack', '-a', '-d', '-f', '--window=50', '--depth=20', '-q');
  git('fsck', '--full');
  git('archive', '--format=tar', '-o', '../archive.tar', 'HEAD');
  git('status', '--porcelain', '--branch');

  // Only the run's own directory (in `git init`'s message) differs between runs.
  return transcript.map((step) => step.split(d.dir).join('<root>'));
}

function gitEnv(d) {
  return {
    ...baseEnv(d.home),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Slab Scope',
    GIT_AUTHOR_EMAIL: 'slabscope@example.invalid',
    GIT_COMMITTER_NAME: 'Slab Scope',
    GIT_COMMITTER_EMAIL: 'slabscope@example.invalid',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
  };
}

for (const mode of modes) {
  test(`git init/commit/branch/merge/log/diff/gc/fsck under the aligned ${mode} build`, { timeout: TEST_TIMEOUT }, () => {
    ensureBuilt();
    withTmp('slabscope-git-', (root) => {
      const refDirs = runDirs(root, 'ref');
      const ref = gitScenario(refDirs, () => gitEnv(refDirs));
      assert.match(ref.join(''), /Merge made by the 'ort' strategy/);
      for (const step of ref) assert.match(step, /--- status 0 signal null\n$|^# write/, `a reference step failed:\n${excerpt(step)}`);
      const preDirs = runDirs(root, 'pre');
      const pre = gitScenario(preDirs, () => preloadEnv(gitEnv(preDirs), mode, preDirs.ld));
      assert.equal(pre.length, ref.length);
      for (let i = 0; i < ref.length; i++) {
        const what = `step ${i}, ${ref[i].split('\n')[0]}, aligned ${mode}`;
        assert.doesNotMatch(pre[i], /^slabscope:/m, `a finding at ${what}:\n${excerpt(pre[i])}`);
        if (pre[i] !== ref[i]) assert.fail(`${what} differs: ${firstDifference(ref[i], pre[i])}`);
      }
      const archive = (d) => readFileSync(path.join(d.work, 'archive.tar'));
      assert.ok(archive(refDirs).equals(archive(preDirs)), 'git archive wrote a different tar with the preload');
      assertPreloaded(preDirs.ld, mode, ['git']);
    });
  });
}
