import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { MailtrailService } from '../../src-main/contract/operations';
import { query } from '../../src-main/db/query';
import { sql, type Sql } from '../../src-main/db/sql';
import { fillDemo } from '../../src-main/demo/demo';
import { createEmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { createLogService } from '../../src-main/service/log-service';
import { createRetentionService } from '../../src-main/service/retention-service';
import { createWorkflowsService } from '../../src-main/service/workflows-service';
import { createBackupsService } from '../../src-main/service/backups-service';
import type { LogStore } from '../../src-main/store/log-store';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { liveDailySql, liveDurationSql } from '../../src-main/store/sqlite/analytics.query';
import { openSqliteLogStore } from '../../src-main/store/sqlite/sqlite-log-store';
import { syncCache } from '../../src-main/sync/sync-cache';
import { createTestDatabase, type TestDatabase } from './database';

/** Every LogStore backend; a store test loops over these, PostgreSQL (the source of truth) first. */
export const BACKENDS = ['postgres', 'sqlite'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface Backend {
  name: BackendName;
  store: LogStore;
  service: MailtrailService;
}

export interface StoreFixture {
  database: TestDatabase;
  cacheFile: string;
  backends: Record<BackendName, Backend>;
  /** Ids of the hand-written rows, for tests that aim at them. */
  special: { emailId: number; orphanEmailId: number; userId: number; namelessUserId: number };
  close(): Promise<void>;
}

/** A temporary directory for cache files, removed by the returned function. */
export function temporaryDirectory(prefix = 'mailtrail-cache-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Demo activity plus hand-written rows that probe the edges (Danish letters, wildcards, NULL
 * created_at, metadata of every JSON type, a nameless user, an email without a message), then
 * the same data synced into a cache: one PostgreSQL store and one SQLite store over it.
 */
export async function createStoreFixture({
  emails = 150,
  archive = false,
  moreRows,
}: { emails?: number; archive?: boolean; moreRows?: (database: TestDatabase) => Promise<void> } = {}): Promise<StoreFixture> {
  const database = await createTestDatabase();
  const { dir, remove } = temporaryDirectory();
  await fillDemo(database.writable, { emails, seed: 7 });
  const special = await writeSpecialRows(database);
  // A test's own rows, in the log before the cache is synced from it.
  if (moreRows) await moreRows(database);
  if (archive) await archiveSomeEvents(database, special);
  const cacheFile = join(dir, 'audit.mailtrail');
  await syncCache({ sourceUrl: database.url, cacheFile });
  const postgres = createPostgresLogStore(database.readable, { kind: 'postgres', label: 'test' });
  const sqlite = openSqliteLogStore(cacheFile);
  return {
    database,
    cacheFile,
    special,
    backends: {
      postgres: {
        name: 'postgres',
        store: postgres,
        // As `serve` without --admin: retention, workflows and backups read, their writes are refused.
        service: createLogService(postgres, {
          db: null,
          actor: 'test',
          journalDb: database.readable,
          retention: createRetentionService({ viewer: database.readable, admin: null, actor: () => 'test' }),
          workflows: createWorkflowsService({ viewer: database.readable, admin: null, actor: () => 'test' }),
          backups: createBackupsService({ viewer: database.readable, admin: null, actor: () => 'test' }),
        }),
      },
      sqlite: { name: 'sqlite', store: sqlite, service: createLogService(sqlite) },
    },
    async close() {
      await sqlite.close();
      await database.drop();
      remove();
    },
  };
}

async function writeSpecialRows(database: TestDatabase) {
  const db = database.writable;
  const logger = createEmailActivityLogger(db);
  const [message] = await query<{ id: number }>(
    db,
    sql`INSERT INTO email_messages (subject, sender_email, sender_name, received_date)
        VALUES ('Æblegrød og ØL: faktura 100% _rabat_', 'Søren@Blåbær.dk', 'SØREN ÅGÅRD', '2025-06-01 08:00:00') RETURNING id`,
  );
  const emailId = message!.id;
  const [user] = await query<{ id: number }>(db, sql`INSERT INTO users (username, full_name) VALUES ('søren', 'Søren Ågård') RETURNING id`);
  const [nameless] = await query<{ id: number }>(db, sql`INSERT INTO users (username, full_name) VALUES ('ÆBLE', NULL) RETURNING id`);
  const userId = user!.id;
  await logger.logFetched(emailId, 'imap', 'msg-æøå-1');
  await logger.log(emailId, 'note', 'user', 'Kommentar: ÆBLEGRØD er klar, 100% færdig_nu', { note: 'Blåbær', 'invoice.number': 'INV-1' }, { userId });
  await logger.log(emailId, 'note', 'user', 'plain 100 percent and underscore-free', { amount: 1.5, flag: true }, { userId: nameless!.id });
  await logger.logError(emailId, 'pdf_æøå', 'Kunne ikke læse PDF', { file: 'faktura.pdf', size: 0 });
  await logger.logWorkflowExecuted(emailId, 1, 'Ærgerlig flow', 'failed', 1, 0);
  await logger.logWorkflowExecuted(emailId, 1, 'Ærgerlig flow', 'completed', 3, 1_048_575);
  const orphanEmailId = 2_000_000_000;
  await query(
    db,
    sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, user_id, created_at, created_by) VALUES
      (${emailId}, 'note', 'system', 'no time recorded', '{"nested": {"b": [1, 2], "a": 1.50}, "n": 1.50}'::jsonb, NULL, NULL, 'import'),
      (${emailId}, 'note', 'system', 'no time either', '[1, 2]'::jsonb, NULL, NULL, NULL),
      (${orphanEmailId}, 'error', 'system', 'email row gone', '{"error_type": 42}'::jsonb, 999999, '2025-03-02 00:00:00', 'system'),
      (${orphanEmailId}, 'workflow_executed', 'workflow', 'odd metadata', '{"workflow_name": null, "status": true, "execution_time_ms": " 17 "}'::jsonb, NULL, '2025-03-02 23:59:59.999999', 'system'),
      (${orphanEmailId}, 'error', 'system', 'same moment', NULL, NULL, '2025-03-02 12:00:00', 'system'),
      (${orphanEmailId}, 'error', 'system', 'same moment twin', '"scalar"'::jsonb, NULL, '2025-03-02 12:00:00', 'system')`,
  );
  return { emailId, orphanEmailId, userId, namelessUserId: nameless!.id };
}

/** An email with no message row, all of whose events the fixture archives. */
export const ARCHIVED_ORPHAN_EMAIL_ID = 2_000_000_001;

/**
 * Moves the matching events from the log to its archive with the statement shape of a retention
 * run's batch (src-main/retention/run.ts), so each is in exactly one table; returns how many moved.
 */
export async function archiveEvents(database: TestDatabase, where: Sql): Promise<number> {
  const [row] = await query<{ moved: number }>(
    database.writable,
    sql`WITH moved AS (DELETE FROM email_activity_log WHERE ${where} RETURNING *),
             inserted AS (INSERT INTO email_activity_log_archive SELECT * FROM moved RETURNING 1)
        SELECT count(*)::int AS moved FROM inserted`,
  );
  return row!.moved;
}

/**
 * Archived events for the stores to agree on (issue 13, item 5): every other event of emails 1 and
 * 2 (page boundaries fall between log and archive), all of email 3's (an email found only in the
 * archive), an undated one and one of a same-moment pair (ties across the tables).
 */
async function archiveSomeEvents(database: TestDatabase, special: { emailId: number; orphanEmailId: number }): Promise<void> {
  // An email without a message row whose whole trail is archived: found only through the archive.
  await query(
    database.writable,
    sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at, created_by) VALUES
      (${ARCHIVED_ORPHAN_EMAIL_ID}, 'fetched', 'system', 'archived whole', '2025-01-05 09:00:00', 'system'),
      (${ARCHIVED_ORPHAN_EMAIL_ID}, 'error', 'system', 'archived error', '2025-01-05 09:00:01', 'system')`,
  );
  await archiveEvents(
    database,
    sql`email_id = ${ARCHIVED_ORPHAN_EMAIL_ID} OR (email_id IN (1, 2) AND id % 2 = 0) OR email_id = 3
        OR (email_id = ${special.emailId} AND description IN ('no time either', 'Kunne ikke læse PDF'))
        OR (email_id = ${special.orphanEmailId} AND description = 'same moment twin')`,
  );
}

export interface CacheSnapshot {
  /** cache_info's row count. */
  rowCount: number;
  /** Rows actually in the log table. */
  rows: number;
  integrity: string;
  state: string;
}

/** Reads a cache the way an auditor's tools would, read-only, even one a killed sync left behind. */
export function inspectCache(file: string): CacheSnapshot {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check).join('; ');
    const info = new Map((db.prepare('SELECT key, value FROM cache_info').all() as { key: string; value: string }[]).map((row) => [row.key, row.value]));
    const { rows } = db.prepare('SELECT count(*) AS rows FROM email_activity_log').get() as { rows: number };
    return { rowCount: Number(info.get('row_count') ?? 0), rows, integrity, state: info.get('state') ?? '' };
  } finally {
    db.close();
  }
}

