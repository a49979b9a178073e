import { type MemoryBlock, type MemoryPort } from './memory-port';
/** Sends one DAP request and resolves with its response body (rejects on an error response). */
export type DapRequest = (command: string, args: Record<string, unknown>) => Promise<unknown>;
export interface DapPortOptions {
    /** the frame expressions are evaluated in (cdt-gdb-adapter's evaluate needs one) */
    readonly frameId: number;
    /** put before a C expression: CodeLLDB wants `/nat ` */
    readonly expressionPrefix?: string;
}
/** The address in an evaluate result: its memoryReference, else the first number of its text. */
export declare function addressInResult(body: Record<string, unknown>): number | null;
export declare class DapMemoryPort implements MemoryPort {
    private readonly request;
    private readonly options;
    constructor(request: DapRequest, options: DapPortOptions);
    addressOf(expression: string): Promise<number>;
    readMemory(address: number, count: number): Promise<MemoryBlock>;
}
