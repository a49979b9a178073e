// exit.test.mjs — a process that leaves without exit() (_exit, _Exit, quick_exit,
// syscall(SYS_exit_group), its last thread's end) delivers every event and ends its
// stream with the end frame and its exit status; a vfork child's _exit leaves its
// parent's stream alone; a shell (dash leaves through _exit) records with no warning.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTrace, sequenceAccounting, FRAME } from './wire.mjs';
import { core } from '../engine/helpers.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const nativeDir = join(root, 'native');
const traceLib = (layout) => join(nativeDir, 'build', layout, 'trace', 'libslabscope.so');
const exitTarget = join(nativeDir, 'build', 'test', 'exit_target');
const cli = join(root, 'extension', 'dist', 'cli.mjs');

before(() => {
  const make = spawnSync('make', ['-j2', 'all', 'tracetests'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(make.status, 0, make.stdout + make.stderr);
});

function privateDir() {
  const dir = mkdtempSync(join(tmpdir(), 'slabscope-exit-'));
  chmodSync(dir, 0o700);
  return dir;
}

// A viewer that takes every connection and keeps each stream's bytes.
function listenAll(socketPath) {
  const streams = [];
  const server = createServer((connection) => {
    const chunks = [];
    streams.push({
      ended: new Promise((done) => {
        connection.on('data', (chunk) => chunks.push(chunk));
        connection.on('end', done);
        connection.on('error', done);
      }),
      bytes: () => Buffer.concat(chunks),
    });
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve({ server, streams })));
}

function run(file, args, env) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: { ...process.env, ...env } });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30000); // a process left with only the exporter hangs
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

// The engine's decoder over a whole stream: its errors and the end record it saw.
function engineDecode(bytes) {
  const errors = [];
  let end = null;
  const decoder = new core.Decoder({
    handshake() {}, events() {}, lost() {}, crash() {}, slabBytes() {},
    end: (offset, record) => (end = record ?? 'no record'),
    error: (error) => errors.push(`${error.code}: ${error.message}`),
  });
  decoder.push(bytes);
  decoder.finish();
  return { errors, end };
}

// The program's own allocations and frees (call sites in the executable), and which thread churned.
function ownCounts(trace) {
  const modules = trace.handshake.modules.map((m) => ({ ...m, base: BigInt(m.base) }));
  const exe = modules.find((m) => m.path === trace.handshake.executable);
  const next = modules.map((m) => m.base).filter((b) => b > exe.base).reduce((a, b) => (b < a ? b : a), exe.base + (1n << 32n));
  const own = trace.events.filter((e) => e.pc >= exe.base && e.pc < next && !(e.route & 0x80));
  const churn = new Set(own.filter((e) => e.kind === 'alloc' && e.value === 1000n).map((e) => e.thread));
  const counted = own.filter((e) => !churn.has(e.thread));
  return { allocs: counted.filter((e) => e.kind === 'alloc').length, frees: counted.filter((e) => e.kind === 'free').length };
}

// mode → the exit status, the end record, the pairs the program's own threads made (the churning
// one aside) and those it printed (the main thread's)
const MODES = [
  { mode: '_exit', status: 0, end: { cause: '_exit', status: 0 }, pairs: 20000, printed: 20000 },
  { mode: '_Exit', status: 3, end: { cause: '_exit', status: 3 }, pairs: 20000, printed: 20000 },
  { mode: 'exit_group', status: 4, end: { cause: 'exit-group', status: 4 }, pairs: 20000, printed: 20000 },
  { mode: 'quick_exit', status: 5, end: { cause: 'quick-exit', status: 5 }, pairs: 20001, printed: 20000 },
  { mode: 'main_last', status: 0, end: { cause: 'last-thread', status: 0 }, pairs: 40000, printed: 20000 },
  { mode: 'worker_last', status: 0, end: { cause: 'last-thread', status: 0 }, pairs: 40000, printed: 20000 },
  // the child's _exit(7) must not end the parent's stream: the parent's own _exit(0) does
  { mode: 'vfork', status: 0, end: { cause: '_exit', status: 0 }, pairs: 40000, printed: 40000 },
  // the program's SIGSEGV handler calls _exit(9): no deadlock, and it ends the stream as any _exit does
  { mode: 'segv', status: 9, end: { cause: '_exit', status: 9 }, pairs: 20000, printed: 20000 },
];
const CAUSES = { exit: 0, _exit: 1, 'last-thread': 2, 'exit-group': 3, 'quick-exit': 4 };

