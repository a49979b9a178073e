// watch.test.mjs — the slabscope-gdb adapter's own heap features against a real gdb,
// through DebugClient over stdio: its variables and evaluate answers label a pointer
// that lands in our heap with what it points at (from the stop's one heap read),
// and leave any other pointer as gdb gave it; a data breakpoint on a free block's
// link, then on another's header byte, placed from the heap image's addresses and
// the layout's offsets, stops the program at the line that writes each after free,
// the editor's own setDataBreakpoints meanwhile notwithstanding.
// native/test/debug/show_target.c, stopped in look(), in both layouts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildNative, buildTarget, debug, hex, nativeDir, stopAtCheckpoint, work } from './helpers.mjs';

let layouts;
before(() => {
  layouts = buildNative();
});
after(() => rmSync(work, { recursive: true, force: true }));

const source = join(nativeDir, 'test', 'debug', 'show_target.c');
/** The line of `source` that carries the comment marker. */
const markerLine = (marker) =>
  readFileSync(source, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(`/* ${marker} */`)) + 1;

for (const layout of ['hakmem', 'aligned'])
  test(`slabscope-gdb labels heap pointers and breaks on a free block's link and header (${layout})`, async () => {
    const program = buildTarget(layout, 'release', 'show_target');
    const heldPath = join(work, `held_${layout}.json`);
    const stop = await stopAtCheckpoint(program, [heldPath], undefined, 'look');
    try {
      const held = JSON.parse(readFileSync(heldPath, 'utf8'));
      const { userOffset } = layouts.get(layout).layout;
      const { stackFrames } = await stop.request('stackTrace', { threadId: stop.threadId, levels: 1 });
      const frameId = stackFrames[0].id;
      assert.equal(stackFrames[0].name, 'look');

      // Variables: the frame's pointers say what they point at
      const { scopes } = await stop.request('scopes', { frameId });
      const { variables } = await stop.request('variables', { variablesReference: scopes[0].variablesReference });
      const value = (name) => variables.find((variable) => variable.name === name)?.value;
      // right after the address, before the string gdb shows for a char *
      assert.match(value('freed'), new RegExp(`^${held.overwritten} \\(USER of a C4 block, free in thread \\d+'s cache\\) "`));
      // the cache broke at freed's bad link: a block in no chain after it is not known to be in use or free
      assert.match(value('kept'), new RegExp(`^${held.kept} \\(USER of a C4 block, unknown\\) "`));

      // watch, hover and repl answers too; a BASE where a USER belongs is called so
      const evaluate = (expression, context) => stop.request('evaluate', { expression, frameId, context }).then((body) => body.result);
      assert.match(await evaluate('freed', 'watch'), /^0x[0-9a-f]+ \(USER of a C4 block, free in thread \d+'s cache\) "/);
      assert.match(await evaluate('kept', 'hover'), /^0x[0-9a-f]+ \(USER of a C4 block, unknown\) "/);
      assert.match(
        await evaluate(`(void *) (freed - ${userOffset})`, 'repl'),
        new RegExp(`^0x[0-9a-f]+ \\(BASE of a C4 block, free in thread \\d+'s cache\\)$`),
      );
      assert.match(
        await evaluate('freed + 3', 'watch'),
        new RegExp(`^0x[0-9a-f]+ \\(${userOffset + 3} bytes into a C4 block, free in thread \\d+'s cache\\) "`),
      );
      // a pointer outside our heap (the frame's own stack) is gdb's text, unchanged; so is a copied value
      const stack = await evaluate('&freed', 'watch');
      assert.match(stack, /^0x7ff[0-9a-f]+$/);
      assert.equal(stack, await evaluate('&freed', 'clipboard'));
      assert.match(await evaluate('freed', 'clipboard'), new RegExp(`^${held.overwritten}( "[^"]*")?$`));
      assert.ok(stop.capabilities.supportsClipboardContext, 'the editor is told to copy through the clipboard context');

      // the heap image says where blocks[6] and blocks[5] are; the layout where their link and header are
      const { image } = await debug.readStop(stop.request, layouts, { threadId: stop.threadId, expectLayout: layout });
      const cache = image.threads.flatMap((thread) => thread.caches).find((entry) => entry.cls === 4);
      const baseOf = (user) => cache.nodes.find((node) => hex(node.user) === user)?.base;
      const linked = baseOf(held.freed[6]);
      const headed = baseOf(held.freed[5]);
      assert.ok(linked !== undefined && headed !== undefined, 'blocks[6] and blocks[5] are in the C4 cache');

      const watch = async (watchpoints) => {
        const set = await stop.request(debug.SET_HEAP_WATCHPOINTS, { watchpoints });
        assert.equal(set.watchpoints.length, watchpoints.length);
        for (const entry of set.watchpoints) assert.ok(entry.verified && entry.number > 0, `gdb watches ${entry.expression}`);
        return set;
      };
      const runTo = async (marker) => {
        const stopped = stop.client.waitForEvent('stopped');
        await stop.request('continue', { threadId: stop.threadId });
        const event = await stopped;
        assert.equal(event.body.reason, 'data breakpoint');
        const top = (await stop.request('stackTrace', { threadId: event.body.threadId, levels: 1 })).stackFrames[0];
        assert.equal(top.name, 'main');
        assert.equal(top.line, markerLine(marker), `stopped at the ${marker} line`);
        return top;
      };

      const link = debug.blockWatchpoint(layouts.get(layout).layout, linked, 4, 'link');
      const header = debug.blockWatchpoint(layouts.get(layout).layout, headed, 4, 'header');
      // the processor's four debug registers: a link at BASE + 1 (hakmem) takes all four, so no header beside it
      if (layout === 'hakmem')
        await assert.rejects(
          stop.request(debug.SET_HEAP_WATCHPOINTS, { watchpoints: [link, header] }),
          /these 2 data breakpoints need 5 debug registers and the processor has 4 \(the link of C4 block 0x[0-9a-f]+ \(8 bytes at 0x[0-9a-f]+\) takes 4; the header byte of C4 block 0x[0-9a-f]+ \(1 byte at 0x[0-9a-f]+\) takes 1\): clear some first/,
        );
      else await watch([link, header]); // an aligned link takes one
      assert.equal(link.address - linked, layouts.get(layout).layout.classes[4].nextOffset);
      const set = await watch([link]);
      assert.equal(set.watchpoints[0].expression, `*(void**)${hex(link.address)}`);
      // the editor's own data breakpoints, set (none, as when its last is removed), leave the heap's in place
      await stop.request('setDataBreakpoints', { breakpoints: [] });
      await runTo('LINK WRITE');
      // the link's watchpoint goes, the header's comes: the list replaces the last
      await watch([header]);
      const main = await runTo('HEADER WRITE');

      // memory written from the console is read again: blocks[6]'s link, overwritten at LINK WRITE, set to null
      // ends the C4 cache cleanly there, so kept (in no chain) is known to be in use
      const inMain = (expression, context) =>
        stop.request('evaluate', { expression, frameId: main.id, context }).then((body) => body.result);
      assert.match(await inMain('kept', 'watch'), /\(USER of a C4 block, unknown\)/);
      await inMain('>set var *(void **) blocks[6] = 0', 'repl');
      assert.match(await inMain('kept', 'watch'), /\(USER of a C4 block, in use \(its slab is thread \d+'s\)\)/);
    } finally {
      await stop.close();
    }
  });

test('an x86-64 debug register per aligned piece of a watched range', () => {
  assert.equal(debug.x86DebugRegisters(0x1000, 8), 1);
  assert.equal(debug.x86DebugRegisters(0x1001, 8), 4); // 1 + 2 + 4 + 1
  assert.equal(debug.x86DebugRegisters(0x1010, 1), 1);
  assert.equal(debug.x86DebugRegisters(0x1004, 8), 2);
  const link = { base: 0x1000, cls: 4, part: 'link', address: 0x1001, bytes: 8, accessType: 'write' };
  assert.equal(debug.tooManyWatchpoints([link], 'x64'), null);
  assert.match(debug.tooManyWatchpoints([link, { ...link, part: 'header', address: 0x1000, bytes: 1 }], 'x64'), /need 5 debug registers/);
  assert.equal(debug.tooManyWatchpoints([link, link, link], 'arm64'), null, "another processor's gdb says it itself");
});

test('a heap watchpoint request names its first wrong field', () => {
  assert.throws(() => debug.setHeapWatchpointsArguments({}), /watchpoints must be a list/);
  assert.throws(
    () =>
      debug.setHeapWatchpointsArguments({
        watchpoints: [{ base: 4096, cls: 4, part: 'tail', address: 4097, bytes: 8, accessType: 'write' }],
      }),
    /watchpoints\[0\]\.part must be link or header, not "tail"/,
  );
  assert.throws(
    () =>
      debug.setHeapWatchpointsArguments({
        watchpoints: [{ base: 4096, cls: 4, part: 'link', address: -1, bytes: 8, accessType: 'write' }],
      }),
    /watchpoints\[0\]\.address must be a whole number/,
  );
});
