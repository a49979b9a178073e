// replay.test.mjs — `slabscope dap replay` over stdio, driven by DebugClient on a real
// trace of native/test/bugs/double_free.c: a line breakpoint stops at the event whose
// call site is that line, stepping moves one event of the thread and back to the same
// variables, continue stops at the double-free finding, reverse continue returns, a data
// breakpoint on the freed block's link finds the free that wrote it, conditions and hit
// counts filter, memory reads answer with the bytes the trace knows, and a damaged or
// foreign file gives a clear message instead of a crash. Also two threads
// (double_free_remote.c) and two processes (exec_target vfork, its child /bin/true).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import { buildBugs, cli, record, root, sourceLine, work } from './replay-helpers.mjs';

const demo = {};
const adapters = [];

before(() => {
  buildBugs();
  demo.trace = record('double_free');
  demo.remote = record('double_free_remote');
  demo.remoteFirstFree = sourceLine('double_free_remote', '    free(user);');
  demo.remoteSecondFree = sourceLine('double_free_remote', '/* BUG */');
  demo.malloc = sourceLine('double_free', 'malloc(50)');
  demo.firstFree = sourceLine('double_free', 'free(user);');
  demo.secondFree = sourceLine('double_free', '/* BUG */');
});
after(() => {
  for (const adapter of adapters) adapter.kill();
});

/** A client on a new `slabscope dap replay`, initialized; `launch` is sent by the test. */
async function startAdapter() {
  const adapter = spawn(process.execPath, [cli, 'dap', 'replay'], { stdio: ['pipe', 'pipe', 'pipe'] });
  adapters.push(adapter);
  let stderr = '';
  adapter.stderr.on('data', (data) => (stderr += data));
  const client = new DebugClient(process.execPath, cli, 'slabscope-replay');
  client.connect(adapter.stdout, adapter.stdin);
  client.defaultTimeout = 60_000;
  const initialized = await client.initializeRequest({
    adapterID: 'slabscope-replay',
    linesStartAt1: true,
    columnsStartAt1: true,
    pathFormat: 'path',
  });
  const output = [];
  client.on('output', (event) => output.push(event.body));
  return { client, adapter, capabilities: initialized.body, output, stderr: () => stderr };
}

/** Launched on the demo trace with `setup` run before configurationDone; resolves at the first stop. */
async function launched(setup = async () => undefined, extra = {}) {
  const started = await startAdapter();
  const { client } = started;
  const initialized = client.waitForEvent('initialized');
  await client.launch({ trace: demo.trace, ...extra });
  await initialized;
  await setup(client);
  const stopped = client.waitForEvent('stopped');
  await client.configurationDoneRequest();
  return { ...started, stop: (await stopped).body };
}

/** Sends a move and waits for the stop it ends in. */
async function moved(client, send) {
  const stopped = client.waitForEvent('stopped');
  await send();
  return (await stopped).body;
}

async function scopeVariables(client, threadId) {
  const { body } = await client.stackTraceRequest({ threadId });
  const frame = body.stackFrames[0];
  const scopes = (await client.scopesRequest({ frameId: frame.id })).body.scopes;
  const all = {};
  for (const scope of scopes) {
    const variables = (await client.variablesRequest({ variablesReference: scope.variablesReference })).body.variables;
    all[scope.name] = { reference: scope.variablesReference, variables, byName: Object.fromEntries(variables.map((v) => [v.name, v])) };
  }
  return { frames: body.stackFrames, scopes: all };
}

/** Every variable's name and value, children included, for comparing two stops. */
async function valuesOf(client, threadId) {
  const { scopes } = await scopeVariables(client, threadId);
  const out = {};
  for (const [name, scope] of Object.entries(scopes)) out[name] = scope.variables.map((v) => `${v.name}=${v.value}`);
  return out;
}

test('the adapter says what it supports', async () => {
  const { client, capabilities } = await startAdapter();
  for (const capability of [
    'supportsStepBack',
    'supportsGotoTargetsRequest',
    'supportsConditionalBreakpoints',
    'supportsHitConditionalBreakpoints',
    'supportsFunctionBreakpoints',
    'supportsDataBreakpoints',
    'supportsDataBreakpointBytes',
    'supportsReadMemoryRequest',
  ])
    assert.equal(capabilities[capability], true, capability);
  const filters = Object.fromEntries(capabilities.exceptionBreakpointFilters.map((f) => [f.filter, f.default]));
  assert.equal(filters['double-free'], true);
  assert.equal(filters['next-corrupt'], true);
  assert.equal(filters['route-regression'], false);
  assert.equal(filters['lost-events'], false);
  await client.disconnectRequest({});
});

