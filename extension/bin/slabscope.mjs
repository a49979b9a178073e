#!/usr/bin/env node
// The `slabscope` command: runs the bundled command line, bundling it first on a
// checkout where `npm install` has not built it yet.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (!existsSync(cli)) {
  const built = spawnSync(process.execPath, [fileURLToPath(new URL('../build.mjs', import.meta.url))], { stdio: 'inherit' });
  if (built.status !== 0) process.exit(2);
}
await import(cli);
