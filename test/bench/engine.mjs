// engine.mjs — `npm run bench:engine`: the engine on one core against the raw
// copy speed of the same bytes (the physical bound), in the same run:
// decode only, decode plus model, seek in a 10-million-event trace, and memory
// per event retained. Records a real trace first (bench_random_mixed on the
// hakmem trace build, pointer-level detail, lossless).
// BENCH_ENGINE_PEER=<core.mjs of another build> adds that engine as a second
// peer: decode + order + model of both on the same bytes, in interleaved rounds
// (the order flips each round), with the median of the rounds' ratios.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const core = await import(join(root, 'extension/dist/core.mjs'));
const peerPath = process.env.BENCH_ENGINE_PEER;
const peer = peerPath ? await import(resolve(peerPath)) : null;
const TARGET_EVENTS = Number(process.env.SLABSCOPE_BENCH_EVENTS ?? 10_000_000);
const PAIRED_ROUNDS = Number(process.env.SLABSCOPE_BENCH_ROUNDS ?? 8);
const work = mkdtempSync(join(tmpdir(), 'slabscope-bench-engine-'));
// SLABSCOPE_BENCH_TRACE=<file>: a trace this script recorded before (kept when given and absent)
const trace = process.env.SLABSCOPE_BENCH_TRACE ? resolve(process.env.SLABSCOPE_BENCH_TRACE) : join(work, 'random_mixed.hktrace');
const recorded = existsSync(trace);

if (!recorded) {
  const made = spawnSync('make', ['-s', '-C', join(root, 'native'), '-j2', 'all'], { stdio: 'inherit' });
  const benchMade = spawnSync('make', ['-s', '-C', join(root, 'native/bench')], { stdio: 'inherit' });
  if (made.status !== 0 || benchMade.status !== 0) process.exit(1);
  // about 3.5 events per operation with detail: enough operations for the target
  const ops = Math.ceil(TARGET_EVENTS / 3.5);
  const record = spawnSync(
    process.execPath,
    [
      join(root, 'extension/dist/cli.mjs'),
      'run',
      '--layout',
      'hakmem',
      '--lossless',
      '--out',
      trace,
      '--',
      join(root, 'native/build/bench/bench_random_mixed'),
      String(ops),
      '256',
      '42',
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (!existsSync(trace)) {
    console.error(record.stdout, record.stderr);
    process.exit(1);
  }
}

const file = readFileSync(trace);
const streamLength = Number(file.readBigUInt64LE(24));
const stream = file.subarray(64, 64 + streamLength);
const CHUNK = 1 << 16;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b),
    mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
function time(fn, runs = 3) {
  const seconds = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    fn();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(seconds);
}

let events = 0;
const copySeconds = time(() => {
  const target = Buffer.allocUnsafe(CHUNK);
  for (let at = 0; at < stream.length; at += CHUNK) stream.copy(target, 0, at, Math.min(stream.length, at + CHUNK));
});
const decodeSeconds = time(() => {
  let count = 0;
  const decoder = new core.Decoder({
    handshake() {},
    events: (batch) => {
      count += batch.count;
    },
    lost() {},
    crash() {},
    slabBytes() {},
    end() {},
    error() {},
  });
  for (let at = 0; at < stream.length; at += CHUNK) decoder.push(stream.subarray(at, at + CHUNK));
  decoder.finish();
  events = count;
});
let model;
const modelRun = (engine) => () => {
  const session = new engine.TraceSession();
  for (let at = 0; at < stream.length; at += CHUNK) session.feed(stream.subarray(at, at + CHUNK));
  session.finish();
  return session.model;
};
const modelSeconds = time(() => {
  model = modelRun(core)();
});

// the same work by the peer engine, round by round beside this one's: each round times both, in
// alternating order, and its ratio cancels what the machine was doing at the time
const paired = [];
if (peer) {
  const runs = { this: modelRun(core), peer: modelRun(peer) };
  const seconds = (fn) => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1e9;
  };
  // warm the peer as the three runs above warmed this engine, and check it did the same work
  runs.peer();
  runs.peer();
  const peerModel = runs.peer();
  if (peerModel.eventCount !== model.eventCount || peerModel.findings.count() !== model.findings.count()) {
    console.error(
      `the peer engine applied ${peerModel.eventCount} events with ${peerModel.findings.count()} findings, this one ${model.eventCount} with ${model.findings.count()}`,
    );
    process.exit(1);
  }
  for (let round = 0; round < PAIRED_ROUNDS; round++) {
    let mine, theirs;
    if (round % 2 === 0) {
      mine = seconds(runs.this);
      theirs = seconds(runs.peer);
    } else {
      theirs = seconds(runs.peer);
      mine = seconds(runs.this);
    }
    paired.push({ mine, theirs, ratio: theirs / mine });
  }
}

