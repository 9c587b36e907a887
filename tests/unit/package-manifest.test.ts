import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
// semver comes with npm's own tree (vite, node-abi); three calls need no types.
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
};
// Versions around every bound a Node range here has: each major's start, 12, 13, 17, 19 and end.
const nodeVersions = Array.from({ length: 14 }, (_, i) => 18 + i).flatMap((major) =>
  [0, 9, 12, 13, 17, 19, 99].map((minor) => `${major}.${minor}.0`),
);
const admitted = (range: string) => nodeVersions.filter((version) => semver.satisfies(version, range));

interface Manifest {
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
interface LockEntry {
  dev?: boolean;
  optional?: boolean;
  engines?: { node?: string };
  hasInstallScript?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const installed = (name: string) => lock.packages[`node_modules/${name}`]!;

/** The packages the files under `dir` import or resolve (bare specifiers, `node:` and built-ins left out). */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(join(root, dir), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|tsx|js|mjs)$/.test(entry.name)) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const [, specifier] of text.matchAll(/(?:from |import\(|require\.resolve\()\s*['"]((?:@[a-z0-9-~][\w.~-]*\/)?[a-z0-9-~][\w.~-]*(?:\/[\w.~/-]*)?)['"]/g)) {
      const name = specifier!.startsWith('@') ? specifier!.split('/').slice(0, 2).join('/') : specifier!.split('/')[0]!;
      if (!name.startsWith('node:') && !builtinModules.includes(name)) names.add(name);
    }
  }
  return names;
}

describe('the package manifest (issue 12, item 4)', () => {
  it('admits in engines only Node versions that run the runtime dependencies, the tests and the builds', () => {
    const ours = pkg.engines.node;
    expect(semver.satisfies(process.version, ours)).toBe(true);
    const runtime = Object.entries(lock.packages).filter(([path, entry]) => path !== '' && !entry.dev && !entry.optional);
    const toolchain = ['vite', 'vitest', 'rolldown', 'tsx', '@vitejs/plugin-react', '@playwright/test', 'electron-vite', 'typescript'];
    const needs = [...runtime, ...toolchain.map((name) => [`node_modules/${name}`, installed(name)] as const)];
    for (const [path, entry] of needs) {
      const theirs = entry.engines?.node;
      if (theirs) expect(admitted(ours).filter((version) => !semver.satisfies(version, theirs)), `${path} needs Node ${theirs}`).toEqual([]);
    }
  });

  it('says in the README that the Electron toolchain needs a newer Node than the rest', () => {
    for (const name of ['electron', '@electron/get', '@electron/rebuild']) {
      const theirs = installed(name).engines!.node!;
      expect(admitted(pkg.engines.node).filter((version) => !semver.satisfies(version, theirs))).toEqual(admitted('^20.19.0'));
    }
    expect(readFileSync(join(root, 'README.md'), 'utf8')).toMatch(/Electron's toolchain[\s\S]{0,200}Node 22\.12\+/);
  });

  it('holds in dependencies exactly what the main process and the CLI import; the renderer is bundled', () => {
    // Electron's main process gets `electron` from the runtime it runs in; tsx loads only .ts sync
    // workers, which exist in a checkout (tests), never in the app or out/cli.
    const main = new Set([...importedPackages('src-main'), ...importedPackages('bin')].filter((name) => name !== 'electron' && name !== 'tsx'));
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...main].sort());
    // The contract's zod is both: main imports it, the renderer bundles it.
    for (const name of [...importedPackages('src-renderer')].filter((name) => !main.has(name))) {
      expect(pkg.devDependencies[name], `${name} (renderer) is bundled by Vite: a devDependency`).toBeDefined();
      expect(pkg.dependencies[name]).toBeUndefined();
    }
  });

  it('has a package-lock.json that npm install leaves as it is', () => {
    const top = lock.packages['']!;
    expect(top.dependencies).toEqual(pkg.dependencies);
    expect(top.devDependencies).toEqual(pkg.devDependencies);
    expect(top.engines).toEqual(pkg.engines);
    // npm records that the project has an install script; a lock without the mark is rewritten.
    expect(top.hasInstallScript ?? false).toBe('postinstall' in pkg.scripts);
  });

  it('runs the mailtrail command from the JavaScript build:cli bundles, with no TypeScript loader', () => {
    const bin = readFileSync(join(root, 'bin', 'mailtrail.js'), 'utf8');
    expect(bin).toContain("'../out/cli/main.js'");
    expect(bin).not.toMatch(/tsx|\.ts'/);
    expect(pkg.scripts['build:cli']).toBe('node scripts/build-cli.mjs');
    expect(pkg.scripts.postinstall).toContain('node scripts/build-cli.mjs');
    expect(pkg.dependencies.tsx).toBeUndefined();
  });

  it('runs mailtrail where only the built files of the package are, no sources (out/cli from the test setup)', () => {
    const copy = mkdtempSync(join(tmpdir(), 'mailtrail-bin-'));
    try {
      for (const path of ['bin', 'out/cli', 'migrations', 'package.json']) cpSync(join(root, path), join(copy, path), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'junction');
      expect(execFileSync(process.execPath, [join(copy, 'bin', 'mailtrail.js'), 'help'], { encoding: 'utf8' })).toMatch(/^Usage: mailtrail <command>/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
