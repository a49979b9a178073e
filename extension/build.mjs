// build.mjs — bundles the TypeScript sources with esbuild: the engine and the
// views' protocol for Node (tests, tools), the command line and the VS Code
// host (each with recording, extension/record, bundled in), and the heap views
// for the browser (one bundle for a VS Code webview and for the page
// `slabscope view` serves).
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const watch = process.argv.includes('--watch');
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: watch ? 'info' : 'warning',
  // esbuild's ESM output for Node needs require() for Node built-ins pulled in by CJS code
  banner: { js: "import { createRequire as __slabscopeRequire } from 'node:module'; const require = __slabscopeRequire(import.meta.url);" },
};
// the C parser's runtime and grammar, beside the bundles that load them (and so in the .vsix)
await mkdir(`${root}extension/dist`, { recursive: true });
await Promise.all(
  ['web-tree-sitter/web-tree-sitter.wasm', 'tree-sitter-c/tree-sitter-c.wasm'].map((wasm) =>
    copyFile(`${root}node_modules/${wasm}`, `${root}extension/dist/${wasm.split('/')[1]}`),
  ),
);
await Promise.all([
  // the engine and the views' protocol on it, split: both entries share one copy of the engine's modules
  build({
    ...common,
    entryPoints: { core: 'extension/core/index.ts', protocol: 'extension/protocol/index.ts' },
    splitting: true,
    outdir: 'extension/dist',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]',
  }),
  // cdt-gdb-adapter's pty addon (*.node) serves only its openGdbConsole, never used here: left out of the bundles
  build({
    ...common,
    entryPoints: { cli: 'extension/cli/main.ts' },
    outdir: 'extension/dist',
    outExtension: { '.js': '.mjs' },
    external: ['*.node'],
  }),
  // the BASE/USER analysis of C source, for the tests and tools (the server and the command line bundle their own copy)
  build({
    ...common,
    entryPoints: { analysis: 'extension/analysis/index.ts' },
    outdir: 'extension/dist',
    outExtension: { '.js': '.mjs' },
  }),
  // the language server, its own process (vscode-languageclient forks it; `slabscope lsp` runs it in the command line's)
  build({
    ...common,
    entryPoints: { server: 'extension/server/main.ts' },
    outdir: 'extension/dist',
    outExtension: { '.js': '.mjs' },
  }),
  build({
    ...common,
    entryPoints: { debug: 'extension/debug/index.ts' },
    outdir: 'extension/dist',
    outExtension: { '.js': '.mjs' },
    external: ['*.node'],
  }),
  // the VS Code extension host loads CommonJS; `vscode` is provided by the editor
  build({
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'linked',
    logLevel: watch ? 'info' : 'warning',
    external: ['vscode', '*.node'],
    entryPoints: { host: 'extension/host/extension.ts' },
    outdir: 'extension/dist',
  }),
  build({
    absWorkingDir: root,
    bundle: true,
    platform: 'browser',
    target: 'chrome114',
    format: 'iife',
    minify: true,
    sourcemap: 'linked',
    logLevel: watch ? 'info' : 'warning',
    entryPoints: { webview: 'webview/src/main.ts' },
    outdir: 'webview/dist',
  }),
]);
