// variables.ts — the scopes of a replay stop as DAP variables: the Event, its Block,
// the thread's caches, the Slab and the Findings so far. Children are made when a
// front end expands them; every reference lives until the next stop. Pointers carry
// a memoryReference (readMemory answers with the bytes the trace knows), and the
// variables a data breakpoint can watch remember their target.

import { Handles } from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { BLOCK_STATE_NAMES, NO_CLASS, headerFor, hex, type Finding, type HeapModel, type Location, type TraceEvent } from '../../core';
import { routeName, isBlockEvent, userPointerOf } from './event-fields';
import type { ReplayRuntime } from './runtime';
import type { DataTarget } from './targets';

type Variable = DebugProtocol.Variable;
/** chains longer than this show their first entries and say how many there are */
const LIST_LIMIT = 1000;
/** how far back a block's history is looked for: a walk back reads every event on its way */
const HISTORY_REACH = 1 << 20;

export class ReplayVariables {
  private readonly handles = new Handles<() => Variable[]>();
  /** data breakpoint targets by `${variablesReference}/${name}` */
  private readonly targets = new Map<string, DataTarget>();

  constructor(private readonly runtime: ReplayRuntime) {}

  /** A new stop: every reference made before is gone. */
  reset(): void {
    this.handles.reset();
    this.targets.clear();
  }

  /** The variables of `reference`; the data targets its variables carry are kept under it. */
  variables(reference: number): Variable[] {
    this.asked = reference;
    return this.handles.get(reference, () => [])();
  }

  targetOf(reference: number, name: string): DataTarget | undefined {
    return this.targets.get(`${reference}/${name}`);
  }

  scopes(event: TraceEvent): DebugProtocol.Scope[] {
    const model = this.runtime.model();
    const location = isBlockEvent(event) ? copyOf(model.locate(event.base)) : null;
    const scope = (name: string, children: () => Variable[], expensive = false): DebugProtocol.Scope => ({
      name,
      variablesReference: this.handles.create(children),
      expensive,
    });
    return [
      scope('Event', () => this.eventVariables(event)),
      scope('Block', () => (location ? this.blockVariables(model, location) : [plain('block', 'the event is about no block')])),
      scope('Thread caches', () => this.cacheVariables(model, event.thread)),
      scope('Slab', () => (location ? this.slabVariables(location) : [plain('slab', 'the event is about no slab')])),
      scope('Findings so far', () => this.findingVariables(this.runtime.findingsSoFar())),
    ];
  }

  private reference(children: () => Variable[]): number {
    return this.handles.create(children);
  }

  private eventVariables(event: TraceEvent): Variable[] {
    const layout = this.runtime.file.handshake.layout;
    const list: Variable[] = [plain('kind', event.kindName), plain('index', String(event.index))];
    if (isBlockEvent(event)) {
      list.push(pointer('USER', Number(userPointerOf(event, layout))), pointer('BASE', event.base));
    } else list.push(plain('BASE', hex(event.base)));
    list.push(
      plain('class', event.cls === NO_CLASS ? 'none' : `C${event.cls}`),
      plain('route', routeName(event) || String(event.route)),
      plain('value', hex(event.value)),
      plain('thread', String(event.thread)),
      plain('sequence', String(event.seq)),
      plain('time', `${event.timeNs} ns`),
      plain('call site', hex(event.pc)),
    );
    const site = this.runtime.symbols.internalFrame(event);
    if (site) list.push(plain('allocator line', `${site.file}:${site.line}`));
    return this.watched(list, (name) =>
      isBlockEvent(event) && (name === 'BASE' || name === 'USER') ? this.blockTarget(event.base) : undefined,
    );
  }

  private blockVariables(model: HeapModel, at: Location): Variable[] {
    const { slab, slot } = at;
    const layout = model.layout;
    const base = slab.baseOf(slot);
    const nextOffset = layout.classes[slab.cls]?.nextOffset ?? 0;
    const header = slab.header[slot]!;
    const link = this.runtime.linkOf(base);
    const linkText = link === null ? (slab.next[slot]! < 0 ? 'unknown' : `about ${hex(slab.next[slot]!)} (not kept exactly)`) : hex(link);
    const list: Variable[] = [
      plain('state', BLOCK_STATE_NAMES[slab.state[slot]!] ?? 'unknown'),
      pointer('BASE', base),
      pointer('USER', base + layout.userOffset),
      plain('class', `C${slab.cls}`),
      plain('header expected', hex(headerFor(layout, slab.cls))),
      { ...pointer('header', base + layout.headerOffset), value: header < 0 ? 'unknown' : hex(header), type: 'header byte' },
      slab.next[slot]! < 0 ? plain('next', 'unknown') : { ...pointer('next', base + nextOffset), value: linkText, type: 'link' },
      plain('next offset', String(nextOffset)),
      plain('holder thread', String(slab.holder[slot])),
      this.siteVariable('allocated', slab.allocEvent[slot]!, slab.allocPc[slot]!),
      this.siteVariable('freed', slab.freeEvent[slot]!, slab.freePc[slot]!),
      { name: 'history', value: 'allocs and frees of this block so far', variablesReference: this.reference(() => this.history(base)) },
    ];
    return this.watched(list, (name) => {
      if (name === 'BASE' || name === 'USER') return this.blockTarget(base);
      if (name === 'header') return { kind: 'bytes', address: base + layout.headerOffset, length: 1 };
      if (name === 'next') return { kind: 'bytes', address: base + nextOffset, length: 8 };
      return undefined;
    });
  }

