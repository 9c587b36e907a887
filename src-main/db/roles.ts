import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { MailtrailError } from '../contract/errors';
import { ADMIN_LOCK_TIMEOUT_MS, ADMIN_STATEMENT_TIMEOUT_MS, DEFAULT_LOCK_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS } from './connection';

/** The role the viewer logs in as (issue 13): SELECT only, read-only by default, bounded; never the owner. */
export const VIEWER_ROLE = 'mailtrail_viewer';
/** The role admin work logs in as: exactly what retention, holds and the journal write; not the owner. */
export const ADMIN_ROLE = 'mailtrail_admin';
export const VIEWER_PASSWORD_VARIABLE = 'MAILTRAIL_VIEWER_PASSWORD';
export const ADMIN_PASSWORD_VARIABLE = 'MAILTRAIL_ADMIN_PASSWORD';

type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

/** What the viewer reads: the seed's tables and view, the rollups, the archive, the journal, retention's tables. */
const VIEWER_TABLES = [
  'email_activity_log',
  'email_activity_log_archive',
  'email_timeline',
  'users',
  'email_messages',
  'email_workflows',
  'email_workflow_executions',
  'email_workflow_actions',
  'email_activity_daily_rollup',
  'email_activity_hourly_rollup',
  'email_workflow_duration_rollup',
  'email_workflow_duration_hourly_rollup',
  'email_activity_archive_daily_rollup',
  'email_activity_archive_hourly_rollup',
  'email_workflow_archive_duration_rollup',
  'email_workflow_archive_duration_hourly_rollup',
  'mailtrail_admin_journal',
  'mailtrail_retention_policy',
  'mailtrail_legal_holds',
  'mailtrail_retention_runs',
  'mailtrail_retention_detached',
  'mailtrail_integrity_entries',
  'mailtrail_integrity_checkpoints',
  'mailtrail_integrity_keys',
  'mailtrail_integrity_purged',
  // 0015: the workflow engine's steps, its watcher and what its actions write.
  'email_workflow_execution_steps',
  'mailtrail_workflow_watcher',
  'email_entities',
  'email_entity_links',
  'email_tickets',
  'email_invoices',
  // 0016: backup jobs, their history and notifications.
  'mailtrail_backup_jobs',
  'mailtrail_backup_history',
  'mailtrail_backup_notifications',
] as const;

/**
 * The one definition of the admin role's rights, table by table. Archiving deletes log rows (never
 * updates them) and inserts them into the archive; purging deletes from either. The rollup
 * triggers (0003/0004/0006, the archive's 0009) run as the role whose DELETE or INSERT fires them, so it writes the rollups too.
 * A hold checks email_messages for the email. Advisory locks need no right.
 */
