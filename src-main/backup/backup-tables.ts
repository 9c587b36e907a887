import type pg from 'pg';

/**
 * The tables a backup holds, in restore order (the hub's users and emails first, in case a hub's own
 * foreign keys point at them). The seed's and Mailtrail's tables by name; any other `mailtrail_`
 * table (a later migration's) is found in the schema and added after these. Rollups are not copied:
 * restore counts them again from the log and the archive.
 */
export const BACKUP_TABLES: readonly string[] = [
  'users',
  'email_messages',
  'email_activity_log',
  'email_activity_log_archive',
  'mailtrail_integrity_entries',
  'mailtrail_integrity_checkpoints',
  'mailtrail_integrity_keys',
  'mailtrail_integrity_purged',
  'email_workflows',
  'email_workflow_actions',
  'email_workflow_executions',
  'email_workflow_execution_steps',
  'mailtrail_workflow_watcher',
  'email_tickets',
  'email_entities',
  'email_entity_links',
  'email_invoices',
  'mailtrail_retention_policy',
  'mailtrail_legal_holds',
  'mailtrail_retention_runs',
  'mailtrail_retention_detached',
  'mailtrail_admin_journal',
];

/** Without the log there is nothing to back up. */
export const REQUIRED_TABLE = 'email_activity_log';

/** Rows the migrations themselves write (the workflow catalogue, the default policy, the engine's position): a migrated database holds them and is still empty. */
export const SEEDED_BY_MIGRATIONS: ReadonlySet<string> = new Set(['email_workflows', 'email_workflow_actions', 'mailtrail_retention_policy', 'mailtrail_workflow_watcher']);

/** Never copied: the migrations' own record (restore migrates), and counts rebuilt from the log. */
const isExcluded = (name: string) => name === 'mailtrail_migrations' || /_rollup$/.test(name);

export interface TableShape {
  name: string;
  /** Columns COPY carries, in table order (generated columns are computed again on restore). */
  columns: string[];
  partitioned: boolean;
}

export interface TablePlan {
  tables: TableShape[];
  /** Tables of BACKUP_TABLES this database does not have (a seed-only database has none of Mailtrail's). */
  absent: string[];
}

/** The tables to copy from this database, found in its current schema. */
export async function discoverTables(client: pg.ClientBase): Promise<TablePlan> {
  const { rows } = await client.query<{ name: string; partitioned: boolean; columns: string[] }>(
    `SELECT c.relname AS name, c.relkind = 'p' AS partitioned,
            array_agg(a.attname::text ORDER BY a.attnum) AS columns
     FROM pg_class c
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
     WHERE c.relnamespace = current_schema()::regnamespace
       AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND (c.relname = ANY($1::text[]) OR c.relname LIKE 'mailtrail\\_%')
     GROUP BY c.oid, c.relname, c.relkind`,
    [BACKUP_TABLES],
  );
  const found = new Map(rows.filter((row) => !isExcluded(row.name)).map((row) => [row.name, row]));
  // A month retention detached but has not dropped yet is a table of its own, not a Mailtrail table.
  if (found.has('mailtrail_retention_detached')) {
    const detached = await client.query<{ partition_name: string }>('SELECT partition_name FROM mailtrail_retention_detached');
    for (const row of detached.rows) found.delete(row.partition_name);
  }
  const known = BACKUP_TABLES.filter((name) => found.has(name));
  const others = [...found.keys()].filter((name) => !BACKUP_TABLES.includes(name)).sort();
  return {
    tables: [...known, ...others].map((name) => {
      const row = found.get(name) as { name: string; partitioned: boolean; columns: string[] };
      return { name, columns: row.columns, partitioned: row.partitioned };
    }),
    absent: BACKUP_TABLES.filter((name) => !found.has(name)),
  };
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const quoteIdentifier = quote;
export const columnList = (columns: readonly string[]) => columns.map(quote).join(', ');