  private siteVariable(name: string, event: number, pc: number): Variable {
    if (event < 0) return plain(name, 'not in the trace');
    const frame = this.runtime.symbols.framesOf(pc).find((f) => f.file && f.line);
    return plain(name, `event ${event}${frame ? ` at ${frame.file}:${frame.line} (${frame.function ?? '?'})` : ` at ${hex(pc)}`}`);
  }

  /** The block's allocs and frees up to the position, newest first, within the last HISTORY_REACH events. */
  private history(base: number): Variable[] {
    const list: Variable[] = [];
    const timeline = this.runtime.timeline;
    const from = this.runtime.position;
    for (let index = from; index >= 0 && index > from - HISTORY_REACH && list.length < LIST_LIMIT; index--) {
      const event = timeline.event(index);
      if (event.base !== base || (event.kindName !== 'alloc' && event.kindName !== 'free')) continue;
      const frame = this.runtime.symbols.framesOf(event.pc).find((f) => f.file && f.line);
      list.push(plain(`event ${index}`, `${event.kindName} on thread ${event.thread}${frame ? ` at ${frame.file}:${frame.line}` : ''}`));
    }
    if (from >= HISTORY_REACH) list.push(plain('…', `the ${HISTORY_REACH.toLocaleString('en-US')} events before this one were looked at`));
    return list.length ? list : [plain('history', 'no alloc or free of this block so far')];
  }

  private cacheVariables(model: HeapModel, threadId: number): Variable[] {
    const thread = model.threads.get(threadId);
    if (!thread) return [plain('caches', `thread ${threadId} has no cache yet`)];
    return thread.caches.map((chain, cls) => ({
      name: `C${cls}`,
      value: `${chain.length} blocks${thread.known[cls] ? '' : ' (not known exactly)'}`,
      variablesReference: chain.length ? this.reference(() => chainVariables(chain)) : 0,
      indexedVariables: chain.length,
    }));
  }

  private slabVariables(at: Location): Variable[] {
    const { slab } = at;
    return [
      pointer('start', slab.start),
      plain('class', `C${slab.cls}`),
      plain('owner thread', String(slab.owner)),
      plain('capacity', String(slab.capacity)),
      plain('used', String(slab.used)),
      plain('carved', String(slab.carved)),
      {
        name: 'freelist',
        value: `${slab.freelist.length} blocks`,
        variablesReference: slab.freelist.length ? this.reference(() => chainVariables(slab.freelist)) : 0,
      },
      {
        name: 'remote queue',
        value: `${slab.remote.length} blocks`,
        variablesReference: slab.remote.length ? this.reference(() => chainVariables(slab.remote)) : 0,
      },
    ];
  }

  private findingVariables(findings: readonly Finding[]): Variable[] {
    if (!findings.length) return [plain('findings', 'none so far')];
    return findings.map((finding, i) => ({
      name: `${i + 1} ${finding.kind}`,
      value: finding.message,
      variablesReference: this.reference(() => [
        plain('kind', finding.kind),
        plain('severity', finding.severity),
        pointer('pointer', Number(finding.ptr)),
        pointer('BASE', finding.base),
        plain('class', `C${finding.cls}`),
        plain('thread', String(finding.thread)),
        plain('event', String(finding.event)),
        plain('allocated at event', String(finding.allocEvent)),
        plain('freed at event', String(finding.freeEvent)),
        plain('allocator line', finding.internalSite ? `${finding.internalSite.file}:${finding.internalSite.line}` : 'none'),
      ]),
    }));
  }

  private blockTarget(base: number): DataTarget | undefined {
    const at = this.runtime.model().locate(base);
    if (!at) return undefined;
    return { kind: 'block', address: at.slab.baseOf(at.slot), length: at.slab.stride };
  }

  /** Remembers the data targets of a list's variables, under the reference the list is shown by. */
  private watched(list: Variable[], targetOf: (name: string) => DataTarget | undefined): Variable[] {
    const reference = this.asked;
    for (const variable of list) {
      const target = targetOf(variable.name);
      if (target) this.targets.set(`${reference}/${variable.name}`, target);
    }
    return list;
  }

  /** the reference whose list is being made */
  private asked = 0;
}

function plain(name: string, value: string): Variable {
  return { name, value, variablesReference: 0 };
}

function pointer(name: string, address: number): Variable {
  return { name, value: hex(address), variablesReference: 0, memoryReference: hex(address), type: 'pointer' };
}

function chainVariables(chain: readonly number[]): Variable[] {
  // chains are kept tail first: show them head first, as the allocator walks them
  const list: Variable[] = [];
  for (let i = chain.length - 1; i >= 0 && list.length < LIST_LIMIT; i--) list.push(pointer(`[${list.length}]`, chain[i]!));
  if (chain.length > LIST_LIMIT) list.push(plain('…', `${chain.length - LIST_LIMIT} more`));
  return list;
}

function copyOf(location: Location | null): Location | null {
  return location && { ...location };
}
