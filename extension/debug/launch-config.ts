// launch-config.ts — a slabscope-gdb configuration's `preload` turned into what
// gdb does: `set environment LD_PRELOAD=…` before the program starts. The release,
// check or trace build of either layout ("aligned/release"), "none" for a program
// linked with libslabscope.a, or the path of a library (the user's own build).
import { isAbsolute, join, resolve } from 'node:path';

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