/** Every event of the source, as (id, created_at, description, metadata text), sorted by id. */
async function sourceEvents(database: TestDatabase, table = sql`email_activity_log`): Promise<string[]> {
  const rows = await query<{ line: string }>(
    database.readable,
    sql`SELECT concat_ws('|', id, email_id, event_type, event_category, description, metadata::text, user_id, replace(created_at::text, ' ', 'T'), created_by) AS line
        FROM ${table} ORDER BY id`,
  );
  return rows.map((row) => row.line);
}

function cacheEvents(file: string, table = 'email_activity_log'): string[] {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        `SELECT concat_ws('|', id, email_id, event_type, event_category, description, metadata, user_id, created_at, created_by) AS line
         FROM ${table} ORDER BY id`,
      )
      .pluck()
      .all() as string[];
  } finally {
    db.close();
  }
}

/** The cache holds exactly the source's events, and its rollups give the same analytics. */
export async function expectCacheEqualsSource(database: TestDatabase, file: string): Promise<void> {
  const [source, cache] = [await sourceEvents(database), cacheEvents(file)];
  expect(cache.length).toBe(source.length);
  expect(cache).toEqual(source);
  // The archive too, each event once (issue 13, item 5).
  expect(cacheEvents(file, 'email_activity_log_archive')).toEqual(await sourceEvents(database, sql`email_activity_log_archive`));
  const postgres = createPostgresLogStore(database.readable, { kind: 'postgres', label: 'test' });
  const sqlite = openSqliteLogStore(file);
  try {
    for (const range of [{}, { from: '2025-03-01', to: '2025-09-30T12:00' }]) {
      expect(await sqlite.activityStats(range)).toEqual(await postgres.activityStats(range));
      const strip = ({ rollup: _rollup, ...rest }: { rollup: boolean }) => rest;
      expect(strip(await sqlite.errorAnalysis(range))).toEqual(strip(await postgres.errorAnalysis(range)));
      expect(strip(await sqlite.workflowSuccess(range))).toEqual(strip(await postgres.workflowSuccess(range)));
    }
  } finally {
    await sqlite.close();
  }
  expectRollupsCountRows(file);
}

/** The cache's rollups count exactly its rows, day by day and key by key. */
function expectRollupsCountRows(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const counts = (table: string, keys: string) => db.prepare(`SELECT ${keys}, count FROM ${table} ORDER BY ${keys}`).raw().all();
    const daily = 'day, event_type, event_category, error_type, workflow_name, status';
    expect(counts('email_activity_daily_rollup', daily)).toEqual(counts(`(${liveDailySql([])})`, daily));
    const durations = 'day, workflow_name, bucket';
    expect(counts('email_workflow_duration_rollup', durations)).toEqual(counts(`(${liveDurationSql([])})`, durations));
    const archive = 'email_activity_log_archive';
    expect(counts('email_activity_archive_daily_rollup', daily)).toEqual(counts(`(${liveDailySql([], archive)})`, daily));
    expect(counts('email_workflow_archive_duration_rollup', durations)).toEqual(counts(`(${liveDurationSql([], archive)})`, durations));
  } finally {
    db.close();
  }
}
