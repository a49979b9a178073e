// memory-port.ts — what the heap reader needs of a stopped process: the address
// of a global, and bytes at an address. A DAP session gives both (dap-port.ts);
// every request is counted, so each stop says what it cost.

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
export class CountingPort implements MemoryPort {
  readonly stats: ReadStats = { requests: 0, bytes: 0, ms: 0 };

  constructor(private readonly port: MemoryPort) {}

  addressOf(expression: string): Promise<number> {
    this.stats.requests++;
    return this.port.addressOf(expression);
  }

  async readMemory(address: number, count: number): Promise<MemoryBlock> {
    this.stats.requests++;
    const block = await this.port.readMemory(address, count);
    this.stats.bytes += block.bytes.length;
    return block;
  }
}

export class MemoryReadError extends Error {
  override readonly name = 'MemoryReadError';
}

export function hexAddress(address: number | bigint): string {
  return `0x${address.toString(16)}`;
}

/** A read that must come back whole; a short one is an error naming the address and what it was for. */
export async function readWhole(port: MemoryPort, address: number, count: number, what: string): Promise<Uint8Array> {
  let block: MemoryBlock;
  try {
    block = await port.readMemory(address, count);
  } catch (error) {
    throw new MemoryReadError(`${what} at ${hexAddress(address)} could not be read: ${(error as Error).message}`);
  }
  if (block.bytes.length < count)
    throw new MemoryReadError(
      `${what} at ${hexAddress(address)}: ${block.bytes.length} of ${count} bytes came back${block.unreadable ? ` (${block.unreadable} unreadable)` : ''}`,
    );
  return block.bytes;
}
