import { type MemoryPort, type ReadStats } from './memory-port';
import { type LayoutStructs } from './structs';
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
    /** what could not be read in full: said, never silently dropped */
    readonly warnings: readonly string[];
    readonly reads: ReadStats;
}
export interface ReadHeapOptions {
    /** the layout the caller expects (e.g. `--layout`); a different one in memory is an error naming both */
    readonly expectLayout?: string;
    /** bounds on the lists walked, against a damaged list that never ends */
    readonly maxSuperslabs?: number;
    readonly maxThreads?: number;
}
export declare class HeapReadError extends Error {
    readonly name = "HeapReadError";
}
/** Reads the whole heap; `layouts` are the descriptions the build tree has, by name. */
export declare function readHeap(rawPort: MemoryPort, layouts: ReadonlyMap<string, LayoutStructs>, options?: ReadHeapOptions): Promise<HeapMemory>;
