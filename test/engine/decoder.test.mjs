// decoder.test.mjs — the streaming decoder on traces recorded from real native
// builds: every field against the plain reference reader, any split of the
// stream into chunks giving the same result, and each kind of bad input named
// with its byte offset while what came before it is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTrace } from '../native/wire.mjs';
import { core, decode, digest, fixture, FIXTURE_NAMES, random } from './helpers.mjs';

function collect(bytes, cuts = []) {
  const events = [],
    lost = [],
    errors = [];
  let handshake = null,
    ended = false;
  const decoder = new core.Decoder({
    handshake: (h) => (handshake = h),
    events: (batch) => {
      for (let i = 0; i < batch.count; i++) events.push(core.eventAt(batch, i, events.length));
    },
    lost: (record) => lost.push(record),
    crash() {},
    slabBytes() {},
    end: () => (ended = true),
    error: (error) => errors.push(error),
  });
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > at) decoder.push(bytes.subarray(at, cut));
    at = Math.max(at, cut);
  }
  decoder.finish();
  return { handshake, events, lost, errors, ended };
}

for (const name of FIXTURE_NAMES) {
  test(`${name}: every event and lost record as the reference reader reads them`, () => {
    const bytes = fixture(name);
    const reference = readTrace(bytes);
    const decoded = collect(bytes);
    assert.deepEqual(
      decoded.errors.map((e) => e.message),
      [],
    );
    assert.equal(decoded.ended, reference.ended);
    assert.equal(decoded.handshake.pid, reference.handshake.pid);
    assert.equal(decoded.handshake.executable, reference.handshake.executable);
    assert.equal(decoded.handshake.layout.name, reference.handshake.layout.layout);
    assert.equal(decoded.handshake.modules.length, reference.handshake.modules.length);
    assert.equal(decoded.events.length, reference.events.length);
    assert.ok(decoded.events.length > 20, 'a real trace');
    for (let i = 0; i < reference.events.length; i++) {
      const want = reference.events[i],
        got = decoded.events[i];
      assert.equal(got.kindName, want.kind, `event ${i}`);
      assert.equal(got.thread, want.thread);
      assert.equal(BigInt(got.seq), want.seq);
      assert.equal(BigInt(got.timeNs), want.timestamp);
      assert.equal(got.cls, want.cls);
      assert.equal(got.route, want.route);
      assert.equal(got.site, want.siteId);
      assert.equal(BigInt(got.base), want.base);
      assert.equal(got.value, want.value);
      assert.equal(BigInt(got.pc), want.pc);
    }
    assert.deepEqual(
      decoded.lost.map((r) => [r.thread, r.count, r.firstSeq, r.lastSeq]),
      reference.lost.map((r) => [r.thread, Number(r.count), Number(r.firstSeq), Number(r.lastSeq)]),
    );
  });
}

test('property: any split of the stream into chunks decodes and models exactly as one chunk', () => {
  const next = random(0x5eed);
  for (const name of FIXTURE_NAMES) {
    const bytes = fixture(name);
    const whole = decode(bytes);
    const wanted = digest(whole.model);
    const findings = JSON.stringify(whole.model.findings.all.map((f) => [f.kind, f.event, String(f.ptr)]));
    for (let round = 0; round < 12; round++) {
      const count = round === 0 ? bytes.length - 1 : 1 + Math.floor(next() * (round < 6 ? 8 : 400));
      const cuts =
        round === 0
          ? Array.from({ length: count }, (_, i) => i + 1) // every byte alone
          : Array.from({ length: count }, () => Math.floor(next() * bytes.length)).sort((a, b) => a - b);
      const split = decode(bytes, cuts);
      assert.equal(split.errors.length, whole.errors.length, `${name} cut at ${cuts.slice(0, 10)}`);
      assert.equal(digest(split.model), wanted, `${name}: model differs when cut at ${cuts.slice(0, 10)}…`);
      assert.equal(JSON.stringify(split.model.findings.all.map((f) => [f.kind, f.event, String(f.ptr)])), findings);
    }
  }
});

function firstFrame(bytes) {
  return bytes.readUInt32LE(12);
}

test('bad magic, wrong version and impossible lengths are fatal errors at their offsets', () => {
  const good = fixture('double-free-hakmem');
  const cases = [
    {
      mutate: (b) => {
        b[3] = 0x58;
      },
      code: 'bad-magic',
      offset: 3,
    },
    {
      mutate: (b) => {
        b.writeUInt16LE(2, 8);
      },
      code: 'bad-version',
      offset: 8,
    },
    {
      mutate: (b) => {
        b.writeUInt32LE(12, 12);
      },
      code: 'bad-handshake',
      offset: 12,
    },
    {
      mutate: (b) => {
        b.writeUInt32LE(0x7fffffff, firstFrame(b) + 4);
      },
      code: 'bad-frame',
      offset: (b) => firstFrame(b) + 4,
    },
    {
      mutate: (b) => {
        b.writeUInt32LE(b.readUInt32LE(firstFrame(b) + 12) + 1, firstFrame(b) + 12);
      },
      code: 'bad-frame',
      offset: (b) => firstFrame(b) + 4,
    },
  ];
  for (const { mutate, code, offset } of cases) {
    const bytes = Buffer.from(good);
    mutate(bytes);
    const result = collect(bytes);
    const fatal = result.errors.filter((e) => e.fatal);
    assert.equal(fatal.length, 1, `${code}: ${result.errors.map((e) => e.message)}`);
    assert.equal(fatal[0].code, code);
    assert.equal(fatal[0].offset, typeof offset === 'function' ? offset(bytes) : offset);
    assert.match(fatal[0].message, /at byte offset \d+ \(expected .+\)/);
  }
});

