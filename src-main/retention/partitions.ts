import type pg from 'pg';
import { journaled } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import type { AdminDb } from '../db/connection';
import { query } from '../db/query';
import { ROLLUP_RANGE_RECOUNT } from '../db/rollup-keys.migration';
import { sql } from '../db/sql';
import { purgeSeamStatement } from '../integrity/purge-seam';
import { HOLD_LOCK } from './holds';

/**
 * The partition path of a purge (issue 13, item 7; docs/partitioning.md). Where the table a purge
 * works on is range-partitioned on created_at (monthly, as DESIGN.md principle 7 has it), each
 * partition whose upper bound is at or before the purge cutoff is detached and dropped whole, instead
 * of deleted row by row. A partition holding events of an email under an active legal hold stays and
 * is purged by the row path, which deletes its unheld rows and leaves the held ones in their month:
 * moving held rows elsewhere first would take them out of the month the table's bounds say they
 * belong to, and the row path is the one the kill tests already hold to account.
 *
 * Kill safety: the partition is recorded in mailtrail_retention_detached (migration 0011) before it
 * is detached, and the record goes in the transaction that drops it. A run that finds a record
 * finishes it first: a partition still attached is left to the normal path, one whose concurrent
 * detach was interrupted is finalized, a detached one is dropped (or attached again when a hold on
 * one of its emails arrived meanwhile).
 */

export type PurgedTable = 'email_activity_log' | 'email_activity_log_archive';

export interface PartitionPurge {
  partition: string;
  bound: string;
  events: number;
}

export interface PartitionOptions {
  runId: number;
  /** Who runs it: the journal's actor of each dropped partition. */
  actor: string;
  /** The runs row's counter of the table purged: purged_archive_events or purged_log_events. */
  counter: 'purged_archive_events' | 'purged_log_events';
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  /** Checked between partitions: a cancelled run stops after the partition in hand. */
  signal?: AbortSignal | undefined;
  onDropped?: (dropped: PartitionPurge) => void;
}

interface PartitionRow {
  partition_name: string;
  bound: string;
  detach_pending: boolean;
  droppable: boolean;
}

// A bound as pg_get_expr prints a single timestamp key; anything else is left to the row path.
const RANGE_BOUND = /^FOR VALUES FROM \((?:MINVALUE|'[0-9: .+-]+')\) TO \((?:MAXVALUE|'[0-9: .+-]+')\)$/;
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;
// pg_inherits.inhdetachpending came with PostgreSQL 14's concurrent detach; older servers have none pending.
const DETACH_PENDING = sql.raw(`COALESCE((to_jsonb(i) ->> 'inhdetachpending')::boolean, FALSE)`);

const held = (table: pg.PoolClient, name: string) =>
  query<{ held: boolean }>(
    table,
    sql`SELECT EXISTS (SELECT 1 FROM ${sql.id(name)} e JOIN mailtrail_legal_holds h ON h.email_id = e.email_id AND h.released_at IS NULL) AS held`,
  ).then(([row]) => row?.held ?? false);

/**
 * Whether `table` is range-partitioned on created_at alone and this connection may detach and drop
 * its partitions (it owns the table or is a member of its owner): only then is the path taken.
 */
export async function isMonthPartitioned(client: pg.PoolClient, table: PurgedTable): Promise<boolean> {
  const [row] = await query<{ ok: boolean }>(
    client,
    sql`SELECT pt.partstrat = 'r' AND pt.partnatts = 1 AND a.attname = 'created_at' AND pg_has_role(current_user, c.relowner, 'USAGE') AS ok
        FROM pg_partitioned_table pt
        JOIN pg_class c ON c.oid = pt.partrelid
        JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
        WHERE pt.partrelid = to_regclass(${table})`,
  );
  return row?.ok ?? false;
}

