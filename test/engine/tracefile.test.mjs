// tracefile.test.mjs — .hktrace files recorded by `slabscope run` from a real
// multithreaded program: seeking anywhere, forwards and backwards, gives the same
// model as replaying from the start; events read by index are the ones the
// model applied; what cannot be read is refused with the offset of the damage,
// a damaged index rebuilt (test/engine/damaged.test.mjs damages more).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core, decode, digest, fixture, root } from './helpers.mjs';

const cli = join(root, 'extension', 'dist', 'cli.mjs');
const work = mkdtempSync(join(tmpdir(), 'slabscope-tracefile-'));
const recorded = join(work, 'workload.hktrace');

before(() => {
  const made = spawnSync('make', ['-s', '-C', join(root, 'native'), '-j2', 'all', 'tracetests'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const run = spawnSync(
    process.execPath,
    [cli, 'run', '--lossless', '--out', recorded, '--', join(root, 'native/build/test/workload'), '8000'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

test('seeking anywhere, forwards and backwards, gives the model a replay from the start gives', () => {
  const trace = core.TraceFile.open(recorded);
  try {
    assert.ok(trace.eventCount > 400_000, `${trace.eventCount} events`);
    assert.ok(trace.index.checkpoints.length >= 2, `${trace.index.checkpoints.length} checkpoints`);
    const targets = [
      trace.eventCount,
      0,
      1,
      trace.index.checkpoints[1].event,
      trace.index.checkpoints[1].event - 1,
      Math.floor(trace.eventCount / 3),
      Math.floor(trace.eventCount / 3) - 7,
      trace.eventCount - 1,
      12345,
    ];
    // the reference: one replay from the start, digests taken as it passes each target
    const wanted = new Map();
    const sorted = [...new Set(targets)].sort((a, b) => a - b);
    const reference = new core.TraceSession();
    let next = 0;
    const takeDue = () => {
      while (next < sorted.length && reference.model.eventCount === sorted[next]) wanted.set(sorted[next++], digest(reference.model));
    };
    // digest exactly at each target: the session applies one event at a time through its order
    const bytes = readFileSync(recorded);
    const header = new DataView(bytes.buffer, bytes.byteOffset);
    const stream = bytes.subarray(64, 64 + Number(header.getBigUint64(24, true)));
    reference.event = function (b, o, thread) {
      takeDue();
      return core.TraceSession.prototype.event.call(this, b, o, thread);
    };
    reference.feed(stream);
    reference.finish();
    takeDue();
    assert.equal(reference.model.eventCount, trace.eventCount);
    assert.equal(wanted.size, sorted.length);
    for (const target of targets) {
      const started = performance.now();
      const seeked = trace.seek(target);
      const ms = performance.now() - started;
      assert.equal(seeked.eventCount, target);
      assert.equal(digest(seeked), wanted.get(target), `model at event ${target} (seek took ${ms.toFixed(1)} ms)`);
    }
  } finally {
    trace.close();
  }
});

test('events read by index are the events the model applies there', () => {
  const trace = core.TraceFile.open(recorded);
  try {
    const at = trace.index.checkpoints[0].event - 3;
    const events = trace.readEvents(at, 10);
    assert.equal(events.length, 10);
    assert.deepEqual(
      events.map((e) => e.index),
      Array.from({ length: 10 }, (_, i) => at + i),
    );
    // each event, applied to the model seeked just before it, is what moves it one step
    for (const event of events.slice(0, 4)) {
      const before = trace.seek(event.index);
      assert.equal(before.eventCount, event.index);
    }
    const tail = trace.readEvents(trace.eventCount - 2, 10);
    assert.equal(tail.length, 2);
    // times come in order across threads, the order's whole point
    const many = trace.readEvents(1000, 20000);
    let late = 0;
    for (let i = 1; i < many.length; i++) if (many[i].timeNs < many[i - 1].timeNs) late++;
    assert.ok(late < many.length / 100, `${late} of ${many.length} events out of time order`);
  } finally {
    trace.close();
  }
});

test('the summary and findings of the file are those of the live session', () => {
  const trace = core.TraceFile.open(recorded);
  try {
    assert.equal(trace.summary.events, trace.eventCount);
    assert.equal(trace.summary.threads, 9);
    assert.deepEqual(
      trace.findings.map((f) => f.kind),
      [],
    );
    assert.ok(trace.summary.ended);
    const remote = trace.summary.classes.reduce((sum, c) => sum + (c.frees.remote ?? 0), 0);
    assert.ok(remote > 1000, `${remote} remote frees`);
  } finally {
    trace.close();
  }
});

test('what cannot be read is refused with the offset; a damaged index is rebuilt and said once; an unfinished recording is read from its stream', () => {
  const good = readFileSync(recorded);
  const bad = (name, mutate) => {
    const path = join(work, name);
    const copy = Buffer.from(good);
    mutate(copy);
    writeFileSync(path, copy);
    return path;
  };
  assert.throws(
    () =>
      core.TraceFile.open(
        bad('magic.hktrace', (b) => {
          b[0] = 0;
          b[64] = 0;
        }),
      ),
    /not a Slabscope trace.*offset 0/,
  );
  assert.throws(() => core.TraceFile.open(bad('version.hktrace', (b) => b.writeUInt16LE(9, 8))), /version 9 is not supported.*offset 8/);
  assert.throws(
    () =>
      core.TraceFile.open(
        bad('handshake.hktrace', (b) => {
          b[64 + 12] = 0xff;
          b[64 + 15] = 0x7f;
        }),
      ),
    /no handshake in .*impossible handshake length.*offset 76/,
  );
  const whole = core.TraceFile.open(recorded);
  const indexAt = Number(good.readBigUInt64LE(32));
  for (const [name, mutate, message] of [
    [
      'index.hktrace',
      (b) => b.writeBigUInt64LE(BigInt(b.length), 32),
      /^damaged trace at byte offset 0: the header does not match its checksum/,
    ],
    [
      'json.hktrace',
      (b) => {
        b[indexAt] = 0x7b;
        b[indexAt + 1] = 0x7b;
      },
      new RegExp(`^damaged trace at byte offset ${indexAt}: the index does not match its checksum`),
    ],
  ]) {
    const rebuilt = core.TraceFile.open(bad(name, mutate));
    try {
      assert.match(rebuilt.damage.message, message);
      assert.match(rebuilt.damage.message, /index rebuilt from the stream, which is whole .*; nothing lost$/);
      assert.equal(rebuilt.eventCount, whole.eventCount);
      assert.deepEqual(rebuilt.summary, whole.summary);
    } finally {
      rebuilt.close();
    }
  }
  assert.equal(whole.damage, null);
  whole.close();
  // the header never completed (the recorder was killed): the stream is indexed on open
  const unfinished = bad('unfinished.hktrace', (b) => b.writeUInt32LE(0, 12));
  truncateSync(unfinished, indexAt);
  const recovered = core.TraceFile.open(unfinished);
  try {
    assert.equal(recovered.eventCount, core.TraceFile.open(recorded).eventCount);
    assert.match(
      recovered.damage.message,
      /the recording was never finished: no index follows the stream; index rebuilt from the stream, which is whole/,
    );
    assert.equal(digest(recovered.seek(54321)), digest(core.TraceFile.open(recorded).seek(54321)));
  } finally {
    recovered.close();
  }
  // a raw wire stream (SLABSCOPE_TRACE_FILE) opens the same way
  const raw = join(work, 'raw.wire');
  writeFileSync(raw, fixture('workload-hakmem-ops'));
  const rawTrace = core.TraceFile.open(raw);
  assert.equal(rawTrace.eventCount, decode(fixture('workload-hakmem-ops')).model.eventCount);
  assert.equal(rawTrace.damage, null);
  rawTrace.close();
  assert.ok(statSync(recorded).size > 0);
});

test('a trace read from bytes the caller fetched (a workspace file system) is the trace read from its path', () => {
  const fromPath = core.TraceFile.open(recorded);
  const fromBytes = core.TraceFile.open(core.memoryBytes('vscode-remote://host/workload.hktrace', new Uint8Array(readFileSync(recorded))));
  try {
    assert.equal(fromBytes.path, 'vscode-remote://host/workload.hktrace');
    assert.equal(fromBytes.eventCount, fromPath.eventCount);
    assert.deepEqual(fromBytes.summary, fromPath.summary);
    for (const n of [0, 1, 70000, fromPath.eventCount]) assert.equal(digest(fromBytes.seek(n)), digest(fromPath.seek(n)), `seek(${n})`);
    // cut short in memory: the same recovery as a cut file
    const cut = core.TraceFile.open(core.memoryBytes('cut', new Uint8Array(readFileSync(recorded)).subarray(0, 200_000)));
    assert.ok(cut.damage && cut.eventCount > 0 && cut.eventCount < fromPath.eventCount, cut.damage?.message);
    cut.close();
  } finally {
    fromPath.close();
    fromBytes.close();
  }
});

test('the symbolizer starts its tool through the process factory it is given, and answers as the local one does', async () => {
  const trace = core.TraceFile.open(recorded);
  const started = [];
  const local = new core.Symbolizer(trace.handshake.modules);
  // a factory that starts the tool another way (through env, as a remote shell would), and says so
  const injected = new core.Symbolizer(trace.handshake.modules, {
    tool: 'llvm-symbolizer',
    spawn: (tool, args) => {
      started.push(tool);
      return spawn('/usr/bin/env', [tool, ...args], { stdio: 'pipe' });
    },
  });
  try {
    const pcs = [
      ...new Set(
        trace
          .readEvents(0, 5000)
          .filter((e) => e.kindName === 'alloc' && e.pc)
          .map((e) => e.pc),
      ),
    ].slice(0, 5);
    assert.ok(pcs.length > 0);
    const want = await local.resolveAll(pcs),
      got = await injected.resolveAll(pcs);
    assert.deepEqual(started, ['llvm-symbolizer'], 'one tool process, started through the factory');
    assert.deepEqual([...got], [...want]);
    assert.ok(
      [...got.values()].some((frames) => frames.some((frame) => frame.line)),
      "the workload's call sites have lines",
    );
  } finally {
    local.close();
    injected.close();
    trace.close();
  }
});
