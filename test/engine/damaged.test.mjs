// damaged.test.mjs — .hktrace files recorded from the golden traces, then
// damaged as disks and killed recorders damage them: cut at every frame
// boundary and inside frames, index bytes flipped, cut or pointed elsewhere,
// stream and checkpoint bytes flipped. Each opens with exactly the whole frames
// before the damage (the model a replay of those bytes gives), seeks there, and
// says once where the damage begins and what was lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core, decode, digest, fixture, protocol, random, root } from './helpers.mjs';

const work = mkdtempSync(join(tmpdir(), 'slabscope-damaged-'));
const HEADER = 64;
/** events between checkpoints, small enough for each golden trace to get several */
const INTERVAL = { 'workload-aligned-detail': 1000, 'workload-aligned-lost': 20, 'double-free-hakmem': 100 };

/** Records a golden trace into a .hktrace the way `slabscope run` does, in chunks of `chunk` bytes. */
function recordFixture(name, chunk = 4096) {
  const stream = fixture(name);
  const path = join(work, `${name}.hktrace`);
  const session = new core.TraceSession();
  const recorder = new core.TraceRecorder(path, session, INTERVAL[name]);
  for (let at = 0; at < stream.length; at += chunk) {
    const piece = stream.subarray(at, Math.min(stream.length, at + chunk));
    recorder.write(piece);
    session.feed(piece);
  }
  session.finish();
  recorder.close();
  return { stream, path, bytes: readFileSync(path) };
}

/** Stream offsets of every frame of a wire stream: [start, end, kind, records]. */
function frames(stream) {
  const list = [];
  for (let at = stream.readUInt32LE(12); at + 24 <= stream.length;) {
    const end = at + 24 + stream.readUInt32LE(at + 4);
    list.push({ start: at, end, kind: stream.readUInt16LE(at), records: stream.readUInt32LE(at + 12) });
    at = end;
  }
  return list;
}

/** The model of a replay of `bytes` from the start, digested when it has applied `n` events (and at its end). */
function digestsOf(bytes, targets) {
  const wanted = new Map();
  const sorted = [...new Set(targets)].sort((a, b) => a - b);
  const session = new core.TraceSession();
  let next = 0;
  const takeDue = () => {
    while (next < sorted.length && session.model.eventCount === sorted[next]) wanted.set(sorted[next++], digest(session.model));
  };
  session.event = function (b, o, thread) {
    takeDue();
    return core.TraceSession.prototype.event.call(this, b, o, thread);
  };
  session.feed(bytes);
  session.finish();
  takeDue();
  return { session, wanted };
}

let written = 0;
function writeCopy(bytes) {
  const path = join(work, `copy-${written++}.hktrace`);
  writeFileSync(path, bytes);
  return path;
}

/** Opens a damaged copy and checks it against a replay of the whole frames `prefix` holds. */
function assertOpensAsPrefix(path, prefix, what) {
  const trace = core.TraceFile.open(path);
  try {
    const middle = Math.floor(trace.eventCount / 2);
    const { session, wanted } = digestsOf(prefix, [middle, trace.eventCount, 1]);
    assert.equal(trace.eventCount, session.eventCount, `${what}: events`);
    assert.deepEqual(
      trace.findings.map((f) => [f.kind, f.event, f.ptr]),
      session.model.findings.all.map((f) => [f.kind, f.event, f.ptr]),
      `${what}: findings`,
    );
    assert.equal(trace.summary.events, trace.eventCount);
    for (const target of [trace.eventCount, middle, Math.min(1, trace.eventCount)]) {
      const model = trace.seek(target);
      assert.equal(model.eventCount, target, `${what}: seek to ${target}`);
      assert.equal(digest(model), wanted.get(target), `${what}: model at event ${target}`);
    }
    return trace.damage;
  } finally {
    trace.close();
  }
}

