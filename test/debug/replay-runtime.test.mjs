// replay-runtime.test.mjs — the replay runtime (extension/debug/replay) on a real trace of
// native/test/bugs/double_free.c, and its condition language on its own: each move lands
// on the event the trace says, each breakpoint kind stops where its events are.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { buildBugs, debug, record, root, sourceLine } from './replay-helpers.mjs';

const { Condition, ReplayRuntime, dataIdOf } = debug;

test('conditions: C precedence on 64-bit integers, kind names, refusals that say where', () => {
  const event = { cls: 3n, ptr: 0x7f0000000001n, kind: { name: 'free', number: 2n } };
  const fields = (name) => event[name];
  const holds = (text) => new Condition(text).holds(fields);
  assert.equal(holds('cls == 3 && ptr == 0x7f0000000001'), true);
  assert.equal(holds('cls == 2 || ptr == 0x7f0000000001 && kind == "alloc"'), false);
  assert.equal(holds('(cls == 2 || ptr == 0x7f0000000001) && kind == "free"'), true);
  assert.equal(holds('kind == 2 && kind != "alloc"'), true);
  assert.equal(holds('(ptr & 0xf) == 1 && ptr >> 40 == 0x7f && 1 + 2 * 3 == 7 && -1 == 0xffffffffffffffff'), true);
  assert.equal(holds('!(cls < 3) && ~0 == 0xffffffffffffffff && cls / 0 == 0'), true);
  assert.throws(() => new Condition('cls == = 3'), /unexpected "=" \(at column 8\)/);
  assert.throws(() => new Condition('cls == 3 &&'), /ends where a value is expected/);
  assert.throws(() => new Condition('cls == 3', ['kind']), /"cls" is not an event field/);
  assert.throws(() => new Condition('process.exit()'), /unexpected "\." \(at column 8\)/);
});

let runtime;
const demo = {};
before(async () => {
  buildBugs();
  const trace = record('double_free');
  demo.malloc = sourceLine('double_free', 'malloc(50)');
  demo.firstFree = sourceLine('double_free', 'free(user);');
  demo.secondFree = sourceLine('double_free', '/* BUG */');
  runtime = await ReplayRuntime.open({ trace, sourceRoot: root });
  demo.findings = runtime.file.findings;
});
after(() => runtime?.close());

test('line breakpoints stop once per call on their line; continue, reverse continue and the exception filter', () => {
  assert.equal(runtime.start().reason, 'entry');
  const [first, second, nowhere] = runtime.setLineBreakpoints(demo.firstFree.path, [
    { line: demo.firstFree.line },
    { line: demo.secondFree.line },
    { line: demo.secondFree.line + 5 },
  ]);
  assert.equal(first.verified, true);
  assert.equal(nowhere.verified, false);
  assert.match(nowhere.message, /no event of this trace has its call site on line/);
  runtime.setExceptionFilters(['double-free']);
  const [doubleFree] = demo.findings.filter((finding) => finding.kind === 'double-free');
  assert.ok(doubleFree, 'the trace has its double free');

  const atFree = runtime.continue();
  assert.equal(atFree.reason, 'breakpoint');
  assert.deepEqual(atFree.breakpointIds, [first.id]);
  assert.equal(atFree.event.kindName, 'free');
  assert.equal(atFree.event.index, doubleFree.freeEvent, 'the first free is the free the finding names');
  const [frame] = runtime.stackOf(atFree.event).filter((f) => !f.allocator);
  assert.deepEqual([frame.file, frame.line, frame.name], [demo.firstFree.path, demo.firstFree.line, 'main']);

  const atFinding = runtime.continue();
  assert.equal(atFinding.reason, 'exception');
  assert.equal(atFinding.event.index, doubleFree.event);
  assert.match(atFinding.description, /^double-free: free\(0x[0-9a-f]+\) of a block that is already free/);
  assert.equal(runtime.findingsSoFar().length, 1);
  const inAllocator = runtime.stackOf(atFinding.event)[0];
  assert.equal(inAllocator.allocator, true);
  assert.match(inAllocator.file, /native\/src\/free\.c$/);

  // the second free's call begins with the allocator's report of it: the line's breakpoint is there too
  assert.deepEqual(atFinding.breakpointIds, [second.id]);
  const end = runtime.continue();
  assert.equal(end.edge, 'end');
  assert.equal(end.event.index, runtime.eventCount - 1);

  assert.equal(runtime.reverseContinue().event.index, doubleFree.event);
  assert.equal(runtime.reverseContinue().event.index, doubleFree.freeEvent);
  assert.equal(runtime.findingsSoFar().length, 0, 'no finding yet at the first free');
  assert.equal(runtime.reverseContinue().edge, 'start');
  runtime.setLineBreakpoints(demo.firstFree.path, []);
  runtime.setExceptionFilters([]);
});

