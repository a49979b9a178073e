// model.test.mjs — the heap model on real traces: its freelist chains agree
// with the counts the allocator itself reports at every push and pop, block
// states agree with the chains, and the findings of the buggy runs are found once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { core, decode, fixture } from './helpers.mjs';

const CACHE_PUSH = 3,
  CACHE_POP = 4;

/** Replays a lossless trace in the session's cross-thread order, giving each event to
 * `event(b, o, thread, model)` (which applies it, or not); returns the model. */
function replay(bytes, event) {
  let model = null;
  const order = new core.EventOrder({
    event: (b, o, thread) => event(b, o, thread, model),
    lost() {
      assert.fail('a lossless trace lost events');
    },
  });
  const decoder = new core.Decoder({
    handshake: (h) => (model = new core.HeapModel(h)),
    events: (batch) => order.events(batch),
    sync: (time) => order.sync(time),
    lost: (record) => order.lost(record),
    crash() {},
    slabBytes() {},
    end: () => order.flush(),
    error: (e) => assert.fail(e.message),
  });
  decoder.push(bytes);
  decoder.finish();
  return model;
}

test('thread cache chains have the length the allocator reports at every cache push and pop', () => {
  let checked = 0;
  // the events in the session's cross-thread order, checked one by one
  const model = replay(fixture('workload-aligned-detail'), (b, o, thread, model) => {
    model.apply(b, o, thread);
    const kind = core.eventKind(b, o);
    if ((kind === CACHE_PUSH || kind === CACHE_POP) && !(core.eventRoute(b, o) & 0x80)) {
      const cls = core.eventClass(b, o);
      const chain = model.thread(thread).caches[cls];
      assert.equal(chain.length, core.eventValue(b, o), `event ${model.eventCount - 1}: thread ${thread} class ${cls}`);
      if (kind === CACHE_PUSH) assert.equal(chain.at(-1), core.eventBase(b, o), 'the pushed block is the head');
      checked++;
    }
  });
  assert.ok(model.detail, 'recorded with pointer-level detail');
  assert.ok(checked > 1000, `${checked} pushes and pops checked`);
  assert.deepEqual(
    model.findings.all.map((f) => f.kind),
    [],
  );
});

test('every block on a chain is in the state the chain says; every free block is on exactly one chain', () => {
  const { model } = decode(fixture('workload-aligned-detail'));
  const seen = new Map();
  const mark = (base, where) => {
    assert.ok(!seen.has(base), `${base.toString(16)} is on ${seen.get(base)} and on ${where}`);
    seen.set(base, where);
  };
  for (const thread of model.threads.values())
    thread.caches.forEach((chain, cls) =>
      chain.forEach((base) => {
        mark(base, `thread ${thread.id} class ${cls}`);
        const at = model.locate(base);
        assert.equal(core.BLOCK_STATE_NAMES[at.slab.state[at.slot]], 'free-cache');
        assert.equal(at.slab.holder[at.slot], thread.id);
      }),
    );
  let free = 0;
  for (const superslab of model.superslabs.values())
    for (const slab of superslab.slabs) {
      if (!slab) continue;
      for (const base of slab.freelist) mark(base, `slab ${slab.start.toString(16)}`);
      for (const base of slab.remote) mark(base, `remote queue of ${slab.start.toString(16)}`);
      for (let slot = 0; slot < slab.capacity; slot++) {
        const state = core.BLOCK_STATE_NAMES[slab.state[slot]];
        if (state === 'free-cache' || state === 'free-slab' || state === 'remote-pending') {
          free++;
          assert.ok(seen.has(slab.baseOf(slot)), `free block ${slab.baseOf(slot).toString(16)} (${state}) is on no chain`);
        }
      }
    }
  assert.equal(free, seen.size);
  assert.ok(free > 100);
  assert.deepEqual(
    model.findings.all.map((f) => f.kind),
    [],
  );
});

test('free routes are counted per class, and an operation-level trace still knows every block', () => {
  const { model } = decode(fixture('workload-hakmem-ops'));
  assert.equal(model.detail, false);
  const routes = model.freeRoutes.reduce((sum, row) => sum + row[1] + row[2] + row[3], 0);
  assert.ok(routes > 100);
  const remote = model.freeRoutes.reduce((sum, row) => sum + row[3], 0);
  assert.ok(remote > 10, 'the workload frees across threads');
  assert.deepEqual(
    model.findings.all.map((f) => f.kind),
    [],
  );
});

test("the buggy runs: one finding each, with the block's alloc and free events", () => {
  const doubleFree = decode(fixture('double-free-hakmem')).model.findings.all;
  assert.deepEqual(
    doubleFree.map((f) => [f.kind, f.origin]),
    [['double-free', 'native']],
  );
  assert.ok(doubleFree[0].allocEvent >= 0 && doubleFree[0].freeEvent > doubleFree[0].allocEvent);
  assert.equal(doubleFree[0].stacks.alloc.length, 1);
  assert.equal(doubleFree[0].stacks.free.length, 1);
  assert.deepEqual(doubleFree[0].internalSite?.file, 'native/src/free.c');
  const nextCorrupt = decode(fixture('next-corrupt-aligned')).model.findings.all;
  assert.deepEqual(
    nextCorrupt.map((f) => f.kind),
    ['next-corrupt'],
  );
});