test('a trace cut at every frame boundary, or inside a frame, opens with exactly the whole frames before the cut', () => {
  for (const name of ['workload-aligned-detail', 'workload-aligned-lost']) {
    const { stream, bytes } = recordFixture(name);
    const list = frames(stream);
    assert.ok(
      JSON.parse(bytes.subarray(Number(bytes.readBigUInt64LE(32))).toString()).checkpoints.length >= 3,
      `${name}: checkpoints to distrust`,
    );
    const cuts = [];
    // every boundary, from just after the handshake to just before the end-of-stream frame's end
    for (const frame of list) cuts.push({ at: frame.start, whole: frame.start });
    const next = random(list.length);
    for (let i = 0; i < 12; i++) {
      const frame = list[Math.floor(next() * list.length)];
      cuts.push({ at: frame.start + 1 + Math.floor(next() * (frame.end - frame.start - 1)), whole: frame.start });
    }
    for (const { at, whole } of cuts) {
      const what = `${name} cut at stream byte ${at}`;
      const damage = assertOpensAsPrefix(writeCopy(bytes.subarray(0, HEADER + at)), stream.subarray(0, whole), what);
      // the events of the whole frames before the cut, counted from their headers
      const counted = list.filter((frame) => frame.end <= whole && frame.kind === 1).reduce((sum, frame) => sum + frame.records, 0);
      assert.ok(damage, `${what}: a warning`);
      assert.equal(damage.event, counted, `${what}: the warning's event`);
      assert.equal(damage.offset, HEADER + whole, `${what}: the damage begins at the first frame not read whole`);
      assert.equal(damage.bytesLost, stream.length - whole, `${what}: bytes lost`);
      assert.equal(damage.endMissing, true);
      assert.equal(damage.indexRebuilt, true);
      assert.match(
        damage.message,
        new RegExp(
          `^damaged trace at byte offset ${HEADER + whole} \\(event ${counted}\\): .*opened with the ${counted} events before it; ${stream.length - whole} bytes of the stream lost from there, the end-of-stream frame missing`,
        ),
      );
    }
  }
});

test('a damaged index is rebuilt from the intact stream: the same events, findings and models as the good file', () => {
  const { path, bytes } = recordFixture('workload-aligned-lost');
  const good = core.TraceFile.open(path);
  const indexAt = Number(bytes.readBigUInt64LE(32)),
    indexLength = Number(bytes.readBigUInt64LE(40));
  const streamEnd = HEADER + Number(bytes.readBigUInt64LE(24));
  const oldStyle = (mutate) => {
    // a file from before the index and checkpoints had checksums
    const index = JSON.parse(bytes.subarray(indexAt).toString());
    for (const entry of index.checkpoints) delete entry.crc32;
    mutate(index);
    const text = Buffer.from(JSON.stringify(index));
    const copy = Buffer.concat([bytes.subarray(0, indexAt), text]);
    copy.writeUInt32LE(1, 12);
    copy.writeBigUInt64LE(BigInt(text.length), 40);
    copy.writeUInt32LE(0, 56);
    return copy;
  };
  const copies = [];
  for (let i = 0; i < 40; i++) {
    const at = indexAt + Math.floor((i * indexLength) / 40);
    copies.push([
      `index byte ${at} flipped`,
      (b) => {
        b[at] ^= 1 << (i % 8);
      },
    ]);
  }
  copies.push(
    [
      'index JSON cut by its length',
      (b) => {
        b.writeBigUInt64LE(BigInt(indexLength - 9), 40);
      },
    ],
    ['file cut inside the index', (b) => b.subarray(0, indexAt + (indexLength >> 1))],
    ['file cut inside the checkpoints', (b) => b.subarray(0, streamEnd + 100)],
    ['file cut at the end of the stream', (b) => b.subarray(0, streamEnd)],
    [
      'index offset past the file',
      (b) => {
        b.writeBigUInt64LE(BigInt(b.length + 10), 32);
      },
    ],
    [
      'index offset inside the stream',
      (b) => {
        b.writeBigUInt64LE(100n, 32);
      },
    ],
    [
      'index offset at the checkpoints',
      (b) => {
        b.writeBigUInt64LE(BigInt(streamEnd), 32);
      },
    ],
    [
      'index offset zero',
      (b) => {
        b.writeBigUInt64LE(0n, 32);
      },
    ],
    // files from before the header had a checksum: the fields themselves are checked
    [
      'index offset past the file, no header checksum',
      (b) => {
        b.writeUInt32LE(3, 12);
        b.writeBigUInt64LE(BigInt(b.length + 10), 32);
      },
    ],
    [
      'index offset inside the stream, no header checksum',
      (b) => {
        b.writeUInt32LE(3, 12);
        b.writeBigUInt64LE(100n, 32);
      },
    ],
    [
      'index offset at the checkpoints, no header checksum',
      (b) => {
        b.writeUInt32LE(3, 12);
        b.writeBigUInt64LE(BigInt(streamEnd), 32);
      },
    ],
    [
      'index length past the file, no header checksum',
      (b) => {
        b.writeUInt32LE(3, 12);
        b.writeBigUInt64LE(1n << 40n, 40);
      },
    ],
    [
      'stream offset wrong, no header checksum',
      (b) => {
        b.writeUInt32LE(3, 12);
        b.writeBigUInt64LE(128n, 16);
      },
    ],
    ['an old index cut short', () => oldStyle(() => {}).subarray(0, indexAt + 50)],
    [
      'an old index with a wrong event count',
      () =>
        oldStyle((index) => {
          index.eventCount -= 1;
        }),
    ],
    [
      'header magic damaged',
      (b) => {
        b[1] ^= 0x20;
      },
    ],
  );
  try {
    for (const [what, mutate] of copies) {
      const copy = Buffer.from(bytes);
      const trace = core.TraceFile.open(writeCopy(mutate(copy) ?? copy));
      try {
        assert.ok(trace.damage, `${what}: a warning`);
        assert.equal(trace.damage.event, null, `${what}: the stream is whole`);
        assert.equal(trace.damage.bytesLost, 0);
        assert.equal(trace.damage.indexRebuilt, true);
        assert.match(trace.damage.message, /index rebuilt from the stream, which is whole .*nothing lost$/);
        assert.equal(trace.eventCount, good.eventCount, what);
        assert.deepEqual(trace.summary, good.summary, what);
        assert.deepEqual(trace.findings, good.findings, what);
        assert.deepEqual(trace.index.errors, good.index.errors, what);
        for (const target of [good.eventCount, 77])
          assert.equal(digest(trace.seek(target)), digest(good.seek(target)), `${what}: model at ${target}`);
      } finally {
        trace.close();
      }
    }
  } finally {
    good.close();
  }
});