/** The partitions of `table`, oldest first; droppable: a plain range bound whose upper end is at or before `cutoff`. */
async function partitionsOf(client: pg.PoolClient, table: PurgedTable, cutoff: string): Promise<PartitionRow[]> {
  const upper = sql`(regexp_match(pg_get_expr(c.relpartbound, c.oid), ${"TO \\('([^']*)'\\)"}))[1]::timestamp`;
  const rows = await query<PartitionRow>(
    client,
    sql`SELECT c.relname AS partition_name, pg_get_expr(c.relpartbound, c.oid) AS bound, ${DETACH_PENDING} AS detach_pending,
               COALESCE(${upper} <= ${cutoff}::timestamp, FALSE) AS droppable
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = to_regclass(${table}) AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass(${table}))
        ORDER BY ${upper} NULLS LAST, c.relname`,
  );
  return rows.map((row) => ({ ...row, droppable: row.droppable && RANGE_BOUND.test(row.bound) && PLAIN_NAME.test(row.partition_name) }));
}

/** A concurrent detach needs PostgreSQL 14 and a table without a default partition. */
async function canDetachConcurrently(client: pg.PoolClient, table: PurgedTable): Promise<boolean> {
  const [row] = await query<{ ok: boolean }>(
    client,
    sql`SELECT current_setting('server_version_num')::int >= 140000
               AND NOT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(${table}) AND partdefid <> 0) AS ok`,
  );
  return row?.ok ?? false;
}

async function withTimeouts<T>(client: pg.PoolClient, options: PartitionOptions, work: () => Promise<T>): Promise<T> {
  // Outside a transaction SET LOCAL does nothing: the session's limits, put back afterwards.
  await client.query(`SET lock_timeout = ${Math.trunc(options.lockTimeoutMs)}; SET statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`);
  try {
    return await work();
  } finally {
    await client.query('RESET lock_timeout; RESET statement_timeout').catch(() => undefined);
  }
}

