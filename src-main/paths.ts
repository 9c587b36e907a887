import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