test('a byte flipped in the middle of the stream: the file opens with the whole frames before it, whatever the checkpoints after it say', () => {
  const { stream, bytes } = recordFixture('workload-aligned-detail');
  const list = frames(stream);
  const index = JSON.parse(bytes.subarray(Number(bytes.readBigUInt64LE(32))).toString());
  // an events frame with checkpoints on both sides of it
  const frame = list.find(
    (f) => f.kind === 1 && f.records >= 8 && f.start > index.checkpoints[1].streamOffset && f.end < index.checkpoints.at(-1).streamOffset,
  );
  assert.ok(frame, 'an events frame between checkpoints');
  const prefix = stream.subarray(0, frame.start);
  const flips = [
    [
      'its length',
      (b) => {
        b[HEADER + frame.start + 6] ^= 0x10;
      },
    ],
    [
      'its record count',
      (b) => {
        b[HEADER + frame.start + 12] ^= 0x01;
      },
    ],
    [
      'an event kind in it',
      (b) => {
        b[HEADER + frame.start + 24 + 48 * 5 + 17] ^= 0x40;
      },
    ],
    [
      'a sequence number in it',
      (b) => {
        b[HEADER + frame.start + 24 + 48 * 3 + 8] ^= 0x04;
      },
    ],
    [
      'its length, the index damaged too',
      (b) => {
        b[HEADER + frame.start + 6] ^= 0x10;
        b[Number(b.readBigUInt64LE(32)) + 3] ^= 0x01;
      },
    ],
  ];
  for (const [what, mutate] of flips) {
    const copy = Buffer.from(bytes);
    mutate(copy);
    const damage = assertOpensAsPrefix(writeCopy(copy), prefix, what);
    assert.ok(damage, `${what}: a warning`);
    assert.ok(
      damage.offset >= HEADER + frame.start && damage.offset < HEADER + frame.end,
      `${what}: the damage at ${damage.offset} is in the frame`,
    );
    assert.equal(damage.event, decode(prefix).eventCount);
    assert.equal(damage.bytesLost, stream.length - frame.start);
    assert.equal(damage.endMissing, true);
  }
  // with no index to hold it against, a record the decoder skips is a stream warning, as in the live session that recorded it
  const copy = Buffer.from(bytes);
  copy[HEADER + frame.start + 24 + 48 * 5 + 17] ^= 0x40;
  copy[Number(copy.readBigUInt64LE(32)) + 3] ^= 0x01;
  const trace = core.TraceFile.open(writeCopy(copy));
  try {
    assert.equal(trace.eventCount, decode(stream).eventCount - 1);
    assert.equal(trace.damage.event, null);
    assert.deepEqual(
      trace.index.errors.map((error) => [error.code, error.offset]),
      [['unknown-event', frame.start + 24 + 48 * 5 + 16]],
    );
  } finally {
    trace.close();
  }
});

