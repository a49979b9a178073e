// wire.mjs — a plain reader of the trace wire format (native/PROTOCOL.md) for
// the native tests. It checks lengths and magic and throws on anything off;
// the engine's streaming decoder (extension/core) is the product's own.
export const EVENT_KINDS = [
  '', 'alloc', 'free', 'cache-push', 'cache-pop', 'slab-push', 'slab-pop', 'next-write', 'next-read',
  'header-write', 'refill', 'drain', 'remote-push', 'remote-drain', 'superslab-map', 'superslab-unmap',
  'slab-bind', 'slab-release', 'check-fail', 'thread-start', 'thread-exit', 'stack-frame',
];
export const FRAME = { events: 1, lost: 2, crash: 3, slabBytes: 4, end: 5, sync: 6, exec: 7 };

export function readTrace(bytes) {
  const data = Buffer.from(bytes);
  if (data.length < 64) throw new Error(`trace of ${data.length} bytes is shorter than the handshake header`);
  if (data.toString('latin1', 0, 8) !== 'SLABSCP\0') throw new Error('bad magic at offset 0');
  const version = data.readUInt16LE(8);
  if (version !== 1) throw new Error(`unknown version ${version} at offset 8`);
  const handshakeLength = data.readUInt32LE(12);
  if (handshakeLength > data.length) throw new Error(`handshake length ${handshakeLength} past the end`);
  const kindCount = data.readUInt16LE(32);
  const handshake = {
    version,
    pid: data.readUInt32LE(16),
    pageSize: data.readUInt32LE(20),
    startNs: data.readBigUInt64LE(24),
    flags: data.readUInt16LE(34),
    ringEvents: data.readUInt32LE(36),
    stackDepth: data.readUInt32LE(40),
    recordSizes: [],
  };
  let offset = 64;
  for (let kind = 1; kind <= kindCount; kind++, offset += 4) handshake.recordSizes.push(data.readUInt16LE(offset));
  const strings = [];
  for (let i = 0; i < 5; i++) {
    const length = data.readUInt32LE(offset);
    if (offset + 4 + length > handshakeLength) throw new Error(`string ${i} at offset ${offset} runs past the handshake`);
    strings.push(data.toString('utf8', offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  [handshake.executable, handshake.buildId, handshake.layoutName] = strings;
  handshake.layout = JSON.parse(strings[3]);
  handshake.modules = JSON.parse(strings[4]);
  if (offset !== handshakeLength) throw new Error(`handshake ends at ${offset}, header says ${handshakeLength}`);

  const events = [], lost = [], crashes = [], frames = [];
  let ended = false;
  while (offset < data.length) {
    if (offset + 24 > data.length) throw new Error(`truncated frame header at offset ${offset}`);
    const frame = {
      offset,
      kind: data.readUInt16LE(offset),
      flags: data.readUInt16LE(offset + 2),
      length: data.readUInt32LE(offset + 4),
      thread: data.readUInt32LE(offset + 8),
      count: data.readUInt32LE(offset + 12),
      firstSeq: data.readBigUInt64LE(offset + 16),
    };
    const payload = offset + 24;
    if (payload + frame.length > data.length) throw new Error(`frame at offset ${offset} runs past the end`);
    frames.push(frame);
    if (frame.kind === FRAME.events) {
      if (frame.length !== frame.count * 48) throw new Error(`events frame at ${offset}: length ${frame.length} for ${frame.count} events`);
      for (let i = 0; i < frame.count; i++) {
        const at = payload + 48 * i;
        events.push({
          thread: frame.thread,
          timestamp: data.readBigUInt64LE(at),
          seq: data.readBigUInt64LE(at + 8),
          kind: EVENT_KINDS[data.readUInt16LE(at + 16)] ?? `kind-${data.readUInt16LE(at + 16)}`,
          cls: data.readUInt8(at + 18),
          route: data.readUInt8(at + 19),
          siteId: data.readUInt32LE(at + 20),
          base: data.readBigUInt64LE(at + 24),
          value: data.readBigUInt64LE(at + 32),
          pc: data.readBigUInt64LE(at + 40),
        });
      }
    } else if (frame.kind === FRAME.lost) {
      lost.push({
        thread: frame.thread,
        count: data.readBigUInt64LE(payload),
        firstSeq: data.readBigUInt64LE(payload + 8),
        lastSeq: data.readBigUInt64LE(payload + 16),
      });
    } else if (frame.kind === FRAME.crash) {
      crashes.push({
        signal: data.readUInt32LE(payload),
        thread: data.readUInt32LE(payload + 4),
        faultAddress: data.readBigUInt64LE(payload + 8),
        pc: data.readBigUInt64LE(payload + 16),
        eventsFlushed: data.readBigUInt64LE(payload + 32),
      });
    } else if (frame.kind === FRAME.end) {
      ended = true;
    }
    offset = payload + frame.length;
  }
  return { handshake, events, lost, crashes, frames, ended };
}

// Per thread: the received sequence numbers and the lost ranges must cover 0..last exactly once.
export function sequenceAccounting(trace) {
  const byThread = new Map();
  const entry = (thread) => {
    if (!byThread.has(thread)) byThread.set(thread, { received: [], lost: [] });
    return byThread.get(thread);
  };
  for (const event of trace.events) entry(event.thread).received.push(event.seq);
  for (const range of trace.lost) entry(range.thread).lost.push(range);
  const report = [];
  for (const [thread, { received, lost }] of byThread) {
    const covered = new Map();
    for (const seq of received) covered.set(seq, (covered.get(seq) ?? 0) + 1);
    let lostCount = 0n;
    for (const range of lost) {
      if (range.lastSeq - range.firstSeq + 1n !== range.count) throw new Error(`thread ${thread}: lost range count mismatch`);
      lostCount += range.count;
      for (let seq = range.firstSeq; seq <= range.lastSeq; seq++) covered.set(seq, (covered.get(seq) ?? 0) + 1);
    }
    const last = [...covered.keys()].reduce((a, b) => (b > a ? b : a), -1n);
    let holes = 0, doubles = 0;
    for (let seq = 0n; seq <= last; seq++) {
      const times = covered.get(seq) ?? 0;
      if (times === 0) holes++;
      if (times > 1) doubles++;
    }
    report.push({ thread, received: received.length, lost: Number(lostCount), produced: Number(last + 1n), holes, doubles });
  }
  return report;
}
