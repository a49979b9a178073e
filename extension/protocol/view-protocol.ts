// view-protocol.ts — the messages between a host (the VS Code extension, the
// `slabscope view` server) and the heap views. Both directions are validated on
// arrival: a message of the wrong shape is refused with the path of the field
// that is wrong, never half-used. Browser-safe: no Node imports.

export const VIEW_PROTOCOL_VERSION = 1;

/** Block states as the views draw them: the engine's states, then "corrupt" (a finding or a header mismatch). */
export const VIEW_BLOCK_STATES = ['never-carved', 'allocated', 'free-cache', 'free-slab', 'remote-pending', 'unknown', 'corrupt'] as const;
export type ViewBlockState = (typeof VIEW_BLOCK_STATES)[number];
export const CORRUPT_STATE = 6;

export interface ViewSizeClass { cls: number; block: number; stride: number; nextOffset: number; capacity: number }
export interface ViewLayout {
  name: string;
  userOffset: number;
  headerOffset: number;
  headerMagic: number;
  headerClassMask: number;
  superslabSize: number;
  slabSize: number;
  slabsPerSuperslab: number;
  /** slabs before this one hold the superslab's metadata */
  firstBlockSlab: number;
  classes: ViewSizeClass[];
}
export interface SourceRef { file: string; line: number; function: string | null }
export interface ViewFrame { pc: string; function: string | null; file: string | null; line: number | null }
export interface ViewFinding {
  id: number;
  kind: string;
  severity: 'error' | 'warning';
  ptr: string;
  /** the block's BASE, 0 when the pointer is in no block */
  base: number;
  cls: number;
  thread: number;
  event: number;
  message: string;
  /** the offending call in the user's code */
  site: SourceRef | null;
  /** the allocator source line, when the finding arose inside it */
  internalSite: SourceRef | null;
  stacks: { alloc: ViewFrame[]; free: ViewFrame[]; detect: ViewFrame[] };
}
export interface ViewSlab {
  start: number;
  superslab: number;
  index: number;
  cls: number;
  capacity: number;
  stride: number;
  used: number;
  carved: number;
  owner: number;
  /** one byte per block, VIEW_BLOCK_STATES indices, base64 */
  states: string;
}
export interface RouteCounts { cls: number | 'other'; frees: Record<string, number>; allocs: Record<string, number> }
export interface ViewThread { id: number; exited: boolean; cache: number[] }

export interface TraceMessage {
  type: 'trace';
  protocol: number;
  title: string;
  executable: string;
  pid: number;
  live: boolean;
  eventCount: number;
  layout: ViewLayout;
}
export interface HeapMessage {
  type: 'heap';
  /** the model's position: events applied */
  event: number;
  /** true: `slabs` is the whole heap; false: only slabs that changed since the last heap message */
  full: boolean;
  /** starts of every slab present now (slabs not listed are gone) */
  present: number[];
  slabs: ViewSlab[];
  superslabs: number[];
  routes: RouteCounts[];
  threads: ViewThread[];
}
export interface TimelineMessage {
  type: 'timeline';
  eventCount: number;
  /** [event index, ns since the first event] samples, in order */
  times: [number, number][];
  marks: { id: number; event: number; kind: string; severity: 'error' | 'warning' }[];
  lost: { event: number; count: number }[];
}
export interface FindingsMessage { type: 'findings'; findings: ViewFinding[] }
/** one block of the header-bytes strip: state is the engine's (VIEW_BLOCK_STATES 0..5), corrupt the views' mark, mismatch its header's */
export interface HeaderCell { header: number; next: number; state: number; corrupt: boolean; mismatch: boolean }
export interface SlabMessage {
  type: 'slab';
  event: number;
  start: number;
  cls: number;
  stride: number;
  /** expected header byte of every block of this slab */
  expectedHeader: number;
  nextOffset: number;
  userOffset: number;
  headerOffset: number;
  /** per block: header byte last written (-1 unknown), next pointer (-1 unknown), state */
  blocks: HeaderCell[];
}
export const LINK_ERRORS = ['break', 'cycle', 'out-of-slab', 'other-class', 'sentinel', 'not-free'] as const;
export type LinkError = (typeof LINK_ERRORS)[number];
export interface FreelistNode { base: number; next: number; nextOffset: number; slab: number; error: LinkError | null; note: string }
export interface FreelistChain {
  name: 'thread cache' | 'slab freelist' | 'remote queue';
  /** whose list: the thread or the slab */
  owner: string;
  known: boolean;
  total: number;
  nodes: FreelistNode[];
}
export interface FreelistMessage { type: 'freelist'; event: number; thread: number; cls: number; chains: FreelistChain[] }
export interface BlockHistory { what: 'allocated' | 'freed'; event: number; thread: number; pc: string; site: SourceRef | null }
export interface BlockInfo {
  base: number;
  user: number;
  cls: number;
  slot: number;
  slab: number;
  state: string;
  thread: number;
  headerExpected: number;
  headerActual: number;
  next: number;
  nextOffset: number;
  history: BlockHistory[];
}
export interface BlockMessage { type: 'block'; event: number; query: number; block: BlockInfo | null }
export interface StatusMessage { type: 'status'; live: boolean; ended: boolean; events: number; eventsPerSecond: number; lost: number; findings: number; text: string }
export interface ErrorMessage { type: 'error'; message: string }

