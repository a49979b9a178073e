// helpers.mjs — a real gdb driven through cdt-gdb-adapter over stdio (`slabscope dap gdb`)
// by DebugClient, stopped in native/test/debug/heap_target.c, built here against
// each layout's and mode's libslabscope.a.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebugClient } from '@vscode/debugadapter-testsupport';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const nativeDir = join(root, 'native');
export const cli = join(root, 'extension', 'bin', 'slabscope.mjs');
export const debug = await import(join(root, 'extension', 'dist', 'debug.mjs'));
export const work = mkdtempSync(join(tmpdir(), 'slabscope-debug-'));

export function buildNative() {
  const made = spawnSync('make', ['-s', '-j2', 'all', 'layout'], { cwd: nativeDir, encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  return debug.layoutsOf(readFileSync(join(nativeDir, 'build', 'layout.json'), 'utf8'));
}

/** A target of native/test/debug (heap_target unless named) linked with build/<layout>/<mode>/libslabscope.a (mode: release, check or trace), compiled with its switches. */
export function buildTarget(layout, mode, name = 'heap_target') {
  const out = join(work, `${name}_${layout}_${mode}`);
  const cc = spawnSync(
    'cc',
    [
      '-std=gnu11',
      '-O0',
      '-g',
      '-D_GNU_SOURCE',
      '-Iinclude',
      '-Isrc',
      `-DSS_LAYOUT_${layout.toUpperCase()}=1`,
      `-DSS_CHECK=${mode === 'release' ? 0 : 1}`,
      `-DSS_TRACE=${mode === 'trace' ? 1 : 0}`,
      '-o',
      out,
      `test/debug/${name}.c`,
      // heap_target breaks its chains through heap_corrupt.c
      ...(name === 'heap_target' ? ['test/debug/heap_corrupt.c'] : []),
      `build/${layout}/${mode}/libslabscope.a`,
      '-pthread',
      '-ldl',
    ],
    { cwd: nativeDir, encoding: 'utf8' },
  );
  assert.equal(cc.status, 0, cc.stderr);
  return out;
}

/** cdt-gdb-adapter's own stdio entry: the adapter alone, as a peer of ours. */
export const plainAdapter = [join(root, 'node_modules', 'cdt-gdb-adapter', 'dist', 'debugAdapter.js')];

/**
 * An adapter over stdio (ours unless `adapter` names another's script and arguments), with a client:
 * launched on `program`, stopped at checkpoint() or the function named (or at the core file's stop).
 */
export async function stopAtCheckpoint(program, args, coreFile, stopAt = 'checkpoint', adapter = [cli, 'dap', 'gdb']) {
  const started = spawn(process.execPath, adapter, { stdio: ['pipe', 'pipe', 'pipe'] });
  return clientOf(started, program, args, coreFile, stopAt);
}

async function clientOf(adapter, program, args, coreFile, stopAt) {
  let stderr = '';
  adapter.stderr.on('data', (data) => {
    stderr += data;
  });
  const client = new DebugClient(process.execPath, cli, 'slabscope-gdb');
  client.connect(adapter.stdout, adapter.stdin);
  client.defaultTimeout = 60_000;
  const capabilities = (
    await client.initializeRequest({ adapterID: 'slabscope-gdb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' })
  ).body;
  const initialized = client.waitForEvent('initialized');
  await client.launch({ program, arguments: args.join(' '), gdb: 'gdb', gdbArguments: ['-q'], ...(coreFile ? { coreFile } : {}) });
  await initialized;
  if (coreFile) {
    const stopped = client.waitForEvent('stopped');
    await client.configurationDoneRequest();
    const event = await stopped;
    const request = (command, body) => client.customRequest(command, body).then((response) => response.body);
    return {
      client,
      request,
      threadId: event.body.threadId,
      close: async () => {
        await client.disconnectRequest({}).catch(() => undefined);
        adapter.kill();
      },
    };
  }
  const placed = await client.setFunctionBreakpointsRequest({ breakpoints: [{ name: stopAt }] });
  assert.ok(placed.body.breakpoints[0].verified, `a breakpoint at ${stopAt}`);
  const stopped = client.waitForEvent('stopped');
  await client.configurationDoneRequest();
  const event = await stopped;
  const request = (command, body) => client.customRequest(command, body).then((response) => response.body);
  const close = async () => {
    await client.disconnectRequest({ terminateDebuggee: true }).catch(() => undefined);
    adapter.kill();
    assert.equal(adapter.exitCode === null || adapter.exitCode === 0, true, stderr);
  };
  return { client, request, threadId: event.body.threadId, capabilities, close };
}

/** What the program wrote about itself: threads' frees, their caches, every slab as its own C walks them, and the chains it broke. */
export function expectations(path) {
  const { layout, mode, events } = JSON.parse(readFileSync(path, 'utf8'));
  const frees = events.filter((event) => event.freed);
  const caches = events.filter((event) => event.cache !== undefined);
  const slabs = events.find((event) => event.slabs).slabs;
  const corrupt = events.filter((event) => event.corrupt).map((event) => event.corrupt);
  const lateRemoteFree = events.find((event) => event.lateRemoteFree)?.lateRemoteFree ?? null;
  return { layout, mode, frees, caches, slabs, corrupt, lateRemoteFree };
}

/** 0x… as the C library's %p and the JSON both spell it. */
export const hex = (address) => `0x${address.toString(16)}`;

/**
 * Starts `launch` (slabscope-gdb's launch arguments) in the in-process `adapter`
 * (`debug.GdbAdapter`, its stop hook already set) with a breakpoint on checkpoint();
 * configurationDone, which runs it, is the caller's.
 */
export async function launchToCheckpoint(adapter, launch) {
  await adapter.request('initialize', { adapterID: 'slabscope-gdb', linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  const initialized = adapter.nextEvent('initialized', 60_000);
  await adapter.request('launch', { gdb: 'gdb', gdbArguments: ['-q'], ...launch });
  await initialized;
  await adapter.request('setFunctionBreakpoints', { breakpoints: [{ name: 'checkpoint' }] });
}
