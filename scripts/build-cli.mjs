#!/usr/bin/env node
// `npm run build:cli` (also after `npm install`, before the tests and before `npm start`'s browser
// mode): bundles the `mailtrail` command into out/cli, so bin/mailtrail.js runs plain JavaScript with
// no TypeScript loader at run time. Packages stay in node_modules; commands stay lazily loaded chunks.
import { renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'out', 'cli');
const building = `${output}.building`;
rmSync(building, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'src-main', 'cli', 'main.ts')],
  outdir: building,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  packages: 'external',
  sourcemap: 'linked',
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
// Swapped in whole, so the command never runs half of one build and half of another.
rmSync(output, { recursive: true, force: true });
renameSync(building, output);
