import { type Finding } from '../core';
import { type ReadStats } from './memory-port';
import type { HeapMemory } from './heap-reader';
export declare const CHAIN_ENDS: readonly ["null", "cycle", "corrupt", "out-of-slab", "wrong-class", "sentinel", "unreadable"];
export type ChainEnd = (typeof CHAIN_ENDS)[number];
export interface NodeImage {
    readonly base: number;
    readonly user: number;
}
export interface ChainImage {
    /** in chain order from the head; a broken chain up to the break */
    readonly nodes: readonly NodeImage[];
    /** why the walk stopped: 'null' for a chain that ends as it should */
    readonly end: ChainEnd;
}
export interface CacheImage extends ChainImage {
    readonly cls: number;
    readonly count: number;
}
export interface ThreadImage {
    readonly thread: number;
    readonly address: number;
    readonly caches: readonly CacheImage[];
}
export interface SlabImage {
    readonly start: number;
    readonly cls: number;
    readonly owner: number;
    readonly used: number;
    readonly capacity: number;
    readonly carved: number;
    readonly freelist: ChainImage;
    readonly remote: ChainImage;
}
export interface StopLocation {
    readonly file: string | null;
    readonly line: number | null;
    readonly function: string | null;
}
export interface HeapImage {
    readonly layout: string;
    readonly stoppedAt: StopLocation | null;
    readonly threads: readonly ThreadImage[];
    readonly slabs: readonly SlabImage[];
    readonly findings: readonly Finding[];
    readonly warnings: readonly string[];
    readonly reads: ReadStats;
}
/** Builds the image of `memory`; findings say they were found at `stoppedAt`. */
export declare function heapImage(memory: HeapMemory, stoppedAt: StopLocation | null): HeapImage;
