// mi-port.ts — the heap reader's memory port straight over gdb/MI, for the one
// adapter we run ourselves (slabscope-gdb): `-data-evaluate-expression` for the
// root's address and `-data-read-memory-bytes` for bytes. No DAP round trip and
// no frame needed, so the heap can be read the moment gdb reports the stop,
// before the editor's own requests (threads, stack, scopes, variables) queue in
// gdb ahead of ours. Commands go to gdb as they are issued: the reader pipelines.
import { addressInResult } from './dap-port';
import { MemoryReadError, hexAddress, type MemoryBlock, type MemoryPort } from './memory-port';

/** Sends one MI command and resolves with its result record (rejects on ^error). */
export type MiCommand = (command: string) => Promise<unknown>;

interface MiMemoryRange {
  readonly begin?: unknown;
  readonly offset?: unknown;
  readonly contents?: unknown;
}

export class MiMemoryPort implements MemoryPort {
  constructor(private readonly send: MiCommand) {}

  async addressOf(expression: string): Promise<number> {
    const result = (await this.send(`-data-evaluate-expression "${expression.replace(/["\\]/g, '\\$&')}"`)) as { value?: unknown };
    const address = typeof result?.value === 'string' ? addressInResult({ result: result.value }) : null;
    if (address === null) throw new MemoryReadError(`${expression} evaluated to ${JSON.stringify(result?.value)}, no address`);
    return address;
  }

  async readMemory(address: number, count: number): Promise<MemoryBlock> {
    let result: { memory?: unknown };
    try {
      result = (await this.send(`-data-read-memory-bytes ${hexAddress(address)} ${count}`)) as { memory?: unknown };
    } catch (error) {
      // gdb refuses a range it cannot read at all ("Unable to read memory."): nothing came back
      if (/unable to read memory|cannot access memory/i.test((error as Error).message))
        return { address, bytes: new Uint8Array(0), unreadable: count };
      throw error;
    }
    // gdb answers with the readable ranges only; the bytes we use are those from `address` on, unbroken
    const ranges = Array.isArray(result?.memory) ? (result.memory as MiMemoryRange[]) : [];
    const chunks: Buffer[] = [];
    let next = address;
    for (const range of [...ranges].sort((a, b) => Number(BigInt(String(a.begin))) - Number(BigInt(String(b.begin))))) {
      if (typeof range.begin !== 'string' || typeof range.contents !== 'string') continue;
      const begin = Number(BigInt(range.begin)) + (typeof range.offset === 'string' ? Number(BigInt(range.offset)) : 0);
      if (begin !== next) break;
      const bytes = Buffer.from(range.contents, 'hex');
      chunks.push(bytes);
      next += bytes.length;
    }
    const bytes = Buffer.concat(chunks).subarray(0, count);
    return { address, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), unreadable: count - bytes.length };
  }
}
