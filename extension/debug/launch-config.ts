// launch-config.ts — a slabscope-gdb configuration's `preload` turned into what
// gdb does: `set environment LD_PRELOAD=…` before the program starts. The release,
// check or trace build of either layout ("aligned/release"), "none" for a program
// linked with libslabscope.a, or the path of a library (the user's own build).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ensureNativeBuilt } from '../record';
import { layoutsOf, type LayoutStructs } from './structs';

const BUILD = /^(aligned|hakmem)\/(release|check|trace)$/;

/** The library `preload` names, or null for none. */
export function preloadLibrary(nativeDir: string, preload: string | undefined, cwd: string): string | null {
  const chosen = preload ?? 'aligned/release';
  if (chosen === 'none' || chosen === '') return null;
  const build = BUILD.exec(chosen);
  if (build) return join(nativeDir, 'build', build[1]!, build[2]!, 'libslabscope.so');
  return isAbsolute(chosen) ? chosen : resolve(cwd, chosen);
}

/** gdb commands that preload the library into the program it starts (none for an attach or a core file). */
export function preloadCommands(library: string | null): string[] {
  return library ? [`set environment LD_PRELOAD=${library}`] : [];
}

/**
 * The layout descriptions to read a heap with: beside a library of the user's own build
 * (build/<layout>/<mode>/lib… → build/<layout>/layout.json), else every layout of the
 * allocator's build (made first when it is missing); the debug root names the one in use.
 */
export function layoutsForLibrary(nativeDir: string, library?: string | null): Map<string, LayoutStructs> {
  if (library) {
    const beside = join(dirname(library), '..', 'layout.json');
    if (existsSync(beside)) return layoutsOf(readFileSync(beside, 'utf8'));
  }
  const all = join(nativeDir, 'build', 'layout.json');
  if (!existsSync(all)) ensureNativeBuilt(nativeDir, ['layout']);
  return layoutsOf(readFileSync(all, 'utf8'));
}

/** The library of a configuration's `preload` when it names one of the user's own (a path to a .so), else undefined. */
export function ownLibrary(preload: unknown, cwd: string): string | undefined {
  return typeof preload === 'string' && preload.endsWith('.so') ? (isAbsolute(preload) ? preload : resolve(cwd, preload)) : undefined;
}
