// view-feed.ts — turns the engine's state (a HeapState at some event, the
// findings, the time index) into the view protocol's messages. Shared by every
// host of the views: the `slabscope view` server and the VS Code extension.

import {
  ALLOC_ROUTE_NAMES,
  BLOCK_STATE_NAMES,
  BlockState,
  FREE_ROUTE_NAMES,
  headerFor,
  headerMismatch,
  hex,
  type BasePtr,
  type Finding,
  type Handshake,
  type HeapState,
  type Layout,
  type ReportFinding,
  type ReportFrame,
  type SlabModel,
} from '../core';
import {
  CORRUPT_STATE,
  VIEW_PROTOCOL_VERSION,
  encodeBase64,
  type BlockHistory,
  type BlockMessage,
  type FreelistChain,
  type FreelistMessage,
  type FreelistNode,
  type HeapMessage,
  type LinkError,
  type SlabMessage,
  type SourceRef,
  type TimelineMessage,
  type TraceMessage,
  type ViewFinding,
  type ViewFrame,
  type ViewLayout,
  type ViewSlab,
} from './view-protocol';

/** nodes sent per chain: a longer chain says how many more there are */
export const CHAIN_NODE_LIMIT = 256;
/** samples of the time index sent to a timeline */
const TIME_SAMPLES = 2048;

export function viewLayout(layout: Layout): ViewLayout {
  return {
    name: layout.name,
    userOffset: layout.userOffset,
    headerOffset: layout.headerOffset,
    headerMagic: layout.headerMagic,
    headerClassMask: layout.headerClassMask,
    superslabSize: layout.superslabSize,
    slabSize: layout.slabSize,
    slabsPerSuperslab: layout.slabsPerSuperslab,
    firstBlockSlab: layout.firstBlockSlab,
    classes: layout.classes.map((c) => ({
      cls: c.cls,
      blockSize: c.blockSize,
      stride: c.stride,
      nextOffset: c.nextOffset,
      capacity: c.capacity,
    })),
  };
}

export function traceMessage(handshake: Handshake, title: string, eventCount: number, live: boolean): TraceMessage {
  return {
    type: 'trace',
    protocol: VIEW_PROTOCOL_VERSION,
    title,
    executable: handshake.executable,
    pid: handshake.pid,
    live,
    eventCount,
    layout: viewLayout(handshake.layout),
  };
}

function viewFrame(frame: ReportFrame): ViewFrame {
  return { pc: frame.pc, function: frame.function, file: frame.file, line: frame.line };
}

/** Findings as the views list them: the engine's finding and its report (sources, stacks) side by side. */
export function viewFindings(findings: readonly Finding[], reported: readonly ReportFinding[]): ViewFinding[] {
  return findings.map((finding, id) => {
    const report = reported[id];
    return {
      id,
      kind: finding.kind,
      severity: finding.severity,
      ptr: hex(finding.ptr),
      base: finding.base,
      cls: finding.cls,
      thread: finding.thread,
      event: finding.event,
      message: finding.message,
      site: report?.site ?? null,
      internalSite: report?.internalSite ?? null,
      stacks: {
        alloc: (report?.stacks.alloc ?? []).map(viewFrame),
        free: (report?.stacks.free ?? []).map(viewFrame),
        detect: (report?.stacks.detect ?? []).map(viewFrame),
      },
    };
  });
}

