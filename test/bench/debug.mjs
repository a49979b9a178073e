// debug.mjs — `npm run bench:debug`: from gdb's stop to the views updated (the heap
// read, validated, made the engine's state and encoded as the heap view's message),
// for 8 threads holding 1,000 freelist nodes (native/test/debug/bench_target.c), at
// STOPS stops of one run. Two ways of reading, alternated stop by stop in the same
// run: over gdb/MI inside slabscope-gdb before its `stopped` event (what the editor
// does for slabscope-gdb), and over DAP after the event while the editor's own
// requests of a stop (threads, stack, scopes, variables) go to the same gdb (what it
// does for any other adapter). Milliseconds, requests and bytes per stop, beside
// pwndbg's published read counts. Then the labelled Variables: a worker's 125 freed
// pointers (its blocks[] array) expanded through slabscope dap gdb, which labels each
// from the stop's one heap read, beside cdt-gdb-adapter alone (no labels) in the same
// run: the first answer after the stop and the median of repeated answers.
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { buildNative, debug, launchToCheckpoint, nativeDir, plainAdapter, root, stopAtCheckpoint, work } from '../debug/helpers.mjs';

const { HeapFeed, StoppedSource } = await import(join(root, 'extension', 'dist', 'protocol.mjs'));
const layouts = buildNative();
const stops = Number(process.env.STOPS ?? 20);
const repeats = Number(process.env.REPEATS ?? 10);

/** The heap as the views get it: validated, the engine's state, the heap message encoded. */
function toViews(memory, stoppedAt) {
  const image = debug.heapImage(memory, stoppedAt);
  const state = debug.heapStateOf(image, memory, 'bench_target');
  const source = new StoppedSource(state, image.findings, 'bench_target (stopped)', 'checkpoint');
  const message = JSON.stringify(new HeapFeed().heap(source.model(), source.findings(), true));
  source.close();
  return { image, bytes: message.length };
}

/** What the editor asks of every stop, whatever the extension does. */
async function editorRequests(adapter, threadId) {
  await adapter.request('threads', {});
  const { stackFrames } = await adapter.request('stackTrace', { threadId, startFrame: 0, levels: 20 });
  const { scopes } = await adapter.request('scopes', { frameId: stackFrames[0].id });
  for (const scope of scopes) await adapter.request('variables', { variablesReference: scope.variablesReference });
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const rows = [];
for (const layout of ['hakmem', 'aligned']) {
  const program = join(work, `bench_target_${layout}`);
  const cc = spawnSync(
    'cc',
    ['-std=gnu11', '-O1', '-g', '-o', program, 'test/debug/bench_target.c', `build/${layout}/release/libslabscope.a`, '-pthread'],
    { cwd: nativeDir, encoding: 'utf8' },
  );
  if (cc.status !== 0) throw new Error(cc.stderr);
  const adapter = new debug.GdbAdapter();
  const results = { mi: [], dap: [] };
  let stopIndex = 0;
  let pending = null; // the DAP stop's gdb time, for the read after its event
  let rootAddress; // known from the first stop on, as the editor keeps it
  adapter.onStop(async (port, stop) => {
    if (stopIndex++ % 2 === 1) {
      pending = stop;
      return;
    }
    const counted = new debug.CountingPort(port);
    const memory = await debug.readHeap(counted, layouts, { rootAddress });
    rootAddress = memory.rootAddress;
    const { image } = toViews(memory, stop.stoppedAt);
    results.mi.push({ ms: performance.now() - stop.since, requests: memory.reads.requests, bytes: memory.reads.bytes, image });
  });
  try {
    await launchToCheckpoint(adapter, { program, arguments: String(stops) });
    for (let stop = 0; stop < stops; stop++) {
      const stopped = adapter.nextEvent('stopped', 60_000);
      if (stop === 0) await adapter.request('configurationDone', {});
      else await adapter.request('continue', { threadId: 1 });
      const event = await stopped;
      const threadId = event.body.threadId;
      if (pending) {
        const since = pending.since;
        pending = null;
        let requests = 0;
        const request = (command, args) => {
          requests++;
          return adapter.request(command, args);
        };
        const [{ memory, image: read }] = await Promise.all([
          debug.readStop(request, layouts, { threadId, rootAddress }),
          editorRequests(adapter, threadId),
        ]);
        const { image } = toViews(memory, read.stoppedAt);
        results.dap.push({ ms: performance.now() - since, requests, bytes: memory.reads.bytes, image });
      } else {
        await editorRequests(adapter, threadId);
      }
    }
    await adapter.request('disconnect', { terminateDebuggee: true }).catch(() => undefined);
  } finally {
    adapter.dispose();
  }
  for (const [how, runs] of Object.entries(results)) {
    const { image } = runs.at(-1);
    rows.push({
      layout,
      read: how === 'mi' ? 'gdb/MI at the stop' : 'DAP after stopped',
      stops: runs.length,
      threads: image.threads.length,
      nodes: image.threads.reduce((sum, thread) => sum + thread.caches.reduce((n, cache) => n + cache.nodes.length, 0), 0),
      slabs: image.slabs.length,
      requests: runs.at(-1).requests,
      bound: image.superslabs.length + image.slabs.length + image.threads.length + 4,
      bytes: runs.at(-1).bytes,
      'median ms': +median(runs.map((run) => run.ms)).toFixed(1),
      'max ms': +Math.max(...runs.map((run) => run.ms)).toFixed(1),
      findings: image.findings.length,
    });
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
console.log(
  `stopped heap, from gdb's stop to the views updated (read, validated, the engine's state, the heap message), ${stops} stops a layout:`,
);
console.table(rows);
console.log('requests: DAP counts the stack trace and the evaluate as well as the reads; MI counts the evaluate and the reads');
console.log(
  'peer, as published: pwndbg `vis` made 90,368 memory reads for one picture (pwndbg#1708); `vis -a` took 400 s on a remote target (pwndbg#1675)',
);
for (const row of rows)
  console.log(
    `${row.layout}, ${row.read}: ${row.requests} requests (bound ${row.bound}) for ${row.nodes} freelist nodes in ${row.threads} threads, ` +
      `${(90368 / row.requests).toFixed(0)}x fewer than pwndbg's one picture; median ${row['median ms']} ms from the stop to the views, against the 200 ms aim`,
  );
console.log(`a worker's blocks[] expanded (hakmem), from the stop and then ${repeats} times more:`);
console.table(labelRows);
