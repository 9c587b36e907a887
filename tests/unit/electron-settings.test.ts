import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMBEDDED_DEMO_ID, openSettingsStore, SETTINGS_FILE } from '../../src-main/electron/settings/settings-store';
import { createFakeElectron, type FakeElectron } from './electron-fake';

const PASSWORD = 'S3cret-P@ss%word';

describe('the settings store', () => {
  let directory: string;
  let safeStorage: FakeElectron['safeStorage'];
  const open = () => openSettingsStore({ directory, safeStorage, now: () => new Date('2025-12-15T10:30:00Z') });
  const fileText = () => readFileSync(join(directory, SETTINGS_FILE), 'utf8');

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'mailtrail-settings-'));
    safeStorage = createFakeElectron().safeStorage;
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('starts with the embedded demo and writes nothing until asked', () => {
    const store = open();
    expect(store.activeSource()).toEqual({ kind: 'embedded' });
    expect(store.dataSources()).toEqual([]);
    expect(store.recoveredFrom).toBeNull();
    expect(existsSync(join(directory, SETTINGS_FILE))).toBe(false);
  });

  it('never writes a password in plain text, and gives it back to main decrypted', () => {
    const store = open();
    const saved = store.saveDataSource({ name: 'Hub production', url: 'postgres://auditor@db.example:5432/hub', password: PASSWORD });
    expect(saved).toEqual({ id: 'hub-production', name: 'Hub production', kind: 'postgres', url: 'postgres://auditor@db.example:5432/hub', hasPassword: true, active: false });
    store.setActive(saved.id);

    const text = fileText();
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(encodeURIComponent(PASSWORD));
    expect(text).not.toContain(Buffer.from(PASSWORD).toString('base64'));
    expect(JSON.parse(text).dataSources[0].encryptedPassword).toMatch(/^[A-Za-z0-9+/]+=*$/);

    const reopened = open();
    expect(reopened.activeSource()).toEqual({
      kind: 'postgres',
      id: 'hub-production',
      name: 'Hub production',
      url: `postgres://auditor:${encodeURIComponent(PASSWORD)}@db.example:5432/hub`,
    });
    expect(decodeURIComponent(new URL((reopened.activeSource() as { url: string }).url).password)).toBe(PASSWORD);
  });

  it('moves a password given inside the URL into encrypted storage', () => {
    const store = open();
    store.saveDataSource({ name: 'Replica', url: `postgresql://reader:${encodeURIComponent(PASSWORD)}@replica.example/hub` });
    expect(fileText()).not.toContain(encodeURIComponent(PASSWORD));
    expect(store.dataSources()[0]).toMatchObject({ url: 'postgresql://reader@replica.example/hub', hasPassword: true });
  });

  it('refuses to store a password when no secure storage is available, and writes nothing', () => {
    safeStorage.available = false;
    const store = open();
    expect(() => store.saveDataSource({ name: 'Hub', url: 'postgres://auditor@db.example/hub', password: PASSWORD })).toThrow(
      /cannot store the password: this system offers no secure storage/,
    );
    expect(existsSync(join(directory, SETTINGS_FILE))).toBe(false);
    safeStorage.available = true;
    safeStorage.backend = 'basic_text';
    expect(() => open().saveDataSource({ name: 'Hub', url: `postgres://auditor:${PASSWORD}@db.example/hub` })).toThrow(/no secure storage/);
    expect(existsSync(join(directory, SETTINGS_FILE))).toBe(false);
  });

  it('still stores a source without a password when no secure storage is available', () => {
    safeStorage.available = false;
    const store = open();
    store.saveDataSource({ name: 'Local', url: 'postgres://localhost/hub' });
    expect(open().dataSources()).toEqual([expect.objectContaining({ id: 'local', hasPassword: false })]);
  });

  it('survives a corrupt file: starts from defaults and keeps the bad file aside', () => {
    writeFileSync(join(directory, SETTINGS_FILE), '{"version": 1, "dataSources": [');
    const store = open();
    expect(store.activeSource()).toEqual({ kind: 'embedded' });
    expect(store.recoveredFrom).toBe(join(directory, 'settings.json.bad-2025-12-15T10-30-00-000Z'));
    expect(readFileSync(store.recoveredFrom ?? '', 'utf8')).toBe('{"version": 1, "dataSources": [');
    store.saveDataSource({ name: 'Hub', url: 'postgres://localhost/hub' });
    expect(JSON.parse(fileText()).dataSources).toHaveLength(1);
  });

  it.each([
    ['valid JSON of the wrong shape', '{"version": 2, "activeDataSourceId": "x", "dataSources": []}'],
    ['an active source that does not exist', `{"version": 1, "activeDataSourceId": "gone", "dataSources": []}`],
    ['a password in plain text in a URL', `{"version": 1, "activeDataSourceId": "${EMBEDDED_DEMO_ID}", "dataSources": [{"id": "a", "name": "A", "kind": "postgres", "url": "postgres://u:pw@h/db", "encryptedPassword": null}]}`],
    ['an empty file', ''],
  ])('survives %s', (_name, text) => {
    writeFileSync(join(directory, SETTINGS_FILE), text);
    const store = open();
    expect(store.activeSource()).toEqual({ kind: 'embedded' });
    expect(store.recoveredFrom).not.toBeNull();
  });

  it('writes atomically: no temporary files are left and the file is private', () => {
    const store = open();
    store.saveDataSource({ name: 'Hub', url: 'postgres://localhost/hub' });
    store.saveDataSource({ name: 'Hub', url: 'postgres://localhost/hub' });
    expect(readdirSync(directory)).toEqual([SETTINGS_FILE]);
    expect(statSync(join(directory, SETTINGS_FILE)).mode & 0o777).toBe(0o600);
    expect(open().dataSources().map((source) => source.id)).toEqual(['hub', 'hub-2']);
  });

  it('keeps a saved password when a source is saved again without one, and removes sources', () => {
    const store = open();
    const saved = store.saveDataSource({ name: 'Hub', url: 'postgres://auditor@db.example/hub', password: PASSWORD });
    store.saveDataSource({ id: saved.id, name: 'Hub (renamed)', url: 'postgres://auditor@db.example/hub' });
    store.setActive(saved.id);
    expect(open().activeSource()).toMatchObject({ name: 'Hub (renamed)', url: expect.stringContaining('auditor:') });
    store.removeDataSource(saved.id);
    expect(open().activeSource()).toEqual({ kind: 'embedded' });
  });

  it('says what was wrong with bad input', () => {
    const store = open();
    expect(() => store.saveDataSource({ name: 'Hub', url: 'mysql://localhost/hub' })).toThrow(/must start with postgres:\/\//);
    expect(() => store.saveDataSource({ name: '  ', url: 'postgres://localhost/hub' })).toThrow(/name: must not be empty/);
    expect(() => store.setActive('nope')).toThrow(/there is no data source "nope"/);
  });

  it('reports a password that can no longer be decrypted instead of crashing', () => {
    const store = open();
    const saved = store.saveDataSource({ name: 'Hub', url: 'postgres://auditor@db.example/hub', password: PASSWORD });
    store.setActive(saved.id);
    const settings = JSON.parse(fileText());
    settings.dataSources[0].encryptedPassword = Buffer.from('garbage').toString('base64');
    writeFileSync(join(directory, SETTINGS_FILE), JSON.stringify(settings));
    expect(() => open().activeSource()).toThrow(/saved password of data source "Hub" .* cannot be decrypted on this system; enter it again/);
  });

  it('remembers an opened offline cache across starts, and goes back to the live source when asked', () => {
    const store = open();
    const saved = store.saveDataSource({ name: 'Hub', url: 'postgres://auditor@db.example/hub', password: PASSWORD });
    store.setActive(saved.id);
    const cacheFile = join(directory, 'mailtrail-2025-12-15.sqlite');
    writeFileSync(cacheFile, '');
    store.openCache(cacheFile);
    expect(open().activeSource()).toEqual({ kind: 'cache', file: cacheFile });
    expect(open().liveSource()).toMatchObject({ kind: 'postgres', id: 'hub' });
    expect(() => store.openCache('relative.sqlite')).toThrow(/offline cache activeCacheFile: must be an absolute path/);
    store.closeCache();
    expect(open().activeSource()).toMatchObject({ kind: 'postgres', id: 'hub' });
  });

  it('falls back to the live source with a warning when the remembered cache file has gone', () => {
    const cacheFile = join(directory, 'gone.sqlite');
    writeFileSync(cacheFile, '');
    open().openCache(cacheFile);
    rmSync(cacheFile);
    const warnings: string[] = [];
    expect(open().activeSource((message) => warnings.push(message))).toEqual({ kind: 'embedded' });
    expect(warnings).toEqual([`the offline cache ${cacheFile} is no longer there; reading the live database instead (File > Open offline cache… to pick another)`]);
  });

  describe('the admin connection (issue 13, item 2)', () => {
    it('is saved beside the sources with its password encrypted, and given to main decrypted', () => {
      const store = open();
      expect(store.adminConnection()).toBeNull();
      expect(store.adminUrl()).toBeNull();
      const saved = store.saveAdminConnection({ url: `postgres://mailtrail_admin:${encodeURIComponent(PASSWORD)}@db.example:5432/hub` });
      expect(saved).toEqual({ url: 'postgres://mailtrail_admin@db.example:5432/hub', hasPassword: true });
      const text = fileText();
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PASSWORD));
      expect(JSON.parse(text).adminConnection).toEqual({ url: 'postgres://mailtrail_admin@db.example:5432/hub', encryptedPassword: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) });
      const reopened = open();
      expect(reopened.adminConnection()).toEqual(saved);
      expect(decodeURIComponent(new URL(reopened.adminUrl() ?? '').password)).toBe(PASSWORD);
      // The sources are untouched by it.
      expect(reopened.activeSource()).toEqual({ kind: 'embedded' });
    });

    it('refuses to store its password when no secure storage is available, and writes nothing', () => {
      safeStorage.available = false;
      expect(() => open().saveAdminConnection({ url: 'postgres://mailtrail_admin@db.example/hub', password: PASSWORD })).toThrow(/no secure storage/);
      expect(existsSync(join(directory, SETTINGS_FILE))).toBe(false);
      safeStorage.available = true;
      safeStorage.backend = 'basic_text';
      expect(() => open().saveAdminConnection({ url: `postgres://mailtrail_admin:${PASSWORD}@db.example/hub` })).toThrow(/no secure storage/);
      expect(existsSync(join(directory, SETTINGS_FILE))).toBe(false);
    });

    it('keeps its password when saved again for the same URL, drops it for another, and is removed', () => {
      const store = open();
      store.saveAdminConnection({ url: 'postgres://mailtrail_admin@db.example/hub', password: PASSWORD });
      expect(store.saveAdminConnection({ url: 'postgres://mailtrail_admin@db.example/hub' })).toMatchObject({ hasPassword: true });
      // Testing the saved URL without a password uses the saved one; another URL gets none of it.
      expect(decodeURIComponent(new URL(store.adminUrlFor({ url: 'postgres://mailtrail_admin@db.example/hub' })).password)).toBe(PASSWORD);
      expect(new URL(store.adminUrlFor({ url: 'postgres://other@db.example/hub' })).password).toBe('');
      expect(new URL(store.adminUrlFor({ url: 'postgres://other@db.example/hub', password: 'typed' })).password).toBe('typed');
      expect(store.saveAdminConnection({ url: 'postgres://other@db.example/hub' })).toMatchObject({ hasPassword: false });
      store.removeAdminConnection();
      expect(open().adminConnection()).toBeNull();
      expect(() => store.saveAdminConnection({ url: 'mysql://db.example/hub' })).toThrow(/must start with postgres:\/\//);
    });

    it('reports a password that can no longer be decrypted', () => {
      open().saveAdminConnection({ url: 'postgres://mailtrail_admin@db.example/hub', password: PASSWORD });
      const settings = JSON.parse(fileText());
      settings.adminConnection.encryptedPassword = Buffer.from('garbage').toString('base64');
      writeFileSync(join(directory, SETTINGS_FILE), JSON.stringify(settings));
      expect(() => open().adminUrl()).toThrow(/saved password of the admin connection .* cannot be decrypted on this system; enter it again/);
    });
  });
});
