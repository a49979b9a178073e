import type { DapRequest } from './dap-port';
export interface DapEvent {
    readonly event: string;
    readonly body?: Record<string, unknown>;
}
export declare class DapError extends Error {
    readonly name = "DapError";
}
export declare class GdbAdapter {
    private readonly session;
    private seq;
    private readonly pending;
    private readonly listeners;
    constructor();
    readonly request: DapRequest;
    onEvent(listener: (event: DapEvent) => void): void;
    /** The next event named `name` (for which `accept` holds), or an error after `ms`. */
    nextEvent(name: string, ms: number, accept?: (event: DapEvent) => boolean): Promise<DapEvent>;
    dispose(): void;
    private receive;
}
/** Runs the adapter over stdin and stdout, for editors that start it themselves (`slabscope dap gdb`). */
export declare function runGdbAdapterOverStdio(): void;
