// view-protocol.ts — the messages between a host (the VS Code extension, the
// `slabscope view` server) and the heap views. Both directions are validated on
// arrival: a message of the wrong shape is refused with the path of the field
// that is wrong, never half-used. Each message is declared once, as its
// validator; its TypeScript type is inferred from it, so the two cannot drift.
// Browser-safe: no Node imports.

import { basePtr, type BasePtr } from '../core/pointers';

export const VIEW_PROTOCOL_VERSION = 1;

/** Block states as the views draw them: the engine's states, then "corrupt" (a finding or a header mismatch). */
export const VIEW_BLOCK_STATES = ['never-carved', 'allocated', 'free-cache', 'free-slab', 'remote-pending', 'unknown', 'corrupt'] as const;
export type ViewBlockState = (typeof VIEW_BLOCK_STATES)[number];
export const CORRUPT_STATE = 6;

// ---- validators: each checks a value in place and returns it typed ----------------

export class MessageError extends Error {
  override readonly name = 'MessageError';
}

/** Checks `value` (found at `path` in the message) and returns it as a T, or throws MessageError. */
type Check<T> = (value: unknown, path: string) => T;
/** The type a validator accepts: a message's type is its validator's. */
export type Infer<C extends Check<unknown>> = ReturnType<C>;
type Shape = Record<string, Check<unknown>>;
/** the fields' types, spelt out (an editor shows the fields, not the validators) */
type ShapeOf<S extends Shape> = { [K in keyof S]: Infer<S[K]> } & {};

const fail = (path: string, expected: string, value: unknown): never => {
  const shown =
    value === undefined
      ? 'nothing'
      : typeof value === 'string'
        ? JSON.stringify(value.slice(0, 40))
        : typeof value === 'object'
          ? Array.isArray(value)
            ? 'an array'
            : value === null
              ? 'null'
              : 'an object'
          : String(value);
  throw new MessageError(`${path}: expected ${expected}, got ${shown}`);
};
/** a safe integer; addresses and pointers below 2^53 fit */
const int: Check<number> = (v, p) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : fail(p, 'an integer', v));
const nat: Check<number> = (v, p) =>
  typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : fail(p, 'a non-negative integer', v);
/** a number that may be past 2^53 (next pointers hold any value), or -1 */
const num: Check<number> = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'a number', v));
/** a block's BASE, as the host's engine named it */
const base: Check<BasePtr> = (v, p) => basePtr(nat(v, p));
const str: Check<string> = (v, p) => (typeof v === 'string' ? v : fail(p, 'a string', v));
const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'true or false', v));
const base64: Check<string> = (v, p) =>
  typeof v === 'string' && v.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(v) ? v : fail(p, 'base64 text', v);
const oneOf =
  <T extends string>(options: readonly T[]): Check<T> =>
  (v, p) =>
    options.includes(v as T) ? (v as T) : fail(p, options.join(' | '), v);
const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v, p) =>
    v === null ? null : check(v, p);
const list =
  <T>(check: Check<T>, max = Infinity): Check<T[]> =>
  (v, p) => {
    if (!Array.isArray(v)) return fail(p, 'an array', v);
    if (v.length > max) return fail(p, `at most ${max} entries`, `${v.length} entries`);
    for (let i = 0; i < v.length; i++) check(v[i], `${p}[${i}]`);
    return v as T[];
  };
const record =
  <T>(check: Check<T>): Check<Record<string, T>> =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object', v);
    for (const [key, value] of Object.entries(v)) check(value, `${p}.${key}`);
    return v as Record<string, T>;
  };
/** an object with (at least) these fields, checked in the shape's order */
const object =
  <S extends Shape>(shape: S): Check<ShapeOf<S>> =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object', v);
    const o = v as Record<string, unknown>;
    for (const key of Object.keys(shape)) shape[key]!(o[key], `${p}.${key}`);
    return v as ShapeOf<S>;
  };
const pair: Check<[number, number]> = (v, p) => {
  if (!Array.isArray(v) || v.length !== 2) return fail(p, '[event, ns]', v);
  nat(v[0], `${p}[0]`);
  num(v[1], `${p}[1]`);
  return v as [number, number];
};
/** A message: its `type` (checked before the shape is chosen) and its fields. */
const message = <K extends string, S extends Shape>(type: K, shape: S): Check<ShapeOf<{ type: Check<K> } & S>> =>
  object({ type: (v: unknown, p: string) => (v === type ? type : fail(p, JSON.stringify(type), v)), ...shape });

