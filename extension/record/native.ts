// native.ts — where the allocator's builds are and how they are brought up to
// date: make in the native folder, the trace build's library per layout.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { RecordError } from './error';

/** Builds native targets (the allocator's libraries by default) if anything is out of date (make decides). */
export function ensureNativeBuilt(nativeDir: string, targets: readonly string[] = ['all']): void {
  const made = spawnSync('make', ['-s', '-C', nativeDir, '-j2', ...targets], { encoding: 'utf8' });
  if (made.error) throw new RecordError(`could not run make: ${made.error.message}`);
  if (made.status !== 0) throw new RecordError(`make ${targets.join(' ')} failed:\n${made.stderr.trim()}`);
}

export function traceLibrary(nativeDir: string, layout: string): string {
  return join(nativeDir, 'build', layout, 'trace', 'libslabscope.so');
}
