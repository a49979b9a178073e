// heap-reader.ts — reads a stopped process's allocator state from memory alone,
// starting at slabscope_debug_root: whole structures, one request each (the
// root, its layout name and the two list heads, then each superslab's metadata, each
// thread cache, and the carved part of each bound slab), issued as soon as their
// address is known so an adapter sees them back to back. Never a read per word or
// per freelist node (pwndbg's `vis` made 90,368 reads for one picture, pwndbg#1708).
import { LayoutError } from '../core';
import { CountingPort, MemoryReadError, hexAddress, readWhole, type MemoryPort, type ReadStats } from './memory-port';
import { StructBytes, type LayoutStructs } from './structs';
import { readTracePending, type TracePending } from './trace-rings';

/** One slab's metadata, and the bytes of its carved blocks when it serves a class. */
export interface SlabMemory {
  readonly start: number;
  readonly superslab: number;
  readonly index: number;
  readonly cls: number;
  readonly owner: number;
  readonly used: number;
  readonly capacity: number;
  readonly carved: number;
  readonly freelist: bigint;
  readonly remoteHead: bigint;
  /** bytes from `start`; shorter than carved × stride where the read came back short */
  blocks: Uint8Array;
}

export interface ThreadMemory {
  readonly address: number;
  readonly id: number;
  readonly state: number;
  readonly heads: readonly bigint[];
  readonly counts: readonly number[];
  readonly caps: readonly number[];
}

export interface HeapMemory {
  readonly structs: LayoutStructs;
  readonly rootAddress: number;
  readonly superslabs: readonly number[];
  readonly slabs: readonly SlabMemory[];
  readonly threads: readonly ThreadMemory[];
  /** the check build's key (every build has one; only the check build writes check words with it), null when not read */
  readonly checkKey: bigint | null;
  /** what could not be read in full: said, never silently dropped */
  readonly warnings: readonly string[];
  readonly reads: ReadStats;
  /** a trace build's unsent events, when asked for (ReadHeapOptions.tracePending) and the build has them */
  readonly tracePending: TracePending | null;
}

export interface ReadHeapOptions {
  /** the layout the caller expects (e.g. `--layout`); a different one in memory is an error naming both */
  readonly expectLayout?: string;
  /** bounds on the lists walked, against a damaged list that never ends */
  readonly maxSuperslabs?: number;
  readonly maxThreads?: number;
  /** where slabscope_debug_root was at an earlier stop of this process: read there first, no evaluate */
  readonly rootAddress?: number;
  /** also read a trace build's unsent events (its rings), to compare the heap with its trace */
  readonly tracePending?: boolean;
}

export class HeapReadError extends Error {
  override readonly name = 'HeapReadError';
}

const MAX_POINTER = 2 ** 47;

function pointer(value: bigint): number | null {
  return value > 0n && value < BigInt(MAX_POINTER) ? Number(value) : null;
}

function u64At(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, true);
}