// ---- the parts of messages -----------------------------------------------------------

const severity = oneOf(['error', 'warning'] as const);
const sizeClass = object({ cls: nat, blockSize: nat, stride: nat, nextOffset: nat, capacity: nat });
export type ViewSizeClass = Infer<typeof sizeClass>;
const layout = object({
  name: str,
  userOffset: nat,
  headerOffset: nat,
  headerMagic: nat,
  headerClassMask: nat,
  superslabSize: nat,
  slabSize: nat,
  slabsPerSuperslab: nat,
  /** slabs before this one hold the superslab's metadata */
  firstBlockSlab: nat,
  classes: list(sizeClass, 64),
});
export type ViewLayout = Infer<typeof layout>;
const sourceRef = object({ file: str, line: nat, function: nullable(str) });
export type SourceRef = Infer<typeof sourceRef>;
const frame = object({ pc: str, function: nullable(str), file: nullable(str), line: nullable(nat) });
export type ViewFrame = Infer<typeof frame>;
const frames = list(frame, 256);
const finding = object({
  id: nat,
  kind: str,
  severity,
  ptr: str,
  /** the block's BASE, 0 when the pointer is in no block */
  base,
  cls: int,
  thread: nat,
  event: nat,
  message: str,
  /** the offending call in the user's code */
  site: nullable(sourceRef),
  /** the allocator source line, when the finding arose inside it */
  internalSite: nullable(sourceRef),
  stacks: object({ alloc: frames, free: frames, detect: frames }),
});
export type ViewFinding = Infer<typeof finding>;
const slab = object({
  slabStart: nat,
  superslab: nat,
  index: nat,
  cls: nat,
  capacity: nat,
  stride: nat,
  used: nat,
  carved: nat,
  owner: nat,
  /** one byte per block, VIEW_BLOCK_STATES indices, base64 */
  states: base64,
});
export type ViewSlab = Infer<typeof slab>;
const routeCounts = object({ cls: (v, p): number | 'other' => (v === 'other' ? v : nat(v, p)), frees: record(nat), allocs: record(nat) });
export type RouteCounts = Infer<typeof routeCounts>;
const thread = object({ id: nat, exited: bool, cache: list(nat, 64) });
export type ViewThread = Infer<typeof thread>;
/** one block of the header-bytes strip: state is the engine's (VIEW_BLOCK_STATES 0..5), corrupt the views' mark, mismatch its header's */
const headerCell = object({ header: int, next: num, state: nat, corrupt: bool, mismatch: bool });
export type HeaderCell = Infer<typeof headerCell>;
export const LINK_ERRORS = ['break', 'cycle', 'out-of-slab', 'other-class', 'sentinel', 'not-free'] as const;
export type LinkError = (typeof LINK_ERRORS)[number];
const freelistNode = object({ base, next: num, nextOffset: nat, slabStart: nat, error: nullable(oneOf(LINK_ERRORS)), note: str });
export type FreelistNode = Infer<typeof freelistNode>;
const chain = object({
  name: oneOf(['thread cache', 'slab freelist', 'remote queue'] as const),
  /** whose list: the thread or the slab */
  owner: str,
  known: bool,
  total: nat,
  nodes: list(freelistNode),
});
export type FreelistChain = Infer<typeof chain>;
const history = object({ what: oneOf(['allocated', 'freed'] as const), event: nat, thread: nat, pc: str, site: nullable(sourceRef) });
export type BlockHistory = Infer<typeof history>;
const blockInfo = object({
  /** user: its USER address, BASE + the layout's userOffset */
  base,
  user: nat,
  cls: nat,
  slot: nat,
  slabStart: nat,
  state: str,
  thread: nat,
  headerExpected: nat,
  headerActual: int,
  next: num,
  nextOffset: nat,
  history: list(history, 64),
});
export type BlockInfo = Infer<typeof blockInfo>;

// ---- host → view ---------------------------------------------------------------------

