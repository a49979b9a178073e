// fuzz.test.mjs — mutated streams (bit flips, byte runs, cut, spliced and
// repeated pieces of real traces) through the whole engine (decoder, order,
// model): never a thrown error, never a hang, every fault a DecodeError inside
// the input. SLABSCOPE_FUZZ_INPUTS sets how many (1,000,000 by default).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { core, fixture, random } from './helpers.mjs';

const INPUTS = Number(process.env.SLABSCOPE_FUZZ_INPUTS ?? 1_000_000);
const SEED = Number(process.env.SLABSCOPE_FUZZ_SEED ?? 20261123);

test(`${INPUTS.toLocaleString('en-US')} mutated inputs: no crash, no hang, faults named inside the input`, { timeout: 30 * 60_000 }, () => {
  const next = random(SEED);
  const int = (n) => Math.floor(next() * n);
  // small real traces: the handshake and the first frames of each (a whole trace per input would only be slower)
  const seeds = ['double-free-hakmem', 'next-corrupt-aligned', 'workload-aligned-lost', 'stack-hakmem', 'workload-aligned-detail'].map(
    (name) => {
      const bytes = fixture(name);
      return bytes.subarray(0, Math.min(bytes.length, bytes.readUInt32LE(12) + 24 + 48 * 40 + 200));
    },
  );
  let faults = 0,
    events = 0;
  const started = Date.now();
  for (let n = 0; n < INPUTS; n++) {
    const seed = seeds[n % seeds.length];
    const input = Buffer.from(seed);
    const handshakeEnd = input.readUInt32LE(12);
    const mutations = 1 + int(4);
    let data = input;
    for (let m = 0; m < mutations && data.length > 4; m++) {
      // most mutations hit the frames: the handshake is one JSON parse, frames are where the loops are
      const lo = next() < 0.15 ? 0 : Math.min(handshakeEnd, data.length - 1);
      const at = lo + int(Math.max(1, data.length - lo));
      switch (int(7)) {
        case 0:
          data[at] ^= 1 << int(8);
          break;
        case 1:
          data[at] = int(256);
          break;
        case 2:
          data.fill(int(2) ? 0xff : 0, at, Math.min(data.length, at + 1 + int(16)));
          break;
        case 3:
          data = data.subarray(0, at);
          break;
        case 4: {
          const from = int(data.length);
          data = Buffer.concat([data.subarray(0, at), data.subarray(from, from + int(200)), data.subarray(at)]);
          break;
        }
        case 5:
          data.writeUInt32LE(int(2) ? int(1 << 16) : 0xffffffff >>> int(32), Math.min(at, Math.max(0, data.length - 4)));
          break;
        default: {
          const piece = data.subarray(at, at + 24 + int(96));
          data = Buffer.concat([data, piece, piece]);
        }
      }
    }
    const session = new core.TraceSession();
    const cuts = int(3);
    let offset = 0;
    for (let c = 0; c < cuts && offset < data.length; c++) {
      const cut = offset + int(data.length - offset);
      session.feed(data.subarray(offset, cut));
      offset = cut;
    }
    session.feed(data.subarray(offset));
    session.finish();
    for (const error of session.errors) {
      if (!(error instanceof core.DecodeError)) assert.fail(`input ${n}: ${error}`);
      if (!(error.offset >= 0 && error.offset <= data.length))
        assert.fail(`input ${n}: offset ${error.offset} outside ${data.length} bytes`);
    }
    faults += session.errors.length ? 1 : 0;
    events += session.eventCount;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`fuzz: ${INPUTS} inputs in ${seconds.toFixed(1)} s, ${faults} with faults, ${events} events applied (seed ${SEED})`);
  assert.ok(faults > INPUTS / 4, 'the mutations do reach the checks');
  assert.ok(events > INPUTS, 'and the engine does apply events from mutated inputs');
});
