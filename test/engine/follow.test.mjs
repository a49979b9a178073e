// follow.test.mjs — which process a live view follows (the newest still
// running: a launcher that execs hands over to its program) and which recording
// is replayed (the busiest), on sessions fed real recorded traces.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { core, decode, fixture } from './helpers.mjs';

test('the views follow the newest running process, pass on when it ends, and replay the busiest', () => {
  const launcher = decode(fixture('double-free-hakmem'));
  const program = decode(fixture('workload-aligned-detail'));
  const helper = decode(fixture('stack-hakmem'));
  const followed = [];
  const follower = new core.ProcessFollower((session) => followed.push(session));
  follower.opened(launcher);
  assert.deepEqual(followed, [launcher]);
  // another process starts while the first runs: the first stays followed
  follower.opened(helper);
  assert.equal(follower.followed, launcher);
  // the launcher execs into the program: its stream ends, the program connects
  follower.closed(launcher);
  assert.equal(follower.followed, helper);
  follower.opened(program);
  assert.equal(follower.followed, helper);
  follower.closed(helper);
  assert.equal(follower.followed, program);
  assert.deepEqual(followed, [launcher, helper, program]);
  // a close of a process that is not followed changes nothing
  follower.closed(launcher);
  assert.deepEqual(followed, [launcher, helper, program]);

  const recorded = [launcher, helper, program].map((session, i) => ({ session, path: `trace.${i}.hktrace` }));
  const busiest = [...recorded].sort((a, b) => b.session.eventCount - a.session.eventCount)[0];
  assert.equal(core.busiestProcess(recorded), busiest);
  assert.ok(busiest.session.eventCount > launcher.eventCount);
  assert.equal(core.busiestProcess([{ session: new core.TraceSession(), path: 'empty' }]), null);
});
