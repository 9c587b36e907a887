import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailtrailError } from '../contract/errors';
import { migrationsDir } from '../paths';
import type { PoolClient } from 'pg';
import { toMailtrailError, type WritableDb } from './connection';
import { WORKFLOW_QUEUE_MISSING_SQL, workflowQueueMigrationSql } from '../workflows/queue';
import { ARCHIVE_ROLLUPS_MIGRATION_SQL, ROLLUP_KEYS_MIGRATION_SQL } from './rollup-keys.migration';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
  /** Applied again whenever its checksum changes (a migration generated from a definition in code). */
  repeatable?: boolean;
  /** A query answering `missing`: a repeatable migration is applied again while it says true (a part skipped for want of a right). */
  reapplyWhen?: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
  /** Statements of no-transaction migrations left out because an extension they require is missing. */
  skipped: string[];
}

const MIGRATION_FILE = /^\d{4}_[a-z0-9_]+\.sql$/;
// Any constant works; it keeps two migrators from applying the same file at once.
const MIGRATION_LOCK = 7_411_902;

const checksum = (sql: string) => createHash('sha256').update(sql).digest('hex');

/**
 * Migrations whose SQL is rendered from a definition in code, so SQL and TypeScript cannot drift.
 * Kept in code rather than as a placeholder in a .sql file: the runner needs no knowledge of any
 * one migration, and the bundled CLI, the embedded default and the tests all get them by import.
 * They are repeatable: a changed definition changes the checksum, and the migration runs again.
 */
const CODE_MIGRATIONS: Omit<Migration, 'checksum'>[] = [
  { name: '0006_rollup_keys', sql: ROLLUP_KEYS_MIGRATION_SQL, repeatable: true },
  { name: '0009_archive_rollups', sql: ARCHIVE_ROLLUPS_MIGRATION_SQL, repeatable: true },
  // pg-boss's schema and the engine's queues, as pg-boss itself defines them (src-main/workflows/queue.ts).
  { name: '0015_workflow_queue', sql: workflowQueueMigrationSql(), repeatable: true, reapplyWhen: WORKFLOW_QUEUE_MISSING_SQL },
];

export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  const files = readdirSync(dir)
    .filter((file) => MIGRATION_FILE.test(file))
    .map((name) => ({ name, sql: readFileSync(join(dir, name), 'utf8') }));
  return [...files, ...CODE_MIGRATIONS]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((migration) => ({ ...migration, checksum: checksum(migration.sql) }));
}

/**
 * A migration whose first line is this marker runs outside a transaction, one statement at a time
 * (statements end with `;` and a blank line), so it may `CREATE INDEX CONCURRENTLY` on a live hub
 * without blocking its writers. It is recorded only once every statement ran, so an interrupted
 * one simply runs again from its first statement: each statement must be idempotent (IF NOT EXISTS),
 * and before each `CREATE INDEX CONCURRENTLY IF NOT EXISTS name` the runner drops `name` when an
 * interrupted build left it INVALID (`DROP INDEX CONCURRENTLY`), so it is built again, whole.
 * A statement after a line `-- mailtrail: requires <extension>` is skipped (and reported) when
 * that extension is not installed: a hub without it keeps working without what it serves.
 */
export const NO_TRANSACTION_MARKER = '-- mailtrail: no-transaction';
const REQUIRES = /^--\s*mailtrail:\s*requires\s+([a-z0-9_]+)\s*$/m;
const CONCURRENT_INDEX = /CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+([a-z_][a-z0-9_]*)/i;

export const runsOutsideTransaction = (migration: Migration): boolean => migration.sql.trimStart().startsWith(NO_TRANSACTION_MARKER);

