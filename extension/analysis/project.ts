// project.ts — the contracts the source does not spell: the layout description
// (user offset, next offsets), the defines #if and INJECT-style constants are
// evaluated with, the files of the layout module, and per-function contracts.
// They come from a project file, `slabscope-source.json`, found by walking up
// from a source file; its paths are relative to it. `sources` names more C files
// or directories whose contracts the project's files rely on (headers elsewhere).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseLayout, type Layout } from '../core/layout';
import type { PointerRole } from './provenance';

export const PROJECT_FILE = 'slabscope-source.json';

export interface FunctionContract {
  /** each parameter's role, null where the contract says nothing */
  readonly params: readonly (PointerRole | null)[];
  readonly returns: PointerRole | null;
}

export interface SourceConfig {
  /** the layout description's name, for messages */
  readonly layoutName: string;
  /** USER − BASE, or null when no layout description is known (numeric offsets then prove nothing) */
  readonly userOffset: number | null;
  /** each class's next-pointer offset from BASE, or null */
  readonly nextOffsets: readonly number[] | null;
  readonly defines: ReadonlyMap<string, number>;
  /** path suffixes of the layout module's files: raw next-pointer access is theirs alone */
  readonly layoutModules: readonly string[];
  readonly functions: ReadonlyMap<string, FunctionContract>;
  /** more C files or directories read with this project's, for their contracts (an allocator's headers elsewhere) */
  readonly sources: readonly string[];
}

export class ProjectFileError extends Error {
  override readonly name = 'ProjectFileError';
}

export const emptyConfig: SourceConfig = {
  layoutName: '',
  userOffset: null,
  nextOffsets: null,
  defines: new Map(),
  layoutModules: ['layout.h', 'layout.c'],
  functions: new Map(),
  sources: [],
};

export function configWithLayout(config: SourceConfig, layout: Layout): SourceConfig {
  return { ...config, layoutName: layout.name, userOffset: layout.userOffset, nextOffsets: layout.classes.map((c) => c.nextOffset) };
}

function role(value: unknown, where: string): PointerRole | null {
  if (value === null || value === undefined) return null;
  if (value === 'BASE' || value === 'USER') return value;
  throw new ProjectFileError(`${where} must be "BASE", "USER" or null, got ${JSON.stringify(value)}`);
}

/** Parses a project file's text; `at` is its path (messages, relative paths). */
export function parseProjectFile(text: string, at: string, base: SourceConfig = emptyConfig): SourceConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ProjectFileError(`${at}: not JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ProjectFileError(`${at}: must be a JSON object`);
  const object = raw as Record<string, unknown>;
  let config: SourceConfig = base;
  if (object.layout !== undefined) {
    if (typeof object.layout !== 'string') throw new ProjectFileError(`${at}: layout must be the path of a layout description`);
    const path = resolve(dirname(at), object.layout);
    let layoutText: string;
    try {
      layoutText = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ProjectFileError(`${at}: layout ${path}: ${(error as Error).message}`);
    }
    try {
      config = configWithLayout(config, parseLayout(layoutText));
    } catch (error) {
      throw new ProjectFileError(`${at}: layout ${path}: ${(error as Error).message}`);
    }
  }
  if (object.defines !== undefined) {
    if (typeof object.defines !== 'object' || object.defines === null) throw new ProjectFileError(`${at}: defines must be an object`);
    const defines = new Map(config.defines);
    for (const [name, value] of Object.entries(object.defines)) {
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new ProjectFileError(`${at}: defines.${name} must be an integer`);
      defines.set(name, value);
    }
    config = { ...config, defines };
  }
  if (object.layoutModules !== undefined) {
    if (!Array.isArray(object.layoutModules) || !object.layoutModules.every((m) => typeof m === 'string'))
      throw new ProjectFileError(`${at}: layoutModules must be an array of paths`);
    config = { ...config, layoutModules: (object.layoutModules as string[]).map((m) => resolve(dirname(at), m)) };
  }
  if (object.sources !== undefined) {
    if (!Array.isArray(object.sources) || !object.sources.every((m) => typeof m === 'string'))
      throw new ProjectFileError(`${at}: sources must be an array of paths`);
    config = { ...config, sources: (object.sources as string[]).map((m) => resolve(dirname(at), m)) };
  }
  if (object.functions !== undefined) {
    if (typeof object.functions !== 'object' || object.functions === null) throw new ProjectFileError(`${at}: functions must be an object`);
    const functions = new Map(config.functions);
    for (const [name, entry] of Object.entries(object.functions as Record<string, unknown>)) {
      const where = `${at}: functions.${name}`;
      if (typeof entry !== 'object' || entry === null) throw new ProjectFileError(`${where} must be an object`);
      const contract = entry as Record<string, unknown>;
      const params = contract.params ?? [];
      if (!Array.isArray(params)) throw new ProjectFileError(`${where}.params must be an array`);
      functions.set(name, {
        params: params.map((p, i) => role(p, `${where}.params[${i}]`)),
        returns: role(contract.returns, `${where}.returns`),
      });
    }
    config = { ...config, functions };
  }
  return config;
}

/** The project file governing `file`: the nearest one in its directory or above, or null. */
export function findProjectFile(file: string): string | null {
  let dir = dirname(resolve(file));
  for (;;) {
    const candidate = join(dir, PROJECT_FILE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

export function loadProjectFile(path: string, base: SourceConfig = emptyConfig): SourceConfig {
  return parseProjectFile(readFileSync(path, 'utf8'), path, base);
}

/** Is `file` part of the layout module? */
export function inLayoutModule(config: SourceConfig, file: string): boolean {
  const path = resolve(file);
  return config.layoutModules.some((m) => path === m || path.endsWith('/' + m.replace(/^\/+/, '')));
}