const HOST_MESSAGES = {
  trace: message('trace', { protocol: nat, title: str, executable: str, pid: nat, live: bool, eventCount: nat, layout }),
  heap: message('heap', {
    /** the model's position: events applied */
    event: nat,
    /** true: `slabs` is the whole heap; false: only slabs that changed since the last heap message */
    full: bool,
    /** starts of every slab present now (slabs not listed are gone) */
    present: list(nat),
    slabs: list(slab),
    superslabs: list(nat),
    routes: list(routeCounts),
    threads: list(thread),
  }),
  timeline: message('timeline', {
    eventCount: nat,
    /** [event index, ns since the first event] samples, in order */
    times: list(pair),
    marks: list(object({ id: nat, event: nat, kind: str, severity })),
    lost: list(object({ event: nat, count: nat })),
  }),
  findings: message('findings', { findings: list(finding) }),
  slab: message('slab', {
    event: nat,
    slabStart: nat,
    cls: nat,
    stride: nat,
    /** expected header byte of every block of this slab */
    expectedHeader: nat,
    nextOffset: nat,
    userOffset: nat,
    headerOffset: nat,
    /** per block: header byte last written (-1 unknown), next pointer (-1 unknown), state */
    blocks: list(headerCell),
  }),
  freelist: message('freelist', { event: nat, thread: nat, cls: nat, chains: list(chain, 64) }),
  /** address: the one the view asked about (its block message's); block: the block holding it, if any */
  block: message('block', { event: nat, address: nat, block: nullable(blockInfo) }),
  status: message('status', { live: bool, ended: bool, events: nat, eventsPerSecond: num, lost: nat, findings: nat, text: str }),
  error: message('error', { message: str }),
};
export type TraceMessage = Infer<typeof HOST_MESSAGES.trace>;
export type HeapMessage = Infer<typeof HOST_MESSAGES.heap>;
export type TimelineMessage = Infer<typeof HOST_MESSAGES.timeline>;
export type FindingsMessage = Infer<typeof HOST_MESSAGES.findings>;
export type SlabMessage = Infer<typeof HOST_MESSAGES.slab>;
export type FreelistMessage = Infer<typeof HOST_MESSAGES.freelist>;
export type BlockMessage = Infer<typeof HOST_MESSAGES.block>;
export type StatusMessage = Infer<typeof HOST_MESSAGES.status>;
export type ErrorMessage = Infer<typeof HOST_MESSAGES.error>;
export type HostMessage = { [K in keyof typeof HOST_MESSAGES]: Infer<(typeof HOST_MESSAGES)[K]> }[keyof typeof HOST_MESSAGES];

// ---- view → host ---------------------------------------------------------------------

const VIEW_MESSAGES = {
  ready: message('ready', {}),
  /** a live view has taken in the last update (a status ends each): the host may send the next */
  applied: message('applied', {}),
  seek: message('seek', { event: nat }),
  selectSlab: message('selectSlab', { slabStart: nat }),
  selectFreelist: message('selectFreelist', { thread: nat, cls: nat }),
  /** the block holding `address`, an address the user typed or pointed at: any address, not only a BASE */
  block: message('block', { address: nat }),
  openSource: message('openSource', { file: str, line: nat }),
};
export type ViewMessage = { [K in keyof typeof VIEW_MESSAGES]: Infer<(typeof VIEW_MESSAGES)[K]> }[keyof typeof VIEW_MESSAGES];

function validate<T>(messages: Record<string, Check<unknown>>, value: unknown, side: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(side, 'a message object', value);
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(messages, type)) fail(`${side}.type`, Object.keys(messages).join(' | '), type);
  return messages[type as string]!(value, `${side}(${type as string})`) as T;
}

/** A message from the host, checked field by field; throws MessageError naming the field. */
export function parseHostMessage(value: unknown): HostMessage {
  return validate<HostMessage>(HOST_MESSAGES, value, 'message');
}
/** A message from a view, checked field by field; throws MessageError naming the field. */
export function parseViewMessage(value: unknown): ViewMessage {
  return validate<ViewMessage>(VIEW_MESSAGES, value, 'message');
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
      const a = bytes[i]!,
        b = i + 1 < end ? bytes[i + 1]! : 0,
        c = i + 2 < end ? bytes[i + 2]! : 0;
      const n = (a << 16) | (b << 8) | c;
      out +=
        ALPHABET.charAt(n >> 18) +
        ALPHABET.charAt((n >> 12) & 63) +
        (i + 1 < end ? ALPHABET.charAt((n >> 6) & 63) : '=') +
        (i + 2 < end ? ALPHABET.charAt(n & 63) : '=');
    }
    parts.push(out);
  }
  return parts.join('');
}

/** `text` as the base64 check lets through: whole groups of four characters of the alphabet, '=' at the end */
export function decodeBase64(text: string): Uint8Array {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const n =
      (DECODE[text.charCodeAt(i)]! << 18) |
      (DECODE[text.charCodeAt(i + 1)]! << 12) |
      (DECODE[text.charCodeAt(i + 2)]! << 6) |
      DECODE[text.charCodeAt(i + 3)]!;
    if (o < out.length) out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
