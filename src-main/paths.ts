import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import envPaths from 'env-paths';

/** The package root, found from wherever this module runs (sources, the electron-vite bundle, or an install). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the Mailtrail package root (no migrations/ folder beside package.json)');
    dir = parent;
  }
}

export const migrationsDir = (): string => join(packageRoot(), 'migrations');

/**
 * Mailtrail's data folder on this machine (the embedded default's cluster, the register of reports):
 * MAILTRAIL_DATA_DIR, /var/lib/mailtrail for root, else the user's data folder.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MAILTRAIL_DATA_DIR) return resolve(env.MAILTRAIL_DATA_DIR);
  if (process.getuid?.() === 0) return '/var/lib/mailtrail';
  return envPaths('mailtrail', { suffix: '' }).data;
}
