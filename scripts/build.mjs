#!/usr/bin/env node
// Bundles the server and CLI into dist/berth.mjs (dependencies stay in node_modules). `npm start` runs the
// bundle rather than compiling TypeScript on load: the same code, about 50 MiB less memory and a faster start.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [join(root, 'src/cli/berth.ts')],
  outfile: join(root, 'dist/berth.mjs'),
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});
