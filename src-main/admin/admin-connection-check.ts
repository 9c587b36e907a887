import type { AdminConnectionTest } from '../contract/admin-connection';
import { MailtrailError } from '../contract/errors';
import { describeTarget, openAdminDb, toMailtrailError } from '../db/connection';

/** The rights Mailtrail's writes need, as `has_table_privilege` checks, in the words the screen shows. */
const NEEDED: readonly { table: string; privilege: string; for: string }[] = [
  { table: 'mailtrail_admin_journal', privilege: 'INSERT, UPDATE', for: 'write the admin journal' },
  { table: 'email_activity_log', privilege: 'DELETE', for: 'archive and purge events' },
  { table: 'email_activity_log_archive', privilege: 'INSERT, DELETE', for: 'archive and purge events' },
  { table: 'mailtrail_legal_holds', privilege: 'INSERT, UPDATE', for: 'place and release legal holds' },
  { table: 'mailtrail_retention_runs', privilege: 'INSERT, UPDATE', for: 'record retention runs' },
];

/**
 * Connects to `url` as an admin connection and says what it may do: a primary (not a replica), a
 * migrated database, and the rights of src-main/db/roles.ts's admin role. Writes nothing.
 */
export async function testAdminConnection(url: string): Promise<AdminConnectionTest> {
  const db = openAdminDb(url, { max: 1 });
  try {
    const { rows } = await db.query<{ user: string; database: string; recovery: boolean; migrated: boolean; rights: boolean[] | null }>(
      `SELECT current_user AS user, current_database() AS database, pg_is_in_recovery() AS recovery,
              to_regclass('mailtrail_retention_runs') IS NOT NULL AS migrated,
              CASE WHEN to_regclass('mailtrail_retention_runs') IS NULL THEN NULL
                   ELSE (SELECT array_agg(has_table_privilege(t.name, t.privilege) ORDER BY t.n)
                         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(name, privilege, n)) END AS rights`,
      [NEEDED.map((need) => need.table), NEEDED.map((need) => need.privilege)],
    );
    const row = rows[0];
    if (!row) throw new Error('the server answered no row');
    const where = `${row.user} on ${describeTarget(url).replace(/^[^@]*@/, '')}`;
    if (row.recovery) return { user: row.user, database: row.database, ready: false, message: `Connected as ${where}, a read-only replica: give the primary instead.` };
    if (!row.migrated) return { user: row.user, database: row.database, ready: false, message: `Connected as ${where}, which has no retention tables: run \`mailtrail migrate\` on it first.` };
    const missing = [...new Set(NEEDED.filter((_need, index) => row.rights?.[index] !== true).map((need) => need.for))];
    if (missing.length > 0) {
      return {
        user: row.user,
        database: row.database,
        ready: false,
        message: `Connected as ${where}, but this role may not ${missing.join(', ')}: use the role that \`mailtrail roles\` makes (mailtrail_admin).`,
      };
    }
    return { user: row.user, database: row.database, ready: true, message: `Connected as ${where}: it may run retention, place holds and write the journal.` };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '28P01' || code === '28000') {
      // toMailtrailError's words are for --db; here the user typed this connection in Settings.
      throw new MailtrailError('unavailable', `PostgreSQL at ${describeTarget(url)} refused the login (${(error as Error).message}); check the admin connection's user and password`);
    }
    throw toMailtrailError(error, url);
  } finally {
    await db.end().catch(() => undefined);
  }
}
