// trace.test.mjs — the pointer trace: wire format fields, lossless and lossy
// delivery over real Unix sockets and files, the crash flush, socket security.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrace, sequenceAccounting, EVENT_KINDS, FRAME } from './wire.mjs';
import { core } from '../engine/helpers.mjs';

const nativeDir = fileURLToPath(new URL('../../native/', import.meta.url));
const traceLib = (layout) => `${nativeDir}build/${layout}/trace/libslabscope.so`;
const program = (name) => `${nativeDir}build/test/${name}`;

function privateDir() {
  const dir = mkdtempSync(join(tmpdir(), 'slabscope-trace-'));
  chmodSync(dir, 0o700);
  return dir;
}

// A viewer: listens on a Unix socket, collects everything one program sends.
function listen(socketPath) {
  return new Promise((resolve) => {
    const chunks = [];
    let done;
    const received = new Promise((r) => (done = r));
    const server = createServer((connection) => {
      connection.on('data', (chunk) => chunks.push(chunk));
      connection.on('end', () => done(Buffer.concat(chunks)));
      connection.on('error', () => done(Buffer.concat(chunks)));
    });
    server.listen(socketPath, () => resolve({ server, received }));
  });
}

function runProgram(file, args, env) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

// The workload's own calls: events whose call site lies in the executable.
function ownEvents(trace, kind) {
  const modules = trace.handshake.modules.map((m) => ({ ...m, base: BigInt(m.base) }));
  const exe = modules.find((m) => m.path === trace.handshake.executable);
  const next = modules.map((m) => m.base).filter((b) => b > exe.base).reduce((a, b) => (b < a ? b : a), exe.base + (1n << 32n));
  return trace.events.filter((e) => e.kind === kind && e.pc >= exe.base && e.pc < next);
}
const ownCalls = (trace, kind) => ownEvents(trace, kind).length;

