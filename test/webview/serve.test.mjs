// serve.test.mjs — `slabscope view` end to end: the server answers only its own
// pages, refuses malformed messages with the field that is wrong, and serves a
// live program whose views update while it runs and turn to replay when it ends.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { browserSuite, core, protocol, recordBug, screenshot, serve } from './browser.mjs';

const { dir, open } = browserSuite('serve');

function http(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res
        .setEncoding('utf8')
        .on('data', (d) => {
          text += d;
        })
        .on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Opens the event stream, returns the client id and a way to wait for a message. */
function events(url) {
  return new Promise((resolve, reject) => {
    const req = request(`${url}events`, (res) => {
      let buffer = '';
      const messages = [];
      const waiters = [];
      res.setEncoding('utf8').on('data', (data) => {
        buffer += data;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data: '))
            .map((line) => line.slice(6))
            .join('\n');
          if (block.startsWith('event: hello'))
            resolve({ client: JSON.parse(data).client, messages, next: (test) => wait(test), close: () => req.destroy() });
          else messages.push(JSON.parse(data));
          for (const waiter of [...waiters]) waiter();
        }
      });
      const wait = (predicate) =>
        new Promise((done) => {
          const check = () => {
            const found = messages.find(predicate);
            if (found) {
              waiters.splice(waiters.indexOf(check), 1);
              done(found);
            }
          };
          waiters.push(check);
          check();
        });
    });
    req.on('error', reject);
    req.end();
  });
}

test('the server answers its own pages only and refuses malformed messages, naming the field', async () => {
  const trace = recordBug('double_free', dir);
  const server = await serve([trace]);
  try {
    assert.equal((await http(server.url, { headers: { host: 'attacker.example:80' } })).status, 403);
    assert.equal((await http(`${server.url}nothing-here`)).status, 404);
    const page = await http(server.url);
    assert.equal(page.status, 200);
    assert.match(page.text, /Content-Security-Policy/);
    assert.match(page.text, /<script nonce="[^"]+" src="\/webview.js">/);
    assert.equal((await http(`${server.url}message?client=nobody`, { method: 'POST', body: '{"type":"ready"}' })).status, 404);

    const stream = await events(server.url);
    const post = (body) =>
      http(`${server.url}message?client=${stream.client}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post(JSON.stringify({ type: 'seek', event: -5 }))).status, 204);
    const refused = await stream.next((message) => message.type === 'error');
    assert.match(refused.message, /message\(seek\)\.event: expected a non-negative integer, got -5/);
    assert.equal((await post('x'.repeat(70000))).status, 413);
    // a valid conversation: ready brings the trace, heap, timeline, findings and status, each valid
    await post(JSON.stringify({ type: 'ready' }));
    const findings = await stream.next((message) => message.type === 'findings');
    for (const message of stream.messages) assert.doesNotThrow(() => protocol.parseHostMessage(message));
    assert.deepEqual(
      findings.findings.map((finding) => finding.kind),
      ['double-free'],
    );
    stream.close();
  } finally {
    await server.stop();
  }
});

test('view --live: the views follow the program while it runs, then replay its trace', async () => {
  const out = join(dir, 'live.hktrace');
  const program = 'import time\nkeep = []\nfor i in range(60):\n    keep.append([bytes(48) for _ in range(3000)])\n    time.sleep(0.04)\n';
  // python's own small-object allocator would hide its allocations from us
  const server = await serve(['--live', '--layout', 'aligned', '--out', out, '--', 'python3', '-c', program], { PYTHONMALLOC: 'malloc' });
  try {
    const page = await open(server.url);
    await page.waitForFunction(() => /^live: /.test(document.querySelector('.status')?.textContent ?? ''), null, { timeout: 30000 });
    assert.equal(await page.locator('.live-badge').isVisible(), true);
    const eventsShown = async () =>
      Number((await page.locator('.status').innerText()).match(/^live: ([\d,]+) events/)?.[1].replace(/,/g, '') ?? -1);
    const first = await eventsShown();
    await page.waitForFunction(
      (n) => {
        const m = /^live: ([\d,]+) events/.exec(document.querySelector('.status')?.textContent ?? '');
        return m && Number(m[1].replace(/,/g, '')) > n;
      },
      first,
      { timeout: 30000 },
    );
    await screenshot(page, 'live-1-running');
    // the program ends: the page turns to the recorded trace, seekable, at its last event
    await page.waitForFunction(() => /^Slabscope — live(\.\d+)?\.hktrace$/.test(document.title), null, { timeout: 60000 });
    await page.waitForSelector('.live-badge', { state: 'hidden' });
    // a launcher (a shell script, env) may exec into the program: the busiest process is replayed
    const replayed = /replaying .* from (\S+\.hktrace)/.exec(server.output)?.[1];
    assert.ok(replayed, server.output);
    assert.equal(await page.title(), `Slabscope — ${basename(replayed)}`);
    const trace = core.TraceFile.open(replayed);
    try {
      await page.waitForFunction((n) => document.body.dataset.position === String(n), trace.eventCount);
      assert.ok(trace.eventCount > 100000, `only ${trace.eventCount} events recorded`);
      assert.equal(trace.summary.lostEvents, 0, 'the default live trace loses nothing');
      const errors = trace.findings.filter((finding) => finding.severity === 'error');
      // a false finding must be nameable from the failure alone
      assert.equal(
        errors.length,
        0,
        `${replayed}: ${JSON.stringify(errors.slice(0, 3), (key, value) => (typeof value === 'bigint' ? `0x${value.toString(16)}` : value))}`,
      );
    } finally {
      trace.close();
    }
    await screenshot(page, 'live-2-replay');
    assert.deepEqual(page.problems, []);
  } finally {
    await server.stop();
  }
});
