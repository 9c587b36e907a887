import { once } from 'node:events';
import { open, stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { journalActor, journaled, toAdminError, type JournalHandle } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import { describeTarget, toMailtrailError, type AdminDb } from '../db/connection';
import { loadMigrations, migrate } from '../db/migrate';
import { ROLLUP_FULL_RECOUNT } from '../db/rollup-keys.migration';
import { readManifestRecord } from './backup-format';
import { readBackup } from './backup-read';
import type { BackupManifest, BackupProgress } from './backup-run';
import { columnList, discoverTables, quoteIdentifier, SEEDED_BY_MIGRATIONS, type TableShape } from './backup-tables';

export interface RestoreOptions {
  db: AdminDb;
  /** Replace what the database holds; without it a database with rows is refused. */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
  actor?: string;
  /** Journal the restore as backup.restore (default); verify's scratch restore does not. */
  journal?: boolean;
}

export interface RestoreResult {
  tables: { name: string; rows: number }[];
  durationMs: number;
}

/** Reads the manifest from the end of the file (no section read): what restore checks before touching the database. */
export async function readManifest(file: string): Promise<BackupManifest> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new MailtrailError(code === 'ENOENT' ? 'not_found' : 'bad_request', code === 'ENOENT' ? `${file}: no such file` : `cannot read ${file}: ${code ?? (error as Error).message}`);
  }
  try {
    const size = (await stat(file)).size;
    const read = await readManifestRecord(handle, size);
    if (typeof read === 'string') throw new MailtrailError('bad_request', `${file} is ${read}; run \`mailtrail backup verify ${file}\` for details`);
    try {
      return JSON.parse(read.payload.toString('utf8')) as BackupManifest;
    } catch {
      throw new MailtrailError('bad_request', `${file}'s manifest is not readable JSON: the file is damaged`);
    }
  } finally {
    await handle.close();
  }
}

/** Rows a database holds that make it "not empty": any in a Mailtrail or hub table, beyond what migrations seed and earlier restores journaled. */
async function occupiedTables(client: pg.ClientBase, tables: readonly TableShape[]): Promise<string[]> {
  const occupied: string[] = [];
  for (const table of tables) {
    if (SEEDED_BY_MIGRATIONS.has(table.name)) continue;
    const where = table.name === 'mailtrail_admin_journal' ? ` WHERE action <> 'backup.restore'` : '';
    const { rows } = await client.query<{ n: number }>(`SELECT count(*) AS n FROM (SELECT 1 FROM ${quoteIdentifier(table.name)}${where} LIMIT 1000001) rows`);
    const n = Number(rows[0]?.n ?? 0);
    if (n > 0) occupied.push(`${table.name} holds ${n > 1_000_000 ? 'over a million rows' : n === 1 ? '1 row' : `${n.toLocaleString('en-US')} rows`}`);
  }
  return occupied;
}

/** A table's COPY FROM, written at PostgreSQL's pace. */
class TableCopy {
  private readonly stream: Writable & { rowCount?: number };
  private failure: unknown = null;

  constructor(client: pg.PoolClient, table: string, columns: readonly string[]) {
    this.stream = client.query(copyFrom(`COPY ${quoteIdentifier(table)} (${columnList(columns)}) FROM STDIN`));
    this.stream.on('error', (error) => (this.failure ??= error));
  }

  async write(block: Buffer): Promise<void> {
    if (this.failure) throw toAdminError(this.failure);
    if (!this.stream.write(block)) await Promise.race([once(this.stream, 'drain'), once(this.stream, 'error')]);
    if (this.failure) throw toAdminError(this.failure);
  }

  async end(): Promise<number> {
    this.stream.end();
    try {
      await finished(this.stream);
    } catch (error) {
      throw toAdminError(this.failure ?? error);
    }
    return this.stream.rowCount ?? 0;
  }

  /** Ends the COPY with CopyFail, so the connection can roll back. */
  async abort(): Promise<void> {
    this.stream.destroy(new Error('the restore stopped'));
    await finished(this.stream).catch(() => undefined);
  }
}