test('next, step back, step in and step out move by thread, block and allocator call', () => {
  const [doubleFree] = demo.findings;
  runtime.goto(doubleFree.allocEvent);
  const thread = runtime.event.thread;
  const next = runtime.next(thread);
  assert.equal(next.event.index, doubleFree.freeEvent, 'the alloc is followed by the first free on its thread');
  const back = runtime.stepBack(thread);
  assert.equal(back.event.index, doubleFree.allocEvent);
  // the free's call: the free, its link write, its cache push
  runtime.goto(doubleFree.freeEvent);
  const out = runtime.stepOut(thread);
  assert.equal(out.event.kindName, 'cache-push');
  assert.equal(out.event.base, doubleFree.base);
  runtime.goto(doubleFree.freeEvent);
  const into = runtime.stepIn();
  assert.equal(into.event.kindName, 'next-write', 'the block the free touched is next touched by its link write');
  assert.equal(into.event.base, doubleFree.base);
  assert.throws(() => runtime.goto(runtime.eventCount), /is not in the trace/);
});

test('conditions and hit counts filter; function and data breakpoints stop at their events', () => {
  const [doubleFree] = demo.findings;
  const [threes, none, counted, broken] = runtime.setLineBreakpoints(demo.malloc.path, [
    { line: demo.malloc.line, condition: `cls == ${doubleFree.cls} && kind == "alloc"` },
    { line: demo.malloc.line, condition: `cls == ${doubleFree.cls + 1}` },
    { line: demo.firstFree.line, condition: 'kind == "free" || kind == "next-write"', hitCondition: '2' },
    { line: demo.malloc.line, condition: 'cls ==' },
  ]);
  assert.deepEqual(threes.hits, [doubleFree.allocEvent]);
  assert.deepEqual(none.hits, []);
  assert.equal(counted.hits.length, 1);
  assert.equal(runtime.timeline.event(counted.hits[0]).kindName, 'next-write', 'the second hit of the free line is its link write');
  assert.equal(broken.verified, false);
  assert.match(broken.message, /ends where a value is expected/);
  runtime.setLineBreakpoints(demo.malloc.path, []);

  const [free, main] = runtime.setFunctionBreakpoints([{ name: 'free' }, { name: 'main' }]);
  assert.deepEqual(
    free.hits.map((i) => runtime.timeline.event(i).kindName),
    ['free', 'free'],
  );
  assert.ok(main.hits.includes(doubleFree.freeEvent));
  runtime.setFunctionBreakpoints([]);

  const layout = runtime.file.handshake.layout;
  const link = doubleFree.base + layout.classes[doubleFree.cls].nextOffset;
  const [written] = runtime.setDataBreakpoints([{ dataId: dataIdOf({ kind: 'bytes', address: link, length: 8 }), accessType: 'write' }]);
  runtime.goto(doubleFree.event);
  const writer = runtime.reverseContinue();
  assert.equal(writer.reason, 'data breakpoint');
  assert.deepEqual(writer.breakpointIds, [written.id]);
  assert.equal(writer.event.kindName, 'next-write');
  assert.ok(writer.event.index > doubleFree.freeEvent && writer.event.index < doubleFree.event, 'the first free wrote the link');
  runtime.setDataBreakpoints([]);
});