const ADMIN_TABLES: Record<string, readonly TablePrivilege[]> = {
  // INSERT: the workflow engine logs its steps' events (0015).
  email_activity_log: ['SELECT', 'INSERT', 'DELETE'],
  email_activity_log_archive: ['SELECT', 'INSERT', 'DELETE'],
  email_messages: ['SELECT'],
  email_activity_daily_rollup: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  email_activity_hourly_rollup: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  email_workflow_duration_rollup: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  email_workflow_duration_hourly_rollup: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  // 0009: the archive's rollups, written by its triggers when a run moves or purges events.
  email_activity_archive_daily_rollup: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  email_activity_archive_hourly_rollup: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  email_workflow_archive_duration_rollup: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  email_workflow_archive_duration_hourly_rollup: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  mailtrail_admin_journal: ['SELECT', 'INSERT', 'UPDATE'],
  mailtrail_retention_policy: ['SELECT', 'INSERT', 'UPDATE'],
  mailtrail_legal_holds: ['SELECT', 'INSERT', 'UPDATE'],
  mailtrail_retention_runs: ['SELECT', 'INSERT', 'UPDATE'],
  // 0011: the partition path's record of a month between its detach and its drop.
  mailtrail_retention_detached: ['SELECT', 'INSERT', 'DELETE'],
  // 0013: sealing appends entries, checkpoints and its key, and never changes one; a purge records its seam.
  mailtrail_integrity_entries: ['SELECT', 'INSERT'],
  mailtrail_integrity_checkpoints: ['SELECT', 'INSERT'],
  mailtrail_integrity_keys: ['SELECT', 'INSERT'],
  mailtrail_integrity_purged: ['SELECT', 'INSERT'],
  // 0015: the workflow engine (`mailtrail worker`) runs workflows; the CRUD API (issue 16, item 4) edits
  // them through the admin connection, journaled. set_status's UPDATE of email_messages is the column grant below.
  email_workflows: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'],
  email_workflow_actions: ['SELECT'],
  email_workflow_executions: ['SELECT', 'INSERT', 'UPDATE'],
  email_workflow_execution_steps: ['SELECT', 'INSERT', 'UPDATE'],
  mailtrail_workflow_watcher: ['SELECT', 'UPDATE'],
  email_entities: ['SELECT', 'INSERT'],
  email_entity_links: ['SELECT', 'INSERT'],
  email_tickets: ['SELECT', 'INSERT'],
  email_invoices: ['SELECT', 'INSERT', 'UPDATE'],
  // Backups (issue 17): `backup run` reads every table it copies through the admin connection, and the
  // newest migration for its manifest; a restore runs as the owner (it migrates).
  users: ['SELECT'],
  mailtrail_migrations: ['SELECT'],
  // 0016: jobs are soft-deleted (their history refers to them); history and notifications are appended and updated.
  mailtrail_backup_jobs: ['SELECT', 'INSERT', 'UPDATE'],
  mailtrail_backup_history: ['SELECT', 'INSERT', 'UPDATE'],
  mailtrail_backup_notifications: ['SELECT', 'INSERT', 'UPDATE'],
};
/** Columns the admin role may UPDATE in a table it otherwise only reads: set_status writes the status alone. */
const ADMIN_COLUMN_UPDATES: Record<string, readonly string[]> = { email_messages: ['status'] };
/** pg-boss's schema (0015_workflow_queue): the worker fetches, completes, fails and archives jobs, row by row. */
const QUEUE_SCHEMA_NAME = 'pgboss';
/** Tables whose serial id the admin role draws when it inserts. */
const ADMIN_SEQUENCES_OF = [
  'mailtrail_legal_holds',
  'mailtrail_retention_runs',
  'email_activity_log',
  'email_workflow_executions',
  'email_workflows',
  'email_entities',
  'email_entity_links',
  'email_tickets',
  'email_invoices',
  'mailtrail_backup_jobs',
  'mailtrail_backup_history',
  'mailtrail_backup_notifications',
] as const;
/** Functions that run as the owner: 0010, a retention batch's candidates, locked; 0013, the oldest open transaction's start. */
const ADMIN_FUNCTIONS = [
  'mailtrail_retention_candidates(BOOLEAN, TIMESTAMP, TIMESTAMP, INTEGER, BIGINT, INTEGER)',
  'mailtrail_integrity_horizon()',
] as const;

/** Settings each role starts every session with: a floor the pools' own settings tighten. */
const ROLE_SETTINGS: Record<string, Record<string, string>> = {
  [VIEWER_ROLE]: {
    default_transaction_read_only: 'on',
    statement_timeout: `${DEFAULT_STATEMENT_TIMEOUT_MS}ms`,
    lock_timeout: `${DEFAULT_LOCK_TIMEOUT_MS}ms`,
  },
  [ADMIN_ROLE]: {
    statement_timeout: `${ADMIN_STATEMENT_TIMEOUT_MS}ms`,
    lock_timeout: `${ADMIN_LOCK_TIMEOUT_MS}ms`,
    idle_in_transaction_session_timeout: '60s',
  },
};

// Any constant works; it keeps two `roles` runs (two embedded starts) from creating a role at once.
const ROLES_LOCK = 7_411_914;

export const generatePassword = (): string => randomBytes(24).toString('base64url');

/**
 * A SCRAM-SHA-256 verifier of the password (RFC 5803, as PostgreSQL stores it): ALTER ROLE is sent
 * with this, so the password itself never reaches the server's statement log.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

export interface RolesOptions {
  /** A password to set; undefined keeps an existing role's password (a new role gets a generated one). */
  viewer?: string | undefined;
  admin?: string | undefined;
  /**
   * The viewer reads every table of the schema: for a database that is Mailtrail's alone (the
   * embedded default), where a later migration's table may exist before this first runs.
   */
  viewerReadsEveryTable?: boolean;
}

export interface RoleOutcome {
  role: string;
  created: boolean;
  /** The password set now, to be shown once; null when the role kept the one it had. */
  password: string | null;
}

export interface RolesOutcome {
  database: string;
  viewer: RoleOutcome;
  admin: RoleOutcome;
}

