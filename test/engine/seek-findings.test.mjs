// seek-findings.test.mjs — a finding whose evidence spans a checkpoint is found
// after a seek as in a replay from the start: each detector's memory (route
// counts, the drain in progress, sentinels already reported, a thread's loss)
// travels in the checkpoint. Real traces recorded by `slabscope run`, then
// recorded again with a checkpoint every few events so that checkpoints fall
// inside the evidence; a model restored from each checkpoint and replayed to
// the end must find exactly what the replay from the start found after it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core, digest, root } from './helpers.mjs';

const cli = join(root, 'extension', 'dist', 'cli.mjs');
const nativeDir = join(root, 'native');
const work = mkdtempSync(join(tmpdir(), 'slabscope-seek-findings-'));
const injected = (name) => join(nativeDir, 'build', 'inject', name, 'hakmem', 'trace', 'libslabscope.so');
// small rings: a thread's events come in many frames, and a checkpoint may fall between any two
const SMALL_RING = { SLABSCOPE_RING: '512' };
const CASES = [
  { kind: 'route-regression', inject: 'registry-in-fast-path', program: 'inject_demo', args: ['route'], checkpoints: 40, env: SMALL_RING },
  { kind: 'slab-leak', inject: 'sll-no-used-decrement', program: 'inject_demo', args: ['drain'], checkpoints: 40, env: SMALL_RING },
  { kind: 'sentinel-leak', inject: 'remote-sentinel-leak', program: 'inject_demo', args: ['remote'], checkpoints: 40, env: SMALL_RING },
  { kind: 'double-free', program: 'bugs/double_free_remote', args: [], checkpoints: Infinity, env: { SLABSCOPE_RING: '16' } },
  // a ring of 16 events drops some on every thread, more than once on some
  { kind: 'lost-events', program: 'workload', args: ['2000'], options: ['--lossy'], env: { SLABSCOPE_RING: '16' }, checkpoints: Infinity },
];

before(() => {
  for (const args of [
    ['all', 'bugtests', 'tracetests'],
    ...CASES.filter((c) => c.inject).map((c) => [`INJECT=${c.inject}`, `build/inject/${c.inject}/hakmem/trace/libslabscope.so`]),
  ]) {
    const made = spawnSync('make', ['-s', '-C', nativeDir, '-j2', ...args], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  }
});

/** Records `program` with the CLI, then records its stream again with a checkpoint every `interval` events. */
function record({ kind, inject, program, args, options = [], env = {} }, checkpoints) {
  const first = join(work, `${kind}.hktrace`);
  const library = inject ? ['--library', injected(inject)] : [];
  const run = spawnSync(
    process.execPath,
    [cli, 'run', ...options, ...library, '--out', first, '--', join(nativeDir, 'build', 'test', program), ...args],
    { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } },
  );
  assert.ok(run.status === 0 || run.status === 1, run.stdout + run.stderr);
  const bytes = readFileSync(first);
  const stream = bytes.subarray(64, 64 + Number(bytes.readBigUInt64LE(24)));
  const events = core.TraceFile.open(first);
  const interval = Math.max(1, Math.floor(events.eventCount / checkpoints));
  events.close();
  // the replay from the start, noting how many findings it had at each frame boundary
  const path = join(work, `${kind}-dense.hktrace`);
  const session = new core.TraceSession();
  const recorder = new core.TraceRecorder(path, session, interval);
  const foundAt = new Map(),
    lossesAt = new Map();
  session.listeners.push({
    boundary: (streamEnd) => {
      const findings = session.model.findings;
      foundAt.set(streamEnd, findings.all.length);
      lossesAt.set(streamEnd, new Map([...session.model.threads.keys()].map((id) => [id, findings.lossOf(id)?.ranges.length ?? 0])));
    },
  });
  for (let at = 0; at < stream.length; at += 4096) {
    const chunk = stream.subarray(at, at + 4096);
    recorder.write(chunk);
    session.feed(chunk);
  }
  session.finish();
  recorder.close();
  return { path, full: session.model, foundAt, lossesAt };
}

/**
 * The model restored from `entry` and replayed through the rest of `stream` the
 * way a session reads it (every record after the last event too).
 */
function replayFrom(file, stream, handshake, entry) {
  let model = null;
  const order = new core.EventOrder({ event: (b, o, thread) => model.apply(b, o, thread), lost: (record) => model.onLost(record) });
  model = core.readCheckpoint(file.subarray(entry.dataOffset, entry.dataOffset + entry.dataLength), handshake, order);
  const decoder = new core.Decoder({
    handshake() {},
    error() {},
    events: (batch) => order.events(batch),
    sync: (timeNs) => order.sync(timeNs),
    lost: (record) => order.lost(record),
    crash: (record) => {
      order.flush();
      model.onCrash(record);
    },
    slabBytes: (record) => model.onSlabBytes(record),
    end: () => order.flush(),
  });
  decoder.resumeAt(handshake, entry.streamOffset);
  decoder.push(stream.subarray(entry.streamOffset));
  decoder.finish();
  order.flush();
  return model;
}

const said = (findings) => findings.map((finding) => JSON.stringify(core.serializeFinding(finding)));