test('a line breakpoint stops at the free on its line; the stack, the Event and Block scopes say which', async () => {
  const { client, stop } = await launched(async (c) => {
    const placed = await c.setBreakpointsRequest({ source: { path: demo.firstFree.path }, breakpoints: [{ line: demo.firstFree.line }] });
    assert.equal(placed.body.breakpoints[0].verified, true);
  });
  assert.equal(stop.reason, 'breakpoint');
  const { frames, scopes } = await scopeVariables(client, stop.threadId);
  const user = frames.find((f) => f.name === 'main');
  assert.equal(user.source.path, demo.firstFree.path);
  assert.equal(user.line, demo.firstFree.line);
  const event = scopes.Event.byName;
  assert.equal(event.kind.value, 'free');
  assert.equal(event.route.value, 'header-fast');
  assert.equal(event.class.value, 'C3');
  assert.match(event.USER.value, /^0x[0-9a-f]+1$/, 'the hakmem layout hands out BASE + 1');
  assert.equal(BigInt(event.USER.value) - BigInt(event.BASE.value), 1n);
  assert.equal(event.USER.memoryReference, event.USER.value);
  const block = scopes.Block.byName;
  assert.equal(block.BASE.value, event.BASE.value);
  assert.equal(block.state.value, 'allocated', 'the free event begins the free: the cache push that ends it comes later');
  assert.equal(block['header expected'].value, '0xa3');
  assert.equal(block.header.value, '0xa3');
  assert.equal(block['next offset'].value, '1');
  assert.match(block.allocated.value, new RegExp(`at ${demo.malloc.path.replace(/[.]/g, '\\.')}:${demo.malloc.line} \\(main\\)`));
  assert.deepEqual(scopes['Thread caches'].byName.C3.value.match(/^(\d+) blocks/)[1] > 0, true);
  assert.equal(scopes['Findings so far'].variables[0].value, 'none so far');

  // the header byte is known; the payload after the link is not
  const header = await client.customRequest('readMemory', { memoryReference: block.header.memoryReference, count: 1 });
  assert.deepEqual([...Buffer.from(header.body.data, 'base64')], [0xa3]);
  const payload = await client.customRequest('readMemory', { memoryReference: block.BASE.memoryReference, offset: 9, count: 16 });
  assert.equal(payload.body.data, '');
  assert.equal(payload.body.unreadableBytes, 16);
  assert.equal(block.next.value, 'unknown', "an allocated block's link is not known");
  await client.disconnectRequest({});
});

test('next moves one event of the thread and step back returns to the same state', async () => {
  const { client, stop } = await launched(async (c) => {
    await c.setBreakpointsRequest({ source: { path: demo.firstFree.path }, breakpoints: [{ line: demo.firstFree.line }] });
  });
  const before = await valuesOf(client, stop.threadId);
  const next = await moved(client, () => client.nextRequest({ threadId: stop.threadId }));
  assert.equal(next.reason, 'step');
  const after = await valuesOf(client, stop.threadId);
  assert.equal(
    Number(after.Event.find((v) => v.startsWith('index=')).slice(6)),
    Number(before.Event.find((v) => v.startsWith('index=')).slice(6)) + 1,
  );
  assert.ok(after.Event.includes('kind=next-write'), "the free writes the block's link next");
  const back = await moved(client, () => client.stepBackRequest({ threadId: stop.threadId }));
  assert.equal(back.reason, 'step');
  assert.deepEqual(await valuesOf(client, stop.threadId), before);
  // step out ends the free's call at its cache push
  const out = await moved(client, () => client.stepOutRequest({ threadId: stop.threadId }));
  assert.equal(out.reason, 'step');
  const pushed = await valuesOf(client, stop.threadId);
  assert.ok(pushed.Event.includes('kind=cache-push'));
  assert.ok(pushed.Block.includes('state=free-cache'), 'the free ends with the block in the thread cache');
  const { scopes } = await scopeVariables(client, stop.threadId);
  // the block heads its thread's C3 cache; its slab counts it free
  const c3 = scopes['Thread caches'].byName.C3;
  const chain = (await client.variablesRequest({ variablesReference: c3.variablesReference })).body.variables;
  assert.equal(chain.length, Number(c3.value.match(/^(\d+) blocks/)[1]));
  assert.equal(chain[0].value, scopes.Block.byName.BASE.value, 'the freed block is the head of the cache');
  assert.equal(scopes.Slab.byName.class.value, 'C3');
  assert.equal(scopes.Slab.byName.start.value, `0x${(BigInt(scopes.Block.byName.BASE.value) & ~0xffffn).toString(16)}`, 'a 64 KiB slab');
  assert.match(scopes.Slab.byName.used.value, /^\d+$/);
  const pushedLink = scopes.Block.byName.next;
  assert.match(pushedLink.value, /^0x[0-9a-f]+$/);
  const link = await client.customRequest('readMemory', { memoryReference: pushedLink.memoryReference, count: 8 });
  assert.equal(Buffer.from(link.body.data, 'base64').readBigUInt64LE(0), BigInt(pushedLink.value), 'the link read back is the one written');
  // step in: the next event about the same block, of any thread (here the double free's report)
  const into = await moved(client, () => client.stepInRequest({ threadId: stop.threadId }));
  assert.equal(into.reason, 'step');
  const touched = (await scopeVariables(client, into.threadId)).scopes.Event.byName;
  assert.equal(touched.kind.value, 'check-fail');
  assert.equal(touched.USER.value, `0x${(BigInt(scopes.Block.byName.BASE.value) + 1n).toString(16)}`);
  await client.disconnectRequest({});
});

