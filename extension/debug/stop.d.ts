import { type DapRequest } from './dap-port';
import { type HeapImage, type StopLocation } from './heap-image';
import { type ReadHeapOptions } from './heap-reader';
import type { LayoutStructs } from './structs';
export interface StopContext {
    readonly frameId: number;
    readonly stoppedAt: StopLocation;
}
/** The top frame of `threadId` (or of the first thread when none is named). */
export declare function stopContext(request: DapRequest, threadId?: number): Promise<StopContext>;
export interface InspectOptions extends ReadHeapOptions {
    readonly threadId?: number;
    readonly expressionPrefix?: string;
}
/** Reads and validates the heap of a session that is stopped now. */
export declare function inspectStop(request: DapRequest, layouts: ReadonlyMap<string, LayoutStructs>, options?: InspectOptions): Promise<HeapImage>;
