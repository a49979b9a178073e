// format.ts — how numbers and places read in the views.

export function hex(value: number): string {
  if (value < 0) return '?';
  // next pointers may hold any 64-bit value: past 2^53 a double is not exact, say so
  return value > Number.MAX_SAFE_INTEGER ? `~0x${value.toString(16)}` : `0x${value.toString(16)}`;
}

export function byteHex(value: number): string {
  return value < 0 ? '??' : value.toString(16).padStart(2, '0');
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function shortPath(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? parts.slice(-2).join('/') : file;
}

export function siteText(site: { file: string; line: number } | null): string {
  return site ? `${shortPath(site.file)}:${site.line}` : 'no source';
}

/** The little-endian bytes of a next pointer (8 of them), or unknowns. */
export function pointerBytes(value: number): number[] {
  if (value < 0) return new Array(8).fill(-1);
  const bytes: number[] = [];
  let big = BigInt(Math.round(value));
  for (let i = 0; i < 8; i++) {
    bytes.push(Number(big & 0xffn));
    big >>= 8n;
  }
  return bytes;
}