test("continue stops at the double-free finding; reverse continue returns to the breakpoint; a data breakpoint finds the link's writer", async () => {
  let placed;
  const { client, stop } = await launched(async (c) => {
    placed = (await c.setBreakpointsRequest({ source: { path: demo.firstFree.path }, breakpoints: [{ line: demo.firstFree.line }] })).body
      .breakpoints;
    await c.setExceptionBreakpointsRequest({ filters: ['double-free'] });
  });
  assert.deepEqual(stop.hitBreakpointIds, [placed[0].id]);
  const atFree = await scopeVariables(client, stop.threadId);
  const freeIndex = Number(atFree.scopes.Event.byName.index.value);

  const finding = await moved(client, () => client.continueRequest({ threadId: stop.threadId }));
  assert.equal(finding.reason, 'exception');
  assert.match(finding.text, /^free\(0x[0-9a-f]+\) of a block that is already free$/);
  const info = await client.exceptionInfoRequest({ threadId: finding.threadId });
  assert.equal(info.body.exceptionId, 'double-free');
  const atFinding = await scopeVariables(client, finding.threadId);
  const [first] = atFinding.scopes['Findings so far'].variables;
  assert.equal(first.name, '1 double-free');
  const user = atFinding.frames.find((f) => f.name === 'main');
  assert.equal(user.line, demo.secondFree.line, "the finding's stack is at the second free");
  assert.match(atFinding.frames[0].source.path, /native\/src\/free\.c$/, "the allocator's own line is the top frame");
  const findingIndex = Number(atFinding.scopes.Event.byName.index.value);

  const back = await moved(client, () => client.reverseContinueRequest({ threadId: finding.threadId }));
  assert.equal(back.reason, 'breakpoint');
  assert.equal(Number((await scopeVariables(client, back.threadId)).scopes.Event.byName.index.value), freeIndex);

  // at the finding, the block's link as the Block scope shows it: who last wrote it?
  const again = await moved(client, () => client.continueRequest({ threadId: back.threadId }));
  assert.equal(again.reason, 'exception');
  await client.setBreakpointsRequest({ source: { path: demo.firstFree.path }, breakpoints: [] });
  const { scopes } = await scopeVariables(client, again.threadId);
  const info2 = await client.dataBreakpointInfoRequest({ variablesReference: scopes.Block.reference, name: 'next' });
  assert.match(info2.body.dataId, /^bytes:0x[0-9a-f]+:8$/);
  assert.equal(
    BigInt(info2.body.dataId.split(':')[1]),
    BigInt(scopes.Block.byName.BASE.value) + 1n,
    'the link sits at BASE + next offset 1',
  );
  const set = await client.setDataBreakpointsRequest({ breakpoints: [{ dataId: info2.body.dataId, accessType: 'write' }] });
  assert.equal(set.body.breakpoints[0].verified, true);
  const writer = await moved(client, () => client.reverseContinueRequest({ threadId: again.threadId }));
  assert.equal(writer.reason, 'data breakpoint');
  const wrote = await scopeVariables(client, writer.threadId);
  assert.equal(wrote.scopes.Event.byName.kind.value, 'next-write');
  const writeIndex = Number(wrote.scopes.Event.byName.index.value);
  assert.ok(writeIndex > freeIndex && writeIndex < findingIndex, `the first free (event ${freeIndex}) wrote it, at event ${writeIndex}`);
  assert.equal(wrote.frames.find((f) => f.name === 'main').line, demo.firstFree.line);
  // by address, as a hex view asks
  const byAddress = await client.dataBreakpointInfoRequest({ name: info2.body.dataId.split(':')[1], asAddress: true, bytes: 8 });
  assert.equal(byAddress.body.dataId, info2.body.dataId);
  await client.disconnectRequest({});
});