test('a damaged checkpoint is never restored: seeks replay from an earlier one and give the good models', () => {
  const { path, bytes } = recordFixture('workload-aligned-detail');
  const good = core.TraceFile.open(path);
  try {
    const checkpoints = good.index.checkpoints;
    assert.ok(checkpoints.length >= 4, `${checkpoints.length} checkpoints`);
    const bad = checkpoints[2];
    const blob = bytes.subarray(bad.dataOffset, bad.dataOffset + bad.dataLength);
    const head = (4 + blob.readUInt32LE(0) + 7) & ~7;
    const flipAt = bad.dataOffset + head + 2;
    // the flip changes the model the checkpoint holds, so restoring it would show
    const flipped = Buffer.from(blob);
    flipped[head + 2] ^= 0x01;
    const order = () => new core.EventOrder({ event() {}, lost() {} });
    assert.notEqual(
      digest(core.readCheckpoint(flipped, good.handshake, order())),
      digest(core.readCheckpoint(blob, good.handshake, order())),
    );
    const targets = [bad.event, bad.event + 5, checkpoints[3].event - 1];
    const oldIndex = JSON.parse(bytes.subarray(Number(bytes.readBigUInt64LE(32))).toString());
    for (const entry of oldIndex.checkpoints) delete entry.crc32;
    const copies = {
      'its checksum': (b) => {
        b[flipAt] ^= 0x01;
        return b;
      },
      // a file from before checksums: its structure is what can be checked
      'its structure, no checksums': (b) => {
        b[bad.dataOffset + 4] = 0x78;
        const text = Buffer.from(JSON.stringify(oldIndex));
        const copy = Buffer.concat([b.subarray(0, Number(b.readBigUInt64LE(32))), text]);
        copy.writeUInt32LE(1, 12);
        copy.writeBigUInt64LE(BigInt(text.length), 40);
        return copy;
      },
    };
    for (const [what, mutate] of Object.entries(copies)) {
      const trace = core.TraceFile.open(writeCopy(mutate(Buffer.from(bytes))));
      try {
        assert.ok(trace.damage, `${what}: a warning`);
        assert.equal(trace.damage.offset, bad.dataOffset);
        assert.equal(trace.damage.event, null);
        assert.match(
          trace.damage.message,
          new RegExp(
            `^damaged trace at byte offset ${bad.dataOffset}: checkpoint 3 of ${checkpoints.length} \\(event ${bad.event}\\) .*; seeks replay from an earlier checkpoint; nothing lost$`,
          ),
        );
        assert.equal(trace.eventCount, good.eventCount);
        assert.equal(trace.index.checkpoints.length, checkpoints.length - 1);
        for (const target of targets) assert.equal(digest(trace.seek(target)), digest(good.seek(target)), `${what}: model at ${target}`);
      } finally {
        trace.close();
      }
    }
  } finally {
    good.close();
  }
});

test('randomly damaged copies (cut, bytes flipped, spans replaced) open or are refused with an offset; none throws anything else or hangs', () => {
  const { stream, bytes } = recordFixture('workload-aligned-lost');
  const whole = decode(stream).eventCount;
  const next = random(20261204);
  const int = (n) => Math.floor(next() * n);
  let damaged = 0,
    refused = 0;
  for (let n = 0; n < 300; n++) {
    let copy = Buffer.from(bytes);
    for (let m = 1 + int(3); m > 0; m--) {
      const at = int(copy.length);
      switch (int(3)) {
        case 0:
          copy = copy.subarray(0, at);
          break;
        case 1:
          copy[at] ^= 1 << int(8);
          break;
        default:
          for (let i = at, end = Math.min(copy.length, at + 1 + int(64)); i < end; i++) copy[i] = int(256);
      }
    }
    const path = writeCopy(copy);
    let trace;
    try {
      trace = core.TraceFile.open(path);
    } catch (error) {
      assert.equal(error.name, 'TraceFileError', `copy ${n}: ${error.stack}`);
      assert.ok(error.offset >= 0 && error.offset <= copy.length, `copy ${n}: ${error.message}`);
      refused++;
      continue;
    }
    try {
      if (trace.damage) damaged++;
      assert.ok(trace.eventCount <= whole, `copy ${n}: ${trace.eventCount} events`);
      for (const target of [trace.eventCount, int(trace.eventCount + 1)])
        assert.equal(trace.seek(target).eventCount, target, `copy ${n}: seek to ${target}`);
      assert.equal(trace.readEvents(0, 10).length, Math.min(10, trace.eventCount));
    } finally {
      trace.close();
    }
  }
  console.log(`300 damaged copies: ${damaged} opened with a warning, ${refused} refused, ${300 - damaged - refused} opened whole`);
  // a copy damaged in its header and handshake (its first 5 KB) can be refused; undetectable flips (a time, an address) open whole
  assert.ok(damaged > 100, `${damaged} opened with a warning`);
});