/** Identity and serial columns continue after the restored rows. */
async function resetSequences(client: pg.PoolClient, table: TableShape): Promise<void> {
  for (const column of table.columns) {
    const { rows } = await client.query<{ sequence: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS sequence', [quoteIdentifier(table.name), column]);
    const sequence = rows[0]?.sequence;
    if (!sequence) continue;
    await client.query(
      `SELECT setval($1, COALESCE((SELECT max(${quoteIdentifier(column)}) FROM ${quoteIdentifier(table.name)}), 0) + 1, false)`,
      [sequence],
    );
  }
}

interface SecondaryIndex {
  name: string;
  definition: string;
}

/**
 * The tables' indexes that back no constraint, dropped for the COPY and built again after it in the
 * same transaction: one bulk build is many times faster than a trigram or jsonb entry per row.
 */
async function dropSecondaryIndexes(client: pg.PoolClient, tables: readonly string[]): Promise<SecondaryIndex[]> {
  const { rows } = await client.query<SecondaryIndex>(
    `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
     WHERE t.relnamespace = current_schema()::regnamespace AND t.relname = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
       AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)`,
    [tables],
  );
  for (const index of rows) await client.query(`DROP INDEX ${index.name}`);
  return rows;
}

/** Rollup triggers off during the COPY (the counts are rebuilt whole after it); left on where this role may not alter the table. */
async function setRollupTriggers(client: pg.PoolClient, tables: readonly string[], enabled: boolean): Promise<boolean> {
  await client.query('SAVEPOINT rollup_triggers');
  try {
    for (const table of tables) await client.query(`ALTER TABLE ${quoteIdentifier(table)} ${enabled ? 'ENABLE' : 'DISABLE'} TRIGGER USER`);
    await client.query('RELEASE SAVEPOINT rollup_triggers');
    return true;
  } catch {
    await client.query('ROLLBACK TO SAVEPOINT rollup_triggers');
    return false;
  }
}

async function restoreInTransaction(
  file: string,
  manifest: BackupManifest,
  client: pg.PoolClient,
  options: RestoreOptions,
  entry: JournalHandle | null,
  state: { copy: TableCopy | null },
): Promise<{ name: string; rows: number }[]> {
  await client.query('BEGIN');
  await client.query('SET LOCAL statement_timeout = 0');
  const target = await discoverTables(client);
  const byName = new Map(target.tables.map((table) => [table.name, table]));
  for (const table of manifest.tables) {
    const there = byName.get(table.name);
    if (!there) throw new MailtrailError('bad_request', `the database has no table ${table.name}, which the backup holds; it was made by a newer Mailtrail (schema ${manifest.schema_version})`);
    const missing = table.columns.filter((column) => !there.columns.includes(column));
    if (missing.length) throw new MailtrailError('bad_request', `the database's ${table.name} has no column ${missing.join(', ')}, which the backup holds; it was made by a newer Mailtrail (schema ${manifest.schema_version})`);
  }
  if (!options.force) {
    const occupied = await occupiedTables(client, target.tables);
    if (occupied.length) {
      throw new MailtrailError('conflict', `the database is not empty: ${occupied.slice(0, 3).join(', ')}${occupied.length > 3 ? ` and ${occupied.length - 3} more tables have rows` : ''}; restore into an empty database, or add --force to replace its contents`);
    }
  }
  // The journal is replaced with the backup's: the entry of this restore is written again after it.
  const journalRow = entry
    ? (await client.query<{ actor: string; action: string; parameters: unknown; at: string }>('SELECT actor, action, parameters, at FROM mailtrail_admin_journal WHERE id = $1', [entry.id])).rows[0]
    : undefined;
  // The backup's tables, and every other one but what the migrations seeded (a backup of a seed-only
  // database has no retention policy: the target keeps its default one). One TRUNCATE for all: a hub's
  // foreign keys between them cannot object to the order.
  const inBackup = new Set(manifest.tables.map((table) => table.name));
  const emptied = target.tables.filter((table) => inBackup.has(table.name) || !SEEDED_BY_MIGRATIONS.has(table.name));
  await client.query(`TRUNCATE ${emptied.map((table) => quoteIdentifier(table.name)).join(', ')}`);
  const logs = (['email_activity_log', 'email_activity_log_archive'] as const).filter((name) => byName.has(name));
  const triggersOff = await setRollupTriggers(client, logs, false);
  await client.query(`SET LOCAL maintenance_work_mem = '256MB'`);
  const indexes = await dropSecondaryIndexes(client, [...inBackup]);

  const restored: { name: string; rows: number }[] = [];
  let copying: TableShape | null = null;
  const problems: string[] = [];
  await readBackup(file, {
    signal: options.signal,
    onProgress: options.onProgress,
    problem: (line) => {
      problems.push(line);
      throw new MailtrailError('bad_request', `${file}: ${line}; nothing was restored`);
    },
    sink: {
      startTable: async (start) => {
        copying = { name: start.name, columns: start.columns, partitioned: false };
        if (!byName.has(start.name)) throw new MailtrailError('bad_request', `the database has no table ${start.name}, which the backup holds`);
        state.copy = new TableCopy(client, start.name, start.columns);
      },
      block: async (raw) => {
        await state.copy?.write(raw);
      },
      endTable: async (end) => {
        const rows = (await state.copy?.end()) ?? 0;
        state.copy = null;
        if (rows !== end.rows) throw new MailtrailError('internal', `table ${end.name}: PostgreSQL took ${rows} rows, the backup holds ${end.rows}; nothing was restored`);
        restored.push({ name: end.name, rows });
        if (copying) await resetSequences(client, byName.get(copying.name) ?? copying);
      },
    },
  });
  if (problems.length) throw new MailtrailError('bad_request', `${file}: ${problems[0]}; nothing was restored`);
  const missing = manifest.tables.filter((table) => !restored.some((done) => done.name === table.name));
  if (missing.length) throw new MailtrailError('bad_request', `${file}: the sections of ${missing.map((table) => table.name).join(', ')} are missing; nothing was restored`);
  for (const index of indexes) await client.query(index.definition);
  if (triggersOff) await setRollupTriggers(client, logs, true);
  for (const log of logs) await client.query(ROLLUP_FULL_RECOUNT[log]);
  if (entry && journalRow) {
    const { rows } = await client.query<{ id: number }>(
      'INSERT INTO mailtrail_admin_journal (actor, action, parameters, at) VALUES ($1, $2, $3::jsonb, $4) RETURNING id',
      [journalRow.actor, journalRow.action, JSON.stringify(journalRow.parameters), journalRow.at],
    );
    entry.id = Number(rows[0]?.id);
  }
  await client.query('COMMIT');
  return restored;
}

/**
 * `mailtrail backup restore FILE --db URL`: migrates the database, then in one transaction empties
 * Mailtrail's tables, COPYs each section in (checked block by block as it goes), continues the
 * sequences after the restored ids and counts the rollups again from the log and the archive. A
 * database with rows is refused unless `force`; any problem rolls the whole restore back.
 */
export async function restoreBackup(file: string, options: RestoreOptions): Promise<RestoreResult> {
  const began = performance.now();
  const manifest = await readManifest(file);
  const known = loadMigrations().map((migration) => migration.name.replace(/\.sql$/, ''));
  const newest = known.at(-1) ?? '';
  if (manifest.schema_version !== 'none' && manifest.schema_version.replace(/\.sql$/, '') > newest) {
    throw new MailtrailError('bad_request', `${file} was made from schema ${manifest.schema_version}, newer than this Mailtrail knows (${newest}); restore it with that Mailtrail or a later one`);
  }
  await migrate(options.db);
  const url = (options.db.options as { connectionString?: string }).connectionString;
  // The restore's connection is taken once the journal has its entry: a pool of one still works.
  const restore = async (entry: JournalHandle | null) => {
    let client: pg.PoolClient;
    try {
      client = await options.db.connect();
    } catch (error) {
      throw toMailtrailError(error, url);
    }
    let broken: Error | undefined;
    const state: { copy: TableCopy | null } = { copy: null };
    try {
      return await restoreInTransaction(file, manifest, client, options, entry, state);
    } catch (error) {
      await state.copy?.abort();
      await client.query('ROLLBACK').catch((failure: unknown) => (broken = failure as Error));
      throw error instanceof MailtrailError ? error : toAdminError(error);
    } finally {
      client.release(broken);
    }
  };
  const tables =
    options.journal === false
      ? await restore(null)
      : await journaled(options.db, { actor: options.actor ?? journalActor(), action: 'backup.restore', parameters: { file, force: options.force === true, into: url ? describeTarget(url) : null } }, restore);
  return { tables, durationMs: Math.round(performance.now() - began) };
}