const opened = core.TraceFile.open(trace);
const seeks = [];
const next = (() => {
  let x = 12345;
  return () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
})();
opened.seek(Math.floor(opened.eventCount / 2)); // warm the code, not a cache: each seek starts from a checkpoint
for (let i = 0; i < 20; i++) {
  const target = Math.floor(next() * opened.eventCount);
  const start = process.hrtime.bigint();
  opened.seek(target);
  seeks.push(Number(process.hrtime.bigint() - start) / 1e6);
}
const back = [];
for (let i = 0; i < 10; i++) {
  const target = opened.eventCount - 1 - i * 997;
  const start = process.hrtime.bigint();
  opened.seek(target);
  back.push(Number(process.hrtime.bigint() - start) / 1e6);
}
opened.close();

// memory retained per event: a live session's heap after the whole trace, over the events it holds
global.gc?.();
const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
let session = new core.TraceSession();
for (let at = 0; at < stream.length; at += CHUNK) session.feed(stream.subarray(at, at + CHUNK));
session.finish();
global.gc?.();
const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
const retained = (after - before) / session.eventCount;
const eventsTotal = session.eventCount;
session = null;

const mb = streamLength / 1e6;
const fmt = (n) => n.toFixed(1);
console.log(
  `bench:engine — ${eventsTotal.toLocaleString('en-US')} events (${fmt(mb)} MB of stream, ${statSync(trace).size.toLocaleString('en-US')}-byte trace file), one core, median of 3`,
);
console.log(
  `  raw copy of the same bytes      ${fmt(mb / copySeconds)} MB/s = ${fmt(events / copySeconds / 1e6)} M events/s (the physical bound)`,
);
console.log(
  `  decode only                     ${fmt(events / decodeSeconds / 1e6)} M events/s  (${((copySeconds / decodeSeconds) * 100).toFixed(1)}% of copy; target ≥ 50)`,
);
console.log(
  `  decode + order + model          ${fmt(events / modelSeconds / 1e6)} M events/s  (${((copySeconds / modelSeconds) * 100).toFixed(1)}% of copy; target ≥ 20)`,
);
console.log(`  seek, 20 random targets         median ${fmt(median(seeks))} ms, max ${fmt(Math.max(...seeks))} ms (target < 50)`);
console.log(`  seek backwards, 10 steps        median ${fmt(median(back))} ms, max ${fmt(Math.max(...back))} ms`);
console.log(
  `  memory retained per event       ${fmt(retained)} bytes (target ≤ 64)${global.gc ? '' : ' (run node with --expose-gc for a firmer figure)'}`,
);
if (peer) {
  const ratios = paired.map((round) => round.ratio);
  console.log(`  decode + order + model beside the peer engine ${peerPath}, ${PAIRED_ROUNDS} interleaved rounds:`);
  console.log(
    `    this engine                   ${fmt(events / median(paired.map((round) => round.mine)) / 1e6)} M events/s (median round)`,
  );
  console.log(
    `    peer engine                   ${fmt(events / median(paired.map((round) => round.theirs)) / 1e6)} M events/s (median round)`,
  );
  console.log(
    `    speed ratio this/peer         median ${median(ratios).toFixed(3)} (rounds ${ratios.map((ratio) => ratio.toFixed(3)).join(' ')}; above 1 is faster)`,
  );
}
console.log(`  model: ${model.superslabs.size} superslabs, ${model.threads.size} threads, ${model.findings.count()} findings`);
