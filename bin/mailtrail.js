#!/usr/bin/env node
// The `mailtrail` command runs the JavaScript that `npm run build:cli` bundles into out/cli (npm
// install builds it): no TypeScript loader at run time.
import { existsSync } from 'node:fs';

const main = new URL('../out/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('mailtrail: out/cli/main.js is not built; run npm run build:cli\n');
  process.exit(1);
}
await import(main.href);
