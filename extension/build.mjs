// build.mjs — bundles the TypeScript sources with esbuild: the engine for Node
// (tests, tools), the command line, and (later) the extension host and the webview.
import { build } from 'esbuild';
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
await Promise.all([
  build({ ...common, entryPoints: { core: 'extension/core/index.ts' }, outdir: 'extension/dist', outExtension: { '.js': '.mjs' } }),
  build({ ...common, entryPoints: { cli: 'extension/cli/main.ts' }, outdir: 'extension/dist', outExtension: { '.js': '.mjs' } }),
]);