before(() => {
  const make = spawnSync('make', ['-j2', 'all', 'tracetests'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(make.status, 0, make.stdout + make.stderr);
});

const GOLDEN_STAMP_EVENTS = 100; // golden.c's local-stamp series

test('golden: every field of every event kind, as the runtime wrote it', () => {
  const dir = privateDir();
  try {
    const file = join(dir, 'golden.bin');
    const result = spawnSync(program('golden'), [], { env: { ...process.env, SLABSCOPE_TRACE_FILE: file }, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const trace = readTrace(readFileSync(file));
    assert.equal(trace.handshake.version, 1);
    assert.equal(trace.handshake.layoutName, 'golden');
    assert.deepEqual(trace.handshake.layout, { golden: true, classes: [] });
    assert.equal(trace.handshake.executable, program('golden'));
    assert.match(trace.handshake.buildId, /^[0-9a-f]{40}$/);
    assert.equal(trace.handshake.pageSize, 4096);
    assert.equal(trace.handshake.recordSizes.length, EVENT_KINDS.length - 1);
    assert.ok(trace.handshake.recordSizes.every((size) => size === 48));
    assert.ok(trace.handshake.modules.some((m) => m.path === program('golden')));
    assert.equal(trace.ended, true, 'end-of-stream frame');
    assert.equal(trace.frames.at(-1).length, 8, 'the end frame carries its record');
    // linked from the static library, the runtime brings its exec and exit wrappers (exec.c, exit.c) along
    const symbols = spawnSync('nm', [program('golden')], { encoding: 'utf8' });
    for (const name of ['execve', 'execvp', 'execl', '_exit', '_Exit', 'quick_exit', 'syscall'])
      assert.match(symbols.stdout, new RegExp(` T ${name}\\n`), `golden defines ${name}`);
    assert.equal(trace.events.length, EVENT_KINDS.length + GOLDEN_STAMP_EVENTS);
    let previous = 0n;
    trace.events.slice(0, EVENT_KINDS.length - 1).forEach((event, i) => {
      const kind = i + 1;
      assert.equal(event.seq, BigInt(i));
      assert.equal(event.kind, EVENT_KINDS[kind]);
      assert.equal(event.cls, kind % 8);
      assert.equal(event.route, kind % 7);
      assert.equal(event.siteId, kind * 1000 + 1);
      assert.equal(event.base, 0x1000n * BigInt(kind));
      assert.equal(event.value, BigInt(kind * 7));
      assert.equal(event.pc, BigInt(0xabc000 + kind));
      assert.ok(event.timestamp >= previous && event.timestamp >= trace.handshake.startNs, 'timestamps move forward');
      previous = event.timestamp;
    });
    const last = trace.events[EVENT_KINDS.length - 1];
    assert.deepEqual([last.kind, last.cls, last.route, last.value], ['free', 255, 6, 0xffffffffffffffffn]);
    // ssp_emit_local: a local event shares the clock reading of the event before it, unless its
    // sequence number starts a group of 8 (PROTOCOL §3); stamps never go back; the numbers run on
    const stamped = trace.events.slice(EVENT_KINDS.length);
    stamped.forEach((event, i) => {
      const before = trace.events[EVENT_KINDS.length + i - 1];
      assert.equal(event.seq, BigInt(EVENT_KINDS.length + i));
      assert.equal(event.value, BigInt(i));
      assert.equal(event.route, i % 13 === 0 ? 0 : 1);
      assert.ok(event.timestamp >= before.timestamp, `event ${i}: stamps never go back`);
      if (event.route === 1 && event.seq % 8n !== 0n) assert.equal(event.timestamp, before.timestamp, `local event ${i} reuses the reading`);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [layout, ring] of [['hakmem', undefined], ['aligned', undefined], ['aligned', '16']]) {
  // a ring of 16 fills before the exporter runs and while it takes its snapshot: nothing may wait for ever
  test(`lossless over a Unix socket, 8 threads with cross-thread frees (${layout}${ring ? `, rings of ${ring} events` : ''})`, { timeout: 120_000 }, async () => {
    const dir = privateDir();
    try {
      const socketPath = join(dir, 'viewer.sock');
      const { server, received } = await listen(socketPath);
      const run = await runProgram(program('workload'), ['20000'], {
        LD_PRELOAD: traceLib(layout),
        SLABSCOPE_SOCKET: socketPath,
        SLABSCOPE_LOSSLESS: '1',
        ...(ring ? { SLABSCOPE_RING: ring } : {}),
      });
      const bytes = await received;
      server.close();
      assert.equal(run.status, 0, run.stderr);
      const [, mallocs, frees] = run.stdout.match(/mallocs=(\d+) frees=(\d+)/).map(Number);
      assert.equal(mallocs, 160000);
      assert.equal(frees, 160000);
      const trace = readTrace(bytes);
      assert.equal(trace.ended, true);
      assert.equal(trace.lost.length, 0, 'lossless mode drops nothing');
      assert.equal(ownCalls(trace, 'alloc'), mallocs);
      assert.equal(ownCalls(trace, 'free'), frees);
      const threads = sequenceAccounting(trace);
      assert.ok(threads.length >= 9, 'main and 8 workers');
      for (const thread of threads) {
        assert.equal(thread.holes, 0, `thread ${thread.thread} has gaps`);
        assert.equal(thread.doubles, 0);
        assert.equal(thread.received, thread.produced);
      }
      assert.ok(trace.events.some((e) => e.kind === 'free' && e.route === 3), 'remote frees were traced');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('lossy with a tiny ring: received plus lost equals produced, exactly', () => {
  const dir = privateDir();
  try {
    const file = join(dir, 'lossy.bin');
    const result = spawnSync(program('workload'), ['20000'], {
      env: { ...process.env, LD_PRELOAD: traceLib('aligned'), SLABSCOPE_TRACE_FILE: file, SLABSCOPE_RING: '16', SLABSCOPE_LOSSLESS: '0', SLABSCOPE_EVENTS: 'all' },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const trace = readTrace(readFileSync(file));
    assert.equal(trace.handshake.ringEvents, 16);
    assert.ok(trace.lost.length > 0, 'a 16-event ring under 8 threads drops events');
    let received = 0, lost = 0, produced = 0;
    for (const thread of sequenceAccounting(trace)) {
      assert.equal(thread.holes, 0, `thread ${thread.thread}: a sequence number is neither received nor reported lost`);
      assert.equal(thread.doubles, 0, `thread ${thread.thread}: a sequence number is both received and reported lost`);
      assert.equal(thread.received + thread.lost, thread.produced);
      received += thread.received;
      lost += thread.lost;
      produced += thread.produced;
    }
    assert.equal(received + lost, produced);
    assert.equal(trace.ended, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('crash: 100 runs out of 100 deliver the events and the crash record', async () => {
  const dir = privateDir();
  try {
    const socketPath = join(dir, 'viewer.sock');
    for (let run = 0; run < 100; run++) {
      const { server, received } = await listen(socketPath);
      const result = await runProgram(program('crash'), [], { LD_PRELOAD: traceLib('aligned'), SLABSCOPE_SOCKET: socketPath });
      const bytes = await received;
      await new Promise((r) => server.close(r));
      assert.equal(result.signal, 'SIGSEGV', `run ${run}: ${result.stderr}`);
      const trace = readTrace(bytes);
      assert.equal(trace.crashes.length, 1, `run ${run}: one crash record`);
      assert.equal(trace.crashes[0].signal, 11);
      assert.equal(trace.crashes[0].faultAddress, 0xdead0000n);
      assert.equal(trace.ended, false);
      assert.equal(ownCalls(trace, 'alloc'), 1, `run ${run}: the allocation before the crash`);
      assert.equal(ownCalls(trace, 'free'), 1, `run ${run}: the free before the crash`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('socket security: a world-writable directory is refused', async () => {
  const dir = privateDir();
  try {
    chmodSync(dir, 0o777);
    const socketPath = join(dir, 'viewer.sock');
    const { server } = await listen(socketPath);
    let connected = false;
    server.on('connection', () => (connected = true));
    const result = await runProgram(program('workload'), ['10'], { LD_PRELOAD: traceLib('aligned'), SLABSCOPE_SOCKET: socketPath });
    server.close();
    assert.equal(result.status, 0, 'the program runs on untraced');
    assert.match(result.stderr, /trace socket refused: its directory must belong to this user/);
    assert.equal(connected, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('socket security: a viewer of another user is refused (SO_PEERCRED)', async (t) => {
  if (process.getuid() !== 0) return t.skip('needs root to run a viewer as another user');
  const dir = privateDir();
  const socketPath = join(dir, 'viewer.sock');
  // the other user's viewer binds in a directory it may write, which is then handed back to us
  chownSync(dir, 65534, 65534);
  const viewer = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e',
    `const s=require('net').createServer(c=>{c.on('data',()=>{});c.on('end',()=>{});});s.listen(${JSON.stringify(socketPath)},()=>console.log('listening'));setTimeout(()=>process.exit(0),20000);`]);
  try {
    await new Promise((resolve, reject) => {
      viewer.stdout.on('data', (d) => String(d).includes('listening') && resolve());
      viewer.on('exit', (code) => reject(new Error(`viewer exited ${code}`)));
    });
    chownSync(dir, process.getuid(), process.getgid());
    chmodSync(dir, 0o700);
    const result = await runProgram(program('workload'), ['10'], { LD_PRELOAD: traceLib('aligned'), SLABSCOPE_SOCKET: socketPath });
    assert.equal(result.status, 0);
    assert.match(result.stderr, /trace socket refused: the viewer runs as another user/);
  } finally {
    viewer.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a viewer that goes away leaves the program unharmed', async () => {
  const dir = privateDir();
  try {
    const socketPath = join(dir, 'viewer.sock');
    const server = createServer((connection) => connection.destroy()); // hangs up at once
    await new Promise((r) => server.listen(socketPath, r));
    const result = await runProgram(program('workload'), ['5000'], { LD_PRELOAD: traceLib('aligned'), SLABSCOPE_SOCKET: socketPath });
    server.close();
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /mallocs=40000 frees=40000/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const lossless of ['0', '1']) {
  test(`a viewer that stops reading is given up after SLABSCOPE_STALL_MS, and the program ends (lossless=${lossless})`, { timeout: 60000 }, async () => {
    const dir = privateDir();
    const connections = [];
    const server = createServer((connection) => {
      connection.pause(); // accepts, then reads nothing: the socket fills
      connections.push(connection);
    });
    try {
      const socketPath = join(dir, 'viewer.sock');
      await new Promise((r) => server.listen(socketPath, r));
      const started = Date.now();
      const result = await runProgram(program('workload'), ['5000'], {
        LD_PRELOAD: traceLib('aligned'), SLABSCOPE_SOCKET: socketPath, SLABSCOPE_STALL_MS: '500', SLABSCOPE_LOSSLESS: lossless,
      });
      const seconds = (Date.now() - started) / 1000;
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /mallocs=40000 frees=40000/);
      assert.match(result.stderr, /the viewer has read nothing for 500 ms \(SLABSCOPE_STALL_MS\); tracing stops/);
      assert.equal(result.stderr.match(/read nothing/g).length, 1, result.stderr);
      assert.ok(seconds < 20, `the program took ${seconds} s`);
    } finally {
      for (const connection of connections) connection.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('SLABSCOPE_STACK_DEPTH: the frames above an allocation, by a frame-pointer walk', () => {
  const dir = privateDir();
  try {
    const file = join(dir, 'stack.bin');
    const run = spawnSync(program('stack'), [], {
      env: { ...process.env, LD_PRELOAD: traceLib('aligned'), SLABSCOPE_TRACE_FILE: file, SLABSCOPE_STACK_DEPTH: '4' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const trace = readTrace(readFileSync(file));
    assert.equal(trace.handshake.stackDepth, 4);
    const exe = trace.handshake.modules.find((m) => m.path === trace.handshake.executable);
    // the program's own 40-byte allocation (the C library's start-up makes some of its own): its pc is in the executable
    const above = trace.handshake.modules.map((m) => BigInt(m.base)).filter((base) => base > BigInt(exe.base)).sort((a, b) => (a < b ? -1 : 1))[0] ?? 1n << 63n;
    const at = trace.events.findIndex((e) => e.kind === 'alloc' && e.value === 40n && e.pc >= BigInt(exe.base) && e.pc < above);
    assert.ok(at >= 0);
    const frames = trace.events.slice(at + 1, at + 4);
    assert.deepEqual(frames.map((e) => [e.kind, e.base]), [['stack-frame', 1n], ['stack-frame', 2n], ['stack-frame', 3n]]);
    const offsets = [trace.events[at].pc, ...frames.map((e) => e.value)].map((pc) => '0x' + (pc - BigInt(exe.base)).toString(16));
    const symbols = spawnSync('addr2line', ['-f', '-e', program('stack'), ...offsets.map((o) => '0x' + (BigInt(o) - 1n).toString(16))], { encoding: 'utf8' });
    const functions = symbols.stdout.split('\n').filter((_, i) => i % 2 === 0).slice(0, 4);
    assert.deepEqual(functions, ['leaf_alloc', 'middle_alloc', 'outer_alloc', 'main']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// A viewer that talks back: sends commands on the socket, reads the program's lines.
async function viewerSession(layout, steps) {
  const dir = privateDir();
  const socketPath = join(dir, 'viewer.sock');
  const chunks = [];
  let connection;
  const connected = new Promise((resolve) => {
    const server = createServer((socket) => {
      connection = socket;
      socket.on('data', (chunk) => chunks.push(chunk));
      resolve(server);
    });
    server.listen(socketPath);
  });
  const child = spawn(program('snapshot_target'), [], {
    env: { ...process.env, LD_PRELOAD: traceLib(layout), SLABSCOPE_SOCKET: socketPath },
  });
  let stdout = '';
  const lines = [];
  child.stdout.on('data', (d) => {
    stdout += d;
    lines.push(...String(d).split('\n').filter(Boolean));
  });
  const waitFor = async (predicate, what) => {
    for (let i = 0; i < 500 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(predicate(), `timed out waiting for ${what}`);
  };
  const server = await connected;
  await waitFor(() => lines.some((l) => l.startsWith('ready')), 'ready');
  const command = (code, argument = 0n) => {
    const bytes = Buffer.alloc(16);
    bytes.writeUInt32LE(code, 0);
    bytes.writeBigUInt64LE(argument, 8);
    connection.write(bytes);
  };
  const block = BigInt(lines.find((l) => l.startsWith('ready')).split(' ')[1]);
  await steps({ command, child, lines, waitFor, block, bytes: () => Buffer.concat(chunks) });
  child.stdin.end();
  const status = await new Promise((r) => child.on('close', r));
  await waitFor(() => readTrace(Buffer.concat(chunks)).ended, 'end of stream');
  server.close();
  rmSync(dir, { recursive: true, force: true });
  return { status, stdout, trace: readTrace(Buffer.concat(chunks)) };
}

const SNAPSHOT = 0x80;
test('commands: a snapshot on request holds the thread cache and the live blocks; slab bytes show header bytes', async () => {
  const layoutInfo = JSON.parse(readFileSync(`${nativeDir}build/layout.json`, 'utf8')).layouts.aligned;
  let slabFrame, block;
  const { status, trace } = await viewerSession('aligned', async ({ command, waitFor, bytes, ...session }) => {
    block = session.block;
    command(3);
    command(4, block);
    await waitFor(() => readTrace(bytes()).frames.some((f) => f.kind === 4), 'the slab bytes');
    const raw = bytes();
    slabFrame = readTrace(raw).frames.find((f) => f.kind === 4);
    slabFrame.start = raw.readBigUInt64LE(slabFrame.offset + 24);
    slabFrame.data = raw.subarray(slabFrame.offset + 32, slabFrame.offset + 24 + slabFrame.length);
  });
  assert.equal(status, 0);
  const snapshot = trace.events.filter((e) => e.route & SNAPSHOT);
  const cls = 4;
  const cached = snapshot.filter((e) => e.kind === 'cache-push' && e.cls === cls);
  assert.equal(cached.length, layoutInfo.classes[cls].refillBatch - 10 + 3, 'the cache as the program left it');
  const live = snapshot.filter((e) => e.kind === 'alloc' && e.cls === cls);
  assert.ok(live.length >= 7, 'the seven blocks still in use');
  assert.ok(snapshot.some((e) => e.kind === 'superslab-map'));
  const bind = snapshot.find((e) => e.kind === 'slab-bind' && e.cls === cls);
  assert.ok(bind && (bind.value & 0xfffffn) >= 7n, 'slab used count');
  assert.equal(slabFrame.count, 1);
  assert.equal(slabFrame.length, 8 + 65536);
  const blockOffset = Number(block - slabFrame.start);
  assert.equal(slabFrame.data[blockOffset - 1], 0xa0 | cls, 'the header byte before USER');
});

test('commands: pause produces nothing until resume, which sends a snapshot', async () => {
  const { status, trace } = await viewerSession('aligned', async ({ command, child, lines, waitFor }) => {
    command(1);
    await new Promise((r) => setTimeout(r, 100));
    child.stdin.write('a');
    await waitFor(() => lines.includes('allocated'), 'the allocations while paused');
    command(2);
    await new Promise((r) => setTimeout(r, 100));
  });
  assert.equal(status, 0);
  const own = trace.events.filter((e) => e.kind === 'alloc' && e.value === 100n && !(e.route & SNAPSHOT));
  assert.equal(own.length, 10, 'the ten allocations before the pause only');
  const snapshots = trace.events.filter((e) => e.kind === 'alloc' && e.route & SNAPSHOT && e.cls === 4);
  assert.ok(snapshots.length >= 17, 'the snapshot after resume shows all seventeen live blocks');
  for (const thread of sequenceAccounting(trace)) assert.equal(thread.holes, 0);
});

// A viewer that takes every connection (a program that execs connects again from its new image).
function listenAll(socketPath) {
  const streams = [];
  const server = createServer((connection) => {
    const chunks = [];
    const stream = { ended: new Promise((done) => {
      connection.on('data', (chunk) => chunks.push(chunk));
      connection.on('end', () => done());
      connection.on('error', () => done());
    }), bytes: () => Buffer.concat(chunks) };
    streams.push(stream);
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve({ server, streams })));
}

// The engine's own decoder over a whole stream: what it reports, and whether it saw the end.
function engineDecode(bytes) {
  const session = new core.TraceSession();
  session.feed(bytes);
  session.finish();
  return { errors: session.errors.map((e) => `${e.code}: ${e.message}`), ended: session.model?.ended ?? false };
}

// The main thread's mallocs in a trace of exec_target: its sizes are below the churning thread's 1000.
const mainMallocs = (trace) => ownEvents(trace, 'alloc').filter((e) => e.value < 1000n).length;

async function runExecTarget(mode) {
  const dir = privateDir();
  const socketPath = join(dir, 'viewer.sock');
  const viewer = await listenAll(socketPath);
  try {
    const result = await runProgram(program('exec_target'), [mode], { LD_PRELOAD: traceLib('aligned'), SLABSCOPE_SOCKET: socketPath, SLABSCOPE_LOSSLESS: '1' });
    await Promise.all(viewer.streams.map((stream) => stream.ended));
    return { result, streams: viewer.streams.map((stream) => stream.bytes()) };
  } finally {
    viewer.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('exec: the stream ends with an exec frame after every event, never inside a frame; the new image streams afresh', { timeout: 120000 }, async () => {
  for (let run = 0; run < 10; run++) {
    const { result, streams } = await runExecTarget('exec');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /main_mallocs=20000\nchild main_mallocs=100/);
    assert.equal(streams.length, 2, `${streams.length} streams`);
    const [before, after] = streams.map((bytes) => readTrace(bytes)); // throws on a cut frame
    assert.equal(before.frames.at(-1).kind, FRAME.exec, `run ${run}: the last frame is kind ${before.frames.at(-1).kind}`);
    assert.equal(before.ended, false);
    assert.equal(mainMallocs(before), 20000, `run ${run}: every malloc before the exec delivered`);
    assert.equal(after.handshake.pid, before.handshake.pid);
    assert.equal(after.ended, true);
    assert.deepEqual(engineDecode(streams[0]), { errors: [], ended: true });
    assert.deepEqual(engineDecode(streams[1]), { errors: [], ended: true });
  }
});

test('exec that fails: errno is the exec\'s, and the stream goes on past the exec frame to its end', async () => {
  const { result, streams } = await runExecTarget('fail');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /exec returned -1 errno=ENOENT\nmain_mallocs=40000/);
  assert.equal(streams.length, 1);
  const trace = readTrace(streams[0]);
  const exec = trace.frames.findIndex((frame) => frame.kind === FRAME.exec);
  assert.ok(exec > 0 && trace.frames.slice(exec + 1).some((frame) => frame.kind === FRAME.events), 'events after the exec frame');
  assert.equal(trace.ended, true);
  assert.equal(mainMallocs(trace), 40000);
  assert.deepEqual(engineDecode(streams[0]), { errors: [], ended: true });
});

test('exec from a vfork child: the parent\'s stream gets no exec frame and the parent goes on', { timeout: 60000 }, async () => {
  const { result, streams } = await runExecTarget('vfork');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /vfork child status 0\nmain_mallocs=40000/);
  const parent = streams.map((bytes) => readTrace(bytes)).find((trace) => trace.handshake.executable === program('exec_target'));
  assert.ok(parent, 'the parent streamed');
  assert.equal(parent.frames.some((frame) => frame.kind === FRAME.exec), false);
  assert.equal(parent.ended, true);
  assert.equal(mainMallocs(parent), 40000);
});