for (const layout of ['hakmem', 'aligned']) {
  for (const { mode, status, end, pairs, printed } of MODES) {
    test(`${mode} (${layout}): every event delivered, the stream ends with the end frame and status ${status}`, { timeout: 60000 }, async () => {
      const dir = privateDir();
      const socketPath = join(dir, 'viewer.sock');
      const viewer = await listenAll(socketPath);
      try {
        const result = await run(exitTarget, [mode], { LD_PRELOAD: traceLib(layout), SLABSCOPE_SOCKET: socketPath, SLABSCOPE_LOSSLESS: '1' });
        await Promise.all(viewer.streams.map((stream) => stream.ended));
        assert.equal(result.signal, null, `killed by ${result.signal}: ${result.stderr}`);
        assert.equal(result.status, status, result.stderr);
        assert.match(result.stdout, new RegExp(`^main_mallocs=${printed}$`, 'm'));
        if (mode === 'vfork') assert.match(result.stdout, /vfork child status 7/);
        assert.equal(viewer.streams.length, 1, `${viewer.streams.length} streams`);
        const bytes = viewer.streams[0].bytes();
        const trace = readTrace(bytes); // throws on a cut frame
        const last = trace.frames.at(-1);
        assert.equal(last.kind, FRAME.end, `the last frame is kind ${last.kind}`);
        assert.equal(last.length, 8, 'the end frame carries its record');
        assert.deepEqual([bytes.readInt32LE(last.offset + 24), bytes.readUInt32LE(last.offset + 28)],
          [end.status, CAUSES[end.cause]]);
        assert.equal(trace.lost.length, 0, 'lossless mode drops nothing');
        assert.deepEqual(ownCounts(trace), { allocs: pairs, frees: pairs });
        for (const thread of sequenceAccounting(trace)) {
          assert.equal(thread.holes, 0, `thread ${thread.thread} has gaps`);
          assert.equal(thread.doubles, 0);
        }
        assert.deepEqual(engineDecode(bytes), { errors: [], end });
      } finally {
        viewer.server.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test('a normal exit ends with the end frame, its status not known; a stream without one is no crash unless it says so', () => {
  const dir = privateDir();
  try {
    const file = join(dir, 'workload.bin');
    const result = spawnSync(join(nativeDir, 'build', 'test', 'workload'), ['100'],
      { env: { ...process.env, LD_PRELOAD: traceLib('aligned'), SLABSCOPE_TRACE_FILE: file }, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    const bytes = readFileSync(file);
    assert.deepEqual(engineDecode(bytes), { errors: [], end: { cause: 'exit', status: null } });
    const cut = readTrace(bytes).frames.at(-1).offset; // the same stream without its end frame
    assert.deepEqual(engineDecode(bytes.subarray(0, cut)).errors,
      [`no-end: stream ends without an end-of-stream frame (the process was killed, or left by a system call the trace runtime does not see) at byte offset ${cut} (expected an end-of-stream frame)`]);
    // an end frame as an older writer sent it (no record), and two the decoder refuses
    const endFrame = (payload) => {
      const header = Buffer.alloc(24);
      header.writeUInt16LE(5, 0);
      header.writeUInt32LE(payload.length, 4);
      return Buffer.concat([bytes.subarray(0, cut), header, payload]);
    };
    assert.deepEqual(engineDecode(endFrame(Buffer.alloc(0))), { errors: [], end: 'no record' });
    assert.deepEqual(engineDecode(endFrame(Buffer.alloc(4))).errors,
      [`bad-frame: end frame of 4 bytes at byte offset ${cut + 4} (expected no payload or an 8-byte end record)`]);
    const unknownCause = Buffer.alloc(8);
    unknownCause.writeUInt32LE(9, 4);
    assert.deepEqual(engineDecode(endFrame(unknownCause)).errors,
      [`bad-frame: end record of cause 9 at byte offset ${cut + 28} (expected an end cause 0..4)`]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('slabscope run -- sh -c: the shell, which leaves through _exit, records with no warning', { timeout: 240000 }, () => {
  const dir = privateDir();
  try {
    writeFileSync(join(dir, 'q.sql'), 'create table t(x);\ninsert into t values (1), (2);\nselect sum(x) from t;\n');
    const result = spawnSync(process.execPath, [cli, 'run', '--out', join(dir, 'sh.hktrace'), '--', 'sh', '-c', 'sqlite3 :memory: < q.sql'],
      { cwd: dir, encoding: 'utf8', timeout: 180000 });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /^3$/m, 'sqlite3 ran');
    assert.match(result.stdout, /\/usr\/bin\/dash \(pid \d+\): [\d,]+ events/, 'the shell streamed');
    assert.match(result.stdout, /\/usr\/bin\/sqlite3 \(pid \d+\): [\d,]+ events/, 'sqlite3 streamed');
    assert.doesNotMatch(result.stdout, /stream (warning|error)/);
    const report = JSON.parse(spawnSync(process.execPath, [cli, 'report', '--json', join(dir, 'sh.hktrace')], { encoding: 'utf8' }).stdout);
    assert.equal(report.trace.executable, '/usr/bin/dash');
    assert.equal(report.summary.ended, true);
    assert.equal(report.summary.crashed, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