export type HostMessage =
  | TraceMessage | HeapMessage | TimelineMessage | FindingsMessage | SlabMessage | FreelistMessage | BlockMessage | StatusMessage | ErrorMessage;

export type ViewMessage =
  | { type: 'ready' }
  /** a live view has taken in the last update (a status ends each): the host may send the next */
  | { type: 'applied' }
  | { type: 'seek'; event: number }
  | { type: 'selectSlab'; start: number }
  | { type: 'selectFreelist'; thread: number; cls: number }
  | { type: 'block'; addr: number }
  | { type: 'openSource'; file: string; line: number };

// ---- validation ---------------------------------------------------------------

export class MessageError extends Error {
  override readonly name = 'MessageError';
}

type Check<T> = (value: unknown, path: string) => T;

const fail = (path: string, expected: string, value: unknown): never => {
  const shown = value === undefined ? 'nothing' : typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value === 'object' ? (Array.isArray(value) ? 'an array' : value === null ? 'null' : 'an object') : String(value);
  throw new MessageError(`${path}: expected ${expected}, got ${shown}`);
};
/** a safe integer; addresses and pointers below 2^53 fit */
const int: Check<number> = (v, p) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : fail(p, 'an integer', v));
const nat: Check<number> = (v, p) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(p, 'a non-negative integer', v));
/** a number that may be past 2^53 (next pointers hold any value), or -1 */
const num: Check<number> = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'a number', v));
const str: Check<string> = (v, p) => (typeof v === 'string' ? v : fail(p, 'a string', v));
const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'true or false', v));
const base64: Check<string> = (v, p) => (typeof v === 'string' && /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? v : fail(p, 'base64 text', v));
const oneOf = <T extends string>(options: readonly T[]): Check<T> => (v, p) => (options.includes(v as T) ? (v as T) : fail(p, options.join(' | '), v));
const nullable = <T>(check: Check<T>): Check<T | null> => (v, p) => (v === null ? null : check(v, p));
const list = <T>(check: Check<T>, max = Infinity): Check<T[]> => (v, p) => {
  if (!Array.isArray(v)) return fail(p, 'an array', v);
  if (v.length > max) return fail(p, `at most ${max} entries`, `${v.length} entries`);
  for (let i = 0; i < v.length; i++) check(v[i], `${p}[${i}]`);
  return v as T[];
};
const record = (check: Check<unknown>): Check<Record<string, number>> => (v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object', v);
  for (const [key, value] of Object.entries(v)) check(value, `${p}.${key}`);
  return v as Record<string, number>;
};
type Shape = Record<string, Check<unknown>>;
const object = <T>(shape: Shape): Check<T> => (v, p) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object', v);
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(shape)) shape[key](o[key], `${p}.${key}`);
  return v as T;
};
const pair: Check<[number, number]> = (v, p) => {
  if (!Array.isArray(v) || v.length !== 2) return fail(p, '[event, ns]', v);
  nat(v[0], `${p}[0]`);
  num(v[1], `${p}[1]`);
  return v as [number, number];
};

