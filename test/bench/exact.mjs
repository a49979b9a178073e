// exact.mjs — `npm run bench:exact`: how many events the default trace loses on
// the programs users trace first, and what being exact costs. Each program runs
// RUNS times (default 20) under `slabscope run` in the default (lossless) mode and
// as many times with --lossy, interleaved, beside its untraced run in the same round:
// per program, runs that lost anything, events lost, and median wall times.
// `--live` also runs each through `slabscope view --live --no-open`.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const root = join(import.meta.dirname, '..', '..');
const core = await import(join(root, 'extension', 'dist', 'core.mjs'));
const cli = join(root, 'extension', 'dist', 'cli.mjs');
const fixtures = join(root, 'test', 'fixtures', 'real');
const runs = Number(process.env.RUNS ?? 20);
const live = process.argv.includes('--live');
const dir = mkdtempSync(join(tmpdir(), 'slabscope-bench-exact-'));
const handoff = join(dir, 'handoff');
const built = spawnSync('cc', ['-O2', '-pthread', '-o', handoff, join(root, 'test', 'bench', 'handoff.c')], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(built.stderr);
const sources = readdirSync(join(fixtures, 'prog'))
  .filter((file) => file.endsWith('.c'))
  .map((file) => join(fixtures, 'prog', file));
const gitScript = join(dir, 'git.sh');
writeFileSync(
  gitScript,
  'set -e\ngit init -q r && cd r\nfor i in $(seq 20); do echo "line $i" >> f.txt; git add f.txt; git -c user.name=a -c user.email=a@b commit -q -m "c$i"; done\ngit log --oneline | wc -l\ngit gc -q\n',
);

const programs = [
  { name: 'handoff (2 threads, 20,000 blocks, hakmem)', layout: 'hakmem', argv: [handoff, '20000'] },
  { name: 'python3 workload.py', argv: ['python3', join(fixtures, 'workload.py')] },
  { name: 'sqlite3 rows.sql', argv: ['sqlite3', '-batch', '-bail', ':memory:', `.read ${join(fixtures, 'rows.sql')}`] },
  { name: 'gcc -O2 prog/*.c', argv: ['gcc', '-O2', '-o', 'prog', ...sources] },
  { name: 'git: 20 commits and a gc', argv: ['sh', gitScript] },
];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timed(argv, cwd) {
  const started = performance.now();
  const result = spawnSync(argv[0], argv.slice(1), { cwd, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 600_000 });
  return { result, seconds: (performance.now() - started) / 1000 };
}

/** Every trace a run wrote, opened: events and lost events summed over its processes. */
function tracesIn(work) {
  let events = 0,
    lost = 0;
  for (const file of readdirSync(work).filter((name) => name.endsWith('.hktrace'))) {
    const trace = core.TraceFile.open(join(work, file));
    events += trace.eventCount;
    lost += trace.summary.lostEvents;
    trace.close();
  }
  return { events, lost };
}

/** `view --live --no-open` serves until stopped: it is stopped once it replays the ended program. */
function viewLive(argv, cwd) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0], argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (data) => {
      output += data;
      if (/replaying .* from \S+\.hktrace|it never connected/.test(output)) child.kill('SIGINT');
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    child.once('error', reject);
    child.once('close', () => resolve({ output, seconds: (performance.now() - started) / 1000 }));
  });
}

async function traced(program, mode, round) {
  const work = join(dir, `${mode}-${round}`);
  mkdirSync(work, { recursive: true });
  const flags = ['--layout', program.layout ?? 'aligned', ...(mode === 'lossy' ? ['--lossy'] : []), '--out', join(work, 't.hktrace')];
  let output, seconds;
  if (mode === 'live')
    ({ output, seconds } = await viewLive([process.execPath, cli, 'view', '--live', '--no-open', ...flags, '--', ...program.argv], work));
  else {
    const { result, seconds: took } = timed([process.execPath, cli, 'run', ...flags, '--', ...program.argv], work);
    output = `${result.stdout}\n${result.stderr}`;
    seconds = took;
  }
  if (!/exited with status 0/.test(output)) throw new Error(`${program.name} (${mode}) did not run cleanly:\n${output.slice(-2000)}`);
  const counts = tracesIn(work);
  rmSync(work, { recursive: true, force: true });
  return { seconds, ...counts };
}

const modes = ['default', 'lossy', ...(live ? ['live'] : [])];
console.log(
  `slabscope run, default (lossless) beside --lossy${live ? ' and view --live' : ''}, ${runs} interleaved rounds each, untraced in the same rounds`,
);
for (const program of programs) {
  const plain = [];
  const by = Object.fromEntries(modes.map((mode) => [mode, []]));
  for (let round = 0; round < runs; round++) {
    const work = join(dir, `plain-${round}`);
    mkdirSync(work, { recursive: true });
    plain.push(timed(program.argv, work).seconds);
    rmSync(work, { recursive: true, force: true });
    for (const mode of modes) by[mode].push(await traced(program, mode, round));
  }
  console.log(`\n== ${program.name}: untraced ${median(plain).toFixed(2)} s`);
  for (const mode of modes) {
    const results = by[mode];
    const lossy = results.filter((r) => r.lost > 0).length;
    const lost = results.reduce((sum, r) => sum + r.lost, 0),
      events = results.reduce((sum, r) => sum + r.events + r.lost, 0); // produced: kept and lost
    const label = mode === 'default' ? 'run (default, lossless)' : mode === 'lossy' ? 'run --lossy' : 'view --live (default)';
    console.log(
      `${label.padEnd(26)} ${median(results.map((r) => r.seconds)).toFixed(2)} s (${(median(results.map((r) => r.seconds)) / median(plain)).toFixed(2)}x untraced)  ` +
        `runs that lost events: ${lossy} of ${results.length}; lost ${lost.toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events (${events ? ((100 * lost) / events).toFixed(1) : 0}%)`,
    );
  }
}
rmSync(dir, { recursive: true, force: true });
