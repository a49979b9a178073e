// helpers.mjs — what the engine tests share: the built engine, the golden
// traces, and a digest of a heap model to compare two models by.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const core = await import(new URL('../../extension/dist/core.mjs', import.meta.url).href);
/** the views' protocol and server, sharing the engine's modules with `core` */
export const protocol = await import(new URL('../../extension/dist/protocol.mjs', import.meta.url).href);
export const fixture = (name) => readFileSync(fileURLToPath(new URL(`../fixtures/traces/${name}.wire`, import.meta.url)));
export const FIXTURE_NAMES = [
  'workload-aligned-detail',
  'workload-hakmem-ops',
  'workload-aligned-lost',
  'double-free-hakmem',
  'next-corrupt-aligned',
  'stack-hakmem',
];

/** Feeds `bytes` to a new session in chunks cut at `cuts` (sorted offsets) and finishes it. */
export function decode(bytes, cuts = []) {
  const session = new core.TraceSession();
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (cut > at) session.feed(bytes.subarray(at, cut));
    at = Math.max(at, cut);
  }
  session.finish();
  return session;
}

/** Everything the model says, hashed: block states, threads, links, headers, chains, routes. */
export function digest(model) {
  const hash = createHash('sha256');
  hash.update(`events ${model.eventCount} lost ${model.lostEvents}\n`);
  for (const base of [...model.superslabs.keys()].sort((a, b) => a - b)) {
    hash.update(`ss ${base}\n`);
    for (const slab of model.superslabs.get(base).slabs) {
      if (!slab) continue;
      hash.update(`slab ${slab.start} ${slab.cls} ${slab.owner} ${slab.carved} ${slab.freelist.join(',')} | ${slab.remote.join(',')}\n`);
      for (const name of ['state', 'holder', 'next', 'header', 'allocEvent', 'allocPc', 'freeEvent', 'freePc', 'freeThread'])
        hash.update(Buffer.from(slab[name].buffer, slab[name].byteOffset, slab[name].byteLength));
    }
  }
  for (const id of [...model.threads.keys()].sort((a, b) => a - b)) {
    const thread = model.threads.get(id);
    hash.update(`thread ${id} ${thread.exited} ${thread.known.join(',')} ${thread.caches.map((chain) => chain.join(',')).join(';')}\n`);
  }
  for (const row of model.freeRoutes) hash.update(Buffer.from(row.buffer));
  for (const row of model.allocRoutes) hash.update(Buffer.from(row.buffer));
  return hash.digest('hex');
}

/** A seeded xorshift generator, so a failing case can be replayed. */
export function random(seed) {
  let state = BigInt(seed) || 1n;
  return () => {
    state ^= (state << 13n) & 0xffffffffffffffffn;
    state ^= state >> 7n;
    state ^= (state << 17n) & 0xffffffffffffffffn;
    return Number(state & 0xffffffffn) / 4294967296;
  };
}