const severity = oneOf(['error', 'warning'] as const);
const sourceRef = object<SourceRef>({ file: str, line: nat, function: nullable(str) });
const frame = object<ViewFrame>({ pc: str, function: nullable(str), file: nullable(str), line: nullable(nat) });
const frames = list(frame, 256);
const layout = object<ViewLayout>({
  name: str, userOffset: nat, headerOffset: nat, headerMagic: nat, headerClassMask: nat, superslabSize: nat, slabSize: nat, slabsPerSuperslab: nat, firstBlockSlab: nat,
  classes: list(object<ViewSizeClass>({ cls: nat, block: nat, stride: nat, nextOffset: nat, capacity: nat }), 64),
});
const finding = object<ViewFinding>({
  id: nat, kind: str, severity, ptr: str, base: nat, cls: int, thread: nat, event: nat, message: str,
  site: nullable(sourceRef), internalSite: nullable(sourceRef),
  stacks: object({ alloc: frames, free: frames, detect: frames }),
});
const slab = object<ViewSlab>({
  start: nat, superslab: nat, index: nat, cls: nat, capacity: nat, stride: nat, used: nat, carved: nat, owner: nat, states: base64,
});
const linkError = nullable(oneOf(LINK_ERRORS));
const chain = object<FreelistChain>({
  name: oneOf(['thread cache', 'slab freelist', 'remote queue'] as const), owner: str, known: bool, total: nat,
  nodes: list(object<FreelistNode>({ base: nat, next: num, nextOffset: nat, slab: nat, error: linkError, note: str })),
});
const history = object<BlockHistory>({ what: oneOf(['allocated', 'freed'] as const), event: nat, thread: nat, pc: str, site: nullable(sourceRef) });
const blockInfo = object<BlockInfo>({
  base: nat, user: nat, cls: nat, slot: nat, slab: nat, state: str, thread: nat, headerExpected: nat, headerActual: int, next: num, nextOffset: nat,
  history: list(history, 64),
});

const HOST_SHAPES: Record<HostMessage['type'], Shape> = {
  trace: { protocol: nat, title: str, executable: str, pid: nat, live: bool, eventCount: nat, layout },
  heap: {
    event: nat, full: bool, present: list(nat), slabs: list(slab), superslabs: list(nat),
    routes: list(object<RouteCounts>({ cls: (v, p) => (v === 'other' ? v : nat(v, p)), frees: record(nat), allocs: record(nat) })),
    threads: list(object<ViewThread>({ id: nat, exited: bool, cache: list(nat, 64) })),
  },
  timeline: {
    eventCount: nat, times: list(pair),
    marks: list(object({ id: nat, event: nat, kind: str, severity })),
    lost: list(object({ event: nat, count: nat })),
  },
  findings: { findings: list(finding) },
  slab: {
    event: nat, start: nat, cls: nat, stride: nat, expectedHeader: nat, nextOffset: nat, userOffset: nat, headerOffset: nat,
    blocks: list(object<HeaderCell>({ header: int, next: num, state: nat, corrupt: bool, mismatch: bool })),
  },
  freelist: { event: nat, thread: nat, cls: nat, chains: list(chain, 64) },
  block: { event: nat, query: nat, block: nullable(blockInfo) },
  status: { live: bool, ended: bool, events: nat, eventsPerSecond: num, lost: nat, findings: nat, text: str },
  error: { message: str },
};

const VIEW_SHAPES: Record<ViewMessage['type'], Shape> = {
  ready: {},
  applied: {},
  seek: { event: nat },
  selectSlab: { start: nat },
  selectFreelist: { thread: nat, cls: nat },
  block: { addr: nat },
  openSource: { file: str, line: nat },
};

function validate<T>(shapes: Record<string, Shape>, value: unknown, side: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(side, 'a message object', value);
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(shapes, type)) fail(`${side}.type`, Object.keys(shapes).join(' | '), type);
  object(shapes[type as string])(value, `${side}(${type as string})`);
  return value as T;
}

/** A message from the host, checked field by field; throws MessageError naming the field. */
export function parseHostMessage(value: unknown): HostMessage {
  return validate<HostMessage>(HOST_SHAPES, value, 'message');
}
/** A message from a view, checked field by field; throws MessageError naming the field. */
export function parseViewMessage(value: unknown): ViewMessage {
  return validate<ViewMessage>(VIEW_SHAPES, value, 'message');
}

// ---- base64 without Node or the DOM: both sides use it ---------------------------

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const CHUNK = 3 * 4096;
  for (let start = 0; start < bytes.length; start += CHUNK) {
    const end = Math.min(bytes.length, start + CHUNK);
    let out = '';
    for (let i = start; i < end; i += 3) {
      const a = bytes[i], b = i + 1 < end ? bytes[i + 1] : 0, c = i + 2 < end ? bytes[i + 2] : 0;
      const n = (a << 16) | (b << 8) | c;
      out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + (i + 1 < end ? ALPHABET[(n >> 6) & 63] : '=') + (i + 2 < end ? ALPHABET[n & 63] : '=');
    }
    parts.push(out);
  }
  return parts.join('');
}

export function decodeBase64(text: string): Uint8Array {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n = (DECODE[text.charCodeAt(i)] << 18) | (DECODE[text.charCodeAt(i + 1)] << 12) | (DECODE[text.charCodeAt(i + 2)] << 6) | DECODE[text.charCodeAt(i + 3)];
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
