// dap-port.ts — the heap reader's memory port over any DAP session: `evaluate`
// for the root's address, `readMemory` for bytes. Adapters differ, and each
// difference is allowed for here: addresses go out as `0x…`, a short buffer or
// `unreadableBytes` is passed on as such, an evaluate result may carry its value
// in `memoryReference` or as text (`0x7ffff7fc5d60 <slabscope_debug_root>`).
import { MemoryReadError, hexAddress, type MemoryBlock, type MemoryPort } from './memory-port';

/** Sends one DAP request and resolves with its response body (rejects on an error response). */
export type DapRequest = (command: string, args: Record<string, unknown>) => Promise<unknown>;

export interface DapPortOptions {
  /** the frame expressions are evaluated in (cdt-gdb-adapter's evaluate needs one) */
  readonly frameId: number;
  /** put before a C expression: CodeLLDB wants `/nat ` */
  readonly expressionPrefix?: string;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new MemoryReadError(`${what}: the adapter answered with no body`);
  return value as Record<string, unknown>;
}

/** The address in an evaluate result: its memoryReference, else the first number of its text. */
export function addressInResult(body: Record<string, unknown>): number | null {
  for (const text of [body.memoryReference, body.result]) {
    if (typeof text !== 'string') continue;
    const match = /(?:^|[\s(=)])(0x[0-9a-fA-F]+)\b/.exec(` ${text}`) ?? /^\s*(\d+)\s*$/.exec(text);
    if (match) {
      const value = Number(BigInt(match[1]!)); // both patterns capture one group
      if (Number.isSafeInteger(value) && value > 0) return value;
    }
  }
  return null;
}

export class DapMemoryPort implements MemoryPort {
  constructor(
    private readonly request: DapRequest,
    private readonly options: DapPortOptions,
  ) {}

  async addressOf(expression: string): Promise<number> {
    const body = record(
      await this.request('evaluate', {
        expression: `${this.options.expressionPrefix ?? ''}${expression}`,
        frameId: this.options.frameId,
        context: 'watch',
      }),
      `evaluate ${expression}`,
    );
    const address = addressInResult(body);
    if (address === null) throw new MemoryReadError(`evaluate ${expression} gave ${JSON.stringify(body.result)}, no address`);
    return address;
  }

  async readMemory(address: number, count: number): Promise<MemoryBlock> {
    const body = record(
      await this.request('readMemory', { memoryReference: hexAddress(address), count }),
      `readMemory ${hexAddress(address)}`,
    );
    const data = typeof body.data === 'string' ? Buffer.from(body.data, 'base64') : Buffer.alloc(0);
    const unreadable = typeof body.unreadableBytes === 'number' ? body.unreadableBytes : 0;
    // an adapter may start the answer elsewhere (aligned down, or past unreadable bytes): place it
    let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const begin = typeof body.address === 'string' ? addressInResult({ result: body.address }) : address;
    if (begin !== null && begin !== address) {
      const skip = address - begin;
      if (skip > 0) bytes = bytes.subarray(Math.min(skip, bytes.length));
      else return { address, bytes: new Uint8Array(0), unreadable: count };
    }
    return { address, bytes: bytes.subarray(0, Math.min(bytes.length, count)), unreadable };
  }
}