test('slabscope report prints the warning once on stderr and in --json, with its usual exit status', () => {
  const cli = join(root, 'extension', 'dist', 'cli.mjs');
  const report = (path, ...flags) => spawnSync(process.execPath, [cli, 'report', path, ...flags], { encoding: 'utf8', timeout: 60_000 });
  const { stream, bytes } = recordFixture('double-free-hakmem');
  const [, sync] = frames(stream);
  // cut in the sync frame: the double free's events are whole, the end is lost
  const cut = writeCopy(bytes.subarray(0, HEADER + sync.start + 10));
  const text = report(cut);
  assert.equal(text.status, 1, text.stderr);
  const warnings = text.stderr.split('\n').filter((line) => line.includes('damaged trace'));
  assert.equal(warnings.length, 1, text.stderr);
  assert.match(warnings[0], new RegExp(`^slabscope: damaged trace at byte offset ${HEADER + sync.start} \\(event \\d+\\): `));
  assert.doesNotMatch(text.stdout, /damaged|stream error/);
  assert.match(text.stdout, /double-free/);
  const json = report(cut, '--json');
  assert.equal(json.status, 1);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.damage.offset, HEADER + sync.start);
  assert.equal(parsed.damage.bytesLost, stream.length - sync.start);
  assert.equal(parsed.damage.endMissing, true);
  assert.equal(`slabscope: ${parsed.damage.message}`, json.stderr.trim());
  assert.deepEqual(
    parsed.findings.map((f) => f.kind),
    ['double-free'],
  );
  const sarif = report(cut, '--sarif');
  assert.equal(sarif.status, 1);
  assert.equal(JSON.parse(sarif.stdout).runs[0].invocations[0].toolExecutionNotifications[0].message.text, parsed.damage.message);
  // cut before any event: nothing to report but the damage, exit 0
  const early = report(writeCopy(bytes.subarray(0, HEADER + stream.readUInt32LE(12) + 30)), '--json');
  assert.equal(early.status, 0, early.stderr);
  assert.equal(JSON.parse(early.stdout).damage.event, 0);
  // a whole file says nothing of damage
  const clean = report(writeCopy(bytes), '--json');
  assert.equal(clean.status, 1);
  assert.equal(JSON.parse(clean.stdout).damage, null);
  assert.equal(clean.stderr, '');
});

test("the views of a damaged file carry its warning on their status line, and a whole file's do not", async () => {
  const { stream, bytes } = recordFixture('workload-aligned-detail');
  const [, , third] = frames(stream);
  const statusOf = async (path) => {
    const source = new protocol.TraceFileSource(core.TraceFile.open(path), 'copy');
    const messages = [];
    const host = new protocol.ViewHost(source, { post: (message) => messages.push(protocol.parseHostMessage(message)), sourceRoot: root });
    await host.receive({ type: 'ready' });
    await host.receive({ type: 'seek', event: 3 });
    host.close();
    source.close();
    source.trace.close();
    return { source, status: messages.filter((message) => message.type === 'status') };
  };
  const damaged = await statusOf(writeCopy(bytes.subarray(0, HEADER + third.start + 100)));
  assert.equal(damaged.status.length, 1);
  assert.ok(damaged.status[0].text.endsWith(` — ${damaged.source.trace.damage.message}`), damaged.status[0].text);
  assert.match(damaged.status[0].text, /^[\d,]+ events, 0 lost, 0 findings — damaged trace at byte offset \d+ \(event \d+\): /);
  const whole = await statusOf(writeCopy(bytes));
  assert.doesNotMatch(whole.status[0].text, /damaged/);
});