test('a truncated stream keeps every whole frame and names where it was cut', () => {
  const bytes = fixture('workload-hakmem-ops');
  const whole = collect(bytes);
  const cut = Math.floor(bytes.length * 0.6);
  const result = collect(bytes.subarray(0, cut));
  const fatal = result.errors.find((e) => e.fatal);
  assert.equal(fatal.code, 'truncated');
  assert.ok(fatal.offset < cut && fatal.offset > cut - 64 * 1024, `offset ${fatal.offset}`);
  assert.ok(result.events.length > 0 && result.events.length < whole.events.length);
  for (let i = 0; i < result.events.length; i++) assert.deepEqual(result.events[i], whole.events[i]);
  // a stream that simply stops between frames is not truncated, but has no end frame
  let frameEnd = firstFrame(bytes);
  while (frameEnd + 24 + bytes.readUInt32LE(frameEnd + 4) < cut) frameEnd += 24 + bytes.readUInt32LE(frameEnd + 4);
  const clean = collect(bytes.subarray(0, frameEnd));
  assert.deepEqual(
    clean.errors.map((e) => e.code),
    ['no-end'],
  );
});

test('an exec frame last is a clean end; an exec frame followed by more frames (the exec failed) is not', () => {
  const bytes = fixture('workload-hakmem-ops');
  const whole = collect(bytes);
  let frameEnd = firstFrame(bytes);
  while (frameEnd + 24 + bytes.readUInt32LE(frameEnd + 4) < bytes.length * 0.6) frameEnd += 24 + bytes.readUInt32LE(frameEnd + 4);
  const exec = Buffer.alloc(24);
  exec.writeUInt16LE(7, 0);
  const execd = collect(Buffer.concat([bytes.subarray(0, frameEnd), exec]));
  assert.deepEqual(
    execd.errors.map((e) => e.code),
    [],
  );
  assert.equal(execd.ended, true);
  assert.ok(execd.events.length > 0 && execd.events.length < whole.events.length);
  // more frames after it: the stream goes on, and ends as any other stream
  const failed = collect(Buffer.concat([bytes.subarray(0, frameEnd), exec, bytes.subarray(frameEnd)]));
  assert.deepEqual(
    failed.errors.map((e) => e.code),
    [],
  );
  assert.equal(failed.events.length, whole.events.length);
  assert.equal(failed.ended, true);
  const stopped = collect(
    Buffer.concat([bytes.subarray(0, frameEnd), exec, bytes.subarray(frameEnd, frameEnd + 24 + bytes.readUInt32LE(frameEnd + 4))]),
  );
  assert.deepEqual(
    stopped.errors.map((e) => e.code),
    ['no-end'],
  );
  assert.equal(stopped.ended, false);
});

test('unknown frame kinds are skipped by length, unknown event kinds and bad sequences are skipped and named', () => {
  const bytes = Buffer.from(fixture('double-free-hakmem'));
  const first = firstFrame(bytes);
  const reference = collect(bytes);
  // an unknown frame inserted before the first frame
  const unknown = Buffer.alloc(24 + 8);
  unknown.writeUInt16LE(77, 0);
  unknown.writeUInt32LE(8, 4);
  const withUnknown = Buffer.concat([bytes.subarray(0, first), unknown, bytes.subarray(first)]);
  const skipped = collect(withUnknown);
  assert.deepEqual(
    skipped.errors.map((e) => [e.code, e.offset, e.fatal]),
    [['unknown-frame', first, false]],
  );
  assert.equal(skipped.events.length, reference.events.length);
  // the third record of the first frame gets an unknown kind
  const badKind = Buffer.from(bytes);
  badKind.writeUInt16LE(999, first + 24 + 2 * 48 + 16);
  const kindResult = collect(badKind);
  assert.deepEqual(
    kindResult.errors.map((e) => [e.code, e.offset]),
    [['unknown-event', first + 24 + 2 * 48 + 16]],
  );
  assert.equal(kindResult.events.length, reference.events.length - 1);
  // a record whose sequence number does not follow
  const badSeq = Buffer.from(bytes);
  badSeq.writeUInt32LE(123456, first + 24 + 48 + 8);
  assert.deepEqual(
    collect(badSeq).errors.map((e) => [e.code, e.offset]),
    [['bad-event', first + 24 + 48 + 8]],
  );
});

test('bytes after the end-of-stream frame and a sink that throws are reported, not thrown', () => {
  const bytes = fixture('double-free-hakmem');
  const after = collect(Buffer.concat([bytes, Buffer.from('garbage')]));
  assert.equal(after.errors.at(-1).code, 'after-end');
  const errors = [];
  const decoder = new core.Decoder({
    handshake() {
      throw new Error('view went away');
    },
    events() {},
    lost() {},
    crash() {},
    slabBytes() {},
    end() {},
    error: (e) => errors.push(e),
  });
  assert.doesNotThrow(() => {
    decoder.push(bytes);
    decoder.finish();
  });
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /view went away/);
});

test('a layout description that is not one is a bad-layout error naming the field', () => {
  assert.throws(
    () => core.parseLayout('{"format":"slabscope-layout","version":1,"superslabSize":3}'),
    /slabSize must be a non-negative integer/,
  );
  assert.throws(() => core.parseLayout('{"format":"slabscope-layout","version":2}'), /version 2 is not supported/);
  assert.throws(() => core.parseLayout('nope'), /not JSON/);
});
