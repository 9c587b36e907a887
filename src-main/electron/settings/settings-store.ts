import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { AdminConnectionInput, AdminConnectionView } from '../../contract/admin-connection';
import { MailtrailError } from '../../contract/errors';
import { describeIssues } from '../../contract/validation';
import { checkConnectionString, redactUrl } from '../../db/connection';

/** The source used until the user adds and picks another: the embedded PostgreSQL with demo data. */
export const EMBEDDED_DEMO_ID = 'embedded-demo';
export const SETTINGS_FILE = 'settings.json';

const DataSourceId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be lower-case letters, digits and dashes');

const DataSourceRecord = z.strictObject({
  id: DataSourceId,
  name: z.string().trim().min(1, 'must not be empty').max(200),
  kind: z.literal('postgres'),
  /** The connection URL without its password. */
  url: z.string().refine((url) => !hasPassword(url), 'must not hold a password'),
  /** safeStorage.encryptString(password), base64; null when the source needs none. */
  encryptedPassword: z.string().nullable(),
});
export type DataSourceRecord = z.infer<typeof DataSourceRecord>;

/** The admin connection (DESIGN.md "The write path"): one, beside the sources, under the same rules. */
const AdminConnectionRecord = z.strictObject({
  url: z.string().refine((url) => !hasPassword(url), 'must not hold a password'),
  encryptedPassword: z.string().nullable(),
});
type AdminConnectionRecord = z.infer<typeof AdminConnectionRecord>;

const SettingsFile = z
  .strictObject({
    version: z.literal(1),
    activeDataSourceId: z.string(),
    dataSources: z.array(DataSourceRecord),
    /** An offline cache opened from the File menu; while set it is read instead of the active data source. */
    activeCacheFile: z.string().refine(isAbsolute, 'must be an absolute path').nullable().optional(),
    /** Where the app's writes (retention, holds) go; none means they are refused. */
    adminConnection: AdminConnectionRecord.nullable().optional(),
    /** false: the app runs no workflows on the admin connection (another worker does); absent means it runs them. */
    workflowEngine: z.boolean().optional(),
  })
  .refine(
    (settings) =>
      settings.activeDataSourceId === EMBEDDED_DEMO_ID || settings.dataSources.some((source) => source.id === settings.activeDataSourceId),
    { message: 'activeDataSourceId names no data source', path: ['activeDataSourceId'] },
  );
export type Settings = z.infer<typeof SettingsFile>;

/** What the rest of the app may see of a data source: never the password, only whether there is one. */
export interface DataSourceView {
  id: string;
  name: string;
  kind: 'postgres';
  url: string;
  hasPassword: boolean;
  active: boolean;
}

export interface DataSourceInput {
  id?: string | undefined;
  name: string;
  /** postgres://user@host:port/db; a password in the URL is moved into encrypted storage. */
  url: string;
  password?: string | null | undefined;
}

/** Where main should read the log from. */
export type ActiveSource = { kind: 'embedded' } | { kind: 'postgres'; id: string; name: string; url: string } | { kind: 'cache'; file: string };

/** The part of Electron's safeStorage the store uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export interface SettingsStoreOptions {
  /** app.getPath('userData') in the app. */
  directory: string;
  safeStorage: SafeStorageLike;
  now?: () => Date;
}

const DEFAULT_SETTINGS: Settings = { version: 1, activeDataSourceId: EMBEDDED_DEMO_ID, dataSources: [] };

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Strong enough to hold a password: on Linux without a keyring Electron falls back to a fixed key ("basic_text"). */
function canEncrypt(safeStorage: SafeStorageLike): boolean {
  if (!safeStorage.isEncryptionAvailable()) return false;
  return safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
}