test("a condition cls == N filters, a hit count counts, a function breakpoint stops at each free, goto targets list a line's events", async () => {
  let placed;
  const { client, stop } = await launched(async (c) => {
    placed = (
      await c.setBreakpointsRequest({
        source: { path: demo.malloc.path },
        breakpoints: [
          { line: demo.malloc.line, condition: 'cls == 4' },
          { line: demo.malloc.line, condition: 'cls == 3 && kind == "alloc"' },
          { line: demo.malloc.line, condition: 'cls = 3' },
        ],
      })
    ).body.breakpoints;
    await c.setExceptionBreakpointsRequest({ filters: [] });
  });
  assert.equal(placed[0].verified, true);
  assert.equal(placed[2].verified, false);
  assert.match(placed[2].message, /unexpected "=" \(at column 5\)/);
  assert.deepEqual(stop.hitBreakpointIds, [placed[1].id], 'only the class 3 alloc stops');
  const { scopes } = await scopeVariables(client, stop.threadId);
  assert.equal(scopes.Event.byName.kind.value, 'alloc');
  assert.equal(scopes.Event.byName.class.value, 'C3');
  const evaluated = await client.evaluateRequest({ expression: 'ptr - base', context: 'repl' });
  assert.equal(evaluated.body.result, '0x1 (1)');
  const end = await moved(client, () => client.continueRequest({ threadId: stop.threadId }));
  assert.equal(end.reason, 'step');
  assert.equal(end.description, 'the end of the trace', 'no class 4 block is allocated on that line');

  await client.setBreakpointsRequest({ source: { path: demo.malloc.path }, breakpoints: [] });
  const free = (await client.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'free', hitCondition: '2' }] })).body.breakpoints[0];
  const start = await moved(client, () => client.customRequest('slabscope/gotoEvent', { event: 0 }));
  assert.equal(start.reason, 'goto');
  await assert.rejects(
    client.customRequest('slabscope/gotoEvent', { event: 1e9 }),
    /event 1000000000 is not in the trace \(events 0 to \d+\)/,
  );
  const second = await moved(client, () => client.continueRequest({ threadId: stop.threadId }));
  assert.equal(second.reason, 'function breakpoint');
  assert.deepEqual(second.hitBreakpointIds, [free.id]);
  const secondFree = await scopeVariables(client, second.threadId);
  assert.equal(secondFree.scopes.Event.byName.route.value, 'rejected', 'the second free is rejected');
  const none = await moved(client, () => client.reverseContinueRequest({ threadId: second.threadId }));
  assert.equal(none.description, 'the start of the trace', 'the hit condition skips the first free');

  const targets = (await client.gotoTargetsRequest({ source: { path: demo.firstFree.path }, line: demo.firstFree.line })).body.targets;
  assert.deepEqual(
    targets.map((t) => t.label.split(':')[1].trim().split(' ')[0]),
    ['free', 'next-write', 'cache-push'],
  );
  const gone = await moved(client, () => client.gotoRequest({ threadId: none.threadId, targetId: targets[1].id }));
  assert.equal(gone.reason, 'goto');
  assert.equal((await scopeVariables(client, gone.threadId)).scopes.Event.byName.kind.value, 'next-write');
  await client.disconnectRequest({});
});