/** `durationNs`: first to last event, so the last sample ends the timeline exactly */
export function timelineMessage(
  eventCount: number,
  times: readonly [number, number][],
  lost: readonly [number, number][],
  findings: readonly Finding[],
  durationNs: number,
): TimelineMessage {
  const step = Math.max(1, Math.ceil(times.length / TIME_SAMPLES));
  const first = times[0]?.[1] ?? 0;
  const sampled: [number, number][] = [];
  for (let i = 0; i < times.length; i += step) sampled.push([times[i]![0], Math.max(0, times[i]![1] - first)]);
  const last = times[times.length - 1];
  // with a last time the loop sampled at least the first
  if (last && sampled[sampled.length - 1]![0] !== last[0]) sampled.push([last[0], Math.max(0, last[1] - first)]);
  const end = sampled[sampled.length - 1];
  if (end && eventCount > end[0]) sampled.push([eventCount, Math.max(end[1], durationNs)]);
  return {
    type: 'timeline',
    eventCount,
    times: sampled,
    marks: findings
      .map((finding, id) => ({ id, event: finding.event, kind: finding.kind, severity: finding.severity }))
      .filter((mark) => mark.kind !== 'lost-events'),
    lost: lost.map(([event, count]) => ({ event, count })),
  };
}

/** Slots of each slab (by slab start) named by a corruption finding made at or before the model's position. */
function corruptSlots(model: HeapState, findings: readonly Finding[]): Map<number, number[]> {
  const marks = new Map<number, number[]>();
  for (const finding of findings) {
    if (finding.severity !== 'error' || finding.event > model.eventCount || !finding.base) continue;
    const at = model.locate(finding.base);
    if (!at) continue;
    const list = marks.get(at.slab.start);
    if (list) list.push(at.slot);
    else marks.set(at.slab.start, [at.slot]);
  }
  return marks;
}

/** The block states of a slab as drawn: the model's, with corrupt blocks marked. */
function slabStates(model: HeapState, slab: SlabModel, marked: readonly number[] | undefined): Uint8Array {
  const states = slab.state.slice();
  for (let slot = 0; slot < slab.capacity; slot++)
    if (headerMismatch(model.layout, slab.cls, states[slot]!, slab.header[slot]!)) states[slot] = CORRUPT_STATE;
  if (marked) for (const slot of marked) states[slot] = CORRUPT_STATE;
  return states;
}

interface SentSlab {
  states: Uint8Array;
  cls: number;
  used: number;
  carved: number;
  owner: number;
}

/**
 * Heap messages for one view: the first is the whole heap, later ones (live
 * updates) carry only the slabs that changed since the last.
 */
export class HeapFeed {
  private sent = new Map<number, SentSlab>();

  reset(): void {
    this.sent.clear();
  }

  heap(model: HeapState, findings: readonly Finding[], full = false): HeapMessage {
    const everything = full || this.sent.size === 0;
    const marks = corruptSlots(model, findings);
    const present: number[] = [];
    const slabs: ViewSlab[] = [];
    const next = new Map<number, SentSlab>();
    const superslabs = [...model.superslabs.keys()].sort((a, b) => a - b);
    for (const base of superslabs) {
      const superslab = model.superslabs.get(base)!;
      for (const slab of superslab.slabs) {
        if (!slab) continue;
        present.push(slab.start);
        const states = slabStates(model, slab, marks.get(slab.start));
        const before = this.sent.get(slab.start);
        const entry = { states, cls: slab.cls, used: slab.used, carved: slab.carved, owner: slab.owner };
        next.set(slab.start, entry);
        if (!everything && before && sameSlab(before, entry)) continue;
        slabs.push({
          slabStart: slab.start,
          superslab: base,
          index: slab.index,
          cls: slab.cls,
          capacity: slab.capacity,
          stride: slab.stride,
          used: slab.used,
          carved: slab.carved,
          owner: slab.owner,
          states: encodeBase64(states),
        });
      }
    }
    this.sent = next;
    return {
      type: 'heap',
      event: model.eventCount,
      full: everything,
      present,
      slabs,
      superslabs,
      routes: model.freeRoutes.map((frees, cls) => ({
        cls: cls < model.layout.classes.length ? cls : ('other' as const),
        frees: namedCounts(frees, FREE_ROUTE_NAMES),
        allocs: namedCounts(model.allocRoutes[cls]!, ALLOC_ROUTE_NAMES), // a row for each of freeRoutes'
      })),
      threads: [...model.threads.values()]
        .sort((a, b) => a.id - b.id)
        .map((thread) => ({
          id: thread.id,
          exited: thread.exited,
          cache: thread.caches.map((chain) => chain.length),
        })),
    };
  }
}