/** Reads the whole heap; `layouts` are the descriptions the build tree has, by name. */
export async function readHeap(
  rawPort: MemoryPort,
  layouts: ReadonlyMap<string, LayoutStructs>,
  options: ReadHeapOptions = {},
): Promise<HeapMemory> {
  const started = performance.now();
  const port = new CountingPort(rawPort);
  const warnings: string[] = [];
  const any = layouts.values().next().value as LayoutStructs;

  const evaluateRoot = async (): Promise<number> => {
    try {
      return await port.addressOf('&slabscope_debug_root');
    } catch (error) {
      throw new HeapReadError(`the process has no slabscope_debug_root (is the allocator loaded? ${(error as Error).message})`);
    }
  };
  // the root's address from an earlier stop of the same process saves the evaluate; one that no longer
  // holds the root (a new process under the same session, say) is looked up again
  let rootAddress = options.rootAddress ?? (await evaluateRoot());
  let rootBytes: Uint8Array | null = null;
  if (options.rootAddress !== undefined) {
    const known = await port.readMemory(rootAddress, any.root.size).catch(() => null);
    if (known && known.bytes.length === any.root.size && new StructBytes(known.bytes, 0, any.root).u('magic') === any.rootMagic)
      rootBytes = known.bytes;
    else rootAddress = await evaluateRoot();
  }
  rootBytes ??= await readWhole(port, rootAddress, any.root.size, 'slabscope_debug_root');
  const root = new StructBytes(rootBytes, 0, any.root);
  const magic = root.u('magic'),
    version = root.u('version');
  if (magic !== any.rootMagic)
    throw new HeapReadError(
      `slabscope_debug_root at ${hexAddress(rootAddress)} has magic ${hexAddress(magic)}; layout.json says ${hexAddress(any.rootMagic)}`,
    );
  if (version !== any.rootVersion)
    throw new HeapReadError(`slabscope_debug_root is version ${version}; layout.json describes version ${any.rootVersion}`);

  const namePointer = pointer(root.u64('layout_name'));
  const superslabsHead = pointer(root.u64('superslabs'));
  const threadsHead = pointer(root.u64('threads'));
  if (namePointer === null || superslabsHead === null || threadsHead === null)
    throw new HeapReadError(
      `slabscope_debug_root at ${hexAddress(rootAddress)} holds a null or non-user pointer (layout name, superslab list or thread list)`,
    );
  // the name and both list heads at once; the heads are fields of one global, so one span reads both (and its check key)
  const globalSpec = any.global; // the same struct in every layout
  const globalAt = pointer(root.u64('global'));
  let heads: Promise<[Uint8Array, Uint8Array, bigint | null]>;
  if (
    globalSpec &&
    globalAt !== null &&
    superslabsHead === globalAt + globalSpec.field('superslabs').offset &&
    threadsHead === globalAt + globalSpec.field('threads').offset
  ) {
    const fields = ['superslabs', 'threads', 'check_key'].map((name) => globalSpec.field(name));
    const low = Math.min(...fields.map((field) => field.offset)),
      high = Math.max(...fields.map((field) => field.offset + field.size));
    heads = readWhole(port, globalAt + low, high - low, "the allocator's list heads and check key").then((bytes) => {
      const at = (name: string) => bytes.subarray(globalSpec.field(name).offset - low);
      return [at('superslabs'), at('threads'), u64At(at('check_key'), 0)];
    });
  } else {
    const low = Math.min(superslabsHead, threadsHead),
      span = Math.abs(threadsHead - superslabsHead) + 8;
    heads =
      span <= 4096
        ? readWhole(port, low, span, 'the superslab and thread list heads').then((bytes) => [
            bytes.subarray(superslabsHead - low),
            bytes.subarray(threadsHead - low),
            null,
          ])
        : Promise.all([
            readWhole(port, superslabsHead, 8, 'the superslab list head'),
            readWhole(port, threadsHead, 8, 'the thread list head'),
            null,
          ]);
  }
  const [nameBytes, [superslabHeadBytes, threadHeadBytes, checkKey]] = await Promise.all([port.readMemory(namePointer, 32), heads]);
  const end = nameBytes.bytes.indexOf(0);
  if (end < 0) throw new HeapReadError(`the layout name at ${hexAddress(namePointer)} is not a short string`);
  const name = new TextDecoder().decode(nameBytes.bytes.subarray(0, end));
  const structs = layouts.get(name);
  if (options.expectLayout !== undefined && options.expectLayout !== name)
    throw new HeapReadError(`the process runs the ${name} layout; ${options.expectLayout} was asked for`);
  if (!structs) throw new HeapReadError(`the process runs the ${name} layout; layout.json describes ${[...layouts.keys()].join(', ')}`);
  if (structs.root.size !== any.root.size || structs.rootMagic !== any.rootMagic)
    throw new LayoutError(`layout.json describes slabscope_debug_root differently for ${name} and ${any.layout.name}`);
  const { layout } = structs;

  const slabs: SlabMemory[] = [];
  const slabReads: Promise<void>[] = [];
  const superslabs: number[] = [];

  const readSlabBlocks = (slab: SlabMemory) => {
    const stride = layout.classes[slab.cls]!.stride; // slabs of other classes were left out as they were read
    const count = Math.min(slab.carved, slab.capacity) * stride;
    if (count === 0) return;
    slabReads.push(
      port.readMemory(slab.start, count).then(
        (block) => {
          slab.blocks = block.bytes.subarray(0, Math.min(block.bytes.length, count));
          if (slab.blocks.length < count)
            warnings.push(
              `slab ${hexAddress(slab.start)}: ${slab.blocks.length} of ${count} bytes of its blocks came back${block.unreadable ? ` (${block.unreadable} unreadable)` : ''}`,
            );
        },
        (error: Error) => {
          warnings.push(`slab ${hexAddress(slab.start)}: its blocks could not be read: ${error.message}`);
        },
      ),
    );
  };

  const walkSuperslabs = async () => {
    const seen = new Set<number>();
    let next = pointer(u64At(superslabHeadBytes, 0));
    const limit = options.maxSuperslabs ?? 65536;
    while (next !== null) {
      if (seen.has(next)) {
        warnings.push(`the superslab list loops back to ${hexAddress(next)}`);
        break;
      }
      if (seen.size >= limit) {
        warnings.push(`the superslab list is longer than ${limit}: read no further`);
        break;
      }
      if (next % layout.superslabSize !== 0) {
        warnings.push(`the superslab list leads to ${hexAddress(next)}, which is no superslab boundary`);
        break;
      }
      seen.add(next);
      const address = next;
      let bytes: Uint8Array;
      try {
        bytes = await readWhole(port, address, structs.superslab.size, 'superslab metadata');
      } catch (error) {
        warnings.push((error as Error).message);
        break;
      }
      const superslab = new StructBytes(bytes, 0, structs.superslab);
      if (superslab.u64('magic') !== structs.superslabMagic) {
        warnings.push(
          `superslab ${hexAddress(address)} has magic ${hexAddress(superslab.u64('magic'))}, not ${hexAddress(structs.superslabMagic)}`,
        );
        break;
      }
      superslabs.push(address);
      next = pointer(superslab.u64('next_all'));
      const slabsAt = structs.superslab.field('slabs').offset;
      for (let index = layout.firstBlockSlab; index < layout.slabsPerSuperslab; index++) {
        const meta = new StructBytes(bytes, slabsAt + index * structs.slab.size, structs.slab);
        const cls = meta.i8('cls');
        if (cls < 0) continue;
        if (cls >= layout.classes.length) {
          warnings.push(`slab ${index} of superslab ${hexAddress(address)} names class ${cls}`);
          continue;
        }
        const slab: SlabMemory = {
          start: address + index * layout.slabSize,
          superslab: address,
          index,
          cls,
          owner: meta.u('owner'),
          used: meta.u('used'),
          capacity: meta.u('capacity'),
          carved: meta.u('carved'),
          freelist: meta.u64('freelist'),
          remoteHead: meta.u64('remote_head'),
          blocks: new Uint8Array(0),
        };
        slabs.push(slab);
        readSlabBlocks(slab); // not awaited: in flight while the list walk goes on
      }
    }
  };

  const threads: ThreadMemory[] = [];
  const walkThreads = async () => {
    const seen = new Set<number>();
    let next = pointer(u64At(threadHeadBytes, 0));
    const limit = options.maxThreads ?? 65536;
    const classes = layout.classes.length;
    while (next !== null) {
      if (seen.has(next)) {
        warnings.push(`the thread list loops back to ${hexAddress(next)}`);
        break;
      }
      if (seen.size >= limit) {
        warnings.push(`the thread list is longer than ${limit}: read no further`);
        break;
      }
      seen.add(next);
      let bytes: Uint8Array;
      try {
        bytes = await readWhole(port, next, structs.tcache.size, 'thread cache');
      } catch (error) {
        warnings.push((error as Error).message);
        break;
      }
      const cache = new StructBytes(bytes, 0, structs.tcache);
      threads.push({
        address: next,
        id: cache.u('id'),
        state: cache.u('state'),
        heads: Array.from({ length: classes }, (_, cls) => cache.u64('head', cls)),
        counts: Array.from({ length: classes }, (_, cls) => cache.u('count', cls, 4)),
        caps: Array.from({ length: classes }, (_, cls) => cache.u('cap', cls, 4)),
      });
      next = pointer(cache.u64('next_thread'));
    }
  };

  // a trace build's root leads to its runtime; the others hold null there
  const runtimeAt =
    options.tracePending && structs.traceRuntime ? pointer(new StructBytes(rootBytes, 0, structs.root).u64('trace_runtime')) : null;
  const pendingRead = runtimeAt
    ? readTracePending(port, structs, runtimeAt).catch((error: Error) => {
        warnings.push(`the trace's unsent events could not be read: ${error.message}`);
        return null;
      })
    : Promise.resolve(null);
  await Promise.all([walkSuperslabs(), walkThreads()]);
  await Promise.all(slabReads);
  const tracePending = await pendingRead;
  port.stats.ms = performance.now() - started;
  return { structs, rootAddress, superslabs, slabs, threads, checkKey, warnings, reads: port.stats, tracePending };
}
