// agree.test.mjs — a trace-build program stopped in a real gdb while its trace streams
// to a viewer over a real Unix socket: the heap read from memory and the trace brought
// up to the stop (the rings' unsent events included) agree at a clean stop, and differ
// at the one block the program wrote after freeing it, which is a finding naming the
// link the trace wrote and the one memory holds. native/test/debug/agree_target.c.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildNative, buildTarget, debug, launchToCheckpoint, root, work } from './helpers.mjs';

const core = await import(join(root, 'extension', 'dist', 'core.mjs'));
let layouts;
before(() => {
  layouts = buildNative();
});
after(() => rmSync(work, { recursive: true, force: true }));

for (const layout of ['hakmem', 'aligned'])
  test(`the heap in memory and its trace agree, and differ where the program wrote a freed block (${layout})`, async () => {
    const program = buildTarget(layout, 'trace', 'agree_target');
    const socketPath = join(work, `agree-${layout}.sock`);
    const sessions = [];
    const server = createServer((socket) => {
      const session = new core.TraceSession();
      sessions.push(session);
      socket.on('data', (chunk) => session.feed(chunk));
      socket.on('end', () => session.finish());
    });
    await new Promise((resolve) => server.listen(socketPath, resolve));
    const expectPath = join(work, `agree-${layout}.json`);
    const stops = [];
    const adapter = new debug.GdbAdapter();
    adapter.onStop(async (port, stop) => {
      const memory = await debug.readHeap(port, layouts, { tracePending: true });
      const image = debug.heapImage(memory, stop.stoppedAt);
      const session = sessions.find((candidate) => candidate.model?.handshake.pid === memory.tracePending?.pid);
      assert.ok(session, `the viewer has the stopped process's trace (pid ${memory.tracePending?.pid})`);
      assert.ok(await debug.sentArrived(session, memory.tracePending), 'what the process sent has arrived');
      const traced = debug.tracedAtStop(session, memory.tracePending);
      const { findings, compared } = debug.compareWithTrace(debug.heapStateOf(image, memory), traced.model, stop.stoppedAt);
      stops.push({ image, traced, findings, compared, requests: memory.reads.requests });
    });
    try {
      await launchToCheckpoint(adapter, {
        program,
        arguments: expectPath,
        initCommands: [
          `set environment SLABSCOPE_SOCKET=${socketPath}`,
          'set environment SLABSCOPE_EVENTS=all',
          'set environment SLABSCOPE_LOSSLESS=1',
        ],
      });
      for (let stop = 0; stop < 2; stop++) {
        const stopped = adapter.nextEvent('stopped', 60_000);
        if (stop === 0) await adapter.request('configurationDone', {});
        else {
          // only main runs on: the exporter stays stopped, and main's burst stays in its ring
          const { stackFrames } = await adapter.request('stackTrace', { threadId: 1, levels: 1 });
          await adapter.request('evaluate', { expression: '>set scheduler-locking on', context: 'repl', frameId: stackFrames[0].id });
          await adapter.request('continue', { threadId: 1 });
        }
        await stopped;
      }
      await adapter.request('disconnect', { terminateDebuggee: true }).catch(() => undefined);
    } finally {
      adapter.dispose();
      server.close();
    }
    const { freed, overwritten } = JSON.parse(readFileSync(expectPath, 'utf8'));
    const layoutOf = layouts.get(layout).layout;
    const baseOf = (user) => Number(BigInt(user)) - layoutOf.userOffset;
    assert.equal(stops.length, 2);
    for (const [i, stop] of stops.entries()) {
      assert.deepEqual(stop.traced.inFlight, [], `stop ${i}: nothing sent was left on the way`);
      assert.equal(stop.traced.lostMarks, 0);
      // the eight freed blocks at least, free in memory and in the trace
      assert.ok(stop.compared >= 8, `stop ${i}: ${stop.compared} blocks compared`);
      for (const user of freed) {
        const at = stop.traced.model.locate(baseOf(user));
        assert.ok(at && at.within === 0, `stop ${i}: the trace knows ${user}`);
        assert.equal(at.slab.state[at.slot], core.BlockState.FreeCache, `stop ${i}: ${user} is in a cache in the trace`);
      }
    }
    // the burst between the stops was still in main's ring at the second: read from memory, applied to the trace
    assert.ok(stops[1].traced.added >= 128, `${stops[1].traced.added} unsent events applied at the second stop`);
    assert.deepEqual(stops[0].findings, [], `the clean stop: ${stops[0].findings.map((f) => f.message).join('; ')}`);
    assert.equal(stops[1].findings.length, 1, stops[1].findings.map((f) => f.message).join('; '));
    const [finding] = stops[1].findings;
    assert.equal(finding.kind, 'next-corrupt');
    assert.equal(finding.base, baseOf(overwritten));
    assert.equal(finding.cls, 4);
    assert.match(
      finding.message,
      /memory holds 0x123412341234: the block was written after the free at event \d+ by something other than the allocator \(found while stopped at agree_target\.c:\d+\)/,
    );
    // the trace's link is what the allocator wrote: the next-older freed block's BASE
    const older = freed[freed.indexOf(overwritten) - 1];
    assert.match(finding.message, new RegExp(`as 0x${baseOf(older).toString(16)}, memory holds`));
    assert.ok(finding.freeEvent >= 0 && finding.stacks.free.length === 1, 'the free the trace saw, with its call site');
  });