async function transaction<T>(client: pg.PoolClient, options: PartitionOptions, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL lock_timeout = ${Math.trunc(options.lockTimeoutMs)}; SET LOCAL statement_timeout = ${Math.trunc(options.statementTimeoutMs)}`);
    // The shared hold lock, as every batch takes it (see HOLD_LOCK): a hold placed now waits for us.
    await client.query('SELECT pg_advisory_xact_lock_shared($1)', [HOLD_LOCK]);
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** The hours a bound covers, as ROLLUP_RANGE_RECOUNT takes them: the first hour (or -infinity) and the hour after the last. */
async function hoursOf(client: pg.PoolClient, bound: string): Promise<[string, string]> {
  const [lower, upper] = [/FROM \('([^']*)'\)/.exec(bound)?.[1] ?? null, /TO \('([^']*)'\)/.exec(bound)?.[1] ?? null];
  const [row] = await query<{ first: string; after: string }>(
    client,
    sql`SELECT COALESCE(date_trunc('hour', ${lower}::timestamp), '-infinity'::timestamp)::text AS first,
               (date_trunc('hour', ${upper}::timestamp - INTERVAL '1 microsecond') + INTERVAL '1 hour')::text AS after`,
  );
  return [row!.first, row!.after];
}

/**
 * Ends what a detached partition's record says: drops it (its events counted in the run's row, the
 * rollups of its hours counted again, both in the dropping transaction) or, when an email of
 * it came under a hold since it was detached, attaches it again for the row path.
 */
async function dropDetached(client: pg.PoolClient, admin: AdminDb, table: PurgedTable, record: { partition_name: string; bound: string }, options: PartitionOptions): Promise<void> {
  const name = record.partition_name;
  const journal = { actor: options.actor, action: 'retention.drop-partition', parameters: { run_id: options.runId, table, partition: name, bound: record.bound } };
  const dropped = await journaled(admin, journal, () =>
    transaction(client, options, async () => {
      const forget = sql`DELETE FROM mailtrail_retention_detached WHERE partition_name = ${name}`;
      if (await held(client, name)) {
        if (!RANGE_BOUND.test(record.bound)) throw new MailtrailError('internal', `partition ${name} has a bound retention cannot attach again: ${record.bound}`);
        await client.query(sql`ALTER TABLE ${sql.id(table)} ATTACH PARTITION ${sql.id(name)} ${sql.raw(record.bound)}`.toQuery());
        await query(client, forget);
        return null;
      }
      const [counted] = await query<{ events: number }>(client, sql`SELECT COUNT(*) AS events FROM ${sql.id(name)}`);
      const events = counted?.events ?? 0;
      await query(client, purgeSeamStatement(options.runId, sql.id(name)));
      await client.query(sql`DROP TABLE ${sql.id(name)}`.toQuery());
      // Its table's rollups (the log's, or the archive's of 0009) of the month's hours, counted again.
      const hours = await hoursOf(client, record.bound);
      for (const statement of ROLLUP_RANGE_RECOUNT[table]) await client.query(statement, hours);
      await query(client, forget);
      await query(
        client,
        sql`UPDATE mailtrail_retention_runs SET ${sql.raw(options.counter)} = ${sql.raw(options.counter)} + ${events}, updated_at = NOW() WHERE id = ${options.runId}`,
      );
      return { partition: name, bound: record.bound, events };
    }),
  );
  if (dropped) options.onDropped?.(dropped);
}

/** Finishes the partitions of `table` a killed or failed run left recorded (see the module's comment). */
async function finishRecorded(client: pg.PoolClient, admin: AdminDb, table: PurgedTable, options: PartitionOptions): Promise<void> {
  const records = await query<{ partition_name: string; bound: string; attached: boolean; detach_pending: boolean | null; exists: boolean }>(
    client,
    sql`SELECT d.partition_name, d.bound, i.inhrelid IS NOT NULL AS attached, ${DETACH_PENDING} AS detach_pending, to_regclass(d.partition_name) IS NOT NULL AS exists
        FROM mailtrail_retention_detached d
        LEFT JOIN pg_inherits i ON i.inhrelid = to_regclass(d.partition_name) AND i.inhparent = to_regclass(${table})
        WHERE d.parent_table = ${table} ORDER BY d.recorded_at`,
  );
  for (const record of records) {
    if (!record.exists || (record.attached && !record.detach_pending)) {
      // Dropped already, or killed before its detach: the normal path takes it again.
      await query(client, sql`DELETE FROM mailtrail_retention_detached WHERE partition_name = ${record.partition_name}`);
      continue;
    }
    if (record.detach_pending) {
      await withTimeouts(client, options, () => client.query(sql`ALTER TABLE ${sql.id(table)} DETACH PARTITION ${sql.id(record.partition_name)} FINALIZE`.toQuery()));
    }
    await dropDetached(client, admin, table, record, options);
  }
}

/**
 * Purges `table` partition by partition where it is month-partitioned: detaches and drops every
 * partition entirely before `cutoff` that holds no held event, after finishing any a killed run
 * left. Returns whether the table is partitioned; the row path then purges what is left (the
 * partition the cutoff falls in, held partitions, a default partition).
 */
export async function purgePartitions(client: pg.PoolClient, admin: AdminDb, table: PurgedTable, cutoff: string, options: PartitionOptions): Promise<boolean> {
  // A table that is not (or may not be) partitioned never touches the record, nor needs rights on it.
  if (!(await isMonthPartitioned(client, table))) return false;
  await finishRecorded(client, admin, table, options);
  const concurrently = await canDetachConcurrently(client, table);
  for (const partition of await partitionsOf(client, table, cutoff)) {
    if (options.signal?.aborted) break;
    if (!partition.droppable) continue;
    const recorded = await transaction(client, options, async () => {
      if (await held(client, partition.partition_name)) return false;
      await query(
        client,
        sql`INSERT INTO mailtrail_retention_detached (partition_name, parent_table, bound, run_id)
            VALUES (${partition.partition_name}, ${table}, ${partition.bound}, ${options.runId})`,
      );
      return true;
    });
    if (!recorded) continue;
    const detach = sql`ALTER TABLE ${sql.id(table)} DETACH PARTITION ${sql.id(partition.partition_name)}`;
    if (partition.detach_pending) {
      await withTimeouts(client, options, () => client.query(sql`${detach} FINALIZE`.toQuery()));
    } else if (concurrently) {
      // Two transactions of its own: writers and readers of the table are not blocked meanwhile.
      await withTimeouts(client, options, () => client.query(sql`${detach} CONCURRENTLY`.toQuery()));
    } else {
      await transaction(client, options, () => client.query(detach.toQuery()));
    }
    await dropDetached(client, admin, table, partition, options);
  }
  return true;
}
