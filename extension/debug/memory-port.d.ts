/** Bytes read at an address: fewer than asked when the adapter returned a short buffer. */
export interface MemoryBlock {
    readonly address: number;
    readonly bytes: Uint8Array;
    /** bytes after `bytes` that the adapter said it could not read */
    readonly unreadable: number;
}
export interface MemoryPort {
    /** the value of a C expression that names an address (e.g. `&slabscope_debug_root`) */
    addressOf(expression: string): Promise<number>;
    readMemory(address: number, count: number): Promise<MemoryBlock>;
}
export interface ReadStats {
    requests: number;
    bytes: number;
    ms: number;
}
/** Wraps a port so each request and byte is counted; `ms` is set by whoever times the stop. */
export declare class CountingPort implements MemoryPort {
    private readonly port;
    readonly stats: ReadStats;
    constructor(port: MemoryPort);
    addressOf(expression: string): Promise<number>;
    readMemory(address: number, count: number): Promise<MemoryBlock>;
}
export declare class MemoryReadError extends Error {
    readonly name = "MemoryReadError";
}
export declare function hexAddress(address: number | bigint): string;