test('a cut trace and a file that is no trace are refused with what is wrong and where; the adapter stays up', async () => {
  const cut = join(work, 'cut.hktrace');
  copyFileSync(demo.trace, cut);
  truncateSync(cut, Math.floor(readFileSync(demo.trace).length * 0.6));
  // the demo's events came in one frame: cut inside it, the trace keeps no event
  const started = await startAdapter();
  const ended = started.client.waitForEvent('terminated');
  await assert.rejects(
    started.client.launch({ trace: cut }),
    /cut\.hktrace holds no event to replay: damaged trace at byte offset \d+ \(event 0\): stream ends \d+ bytes into a frame/,
  );
  await ended;
  assert.ok(started.output.some((o) => o.category === 'stderr' && /holds no event to replay/.test(o.output)));
  await started.client.disconnectRequest({});
  assert.equal(started.adapter.exitCode, null, started.stderr());

  const junk = join(work, 'junk.hktrace');
  writeFileSync(junk, 'not a trace at all\n');
  const refused = await startAdapter();
  const terminated = refused.client.waitForEvent('terminated');
  await assert.rejects(refused.client.launch({ trace: junk }), new RegExp(`${junk.replace(/[.]/g, '\\.')} is not a Slabscope trace`));
  await terminated;
  assert.ok(refused.output.some((o) => o.category === 'stderr' && /is not a Slabscope trace/.test(o.output)));
  // the adapter is still there to answer, a configurationDone after the refusal included
  await refused.client.configurationDoneRequest();
  assert.deepEqual((await refused.client.threadsRequest()).body.threads, []);
  await assert.rejects(
    refused.client.nextRequest({ threadId: 1 }).then(() => refused.client.stackTraceRequest({ threadId: 1 })),
    /no trace is being replayed/,
  );
  await refused.client.disconnectRequest({});
  assert.equal(refused.adapter.exitCode, null, refused.stderr());
});

test("two threads: each is a DAP thread, stepping moves by the thread asked, the remote free's sentinel link has its writer", async () => {
  let placed;
  const { client, stop } = await launched(
    async (c) => {
      placed = (
        await c.setBreakpointsRequest({ source: { path: demo.remoteFirstFree.path }, breakpoints: [{ line: demo.remoteFirstFree.line }] })
      ).body.breakpoints;
    },
    { trace: demo.remote },
  );
  const threads = (await client.threadsRequest()).body.threads;
  assert.deepEqual(
    threads.map((t) => t.id),
    [1, 2],
  );
  assert.match(threads[1].name, /^thread 2 \(pid \d+\)$/);
  assert.deepEqual([stop.reason, stop.threadId, stop.hitBreakpointIds], ['breakpoint', 2, [placed[0].id]]);
  const freeing = await scopeVariables(client, 2);
  assert.equal(freeing.frames.find((f) => f.source?.path === demo.remoteFirstFree.path).name, 'free_twice');
  assert.equal(freeing.scopes.Event.byName.route.value, 'remote', 'a free by a thread that does not own the slab');
  const freeIndex = Number(freeing.scopes.Event.byName.index.value);
  // thread 1 is where its own last event left it: before the free
  const main = await scopeVariables(client, 1);
  assert.ok(Number(main.scopes.Event.byName.index.value) < freeIndex);
  assert.equal(main.scopes.Event.byName.thread.value, '1');

  const next = await moved(client, () => client.nextRequest({ threadId: 2 }));
  assert.equal(next.threadId, 2);
  const pushed = await scopeVariables(client, 2);
  assert.equal(Number(pushed.scopes.Event.byName.index.value), freeIndex + 1);
  assert.equal(pushed.scopes.Event.byName.kind.value, 'remote-push');
  const back = await moved(client, () => client.stepBackRequest({ threadId: 1 }));
  assert.equal(back.threadId, 1, "stepping thread 1 back lands on thread 1's event before where it was");
  assert.equal(Number((await scopeVariables(client, 1)).scopes.Event.byName.index.value), Number(main.scopes.Event.byName.index.value) - 1);

  await client.setBreakpointsRequest({ source: { path: demo.remoteFirstFree.path }, breakpoints: [] });
  const finding = await moved(client, () => client.continueRequest({ threadId: 1 }));
  assert.deepEqual([finding.reason, finding.threadId], ['exception', 2]);
  const { scopes } = await scopeVariables(client, 2);
  assert.equal(scopes.Block.byName.state.value, 'remote-pending');
  const sentinel = scopes.Block.byName.next.value;
  assert.equal(sentinel, '0xbada55bada55bada', "the link is the layout's remote sentinel, exactly");
  const linkBytes = await client.customRequest('readMemory', { memoryReference: scopes.Block.byName.next.memoryReference, count: 8 });
  assert.equal(Buffer.from(linkBytes.body.data, 'base64').readBigUInt64LE(0), 0xbada55bada55badan);
  const info = await client.dataBreakpointInfoRequest({ variablesReference: scopes.Block.reference, name: 'next' });
  await client.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId }] });
  const writer = await moved(client, () => client.reverseContinueRequest({ threadId: 2 }));
  assert.deepEqual([writer.reason, writer.threadId], ['data breakpoint', 2]);
  const wrote = (await scopeVariables(client, 2)).scopes.Event.byName;
  assert.equal(wrote.kind.value, 'next-write');
  assert.equal(wrote.value.value, sentinel, 'the remote push wrote the sentinel into the link');
  await client.disconnectRequest({});
});

