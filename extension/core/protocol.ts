// protocol.ts — the numbers of the trace wire format (native/PROTOCOL.md, version 1).
// Only wire constants live here; how blocks are laid out comes from the layout description.

export const WIRE_MAGIC = 'SLABSCP\0';
export const WIRE_VERSION = 1;
export const HANDSHAKE_HEADER_SIZE = 64;
export const FRAME_HEADER_SIZE = 24;
export const EVENT_SIZE = 48;
export const LOST_SIZE = 32;
export const CRASH_SIZE = 48;
/** an end frame's record: i32 exit status, u32 cause (PROTOCOL §5); an end frame may also carry none */
export const END_SIZE = 8;
/** No real frame comes near this: a bigger length is corruption, not data. */
export const MAX_FRAME_PAYLOAD = 64 * 1024 * 1024;
export const MAX_HANDSHAKE = 16 * 1024 * 1024;

export const enum FrameKind {
  Events = 1,
  Lost = 2,
  Crash = 3,
  SlabBytes = 4,
  End = 5,
  Sync = 6,
  Exec = 7,
}
export const FRAME_FLAG_SNAPSHOT = 1;

export const enum HandshakeFlag {
  Lossless = 1,
  CrashFlush = 2,
  Detail = 4,
}

export const enum EventKind {
  Alloc = 1,
  Free = 2,
  CachePush = 3,
  CachePop = 4,
  SlabPush = 5,
  SlabPop = 6,
  NextWrite = 7,
  NextRead = 8,
  HeaderWrite = 9,
  Refill = 10,
  Drain = 11,
  RemotePush = 12,
  RemoteDrain = 13,
  SuperslabMap = 14,
  SuperslabUnmap = 15,
  SlabBind = 16,
  SlabRelease = 17,
  CheckFail = 18,
  ThreadStart = 19,
  ThreadExit = 20,
  StackFrame = 21,
}
export const EVENT_KIND_COUNT = 21;
export const EVENT_KIND_NAMES: readonly string[] = [
  '',
  'alloc',
  'free',
  'cache-push',
  'cache-pop',
  'slab-push',
  'slab-pop',
  'next-write',
  'next-read',
  'header-write',
  'refill',
  'drain',
  'remote-push',
  'remote-drain',
  'superslab-map',
  'superslab-unmap',
  'slab-bind',
  'slab-release',
  'check-fail',
  'thread-start',
  'thread-exit',
  'stack-frame',
];

export const ROUTE_SNAPSHOT = 0x80;
export const NO_CLASS = 255;

export const enum AllocRoute {
  CacheHit = 1,
  Refill = 2,
  Carve = 3,
  Mid = 4,
  Large = 5,
}
export const ALLOC_ROUTE_NAMES: readonly string[] = ['', 'cache-hit', 'refill', 'carve', 'mid', 'large'];

export const enum FreeRoute {
  HeaderFast = 1,
  Registry = 2,
  Remote = 3,
  Mid = 4,
  Large = 5,
  Foreign = 6,
  Rejected = 7,
}
export const FREE_ROUTE_NAMES: readonly string[] = ['', 'header-fast', 'registry', 'remote', 'mid', 'large', 'foreign', 'rejected'];
export const FREE_ROUTE_COUNT = 8;

/** Check kinds of check-fail events (PROTOCOL §4), by code. */
export const CHECK_KIND_NAMES: readonly string[] = [
  '',
  'double-free',
  'base-as-user',
  'interior-free',
  'foreign-free',
  'header-corrupt',
  'next-corrupt',
  'sentinel-leak',
  'user-as-base',
  'next-out-of-slab',
];

export const enum Command {
  Pause = 1,
  Resume = 2,
  Snapshot = 3,
  SlabBytes = 4,
}

/** A 16-byte viewer-to-program command (PROTOCOL §7). */
export function encodeCommand(command: Command, argument = 0n): Uint8Array {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, command, true);
  view.setBigUint64(8, argument, true);
  return bytes;
}