/** Why this connection cannot make the roles, in one line; null when it can. */
async function missingRight(client: pg.ClientBase): Promise<MailtrailError | null> {
  const { rows } = await client.query<{ user: string; may_create: boolean; migrated: boolean; owns: boolean; foreign: string | null }>(
    `SELECT current_user AS user,
            (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) AS may_create,
            to_regclass('email_activity_log') IS NOT NULL AS migrated,
            COALESCE((SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass('email_activity_log')), false) AS owns,
            (SELECT string_agg(rolname, ' and ' ORDER BY rolname) FROM pg_roles
             WHERE rolname = ANY ($1) AND NOT pg_has_role(current_user, oid, 'MEMBER WITH ADMIN OPTION')) AS foreign`,
    [[VIEWER_ROLE, ADMIN_ROLE]],
  );
  const row = rows[0];
  if (!row?.migrated) return new MailtrailError('unavailable', 'the database has no Mailtrail schema; run `mailtrail migrate --db URL` first');
  if (row.may_create && row.owns && row.foreign) {
    return new MailtrailError('unauthorized', `\`mailtrail roles\` may not change ${row.foreign}, which another role created: run it as a superuser or as that role (a role with CREATEROLE changes only the roles it administers)`);
  }
  if (!row.may_create || !row.owns) {
    return new MailtrailError('unauthorized', `\`mailtrail roles\` needs a role that may CREATE ROLE (CREATEROLE or superuser) and owns Mailtrail's tables (the one that ran \`mailtrail migrate\`); ${row.user} ${row.may_create ? 'does not own email_activity_log' : 'may not CREATE ROLE'}`);
  }
  return null;
}

/** Each role's attributes: it logs in and holds only what is granted to it by name (NOINHERIT), nothing more. */
const ATTRIBUTES = {
  rolcanlogin: ['LOGIN', true],
  rolsuper: ['SUPERUSER', false],
  rolcreatedb: ['CREATEDB', false],
  rolcreaterole: ['CREATEROLE', false],
  rolreplication: ['REPLICATION', false],
  rolbypassrls: ['BYPASSRLS', false],
  rolinherit: ['INHERIT', false],
} as const;

async function ensureRole(client: pg.ClientBase, role: string, password: string | undefined): Promise<RoleOutcome> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  const created = rowCount === 0;
  if (created) await client.query(`CREATE ROLE ${role} LOGIN`);
  const chosen = password ?? (created ? generatePassword() : undefined);
  // Only what differs: a CREATEROLE role that is not superuser may not name SUPERUSER, REPLICATION or BYPASSRLS at all.
  const { rows } = await client.query<Record<keyof typeof ATTRIBUTES, boolean>>(`SELECT ${Object.keys(ATTRIBUTES).join(', ')} FROM pg_roles WHERE rolname = $1`, [role]);
  const changes = Object.entries(ATTRIBUTES)
    .filter(([column, [, wanted]]) => rows[0]?.[column as keyof typeof ATTRIBUTES] !== wanted)
    .map(([, [keyword, wanted]]) => `${wanted ? '' : 'NO'}${keyword}`);
  if (changes.length > 0) await client.query(`ALTER ROLE ${role} WITH ${changes.join(' ')}`);
  // A role's password cannot be a parameter; a SCRAM verifier made here, quoted all the same.
  if (chosen !== undefined) await client.query(`ALTER ROLE ${role} WITH PASSWORD ${client.escapeLiteral(scramVerifier(chosen))}`);
  for (const [name, value] of Object.entries(ROLE_SETTINGS[role] ?? {})) {
    await client.query(`ALTER ROLE ${role} SET ${name} = ${client.escapeLiteral(value)}`);
  }
  return { role, created, password: chosen ?? null };
}

/** Objects of the list that this database has (a hub may lack the seed's workflow tables). */
async function present(client: pg.ClientBase, names: readonly string[]): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    'SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL',
    [names],
  );
  return rows.map((row) => row.name);
}

/**
 * Creates or updates the viewer and admin roles and their grants on this database, in one
 * transaction: every right the admin role had on the schema, and every write right the viewer had,
 * is revoked and granted again from the definitions above, so a rerun changes nothing and a role
 * made by an older Mailtrail gets exactly today's rights. Runs on the owner's connection
 * (`mailtrail roles`, the embedded default's start).
 */