test("lost events make the thread's caches unknown and are one warning per thread, with the exact total and every range", () => {
  const session = decode(fixture('workload-aligned-lost'));
  const lost = session.model.findings.all.filter((f) => f.kind === 'lost-events');
  const records = []; // every lost record the stream carries, straight from the decoder
  const decoder = new core.Decoder({
    handshake() {},
    events() {},
    sync() {},
    lost: (record) => records.push(record),
    crash() {},
    slabBytes() {},
    end() {},
    error() {},
  });
  decoder.push(fixture('workload-aligned-lost'));
  decoder.finish();
  assert.ok(records.length > 1);
  const threads = new Set(records.map((r) => r.thread));
  assert.deepEqual(lost.map((f) => f.thread).sort(), [...threads].sort(), 'one finding per thread that lost events');
  assert.equal(
    session.model.lostEvents,
    lost.reduce((sum, f) => sum + Number(/^(\d+) events? /.exec(f.message)[1]), 0),
  );
  for (const thread of threads) {
    const mine = records.filter((r) => r.thread === thread);
    const finding = lost.find((f) => f.thread === thread);
    assert.equal(
      Number(/^(\d+) events? /.exec(finding.message)[1]),
      mine.reduce((sum, r) => sum + r.count, 0),
    );
    assert.match(finding.message, new RegExp(`sequence ${mine[0].firstSeq}\\.\\.${mine[0].lastSeq}`));
  }
  for (const f of lost) assert.equal(f.severity, 'warning');
  const unknown = [...session.model.threads.values()].filter((t) => t.known.includes(false));
  assert.ok(unknown.length > 0);
});

test('a thread that loses events again and again has one finding: the exact total and its ranges, the first at the first gap', () => {
  const findings = new core.FindingSet();
  findings.addLoss(3, 10, 100, 109, 500);
  findings.addLoss(4, 1, 7, 7, 600);
  const revision = findings.revision;
  findings.addLoss(3, 5, 200, 204, 900);
  assert.ok(findings.revision > revision, 'a grown loss is a new revision');
  for (let gap = 0; gap < 20; gap++) findings.addLoss(3, 1, 1000 + gap * 10, 1000 + gap * 10, 1000 + gap);
  const lost = findings.all.filter((f) => f.kind === 'lost-events');
  assert.deepEqual(
    lost.map((f) => [f.thread, f.event]),
    [
      [3, 500],
      [4, 600],
    ],
  );
  assert.equal(findings.count('lost-events'), 2);
  assert.match(
    lost[0].message,
    /^35 events of thread 3 were dropped \(22 gaps, sequence 100\.\.109, 200\.\.204, 1000, 1010, .* and 14 more\)/,
  );
  assert.match(lost[1].message, /^1 event of thread 4 was dropped \(sequence 7\)/);
});

test('a loss in the middle of a drain is no slab leak: the puts we never saw lowered the used count', () => {
  const DRAIN = 11,
    SLAB_PUSH = 5;
  let phase = 'idle',
    drainer = -1,
    slab = -1,
    used = -1,
    dropped = 0,
    droppedPuts = 0,
    cut = false;
  // a lossless trace with a drain cut as the exporter cuts one: the events after the
  // drain's first put, up to its fourth put to the same slab, replaced by a lost record
  const model = replay(fixture('workload-aligned-detail'), (b, o, thread, model) => {
    const kind = core.eventKind(b, o);
    if (phase === 'idle' && kind === DRAIN) {
      phase = 'drain';
      drainer = thread;
    } else if (phase === 'drain' && thread === drainer && kind === SLAB_PUSH) {
      phase = 'dropping';
      slab = model.locate(core.eventBase(b, o)).slab.start;
      used = core.eventValue(b, o);
    } else if (phase === 'dropping' && thread === drainer) {
      const samePut = kind === SLAB_PUSH && model.locate(core.eventBase(b, o))?.slab.start === slab;
      if (samePut && droppedPuts < 2) {
        droppedPuts++;
        dropped++;
        return;
      }
      if (kind !== SLAB_PUSH && kind !== DRAIN) {
        dropped++;
        return;
      }
      model.onLost({ thread, count: dropped, firstSeq: 0, lastSeq: dropped - 1, timestampNs: 0, streamOffset: 0 });
      cut = samePut && droppedPuts === 2 && core.eventValue(b, o) === used - 3;
      phase = cut ? 'done' : 'idle';
      dropped = droppedPuts = 0;
    }
    model.apply(b, o, thread);
  });
  assert.ok(cut, 'the trace has a drain that puts four blocks in a row to one slab');
  assert.deepEqual(
    model.findings.all.filter((f) => f.severity === 'error').map((f) => f.message),
    [],
  );
});

test('deeper stacks follow their alloc and free events', () => {
  const { model } = decode(fixture('stack-hakmem'));
  assert.equal(model.handshake.stackDepth, 4);
  const stacks = [...model.opStacks.values()];
  assert.ok(
    stacks.some((stack) => stack.length >= 3),
    `stack lengths ${stacks.map((s) => s.length)}`,
  );
});
