import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MailtrailError } from '../contract/errors';
import { migrationsDir } from '../paths';
import { toMailtrailError, type WritableDb } from './connection';
import { ROLLUP_KEYS_MIGRATION_SQL } from './rollup-keys.migration';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
  /** Applied again whenever its checksum changes (a migration generated from a definition in code). */
  repeatable?: boolean;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
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
 * Applies the migrations not yet recorded, in order, each in its own transaction, and records
 * each with its checksum. A recorded migration whose file changed since is refused; a repeatable
 * one is applied again.
 */
export async function migrate(db: WritableDb, migrations: Migration[] = loadMigrations()): Promise<MigrationReport> {
  let client;
  try {
    client = await db.connect();
  } catch (error) {
    throw toMailtrailError(error, (db.options as { connectionString?: string }).connectionString);
  }
  const report: MigrationReport = { applied: [], alreadyApplied: [] };
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS mailtrail_migrations (
        name TEXT PRIMARY KEY,
        checksum TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
      )`);
    for (const migration of migrations) {
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        const recorded = await client.query<{ checksum: string }>(
          'SELECT checksum FROM mailtrail_migrations WHERE name = $1',
          [migration.name],
        );
        const previous = recorded.rows[0];
        if (previous && !(migration.repeatable && previous.checksum !== migration.checksum)) {
          await client.query('COMMIT');
          if (previous.checksum !== migration.checksum) {
            throw new MailtrailError(
              'bad_request',
              `migration ${migration.name} was edited after it was applied (checksum differs); restore the original file and put the change in a new migration`,
            );
          }
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
