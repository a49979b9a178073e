// bytes.ts — where a trace file's bytes come from. The engine reads a file only
// through a ByteSource, so a front end decides how: a local file through its
// descriptor (nothing read but what is asked for), or bytes it fetched itself
// (the editor's workspace file system, for remote and virtual workspaces).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ByteSource {
  /** what the bytes are called in messages: a path or a URI */
  readonly name: string;
  readonly size: number;
  /** Copies up to `length` bytes at `position` into `into` from `offset`; returns how many (fewer at the end). */
  read(into: Uint8Array, offset: number, length: number, position: number): number;
  close(): void;
}

/** A local file, read where it is asked. */
export function fileBytes(path: string): ByteSource {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    return {
      name: path,
      size,
      read: (into, offset, length, position) => readSync(fd, into, offset, length, position),
      close: () => closeSync(fd),
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Bytes already in memory (a file fetched whole by the caller). */
export function memoryBytes(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    read(into, offset, length, position) {
      const available = Math.max(0, Math.min(length, bytes.length - position));
      into.set(bytes.subarray(position, position + available), offset);
      return available;
    },
    close() {},
  };
}
