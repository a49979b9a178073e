import { type Layout } from '../core';
export interface FieldSpec {
    readonly offset: number;
    readonly size: number;
}
export declare class StructSpec {
    readonly name: string;
    readonly size: number;
    private readonly fields;
    readonly extra: Readonly<Record<string, unknown>>;
    constructor(name: string, size: number, fields: Readonly<Record<string, FieldSpec>>, extra: Readonly<Record<string, unknown>>);
    field(name: string): FieldSpec;
}
/** One layout's description: the engine's Layout and the structures a debugger walks. */
export interface LayoutStructs {
    readonly layout: Layout;
    readonly root: StructSpec;
    readonly superslab: StructSpec;
    readonly slab: StructSpec;
    readonly tcache: StructSpec;
    readonly superslabMagic: bigint;
    readonly rootMagic: number;
    readonly rootVersion: number;
}
export declare function layoutStructs(description: unknown): LayoutStructs;
/**
 * The layouts a build tree describes: native/build/layout.json names every layout
 * ("slabscope-layouts"); build/<layout>/layout.json is one ("slabscope-layout").
 */
export declare function layoutsOf(description: unknown): Map<string, LayoutStructs>;
/** Little-endian reads of a structure held in `bytes` at `base`. */
export declare class StructBytes {
    readonly bytes: Uint8Array;
    private readonly base;
    readonly spec: StructSpec;
    private readonly view;
    constructor(bytes: Uint8Array, base: number, spec: StructSpec);
    /** An unsigned field (1, 2, 4 or 8 bytes; 8 as bigint), or element `index` of an array field of `width`-byte entries. */
    u(field: string, index?: number, width?: number): number;
    u64(field: string, index?: number): bigint;
    i8(field: string): number;
    private read;
}