test('a damaged stream replays the events before the damage and says what was lost, as the engine does', async () => {
  const whole = readFileSync(join(root, 'test', 'fixtures', 'traces', 'workload-hakmem-ops.wire'));
  const cut = join(work, 'workload-cut.wire');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const engine = (await import(join(root, 'extension', 'dist', 'core.mjs'))).TraceFile.open(cut);
  const kept = engine.eventCount;
  const damage = engine.damage.message;
  engine.close();
  assert.ok(kept > 0);
  const { client, stop, output } = await launched(async (c) => c.setExceptionBreakpointsRequest({ filters: [] }), {
    trace: cut,
    stopOnEntry: true,
  });
  assert.equal(stop.reason, 'entry');
  assert.ok(
    output.some((o) => o.category === 'important' && o.output === `${damage}\n`),
    'the damage is said as the engine says it',
  );
  const end = await moved(client, () => client.continueRequest({ threadId: stop.threadId }));
  assert.equal(end.description, 'the end of the trace');
  const last = Number((await scopeVariables(client, end.threadId)).scopes.Event.byName.index.value);
  assert.ok(last < kept && last >= kept - 8, `the replay ends at the last event kept (${last} of ${kept})`);
  await assert.rejects(client.customRequest('slabscope/gotoEvent', { event: kept }), new RegExp(`event ${kept} is not in the trace`));
  await client.disconnectRequest({});
});

test('startAt stops first at the event asked ("Debug from Here" on a finding)', async () => {
  const engine = (await import(join(root, 'extension', 'dist', 'core.mjs'))).TraceFile.open(demo.trace);
  const [finding] = engine.findings;
  engine.close();
  const { client, stop } = await launched(async () => undefined, { startAt: finding.event });
  assert.equal(stop.reason, 'goto');
  const { scopes } = await scopeVariables(client, stop.threadId);
  assert.equal(Number(scopes.Event.byName.index.value), finding.event);
  assert.equal(scopes['Findings so far'].variables[0].name, `1 ${finding.kind}`);
  await client.disconnectRequest({});
});

test('a recording of two processes: the launch names the other, and "pid" replays it', async () => {
  // exec_target vfork: its vfork child execs /bin/true, which the preload traces too, into FILE.1.hktrace
  const trace = record(join(root, 'native', 'build', 'test', 'exec_target'), 'hakmem', ['vfork']);
  const sibling = trace.replace(/\.hktrace$/, '.1.hktrace');
  const core = await import(join(root, 'extension', 'dist', 'core.mjs'));
  const other = core.TraceFile.open(sibling);
  const { pid, executable } = other.handshake;
  const events = other.eventCount;
  other.close();
  assert.match(executable, /true$/);

  const first = await launched(async (c) => c.setExceptionBreakpointsRequest({ filters: [] }), { trace, stopOnEntry: true });
  assert.ok(
    first.output.some((o) => o.output.includes(`this recording holds 1 more process(es): ${sibling.split('/').pop()}; launch with "pid"`)),
    JSON.stringify(first.output),
  );
  await first.client.disconnectRequest({});

  const second = await launched(async (c) => c.setExceptionBreakpointsRequest({ filters: [] }), { trace, pid, stopOnEntry: true });
  const [thread] = (await second.client.threadsRequest()).body.threads;
  assert.match(thread.name, new RegExp(`\\(pid ${pid}\\)$`));
  const position = (await second.client.customRequest('slabscope/position')).body;
  assert.deepEqual(position, { trace: sibling, event: position.event, eventCount: events });
  await second.client.disconnectRequest({});

  const refused = await startAdapter();
  await assert.rejects(
    refused.client.launch({ trace, pid: 1 }),
    new RegExp(`process 1 is not in the recording .*; its processes: \\d+ \\(.*\\), ${pid} \\(`),
  );
  await refused.client.disconnectRequest({});
});