/** The statements of a no-transaction migration: separated by a line ending in `;` and a blank line. */
export const migrationStatements = (sqlText: string): string[] =>
  sqlText
    .split(/;[ \t]*\r?\n[ \t]*\r?\n/)
    .map((statement) => statement.trim().replace(/;$/, ''))
    .filter((statement) => statement.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--')));

async function applyOutsideTransaction(client: PoolClient, migration: Migration, report: MigrationReport): Promise<void> {
  for (const statement of migrationStatements(migration.sql)) {
    const extension = REQUIRES.exec(statement)?.[1];
    if (extension) {
      const installed = await client.query('SELECT 1 FROM pg_extension WHERE extname = $1', [extension]);
      if (installed.rowCount === 0) {
        report.skipped.push(`${migration.name}: ${statement.split('\n').find((line) => !line.trim().startsWith('--'))?.trim() ?? statement} (needs ${extension})`);
        continue;
      }
    }
    const index = CONCURRENT_INDEX.exec(statement)?.[1];
    if (index) {
      // An interrupted CONCURRENTLY build leaves an INVALID index that IF NOT EXISTS would keep.
      const invalid = await client.query(
        `SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND NOT i.indisvalid`,
        [index],
      );
      if ((invalid.rowCount ?? 0) > 0) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`);
    }
    await client.query(statement);
  }
}

/**
 * Applies the migrations not yet recorded, in order, each in its own transaction (or, marked so,
 * statement by statement: see NO_TRANSACTION_MARKER), and records each with its checksum. A
 * recorded migration whose file changed since is refused; a repeatable one is applied again.
 */
export async function migrate(db: WritableDb, migrations: Migration[] = loadMigrations()): Promise<MigrationReport> {
  let client;
  try {
    client = await db.connect();
  } catch (error) {
    throw toMailtrailError(error, (db.options as { connectionString?: string }).connectionString);
  }
  const report: MigrationReport = { applied: [], alreadyApplied: [], skipped: [] };
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS mailtrail_migrations (
        name TEXT PRIMARY KEY,
        checksum TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
      )`);
    for (const migration of migrations) {
      if (runsOutsideTransaction(migration)) {
        await migrateOutsideTransaction(client, migration, report);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        const recorded = await client.query<{ checksum: string }>(
          'SELECT checksum FROM mailtrail_migrations WHERE name = $1',
          [migration.name],
        );
        const previous = recorded.rows[0];
        const reapply = previous !== undefined && migration.reapplyWhen !== undefined && (await client.query<{ missing: boolean }>(migration.reapplyWhen)).rows[0]?.missing === true;
        if (previous && !reapply && !(migration.repeatable && previous.checksum !== migration.checksum)) {
          await client.query('COMMIT');
          checkUnedited(migration, previous.checksum);
          report.alreadyApplied.push(migration.name);
          continue;
        }
        await client.query(migration.sql);
        await client.query(
          `INSERT INTO mailtrail_migrations (name, checksum) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET checksum = EXCLUDED.checksum, applied_at = NOW()`,
          [migration.name, migration.checksum],
        );
        await client.query('COMMIT');
        report.applied.push(migration.name);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (error instanceof MailtrailError) throw error;
        const reason = toMailtrailError(error);
        throw new MailtrailError(reason.code, `migration ${migration.name} failed and was rolled back: ${reason.message}`);
      }
    }
  } finally {
    client.release();
  }
  return report;
}

function checkUnedited(migration: Migration, checksum: string): void {
  if (checksum !== migration.checksum) {
    throw new MailtrailError(
      'bad_request',
      `migration ${migration.name} was edited after it was applied (checksum differs); restore the original file and put the change in a new migration`,
    );
  }
}

/** A no-transaction migration under a session lock; recorded only when all of it ran. */
async function migrateOutsideTransaction(client: PoolClient, migration: Migration, report: MigrationReport): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    const recorded = await client.query<{ checksum: string }>('SELECT checksum FROM mailtrail_migrations WHERE name = $1', [migration.name]);
    const previous = recorded.rows[0];
    if (previous) {
      checkUnedited(migration, previous.checksum);
      report.alreadyApplied.push(migration.name);
      return;
    }
    try {
      await applyOutsideTransaction(client, migration, report);
    } catch (error) {
      if (error instanceof MailtrailError) throw error;
      const reason = toMailtrailError(error);
      throw new MailtrailError(reason.code, `migration ${migration.name} stopped (it runs outside a transaction; run migrate again to resume it): ${reason.message}`);
    }
    await client.query('INSERT INTO mailtrail_migrations (name, checksum) VALUES ($1, $2)', [migration.name, migration.checksum]);
    report.applied.push(migration.name);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
  }
}
