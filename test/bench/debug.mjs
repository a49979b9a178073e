// debug.mjs — `npm run bench:debug`: from gdb's `stopped` to the heap read and
// validated, through cdt-gdb-adapter over stdio (slabscope dap gdb), for 8 threads
// holding 1,000 freelist nodes (native/test/debug/bench_target.c): milliseconds,
// DAP requests and bytes per stop, beside pwndbg's published read counts. Then the
// labelled Variables: a worker's 125 freed pointers (its blocks[] array) expanded
// through slabscope dap gdb, which labels each from the stop's one heap read, beside
// cdt-gdb-adapter alone (no labels) in the same run: the first answer after the stop
// (ours waits for the read) and the median of repeated answers.
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { buildNative, debug, nativeDir, plainAdapter, stopAtCheckpoint, work } from '../debug/helpers.mjs';
import { rmSync } from 'node:fs';

const layouts = buildNative();
const repeats = Number(process.env.REPEATS ?? 10);
const rows = [];
for (const layout of ['hakmem', 'aligned']) {
  const program = join(work, `bench_target_${layout}`);
  const cc = spawnSync(
    'cc',
    ['-std=gnu11', '-O1', '-g', '-o', program, 'test/debug/bench_target.c', `build/${layout}/release/libslabscope.a`, '-pthread'],
    { cwd: nativeDir, encoding: 'utf8' },
  );
  if (cc.status !== 0) throw new Error(cc.stderr);
  const stop = await stopAtCheckpoint(program, []);
  try {
    const times = [];
    let image;
    for (let i = 0; i < repeats; i++) {
      const started = performance.now();
      image = await debug.inspectStop(stop.request, layouts, { threadId: stop.threadId });
      times.push(performance.now() - started);
    }
    const nodes = image.threads.reduce((sum, thread) => sum + thread.caches.reduce((n, cache) => n + cache.nodes.length, 0), 0);
    times.sort((a, b) => a - b);
    rows.push({
      layout,
      threads: image.threads.length,
      nodes,
      slabs: image.slabs.length,
      superslabs: image.superslabs.length,
      requests: image.reads.requests,
      bound: image.superslabs.length + image.slabs.length + image.threads.length + 4,
      bytes: image.reads.bytes,
      first: times.length ? Math.round(image.reads.ms) : 0,
      median: +times[times.length >> 1].toFixed(1),
      min: +times[0].toFixed(1),
      findings: image.findings.length,
    });
  } finally {
    await stop.close();
  }
}

/** Ms from the stop to a worker's blocks[] expanded, then the median of `repeats` more; and how many values are labelled. */
async function expandBlocks(stop) {
  const started = performance.now();
  const { threads } = await stop.request('threads', {});
  let frame = null;
  for (const thread of threads) {
    const { stackFrames } = await stop.request('stackTrace', { threadId: thread.id, levels: 6 });
    frame = stackFrames.find((entry) => entry.name === 'worker');
    if (frame) break;
  }
  if (!frame) throw new Error('no worker frame at the stop');
  const children = async () => {
    const { variablesReference } = await stop.request('evaluate', { expression: 'blocks', frameId: frame.id, context: 'watch' });
    return (await stop.request('variables', { variablesReference })).variables;
  };
  let values = await children();
  const first = performance.now() - started;
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const at = performance.now();
    values = await children();
    times.push(performance.now() - at);
  }
  times.sort((a, b) => a - b);
  return {
    first: +first.toFixed(1),
    median: +times[times.length >> 1].toFixed(1),
    values: values.length,
    labelled: values.filter((v) => / \((USER|BASE) of a C\d block/.test(v.value)).length,
  };
}

const labelRows = [];
const program = join(work, 'bench_target_hakmem');
for (const [name, adapter] of [
  ['slabscope dap gdb (labels)', undefined],
  ['cdt-gdb-adapter 1.7 alone', plainAdapter],
]) {
  const stop = await stopAtCheckpoint(program, [], undefined, 'checkpoint', adapter);
  try {
    labelRows.push({ adapter: name, ...(await expandBlocks(stop)) });
  } finally {
    await stop.close();
  }
}

rmSync(work, { recursive: true, force: true });
console.log(`stopped heap, ${repeats} reads of the same stop each (stop to validated heap, incl. the stack-trace request):`);
console.table(rows.map(({ first, ...row }) => row));
console.log(
  'peer, as published: pwndbg `vis` made 90,368 memory reads for one picture (pwndbg#1708); `vis -a` took 400 s on a remote target (pwndbg#1675)',
);
for (const row of rows)
  console.log(
    `${row.layout}: ${row.requests} requests for ${row.nodes} freelist nodes in ${row.threads} threads (${(90368 / row.requests).toFixed(0)}x fewer than pwndbg's one picture), median ${row.median} ms against the 200 ms aim`,
  );
console.log(`a worker's blocks[] expanded (hakmem), from the stop and then ${repeats} times more:`);
console.table(labelRows);