/** Write temp + fsync + rename, so a crash leaves the old settings or the new ones, never half a file. */
function writeAtomically(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export interface SettingsStore {
  readonly file: string;
  /** The corrupt file kept aside when loading, if there was one; the store started from defaults. */
  readonly recoveredFrom: string | null;
  /** Every saved source; the active one says so (`active`). */
  dataSources(): DataSourceView[];
  saveDataSource(input: DataSourceInput): DataSourceView;
  removeDataSource(id: string): void;
  setActive(id: string): void;
  /** Read this offline cache from now on, instead of the active data source. */
  openCache(file: string): void;
  /** Back to the active data source (the live database). */
  closeCache(): void;
  /**
   * The active source with its password decrypted, for opening the connection; the offline cache
   * when one is open, unless its file has gone (then `warn` hears why and the live source is used).
   */
  activeSource(warn?: (message: string) => void): ActiveSource;
  /** The active data source, ignoring any open offline cache. */
  liveSource(): ActiveSource;
  /** The saved admin connection without its password; null when there is none. */
  adminConnection(): AdminConnectionView | null;
  saveAdminConnection(input: AdminConnectionInput): AdminConnectionView;
  removeAdminConnection(): void;
  /** The saved admin connection's URL with its password decrypted, for main alone; null when there is none. */
  adminUrl(): string | null;
  /**
   * The URL to test for `input`, with its password: the one given, in the URL or beside it, else the
   * saved one when `input` names the saved connection's URL. Nothing is saved.
   */
  adminUrlFor(input: AdminConnectionInput): string;
  /** Whether the app runs the workflow engine on the admin connection; true unless turned off. */
  workflowEngineEnabled(): boolean;
  setWorkflowEngineEnabled(enabled: boolean): void;
}

/** Opens the settings in `directory`; a missing file means defaults, a corrupt one is kept aside and never fatal. */
export function openSettingsStore({ directory, safeStorage, now = () => new Date() }: SettingsStoreOptions): SettingsStore {
  const file = join(directory, SETTINGS_FILE);
  let recoveredFrom: string | null = null;
  let settings: Settings = structuredClone(DEFAULT_SETTINGS);

  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') recoveredFrom = keepAside();
  }
  if (text !== null) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const result = SettingsFile.safeParse(parsed);
    if (result.success) settings = result.data;
    else recoveredFrom = keepAside();
  }

  function keepAside(): string | null {
    const aside = `${file}.bad-${now().toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(file, aside);
      return aside;
    } catch {
      return null;
    }
  }

  function save(next: Settings): void {
    mkdirSync(directory, { recursive: true });
    writeAtomically(file, `${JSON.stringify(next, null, 2)}\n`);
    settings = next;
  }

  function view(source: DataSourceRecord): DataSourceView {
    return {
      id: source.id,
      name: source.name,
      kind: source.kind,
      url: source.url,
      hasPassword: source.encryptedPassword !== null,
      active: source.id === settings.activeDataSourceId,
    };
  }

  function find(id: string): DataSourceRecord {
    const source = settings.dataSources.find((candidate) => candidate.id === id);
    if (!source) throw new MailtrailError('not_found', `there is no data source ${JSON.stringify(id)}; pick one of the saved sources`);
    return source;
  }

  function encrypt(password: string): string {
    if (!canEncrypt(safeStorage)) {
      throw new MailtrailError(
        'unavailable',
        'cannot store the password: this system offers no secure storage for it (on Linux, run a keyring such as GNOME Keyring or KWallet); Mailtrail never stores passwords in plain text',
      );
    }
    return safeStorage.encryptString(password).toString('base64');
  }

  function newId(name: string): string {
    const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'source';
    let id = base;
    for (let n = 2; id === EMBEDDED_DEMO_ID || settings.dataSources.some((source) => source.id === id); n += 1) id = `${base}-${n}`;
    return id;
  }

  /** `saved.url` with its decrypted password put back; `what` names it when the password cannot be decrypted. */
  function withSavedPassword(saved: { url: string; encryptedPassword: string | null }, what: string): string {
    const url = new URL(saved.url);
    if (saved.encryptedPassword !== null) {
      let password: string;
      try {
        password = safeStorage.decryptString(Buffer.from(saved.encryptedPassword, 'base64'));
      } catch {
        throw new MailtrailError('unavailable', `the saved password of ${what} (${redactUrl(saved.url)}) cannot be decrypted on this system; enter it again`);
      }
      url.password = encodeURIComponent(password);
    }
    return url.toString();
  }

  /** A URL split into the URL without password and the password (given beside it, else in it). */
  function splitPassword(input: { url: string; password?: string | null | undefined }): { url: string; password: string | null } {
    checkConnectionString(input.url);
    const url = new URL(input.url);
    const passwordInUrl = url.password ? safeDecode(url.password) : null;
    url.password = '';
    return { url: url.toString(), password: input.password || passwordInUrl };
  }

  function liveSource(): ActiveSource {
    if (settings.activeDataSourceId === EMBEDDED_DEMO_ID) return { kind: 'embedded' };
    const source = find(settings.activeDataSourceId);
    return { kind: 'postgres', id: source.id, name: source.name, url: withSavedPassword(source, `data source "${source.name}"`) };
  }

  const adminView = (record: AdminConnectionRecord): AdminConnectionView => ({ url: record.url, hasPassword: record.encryptedPassword !== null });

  return {
    file,
    recoveredFrom,
    dataSources: () => settings.dataSources.map(view),

    saveDataSource(input) {
      const { url, password } = splitPassword(input);
      const existing = input.id ? settings.dataSources.find((source) => source.id === input.id) : undefined;
      const record = DataSourceRecord.safeParse({
        id: input.id ?? newId(input.name),
        name: input.name,
        kind: 'postgres',
        url,
        // A source saved again without a password keeps the one it had.
        encryptedPassword: password ? encrypt(password) : (existing?.encryptedPassword ?? null),
      });
      if (!record.success) throw new MailtrailError('bad_request', `data source ${describeIssues(record.error)}`);
      if (record.data.id === EMBEDDED_DEMO_ID) throw new MailtrailError('bad_request', `data source id: ${EMBEDDED_DEMO_ID} is reserved for the embedded demo`);
      const others = settings.dataSources.filter((source) => source.id !== record.data.id);
      save({ ...settings, dataSources: [...others, record.data] });
      return view(record.data);
    },

    removeDataSource(id) {
      find(id);
      save({
        ...settings,
        activeDataSourceId: settings.activeDataSourceId === id ? EMBEDDED_DEMO_ID : settings.activeDataSourceId,
        dataSources: settings.dataSources.filter((source) => source.id !== id),
      });
    },

    setActive(id) {
      if (id !== EMBEDDED_DEMO_ID) find(id);
      save({ ...settings, activeDataSourceId: id });
    },

    openCache(file) {
      const next = SettingsFile.safeParse({ ...settings, activeCacheFile: file });
      if (!next.success) throw new MailtrailError('bad_request', `offline cache ${describeIssues(next.error)}`);
      save(next.data);
    },

    closeCache() {
      if (settings.activeCacheFile) save({ ...settings, activeCacheFile: null });
    },

    activeSource(warn = () => undefined) {
      const file = settings.activeCacheFile;
      if (file) {
        if (existsSync(file)) return { kind: 'cache', file };
        warn(`the offline cache ${file} is no longer there; reading the live database instead (File > Open offline cache… to pick another)`);
      }
      return liveSource();
    },

    liveSource,

    adminConnection: () => (settings.adminConnection ? adminView(settings.adminConnection) : null),

    saveAdminConnection(input) {
      const { url, password } = splitPassword(input);
      const existing = settings.adminConnection;
      const record = AdminConnectionRecord.safeParse({
        url,
        // Saved again without a password, the same connection keeps the one it had.
        encryptedPassword: password ? encrypt(password) : existing?.url === url ? existing.encryptedPassword : null,
      });
      if (!record.success) throw new MailtrailError('bad_request', `admin connection ${describeIssues(record.error)}`);
      save({ ...settings, adminConnection: record.data });
      return adminView(record.data);
    },

    removeAdminConnection() {
      if (settings.adminConnection) save({ ...settings, adminConnection: null });
    },

    adminUrl: () => (settings.adminConnection ? withSavedPassword(settings.adminConnection, 'the admin connection') : null),

    workflowEngineEnabled: () => settings.workflowEngine !== false,

    setWorkflowEngineEnabled(enabled) {
      if (typeof enabled !== 'boolean') throw new MailtrailError('bad_request', `workflowEngine must be true or false, got ${JSON.stringify(enabled)}`);
      if ((settings.workflowEngine !== false) !== enabled) save({ ...settings, workflowEngine: enabled });
    },

    adminUrlFor(input) {
      const { url, password } = splitPassword(input);
      if (password) {
        const withPassword = new URL(url);
        withPassword.password = encodeURIComponent(password);
        return withPassword.toString();
      }
      const saved = settings.adminConnection;
      return saved?.url === url ? withSavedPassword(saved, 'the admin connection') : url;
    },
  };
}
