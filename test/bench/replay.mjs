// replay.mjs — `npm run bench:replay`: the replay debugger's moves on a long trace
// (10 million events by default, SLABSCOPE_BENCH_EVENTS), each timed as a front end
// sees it: the move, then the heap after the new position (what its scopes show).
// Beside them, in the same run, the engine's raw seek to the same events (the peer:
// the cost a move cannot go below without keeping models of its own).
// Records bench_random_mixed on the hakmem trace build first, or takes
// SLABSCOPE_BENCH_TRACE=<file> (kept when given and absent).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const core = await import(join(root, 'extension/dist/core.mjs'));
const debug = await import(join(root, 'extension/dist/debug.mjs'));
const TARGET_EVENTS = Number(process.env.SLABSCOPE_BENCH_EVENTS ?? 10_000_000);
const MOVES = Number(process.env.SLABSCOPE_BENCH_MOVES ?? 20);
const trace = process.env.SLABSCOPE_BENCH_TRACE
  ? resolve(process.env.SLABSCOPE_BENCH_TRACE)
  : join(mkdtempSync(join(tmpdir(), 'slabscope-bench-replay-')), 'random_mixed.hktrace');

if (!existsSync(trace)) {
  const made = spawnSync('make', ['-s', '-C', join(root, 'native'), '-j2', 'all'], { stdio: 'inherit' });
  const benchMade = spawnSync('make', ['-s', '-C', join(root, 'native/bench')], { stdio: 'inherit' });
  if (made.status !== 0 || benchMade.status !== 0) process.exit(1);
  // about 3.5 events per operation with detail
  const ops = Math.ceil(TARGET_EVENTS / 3.5);
  const bench = join(root, 'native/build/bench/bench_random_mixed');
  const cli = join(root, 'extension/dist/cli.mjs');
  spawnSync(process.execPath, [cli, 'run', '--layout', 'hakmem', '--lossless', '--out', trace, '--', bench, String(ops), '256', '42'], {
    stdio: 'ignore',
  });
  if (!existsSync(trace)) process.exit(1);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b),
    mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const fmt = (value) => value.toFixed(1).padStart(7);
const random = (() => {
  let x = 12345;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
})();

let start = process.hrtime.bigint();
const runtime = await debug.ReplayRuntime.open({ trace, sourceRoot: root });
const openMs = ms(start);
const count = runtime.eventCount;
const thread = runtime.threads[0];

/** The move, then the heap a stop shows. */
function timed(move) {
  const begin = process.hrtime.bigint();
  const stop = move();
  runtime.model();
  return { ms: ms(begin), event: stop.event.index };
}

const steps = [],
  backs = [],
  gotos = [],
  seeks = [];
const peer = core.TraceFile.open(trace);
runtime.goto(Math.floor(count / 2));
runtime.model(); // warm the code, not a cache
for (let i = 0; i < MOVES; i++) {
  runtime.goto(Math.floor(random() * (count - 1)));
  runtime.model();
  steps.push(timed(() => runtime.next(runtime.event.thread)).ms);
  backs.push(timed(() => runtime.stepBack(runtime.event.thread)).ms);
  const target = Math.floor(random() * (count - 1));
  gotos.push(timed(() => runtime.goto(target)).ms);
  const begin = process.hrtime.bigint();
  peer.seek(target + 1);
  seeks.push(ms(begin));
}
start = process.hrtime.bigint();
const [everyFree] = runtime.setFunctionBreakpoints([{ name: 'free' }]);
const indexedMs = ms(start);
start = process.hrtime.bigint();
const [placed] = runtime.setFunctionBreakpoints([{ name: 'free', condition: 'cls == 3' }]);
const placeMs = ms(start);
runtime.goto(0);
const continues = [];
for (let i = 0; i < MOVES && placed.hits.length; i++) continues.push(timed(() => runtime.continue()).ms);

console.log(`replay of ${count.toLocaleString()} events (${runtime.threads.length} threads, thread ${thread} first), ${MOVES} moves each:`);
console.log(`  open (one pass: threads, call sites; symbolize)  ${fmt(openMs)} ms`);
console.log(`  next, then the heap                  median ${fmt(median(steps))} ms, max ${fmt(Math.max(...steps))} ms (target ≤ 50)`);
console.log(`  step back, then the heap             median ${fmt(median(backs))} ms, max ${fmt(Math.max(...backs))} ms (target ≤ 50)`);
console.log(`  goto, then the heap                  median ${fmt(median(gotos))} ms, max ${fmt(Math.max(...gotos))} ms (target ≤ 50)`);
console.log(`  peer: the engine's raw seek          median ${fmt(median(seeks))} ms, max ${fmt(Math.max(...seeks))} ms`);
console.log(`  place a breakpoint on free (indexed)            ${fmt(indexedMs)} ms, ${everyFree.hits.length.toLocaleString()} hits`);
console.log(`  place a conditional breakpoint (one pass)       ${fmt(placeMs)} ms, ${placed.hits.length.toLocaleString()} hits`);
if (continues.length) console.log(`  continue to it, then the heap        median ${fmt(median(continues))} ms`);
peer.close();
runtime.close();
