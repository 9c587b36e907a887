#!/usr/bin/env node
// `npm start [-- --db URL]`: builds and launches the desktop app; where the Electron runtime is not
// installed (it cannot be downloaded everywhere), says so in one line and starts browser mode instead.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const userArgs = process.argv.slice(2);
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The Electron executable if it is really there. Reads electron's path.txt as electron-vite does,
 * because require('electron') would try to download a missing runtime.
 */
export function electronRuntimePath() {
  try {
    const moduleDir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'));
    const pathFile = join(moduleDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const relative = readFileSync(pathFile, 'utf8').trim();
    const distDir = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(moduleDir, 'dist');
    const executable = join(distDir, relative);
    return relative && existsSync(executable) ? executable : null;
  } catch {
    return null;
  }
}

/**
 * Runs a command with this terminal's output and resolves with its exit status. The child gets
 * its own process group, so Ctrl-C reaches it once, through us, and its graceful shutdown (which
 * stops the embedded PostgreSQL) is not cut short by a second signal.
 */
function run(command, args, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit', env, detached: process.platform !== 'win32' });
    const forward = (signal) => child.kill(signal);
    for (const signal of SIGNALS) process.on(signal, forward);
    child.on('error', (error) => {
      console.error(`cannot run ${command}: ${error.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      for (const name of SIGNALS) process.off(name, forward);
      resolve(code ?? 128 + (constants.signals[signal] ?? 0));
    });
  });
}

const npmCommand = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const electronVite = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');

async function main() {
  const electron = electronRuntimePath();
  if (electron) {
    // electron-vite builds main, preload and renderer, then starts Electron on out/main.
    const args = [electronVite, 'preview', ...(userArgs.length ? ['--', ...userArgs] : [])];
    return run(process.execPath, args, { ...process.env, ELECTRON_EXEC_PATH: electron });
  }
  console.log('Electron runtime not installed here; starting browser mode instead');
  const built = await run(npmCommand, ['run', '--silent', 'build:renderer']);
  if (built !== 0) {
    console.error('the renderer did not build (see above); browser mode not started');
    return built;
  }
  // The command runs from out/cli: built again so it matches the sources.
  const cli = await run(process.execPath, [join(root, 'scripts', 'build-cli.mjs')]);
  if (cli !== 0) {
    console.error('the mailtrail command did not build (see above); browser mode not started');
    return cli;
  }
  return run(process.execPath, [join(root, 'bin', 'mailtrail.js'), 'serve', ...userArgs]);
}

process.exitCode = await main();
