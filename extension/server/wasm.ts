// wasm.ts — where the C parser's .wasm files are: beside the bundle that runs
// (extension/dist, and so in the .vsix), copied there by extension/build.mjs.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParserFiles } from '../analysis';

export function serverParserFiles(bundle: string = import.meta.url): ParserFiles {
  const dir = dirname(fileURLToPath(bundle));
  return { runtimeWasm: join(dir, 'web-tree-sitter.wasm'), languageWasm: join(dir, 'tree-sitter-c.wasm') };
}