function sameSlab(a: SentSlab, b: SentSlab): boolean {
  if (a.cls !== b.cls || a.used !== b.used || a.carved !== b.carved || a.owner !== b.owner || a.states.length !== b.states.length)
    return false;
  const x = a.states,
    y = b.states;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function namedCounts(counts: Uint32Array, names: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  counts.forEach((n, route) => {
    if (n && names[route]) out[names[route]] = n;
  });
  return out;
}

/** A slab's blocks with header byte and next pointer, for the header-bytes strip. */
export function slabMessage(model: HeapState, start: number, findings: readonly Finding[]): SlabMessage | null {
  const at = model.locate(start);
  if (!at || at.slab.start !== start) return null;
  const slab = at.slab;
  const states = slabStates(model, slab, corruptSlots(model, findings).get(start));
  const blocks = [];
  for (let slot = 0; slot < slab.capacity; slot++)
    blocks.push({
      header: slab.header[slot]!,
      next: slab.next[slot]!,
      state: slab.state[slot]!,
      corrupt: states[slot] === CORRUPT_STATE,
      mismatch: headerMismatch(model.layout, slab.cls, slab.state[slot]!, slab.header[slot]!),
    });
  const layout = model.layout;
  return {
    type: 'slab',
    event: model.eventCount,
    slabStart: start,
    cls: slab.cls,
    stride: slab.stride,
    expectedHeader: headerFor(layout, slab.cls),
    // a slab's class is one of the layout's (SlabModel checks)
    nextOffset: layout.classes[slab.cls]!.nextOffset,
    userOffset: layout.userOffset,
    headerOffset: layout.headerOffset,
    blocks,
  };
}

const LIST_STATE = {
  'thread cache': BlockState.FreeCache,
  'slab freelist': BlockState.FreeSlab,
  'remote queue': BlockState.RemotePending,
} as const;

/**
 * One list drawn node by node, head first, each link checked: a link that is
 * not the next node (break), a node met twice (cycle), a link leaving its slab
 * (slab lists) or into another class, the remote sentinel outside the remote
 * queue, a node that is not free.
 */
function chainOf(
  model: HeapState,
  name: FreelistChain['name'],
  owner: string,
  tailFirst: readonly BasePtr[],
  known: boolean,
  cls: number,
): FreelistChain {
  const layout = model.layout;
  const sentinel = layout.remoteSentinel === null ? NaN : Number(layout.remoteSentinel);
  const total = tailFirst.length;
  const count = Math.min(total, CHAIN_NODE_LIMIT);
  const nodes: FreelistNode[] = [];
  const seen = new Set<number>();
  const sameSlabOnly = name !== 'thread cache';
  for (let i = 0; i < count; i++) {
    const base = tailFirst[total - 1 - i]!; // i < count ≤ total
    const following = i + 1 < total ? tailFirst[total - 2 - i]! : null;
    const at = model.locate(base);
    const slabStart = at ? at.slab.start : 0;
    const nodeCls = at ? at.slab.cls : cls;
    const next = at ? at.slab.next[at.slot]! : -1;
    const state = at ? at.slab.state[at.slot]! : BlockState.Unknown;
    let error: LinkError | null = null,
      note = '';
    if (seen.has(base)) {
      error = 'cycle';
      note = `${hex(base)} is already on this list`;
    } else if (!at || (state !== LIST_STATE[name] && state !== BlockState.Unknown)) {
      error = 'not-free';
      note = at ? `the block is ${BLOCK_STATE_NAMES[state]}` : 'no block of ours is there';
    } else if (next === sentinel && name !== 'remote queue') {
      error = 'sentinel';
      note = "the remote queue's sentinel is in this list";
    } else if (next > 0 && next !== sentinel) {
      const target = model.locate(next);
      if (!target) {
        error = 'out-of-slab';
        note = `${hex(next)} is in no slab of ours`;
      } else if (target.slab.cls !== nodeCls) {
        error = 'other-class';
        note = `${hex(next)} is a C${target.slab.cls} block`;
      } else if (sameSlabOnly && target.slab.start !== slabStart) {
        error = 'out-of-slab';
        note = `${hex(next)} is in another slab`;
      } else if (target.within !== 0) {
        error = 'break';
        note = `${hex(next)} points inside a block`;
      } else if (following !== null && next !== following) {
        error = 'break';
        note = `the link says ${hex(next)}, the list goes on at ${hex(following)}`;
      }
    }
    seen.add(base);
    nodes.push({ base, next, nextOffset: layout.classes[nodeCls]?.nextOffset ?? 0, slabStart, error, note });
  }
  return { name, owner, known, total, nodes };
}

/** A thread's cache for a class, and the slab freelists and remote queues of the slabs of that class it owns. */
export function freelistMessage(model: HeapState, thread: number, cls: number, slabLimit = 8): FreelistMessage {
  const chains: FreelistChain[] = [];
  const threadModel = model.threads.get(thread);
  if (threadModel && cls < threadModel.caches.length)
    chains.push(chainOf(model, 'thread cache', `thread ${thread}`, threadModel.caches[cls]!, threadModel.known[cls]!, cls));
  let slabs = 0;
  for (const superslab of [...model.superslabs.values()].sort((a, b) => a.base - b.base)) {
    for (const slab of superslab.slabs) {
      if (!slab || slab.cls !== cls || slab.owner !== thread || slabs >= slabLimit) continue;
      if (!slab.freelist.length && !slab.remote.length) continue;
      slabs++;
      chains.push(chainOf(model, 'slab freelist', `slab ${hex(slab.start)}`, slab.freelist, true, cls));
      chains.push(chainOf(model, 'remote queue', `slab ${hex(slab.start)}`, slab.remote, true, cls));
    }
  }
  return { type: 'freelist', event: model.eventCount, thread, cls, chains };
}

/** Resolves a call site's pc to its source line, null when unknown. */
export type SiteResolver = (pc: number) => Promise<SourceRef | null>;

/** One block as the hover card shows it: addresses, state, header, link, and its last alloc and free with their sources. */
export async function blockMessage(model: HeapState, address: number, resolve: SiteResolver): Promise<BlockMessage> {
  const at = model.locate(address);
  if (!at) return { type: 'block', event: model.eventCount, address, block: null };
  const { slab, slot } = at;
  const base = slab.baseOf(slot);
  const layout = model.layout;
  const history: BlockHistory[] = [];
  const entries: [BlockHistory['what'], number, number, number][] = [
    // a location's slot is below its slab's capacity
    ['allocated', slab.allocEvent[slot]!, slab.allocPc[slot]!, slab.holder[slot]!],
    ['freed', slab.freeEvent[slot]!, slab.freePc[slot]!, slab.freeThread[slot]!],
  ];
  // copy what the reused location holds before awaiting anything
  const block = {
    base,
    user: base + layout.userOffset,
    cls: slab.cls,
    slot,
    slabStart: slab.start,
    state: BLOCK_STATE_NAMES[slab.state[slot]!]!,
    thread: slab.holder[slot]!,
    headerExpected: headerFor(layout, slab.cls),
    headerActual: slab.header[slot]!,
    next: slab.next[slot]!,
    nextOffset: layout.classes[slab.cls]!.nextOffset,
    history,
  };
  for (const [what, event, pc, thread] of entries) {
    if (event < 0) continue;
    history.push({ what, event, thread, pc: hex(pc), site: pc ? await resolve(pc) : null });
  }
  history.sort((a, b) => b.event - a.event);
  return { type: 'block', event: model.eventCount, address, block };
}
