// view-protocol.test.mjs — a view message of the wrong shape is refused with the
// path of the wrong field, however deep, in both directions; one of the right shape
// comes back as it went.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protocol as built } from './helpers.mjs';

// VIEW_PROTOCOL_MODULE: another build of the module to hold to the same answers
const protocol = process.env.VIEW_PROTOCOL_MODULE ? await import(process.env.VIEW_PROTOCOL_MODULE) : built;

const frame = { pc: '0x401000', function: 'main', file: 'main.c', line: 12 };
const finding = {
  id: 1,
  kind: 'double-free',
  severity: 'error',
  ptr: '0x7f0000001010',
  base: 0x7f0000001000,
  cls: 2,
  thread: 7,
  event: 40,
  message: 'freed twice',
  site: { file: 'main.c', line: 12, function: 'main' },
  internalSite: null,
  stacks: { alloc: [frame], free: [frame, frame], detect: [] },
};
const block = {
  base: 4096,
  user: 4097,
  cls: 1,
  slot: 0,
  slabStart: 4096,
  state: 'allocated',
  thread: 1,
  headerExpected: 0xa1,
  headerActual: -1,
  next: -1,
  nextOffset: 1,
  history: [{ what: 'allocated', event: 3, thread: 1, pc: '0x401000', site: null }],
};
const good = [
  { type: 'findings', findings: [finding] },
  { type: 'block', event: 9, address: 4097, block },
  {
    type: 'heap',
    event: 5,
    full: true,
    present: [65536],
    slabs: [{ slabStart: 65536, superslab: 0, index: 1, cls: 0, capacity: 8, stride: 16, used: 1, carved: 2, owner: 1, states: 'AQA=' }],
    superslabs: [0],
    routes: [{ cls: 'other', frees: { local: 2 }, allocs: {} }],
    threads: [{ id: 1, exited: false, cache: [0, 1] }],
  },
  {
    type: 'timeline',
    eventCount: 3,
    times: [
      [0, 0],
      [2, 1.5],
    ],
    marks: [{ id: 1, event: 2, kind: 'double-free', severity: 'warning' }],
    lost: [],
  },
  {
    type: 'freelist',
    event: 1,
    thread: 1,
    cls: 2,
    chains: [
      {
        name: 'remote queue',
        owner: 'thread 1',
        known: true,
        total: 1,
        nodes: [{ base: 1, next: 2 ** 60, nextOffset: 1, slabStart: 0, error: null, note: '' }],
      },
    ],
  },
];

test('host messages of the right shape are taken as they are', () => {
  for (const message of good) assert.equal(protocol.parseHostMessage(message), message);
  assert.deepEqual(protocol.parseViewMessage({ type: 'selectFreelist', thread: 1, cls: 3 }), { type: 'selectFreelist', thread: 1, cls: 3 });
});

test('a malformed message is refused with the path of the wrong field', () => {
  const refusal = (parse, message) => {
    try {
      parse(message);
    } catch (error) {
      assert.equal(error.name, 'MessageError');
      return error.message;
    }
    assert.fail(`taken: ${JSON.stringify(message)}`);
  };
  const host = (message) => refusal(protocol.parseHostMessage, message);
  const view = (message) => refusal(protocol.parseViewMessage, message);
  const stacks = { alloc: [frame], free: [frame, { ...frame, line: -1 }], detect: [] };
  assert.equal(
    host({ type: 'findings', findings: [finding, { ...finding, stacks }] }),
    'message(findings).findings[1].stacks.free[1].line: expected a non-negative integer, got -1',
  );
  assert.equal(
    host({ type: 'findings', findings: [{ ...finding, severity: 'fatal' }] }),
    'message(findings).findings[0].severity: expected error | warning, got "fatal"',
  );
  assert.equal(
    host({ type: 'block', event: 9, address: 4097, block: { ...block, history: [{ ...block.history[0], what: 'moved' }] } }),
    'message(block).block.history[0].what: expected allocated | freed, got "moved"',
  );
  assert.equal(
    host({ type: 'block', event: 9, address: 4097, block: { ...block, history: Array(65).fill(block.history[0]) } }),
    'message(block).block.history: expected at most 64 entries, got "65 entries"',
  );
  assert.equal(
    host({ ...good[2], slabs: [{ ...good[2].slabs[0], states: 'not base64!' }] }),
    'message(heap).slabs[0].states: expected base64 text, got "not base64!"',
  );
  // cut short of a whole group of four: decoded it would be a length no byte count has
  assert.equal(
    host({ ...good[2], slabs: [{ ...good[2].slabs[0], states: 'AQA' }] }),
    'message(heap).slabs[0].states: expected base64 text, got "AQA"',
  );
  assert.equal(
    host({ ...good[2], routes: [{ cls: 'some', frees: {}, allocs: {} }] }),
    'message(heap).routes[0].cls: expected a non-negative integer, got "some"',
  );
  assert.equal(
    host({ ...good[2], routes: [{ cls: 1, frees: { local: 1.5 }, allocs: {} }] }),
    'message(heap).routes[0].frees.local: expected a non-negative integer, got 1.5',
  );
  assert.equal(host({ ...good[3], times: [[0, 0], [1]] }), 'message(timeline).times[1]: expected [event, ns], got an array');
  assert.equal(
    host({ ...good[4], chains: [{ ...good[4].chains[0], nodes: [{ ...good[4].chains[0].nodes[0], error: 'lost' }] }] }),
    'message(freelist).chains[0].nodes[0].error: expected break | cycle | out-of-slab | other-class | sentinel | not-free, got "lost"',
  );
  assert.equal(
    host({ type: 'trace', protocol: 1, title: 't', executable: 'e', pid: 1, live: 'yes' }),
    'message(trace).live: expected true or false, got "yes"',
  );
  assert.equal(host({ type: 'status' }), 'message(status).live: expected true or false, got nothing');
  assert.equal(
    host({ type: 'paint' }),
    'message.type: expected trace | heap | timeline | findings | slab | freelist | block | status | error, got "paint"',
  );
  assert.equal(host([]), 'message: expected a message object, got an array');
  assert.equal(view({ type: 'seek', event: -5 }), 'message(seek).event: expected a non-negative integer, got -5');
  assert.equal(
    view({ type: 'openSource', file: 'a.c', line: null }),
    'message(openSource).line: expected a non-negative integer, got null',
  );
  assert.equal(view({ type: 'block' }), 'message(block).address: expected a non-negative integer, got nothing');
  assert.equal(
    view({ type: 'heap' }),
    'message.type: expected ready | applied | seek | selectSlab | selectFreelist | block | openSource, got "heap"',
  );
});