for (const scenario of CASES) {
  test(`${scenario.kind}: a model restored from any checkpoint finds what the replay from the start found after it`, () => {
    const { path, full, foundAt, lossesAt } = record(scenario, scenario.checkpoints);
    assert.ok(full.findings.count(scenario.kind) > 0, `the trace shows ${scenario.kind}: ${said(full.findings.all)}`);
    const trace = core.TraceFile.open(path);
    const file = readFileSync(path);
    const stream = file.subarray(64, 64 + Number(file.readBigUInt64LE(24)));
    try {
      const checkpoints = trace.index.checkpoints;
      assert.ok(checkpoints.length >= 4, `${checkpoints.length} checkpoints in ${trace.eventCount} events`);
      // some checkpoint falls inside the evidence: after the trace began and before the finding
      // (a loss is its own evidence: what matters there is a thread losing events on both sides of one, below)
      const firstFound = full.findings.all.find((finding) => finding.kind === scenario.kind).event;
      if (scenario.kind !== 'lost-events')
        assert.ok(
          checkpoints.some((entry) => entry.event < firstFound),
          `a checkpoint before event ${firstFound}`,
        );
      let spanned = 0;
      for (let k = 0; k < checkpoints.length; k++) {
        const entry = checkpoints[k];
        const seeked = replayFrom(file, stream, trace.handshake, entry);
        assert.equal(seeked.eventCount, full.eventCount);
        assert.equal(digest(seeked), digest(full), `state after a replay from checkpoint ${k} (event ${entry.event})`);
        const before = foundAt.get(entry.streamOffset);
        assert.ok(before !== undefined, `checkpoint ${k} is at a frame boundary`);
        assert.deepEqual(
          said(seeked.findings.all),
          said(full.findings.all.slice(before)),
          `findings after checkpoint ${k} (event ${entry.event}, ${before} findings before it)`,
        );
        for (const id of full.threads.keys()) {
          assert.deepEqual(seeked.findings.lossOf(id), full.findings.lossOf(id), `thread ${id}'s loss, from checkpoint ${k}`);
          // a thread that had lost events at the checkpoint and lost more after it
          const then = lossesAt.get(entry.streamOffset).get(id) ?? 0;
          if (then > 0 && full.findings.lossOf(id).ranges.length > then) spanned++;
        }
      }
      if (scenario.kind === 'lost-events') assert.ok(spanned > 0, 'some thread lost events both before and after a checkpoint');
    } finally {
      trace.close();
    }
  });
}

/** `bytes`, a checkpoint, with its structure changed by `edit` (the block arrays after it moved along). */
function rewriteCheckpoint(bytes, edit) {
  const length = bytes.readUInt32LE(0);
  const json = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8'));
  edit(json);
  const text = Buffer.from(JSON.stringify(json));
  const head = (4 + text.length + 7) & ~7;
  const out = Buffer.alloc(head + bytes.length - ((4 + length + 7) & ~7));
  out.writeUInt32LE(text.length, 0);
  text.copy(out, 4);
  bytes.copy(out, head, (4 + length + 7) & ~7);
  return out;
}

test('a checkpoint of format 1 (no detector memory) restores the heap state and its detectors start blind; a newer format is refused', () => {
  const path = join(work, 'route-regression-dense.hktrace'); // recorded by the route-regression case above
  const trace = core.TraceFile.open(path);
  const file = readFileSync(path);
  const stream = file.subarray(64, 64 + Number(file.readBigUInt64LE(24)));
  try {
    // the last checkpoint before the first regression: most of the frees it judges come before it
    const first = trace.findings.find((finding) => finding.kind === 'route-regression').event;
    const entry = trace.index.checkpoints.filter((checkpoint) => checkpoint.event < first).at(-1);
    const bytes = file.subarray(entry.dataOffset, entry.dataOffset + entry.dataLength);
    const current = replayFrom(file, stream, trace.handshake, entry);
    const old = rewriteCheckpoint(bytes, (json) => {
      assert.equal(json.format, 2);
      for (const key of ['format', 'detectors', 'findings']) delete json[key];
      for (const thread of json.threads) {
        delete thread.lastRead;
        delete thread.lastOp;
      }
    });
    const oldEntry = { ...entry, dataOffset: file.length, dataLength: old.length };
    const restored = replayFrom(Buffer.concat([file, old]), stream, trace.handshake, oldEntry);
    assert.equal(digest(restored), digest(current));
    // blind: the route counts before the checkpoint are not its, so it misjudges the regression (misses it, or says a smaller share)
    assert.equal(current.findings.all[0]?.kind, 'route-regression');
    assert.notDeepEqual(said(restored.findings.all), said(current.findings.all));
    const newer = rewriteCheckpoint(bytes, (json) => {
      json.format = 3;
    });
    assert.throws(() => core.readCheckpoint(newer, trace.handshake, new core.EventOrder({ event() {}, lost() {} })), {
      name: 'CheckpointError',
      message: 'checkpoint format 3 is not one this engine reads (1 to 2)',
    });
    const damaged = rewriteCheckpoint(bytes, (json) => {
      json.detectors.slabs = { lastPut: 'no list', leakingClasses: [] };
    });
    assert.throws(() => core.readCheckpoint(damaged, trace.handshake, new core.EventOrder({ event() {}, lost() {} })), {
      name: 'CheckpointError',
      message: `checkpoint of event ${entry.event}: the slabs detector's memory: lastPut is not a list`,
    });
  } finally {
    trace.close();
  }
});