export async function ensureRoles(client: pg.ClientBase, options: RolesOptions = {}): Promise<RolesOutcome> {
  const refused = await missingRight(client);
  if (refused) throw refused;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ROLES_LOCK]);
    const viewer = await ensureRole(client, VIEWER_ROLE, options.viewer);
    const admin = await ensureRole(client, ADMIN_ROLE, options.admin);
    const { rows } = await client.query<{ database: string; schema: string }>('SELECT current_database() AS database, current_schema() AS schema');
    const { database, schema } = rows[0] as { database: string; schema: string };
    const db = client.escapeIdentifier(database);
    const ns = client.escapeIdentifier(schema);
    // The viewer keeps the SELECTs it was given (by default privileges, for later migrations' tables); only writes go.
    await client.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA ${ns} FROM ${VIEWER_ROLE}`);
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${ns} FROM ${ADMIN_ROLE}`);
    for (const role of [VIEWER_ROLE, ADMIN_ROLE]) {
      await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${ns} FROM ${role}`);
      await client.query(`REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${ns} FROM ${role}`);
      // Granted only where missing: PUBLIC usually has both, and the tables' owner may not own the database or schema.
      const { rows: has } = await client.query<{ connect: boolean; usage: boolean }>(
        `SELECT has_database_privilege($1, current_database(), 'CONNECT') AS connect, has_schema_privilege($1, current_schema(), 'USAGE') AS usage`,
        [role],
      );
      if (!has[0]?.connect) await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${role}`);
      if (!has[0]?.usage) await client.query(`GRANT USAGE ON SCHEMA ${ns} TO ${role}`);
    }
    if (options.viewerReadsEveryTable) {
      await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${ns} TO ${VIEWER_ROLE}`);
    } else {
      for (const table of await present(client, VIEWER_TABLES)) {
        await client.query(`GRANT SELECT ON ${client.escapeIdentifier(table)} TO ${VIEWER_ROLE}`);
      }
    }
    // Tables of later migrations are readable as soon as they exist.
    await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA ${ns} GRANT SELECT ON TABLES TO ${VIEWER_ROLE}`);
    for (const table of await present(client, Object.keys(ADMIN_TABLES))) {
      await client.query(`GRANT ${ADMIN_TABLES[table]?.join(', ')} ON ${client.escapeIdentifier(table)} TO ${ADMIN_ROLE}`);
    }
    for (const [table, columns] of Object.entries(ADMIN_COLUMN_UPDATES)) {
      if ((await present(client, [table])).length === 0) continue;
      await client.query(`GRANT UPDATE (${columns.map((column) => client.escapeIdentifier(column)).join(', ')}) ON ${client.escapeIdentifier(table)} TO ${ADMIN_ROLE}`);
    }
    const { rows: queue } = await client.query<{ present: boolean }>('SELECT to_regnamespace($1) IS NOT NULL AS present', [QUEUE_SCHEMA_NAME]);
    if (queue[0]?.present) {
      const qs = client.escapeIdentifier(QUEUE_SCHEMA_NAME);
      await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${qs} FROM ${ADMIN_ROLE}`);
      await client.query(`GRANT USAGE ON SCHEMA ${qs} TO ${ADMIN_ROLE}`);
      await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${qs} TO ${ADMIN_ROLE}`);
    }
    const sequences = await client.query<{ sequence: string | null }>(
      'SELECT pg_get_serial_sequence(name, $2) AS sequence FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL',
      [ADMIN_SEQUENCES_OF, 'id'],
    );
    for (const { sequence } of sequences.rows) {
      // pg_get_serial_sequence returns the name quoted as needed.
      if (sequence) await client.query(`GRANT USAGE ON SEQUENCE ${sequence} TO ${ADMIN_ROLE}`);
    }
    for (const fn of ADMIN_FUNCTIONS) {
      const { rows: found } = await client.query<{ found: boolean }>('SELECT to_regprocedure($1) IS NOT NULL AS found', [fn]);
      if (found[0]?.found) await client.query(`GRANT EXECUTE ON FUNCTION ${fn} TO ${ADMIN_ROLE}`);
    }
    await client.query('COMMIT');
    return { database, viewer, admin };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The URL of the same database as `role`; the password left out when null (the role kept its own). */
/**
 * After `migrate`: where the roles exist, brings their grants up to date so the tables a new
 * migration made are read by the viewer and written by the admin role, passwords untouched. Says
 * what it did, or why it could not (then `mailtrail roles` by a role that may).
 */
export async function refreshRoleGrants(client: pg.ClientBase): Promise<{ refreshed: boolean; note: string | null }> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = ANY ($1)', [[VIEWER_ROLE, ADMIN_ROLE]]);
  if (rowCount === 0) return { refreshed: false, note: null };
  const refused = await missingRight(client);
  if (refused) return { refreshed: false, note: `the grants of ${VIEWER_ROLE} and ${ADMIN_ROLE} were not updated: ${refused.message}` };
  await ensureRoles(client);
  return { refreshed: true, note: `updated the grants of ${VIEWER_ROLE} and ${ADMIN_ROLE}` };
}

export function roleUrl(ownerUrl: string, role: string, password: string | null): string {
  const url = new URL(ownerUrl);
  url.username = role;
  url.password = password === null ? '' : encodeURIComponent(password);
  return url.toString();
}
