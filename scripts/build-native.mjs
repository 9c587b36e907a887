#!/usr/bin/env node
// `npm run build:native` (also after `npm install`): compiles native/copy-text.c, the SQLite extension
// that lets `mailtrail sync` parse PostgreSQL's COPY rows in C. It is an optional accelerator: without
// a C compiler it says so and exits 0, and sync parses in JavaScript, with the same results, using
// about 40% more CPU (README: the figures).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suffix = process.platform === 'win32' ? 'dll' : process.platform === 'darwin' ? 'dylib' : 'so';
const output = join(root, 'native', 'build', `copy-text.${suffix}`);

function skip(why) {
  console.log(`mailtrail: native/copy-text.c not built (${why}); mailtrail sync will parse COPY rows in JavaScript, more slowly`);
  process.exit(0);
}

let headers;
try {
  // better-sqlite3 ships the headers of the SQLite it embeds, the one the extension is loaded into.
  headers = join(dirname(createRequire(join(root, 'package.json')).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
} catch {
  skip('better-sqlite3 is not installed');
}
if (!existsSync(join(headers, 'sqlite3ext.h'))) skip(`no sqlite3ext.h in ${headers}`);

const compiler = process.env.CC || 'cc';
mkdirSync(dirname(output), { recursive: true });
const building = `${output}.building`;
const flags = ['-O2', '-fPIC', process.platform === 'darwin' ? '-dynamiclib' : '-shared'];
const result = spawnSync(compiler, [...flags, '-I', headers, join(root, 'native', 'copy-text.c'), '-o', building], { stdio: ['ignore', 'inherit', 'inherit'] });
if (result.error || result.status !== 0) {
  rmSync(building, { force: true });
  skip(result.error ? `${compiler}: ${result.error.code ?? result.error.message}` : `${compiler} exited with ${result.status}`);
}
// Renamed into place, so an interrupted build never leaves half an extension to load.
renameSync(building, output);
console.log(`mailtrail: built ${relative(root, output)}`);
