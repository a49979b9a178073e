// heap-state.ts — a stopped process's memory image as the engine's heap state:
// filled through the same mutators a trace's connect snapshot uses (PROTOCOL §8),
// so every view and query that serves a trace serves a stopped process unchanged.
// Every carved block's header byte and link come from memory; a block in no chain
// is with the program, unless a chain of its class broke (then it is unknown).
import { basePtr, BlockState, EventKind, HandshakeFlag, HeapState, type Handshake } from '../core';
import type { HeapImage } from './heap-image';
import type { HeapMemory } from './heap-reader';

/** The handshake a stopped process would have sent: its layout, pointer-level detail, nothing traced. */
function stoppedHandshake(memory: HeapMemory, executable: string, pid: number): Handshake {
  const { layout } = memory.structs;
  return {
    version: 0,
    pid,
    pageSize: 4096,
    startNs: 0n,
    flags: HandshakeFlag.Detail,
    ringEvents: 0,
    stackDepth: 0,
    recordSizes: [],
    executable,
    buildId: '',
    layoutName: layout.name,
    layout,
    modules: [],
    bytes: new Uint8Array(0),
  };
}

export function heapStateOf(image: HeapImage, memory: HeapMemory, executable = '', pid = 0): HeapState {
  const state = new HeapState(stoppedHandshake(memory, executable, pid));
  const { layout } = memory.structs;
  state.beginSnapshot();
  for (const superslab of image.superslabs) state.snapshotEvent(EventKind.SuperslabMap, 0, basePtr(superslab), 0);
  for (const slab of memory.slabs)
    state.snapshotEvent(EventKind.SlabBind, slab.cls, basePtr(slab.start), slab.used + slab.carved * 2 ** 20 + slab.owner * 2 ** 40);
  const broken = new Set<number>();
  for (const thread of image.threads)
    for (const cache of thread.caches) {
      if (cache.end !== 'null') broken.add(cache.cls);
      for (const node of cache.nodes) state.snapshotEvent(EventKind.CachePush, cache.cls, node.base, thread.thread);
    }
  for (const slab of image.slabs) {
    if (slab.freelist.end !== 'null' || slab.remote.end !== 'null') broken.add(slab.cls);
    for (const node of slab.freelist.nodes) state.snapshotEvent(EventKind.SlabPush, slab.cls, node.base, 0);
    for (const node of slab.remote.nodes) state.snapshotEvent(EventKind.RemotePush, slab.cls, node.base, 0);
  }
  for (const slab of memory.slabs) {
    const at = state.locate(slab.start);
    if (!at) continue;
    const model = at.slab;
    const view = new DataView(slab.blocks.buffer, slab.blocks.byteOffset, slab.blocks.byteLength);
    const { stride, nextOffset } = layout.classes[slab.cls]!; // the reader keeps only slabs of the layout's classes
    for (let slot = 0; slot < Math.min(slab.carved, model.capacity); slot++) {
      const offset = slot * stride;
      if (offset + layout.headerOffset < slab.blocks.length) model.header[slot] = slab.blocks[offset + layout.headerOffset]!;
      if (offset + nextOffset + 8 <= slab.blocks.length) {
        const link = view.getBigUint64(offset + nextOffset, true);
        // a link is a link only in a free block: an allocated one holds the program's data there
        const state = model.state[slot];
        if (state === BlockState.FreeCache || state === BlockState.FreeSlab || state === BlockState.RemotePending)
          model.next[slot] = Number(link);
      }
      if (model.state[slot] === BlockState.Unknown && !broken.has(slab.cls)) {
        model.state[slot] = BlockState.Allocated;
        model.holder[slot] = slab.owner;
      }
    }
  }
  return state;
}
