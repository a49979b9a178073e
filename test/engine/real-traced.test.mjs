// real-traced.test.mjs — programs nobody here wrote, traced end to end through
// `slabscope run` with the aligned layout (losslessly, every process they
// start included): they run as they do without it and the engine finds nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core, root } from './helpers.mjs';

const cli = join(root, 'extension', 'dist', 'cli.mjs');
const fixtures = join(root, 'test', 'fixtures', 'real');

function traced(name, program, args) {
  const work = mkdtempSync(join(tmpdir(), `slabscope-real-${name}-`));
  const out = join(work, `${name}.hktrace`);
  const run = spawnSync(process.execPath, [cli, 'run', '--lossless', '--out', out, '--', program, ...args], {
    cwd: work,
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 1 << 28,
  });
  const plain = spawnSync(program, args, {
    cwd: mkdtempSync(join(tmpdir(), `slabscope-plain-${name}-`)),
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 1 << 28,
  });
  return { run, plain, work };
}

function assertNothingFound({ run, work }, processes) {
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /exited with status 0/);
  const traces = readdirSync(work).filter((file) => file.endsWith('.hktrace'));
  assert.ok(traces.length >= processes, `${traces.length} traces`);
  let events = 0;
  const opened = traces.map((file) => ({ file, trace: core.TraceFile.open(join(work, file)) }));
  // a process that exec'd ends its stream with an exec frame: every stream is whole
  for (const { file, trace } of opened) {
    try {
      assert.deepEqual(
        trace.findings.map((f) => `${f.kind}: ${f.message}`),
        [],
        `${file} of ${trace.handshake.executable}`,
      );
      assert.deepEqual(
        trace.index.errors.map((e) => `${e.code}: ${e.message}`),
        [],
        `${file} of ${trace.handshake.executable}`,
      );
      assert.equal(trace.summary.lostEvents, 0);
      events += trace.eventCount;
    } finally {
      trace.close();
    }
  }
  assert.ok(events > 10_000, `${events} events`);
}

test('python3 workload.py: the same output, no finding', { timeout: 900_000 }, () => {
  const result = traced('python3', 'python3', [join(fixtures, 'workload.py')]);
  assert.equal(result.plain.status, 0);
  assertNothingFound(result, 1);
  assert.ok(result.run.stdout.startsWith(result.plain.stdout) || result.run.stdout.includes(result.plain.stdout.trim()));
});

test('sqlite3 rows.sql: the same output, no finding', { timeout: 900_000 }, () => {
  const sql = join(fixtures, 'rows.sql');
  const result = traced('sqlite3', 'sqlite3', ['-batch', '-bail', ':memory:', `.read ${sql}`]);
  assert.equal(result.plain.status, 0, result.plain.stderr);
  assertNothingFound(result, 1);
  assert.ok(result.run.stdout.includes(result.plain.stdout.trim()));
});

test('gcc compiling and linking prog/: every process of the driver traced, no finding', { timeout: 900_000 }, () => {
  const sources = readdirSync(join(fixtures, 'prog'))
    .filter((file) => file.endsWith('.c'))
    .map((file) => join(fixtures, 'prog', file));
  const result = traced('gcc', 'gcc', ['-O2', '-o', 'prog', ...sources]);
  assert.equal(result.plain.status, 0, result.plain.stderr);
  assertNothingFound(result, 4); // gcc, cc1 per source, as, collect2, ld
  const built = spawnSync(join(result.work, 'prog'), [], { encoding: 'utf8' });
  assert.equal(built.status, 0);
  void readFileSync;
});