test('the heap views follow a replay: a stop moves a view of its trace there, and a seek on the page is reported', async () => {
  const protocol = await import(new URL('../../extension/dist/protocol.mjs', import.meta.url).href);
  const core = await import(new URL('../../extension/dist/core.mjs', import.meta.url).href);
  const source = new protocol.TraceFileSource(core.TraceFile.open(runtime.file.path), 'double_free');
  const messages = [];
  const seeks = [];
  const host = new protocol.ViewHost(source, {
    post: (message) => messages.push(protocol.parseHostMessage(message)),
    sourceRoot: root,
    seeked: (event) => seeks.push(event),
  });
  const [doubleFree] = demo.findings;
  host.showEvent(doubleFree.event + 1);
  assert.equal(messages.length, 0, 'a view that has not said ready is sent nothing');
  await host.receive({ type: 'ready' });
  runtime.setExceptionFilters(['double-free']);
  runtime.goto(0);
  const stop = runtime.continue();
  host.showEvent(stop.event.index + 1);
  const heaps = messages.filter((message) => message.type === 'heap');
  assert.equal(heaps.at(-1).event, doubleFree.event + 1, "the view's heap is the one after the stop's event");
  assert.equal(source.model().eventCount, runtime.model().eventCount);
  assert.deepEqual(seeks, [], 'a move the session made is not reported back to it');
  await host.receive({ type: 'seek', event: doubleFree.freeEvent + 1 });
  assert.deepEqual(seeks, [doubleFree.freeEvent + 1]);
  runtime.setExceptionFilters([]);
  host.close();
  source.close();
  source.trace.close();
});

test('a jump reads the event and the heap in one replay, and breakpoints placed after it still see every event', async () => {
  const fresh = await ReplayRuntime.open({ trace: runtime.file.path, sourceRoot: root });
  try {
    const [doubleFree] = demo.findings;
    // the jump keeps only the events up to its target: a pass over the trace must not stop there
    const stop = fresh.goto(doubleFree.allocEvent);
    assert.equal(stop.event.kindName, 'alloc');
    assert.equal(fresh.model().eventCount, doubleFree.allocEvent + 1);
    const [free] = fresh.setFunctionBreakpoints([{ name: 'free' }]);
    assert.deepEqual(free.hits, [doubleFree.freeEvent, runtime.setFunctionBreakpoints([{ name: 'free' }])[0].hits[1]]);
    assert.equal(free.hits.length, 2);
    assert.equal(fresh.next(stop.event.thread).event.index, doubleFree.freeEvent);
  } finally {
    runtime.setFunctionBreakpoints([]);
    fresh.close();
  }
});

test("a breakpoint with no condition is placed from the opening pass's indices, with the hits a pass over the trace gives", () => {
  const startsCall = (index) => runtime.timeline.startsCall(runtime.timeline.event(index));
  for (const { path, line } of [demo.malloc, demo.firstFree, demo.secondFree]) {
    const [indexed, passed] = runtime.setLineBreakpoints(path, [{ line }, { line, condition: 'index >= 0' }]);
    assert.ok(indexed.hits.length > 0, `line ${line}`);
    assert.deepEqual(indexed.hits, passed.hits.filter(startsCall), `line ${line}: the indexed calls are the pass's call starts`);
  }
  const [free, freePassed, main, mainPassed, second] = runtime.setFunctionBreakpoints([
    { name: 'free' },
    { name: 'free', condition: 'index >= 0' },
    { name: 'main' },
    { name: 'main', condition: 'index >= 0' },
    { name: 'free', hitCondition: '2' },
  ]);
  assert.deepEqual(free.hits, freePassed.hits);
  assert.deepEqual(main.hits, mainPassed.hits);
  assert.deepEqual(second.hits, [free.hits[1]], 'a hit count on indexed hits');
  runtime.setLineBreakpoints(demo.malloc.path, []);
  runtime.setFunctionBreakpoints([]);
});
