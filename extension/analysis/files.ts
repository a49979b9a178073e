// files.ts — the C files under a directory: .c and .h, skipping dependencies,
// build output and hidden directories, each at most 1 MiB, at most 5,000 in all.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

const SKIP_DIRS = new Set(['node_modules', 'dist', 'build']);
export const MAX_FILES = 5000;
const MAX_BYTES = 1 << 20;

export function cFilesUnder(dir: string, found: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return found;
  }
  for (const name of entries) {
    if (found.length >= MAX_FILES) break;
    if (name.startsWith('.') || SKIP_DIRS.has(name)) continue;
    const path = join(dir, name);
    let stat: Stats;
    try {
      stat = statSync(path);
    } catch {
      continue;
    }
    if (stat.isDirectory()) cFilesUnder(path, found);
    else if (/\.(c|h)$/.test(name) && stat.size <= MAX_BYTES) found.push(path);
  }
  return found;
}
