// symbols-shared.test.mjs — one trace starts one llvm-symbolizer, however many
// ask: its views (two of them, as a heap panel and a trace editor) and the report
// exported from it all ask the trace source's symbolizer, which closes with it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core, protocol, root } from './helpers.mjs';

const cli = join(root, 'extension', 'dist', 'cli.mjs');
const recorded = join(mkdtempSync(join(tmpdir(), 'slabscope-symbols-')), 'double_free.hktrace');

before(() => {
  const made = spawnSync('make', ['-s', '-C', join(root, 'native'), '-j2', 'all', 'bugtests', 'tracetests'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const run = spawnSync(
    process.execPath,
    [cli, 'run', '--lossless', '--out', recorded, '--', join(root, 'native/build/test/bugs/double_free')],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(run.status, 1, run.stdout + run.stderr); // 1: it found the double free
});

test('a trace shown in two views and exported as a report starts exactly one llvm-symbolizer, stopped when its source closes', async () => {
  const tool = core.findTool(['llvm-symbolizer', 'llvm-symbolizer-16', 'llvm-symbolizer-15', 'llvm-symbolizer-14']);
  assert.ok(tool, 'llvm-symbolizer is installed');
  const started = [];
  // the real tool, started as the engine starts it, counted
  const countingSpawn = (name, args) => {
    const child = spawn(name, args, { stdio: 'pipe' });
    started.push(child);
    return child;
  };
  const trace = core.TraceFile.open(recorded);
  const source = new protocol.TraceFileSource(trace, 'double_free', { tool, spawn: countingSpawn });
  try {
    const double = source.findings().find((finding) => finding.kind === 'double-free');
    assert.ok(double, 'the trace has its double free');
    const views = [[], []].map((messages) => ({
      messages,
      host: new protocol.ViewHost(source, { post: (message) => messages.push(message), sourceRoot: root }),
    }));
    for (const { host } of views) {
      await host.receive({ type: 'ready' });
      await host.receive({ type: 'block', address: double.base });
    }
    // what Export Report does with the editor's current source
    const report = await core.buildReport(
      source.findings(),
      source.summary(),
      core.reportContext(source.handshake(), source.symbolizer(), root),
    );
    assert.equal(started.length, 1, `llvm-symbolizer processes started: ${started.length}`);
    // and the one process answered them all: the views' findings and block history, and the report, name the program's lines
    const site = report.findings.find((finding) => finding.kind === 'double-free')?.site;
    assert.match(`${site?.file}:${site?.line}`, /double_free\.c:\d+$/);
    for (const { messages } of views) {
      const findings = messages.find((message) => message.type === 'findings');
      assert.match(findings.findings.find((finding) => finding.kind === 'double-free').site.file, /double_free\.c$/);
      const block = messages.find((message) => message.type === 'block');
      assert.ok(
        block.block.history.some((entry) => /double_free\.c$/.test(entry.site?.file ?? '')),
        JSON.stringify(block.block.history),
      );
    }
    for (const { host } of views) host.close();
    assert.equal(started[0].exitCode ?? started[0].signalCode, null, "a view closing leaves the source's symbolizer to the others");
    const exited = new Promise((resolve) => started[0].once('exit', resolve));
    source.close();
    await exited;
    // a report still on its way after the close starts no new process
    await core.buildReport(source.findings(), source.summary(), core.reportContext(source.handshake(), source.symbolizer(), root));
    assert.equal(started.length, 1);
  } finally {
    source.close();
    trace.close();
  }
});
