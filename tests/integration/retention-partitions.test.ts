import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { createRetentionService, type RetentionApi } from '../../src-main/service/retention-service';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { count, eventsSql, expectRollupsEqualRecount, expectRunKeptItsPromises, snapshotEvents } from '../support/retention-checks';

/** Events already archived by the hub's earlier retention: some (`every` 40th) or all older than 45 days. */
const earlierArchive = (every: number) => `
  WITH moved AS (DELETE FROM email_activity_log WHERE id % ${every} = 0 AND created_at < LOCALTIMESTAMP - INTERVAL '45 days' RETURNING *)
  INSERT INTO email_activity_log_archive SELECT * FROM moved`;

/** docs/partition-by-month.sql, as an admin would run it on the hub. */
const CONVERSION = readFileSync(new URL('../../docs/partition-by-month.sql', import.meta.url), 'utf8');
const partitionByMonth = (db: TestDatabase, table: string, withDefault = false) =>
  db.writable.query(`SET mailtrail.partition_table = '${table}'; SET mailtrail.partition_default = ${withDefault ? 'on' : 'off'}; ${CONVERSION}`);

interface Partition {
  name: string;
  upper: string | null;
  held: boolean;
}

/** The table's partitions, oldest first, with whether they hold events of a held email. */
async function partitionsOf(db: TestDatabase, table: string): Promise<Partition[]> {
  const { rows } = await db.writable.query<{ name: string; upper: string | null }>(
    `SELECT c.relname AS name, (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']*)''\\)'))[1] AS upper
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 2 NULLS LAST`,
    [table],
  );
  return Promise.all(
    rows.map(async (row) => ({
      ...row,
      held: (await count(db, `SELECT COUNT(*) AS n FROM ${row.name} e JOIN mailtrail_legal_holds h ON h.email_id = e.email_id AND h.released_at IS NULL`)) > 0,
    })),
  );
}

const tableExists = async (db: TestDatabase, name: string) => (await count(db, `SELECT COUNT(*) AS n FROM pg_class WHERE relname = $1`, [name])) > 0;
const totalEvents = (db: TestDatabase) => count(db, `SELECT (SELECT COUNT(*) FROM email_activity_log) + (SELECT COUNT(*) FROM email_activity_log_archive) AS n`);
const dueBefore = async (db: TestDatabase, partitions: Partition[], runId: number) => {
  const [cutoff] = (await db.writable.query<{ purge_cutoff: string }>(`SELECT purge_cutoff::text FROM mailtrail_retention_runs WHERE id = $1`, [runId])).rows;
  return partitions.filter((partition) => partition.upper !== null && partition.upper <= cutoff!.purge_cutoff.replace('T', ' '));
};
const droppedInJournal = (db: TestDatabase) =>
  db.writable
    .query<{ partition: string; outcome: string }>(
      `SELECT parameters->>'partition' AS partition, outcome FROM mailtrail_admin_journal WHERE action = 'retention.drop-partition' ORDER BY id`,
    )
    .then((result) => result.rows);

describe('retention on a log and archive partitioned by month (issue 13, item 7)', () => {
  const opened: { db: TestDatabase; admin: AdminDb; retention: RetentionApi }[] = [];
  async function partitionedHub(days: number, convert: (db: TestDatabase) => Promise<unknown>, archivedEvery = 40) {
    const db = await createTestDatabase();
    await db.writable.query(eventsSql(6_000, 200, days, { undated: false }));
    await db.writable.query(earlierArchive(archivedEvery));
    await convert(db);
    const admin = openAdminDb(db.url);
    const retention = createRetentionService({ viewer: db.readable, admin, actor: () => 'alice' });
    opened.push({ db, admin, retention });
    return { db, retention };
  }
  afterAll(async () => {
    for (const { db, admin, retention } of opened) {
      await retention.close();
      await admin.end();
      await db.drop();
    }
  });

  it('archives into a partitioned archive, then drops its whole months before the purge cutoff; a held month stays for the row path (issue 13, item 7)', async () => {
    const { db, retention } = await partitionedHub(200, async (db) => {
      await partitionByMonth(db, 'email_activity_log', true);
      await partitionByMonth(db, 'email_activity_log_archive');
    });
    // Email 9001 has archived events in one old month only: its hold keeps that month's partition.
    await db.writable.query(`INSERT INTO email_activity_log_archive (id, email_id, event_type, event_category, description, created_at)
                             SELECT nextval('email_activity_log_id_seq'), 9001, 'read', 'user', 'held event ' || g, LOCALTIMESTAMP - INTERVAL '150 days' + make_interval(mins => g)
                             FROM generate_series(1, 5) g`);
    await retention['retention/hold']({ emailId: 9001, reason: 'litigation' });
    await snapshotEvents(db);
    const before = await totalEvents(db);
    const plan = await retention['retention/preview']({ archiveAfterDays: 30, purgeAfterDays: 60 });

    const result = await retention.runToEnd({ archiveAfterDays: 30, purgeAfterDays: 60 });

    expect(result).toMatchObject({ status: 'succeeded', archive: { events: plan.archive.events }, purge: { events: plan.purge.events } });
    expect(before - (await totalEvents(db)), 'purged events, as the runs row counts them').toBe(plan.purge.events);
    await expectRunKeptItsPromises(db, result.run_id as number);
    const after = await partitionsOf(db, 'email_activity_log_archive');
    const due = await dueBefore(db, after, result.run_id as number);
    // Only the held month is left of the months entirely before the cutoff, holding the held email's events alone.
    expect(due.map((partition) => partition.held)).toEqual([true]);
    expect(await count(db, `SELECT COUNT(*) AS n FROM ${due[0]!.name} WHERE email_id <> 9001`)).toBe(0);
    expect(await count(db, `SELECT COUNT(*) AS n FROM ${due[0]!.name} WHERE email_id = 9001`)).toBe(5);
    const dropped = await droppedInJournal(db);
    expect(dropped.length).toBeGreaterThanOrEqual(2);
    for (const { partition, outcome } of dropped) {
      expect(outcome).toBe('succeeded');
      expect(await tableExists(db, partition), partition).toBe(false);
    }
    expect(await count(db, `SELECT COUNT(*) AS n FROM mailtrail_retention_detached`)).toBe(0);
    // The archive's rollups (0009) of the dropped months were counted again, as the log's are.
    await expectRollupsEqualRecount(db, 'archive');
    await expectRollupsEqualRecount(db);
  });

  it('purges a partitioned log (archiving off) by dropping months, and its rollups equal a recount (issue 13, item 7)', async () => {
    const { db, retention } = await partitionedHub(200, (db) => partitionByMonth(db, 'email_activity_log', true));
    const partitions = await partitionsOf(db, 'email_activity_log');
    await snapshotEvents(db);
    const before = await totalEvents(db);
    const plan = await retention['retention/preview']({ archiveAfterDays: null, purgeAfterDays: 60 });

    // The log has a default partition: the detach is the plain one, in a transaction of its own.
    const result = await retention.runToEnd({ archiveAfterDays: null, purgeAfterDays: 60 }, { batchSize: 500 });

    expect(result).toMatchObject({ status: 'succeeded', purge: { events: plan.purge.events } });
    expect(before - (await totalEvents(db))).toBe(plan.purge.events);
    const due = await dueBefore(db, partitions, result.run_id as number);
    expect(due.length).toBeGreaterThanOrEqual(2);
    for (const partition of due) expect(await tableExists(db, partition.name), partition.name).toBe(false);
    expect((await droppedInJournal(db)).map((entry) => entry.partition)).toEqual(due.map((partition) => partition.name));
    // Dropping a partition fires no trigger: the rollups of its hours were counted again.
    await expectRollupsEqualRecount(db);
    await expectRunKeptItsPromises(db, result.run_id as number);
  });

  it('finishes what a killed run left between detach and drop: drops a detached month, finalizes an interrupted concurrent detach, attaches again a month a hold arrived for (issue 13, item 7)', async () => {
    // Everything older than 45 days archived already: this run's archive phase adds only to months that still exist.
    const { db, retention } = await partitionedHub(230, (db) => partitionByMonth(db, 'email_activity_log_archive'), 1);
    const [detached, pending, heldLater] = await partitionsOf(db, 'email_activity_log_archive');
    // Email 9002 has events in the third month only.
    const heldEmail = 9002;
    await db.writable.query(
      `INSERT INTO email_activity_log_archive (id, email_id, event_type, event_category, description, created_at)
       SELECT nextval('email_activity_log_id_seq'), $1, 'read', 'user', 'held later ' || g, $2::timestamp - INTERVAL '20 days' + make_interval(mins => g)
       FROM generate_series(1, 4) g`,
      [heldEmail, heldLater!.upper],
    );
    await snapshotEvents(db);
    const before = await totalEvents(db);
    const record = (partition: Partition) =>
      db.writable.query(
        `INSERT INTO mailtrail_retention_detached (partition_name, parent_table, bound, run_id)
         SELECT c.relname, 'email_activity_log_archive', pg_get_expr(c.relpartbound, c.oid), 0 FROM pg_class c WHERE c.relname = $1`,
        [partition.name],
      );
    // Killed after the detach, before the drop.
    await record(detached!);
    await db.writable.query(`ALTER TABLE email_activity_log_archive DETACH PARTITION ${detached!.name}`);
    // Killed during a concurrent detach: a reader's snapshot kept it waiting until it was cancelled.
    await record(pending!);
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    await reader.query(`BEGIN ISOLATION LEVEL REPEATABLE READ`);
    await reader.query(`SELECT COUNT(*) FROM email_activity_log_archive`);
    const detacher = new pg.Client({ connectionString: db.url });
    await detacher.connect();
    await detacher.query(`SET statement_timeout = 500`);
    await expect(detacher.query(`ALTER TABLE email_activity_log_archive DETACH PARTITION ${pending!.name} CONCURRENTLY`)).rejects.toThrow(/cancel/);
    await Promise.all([detacher.end(), reader.query('COMMIT').then(() => reader.end())]);
    expect(await count(db, `SELECT COUNT(*) AS n FROM pg_inherits WHERE inhrelid = $1::regclass AND inhdetachpending`, [pending!.name])).toBe(1);
    // Detached, and then an email of it came under a hold.
    await record(heldLater!);
    await db.writable.query(`ALTER TABLE email_activity_log_archive DETACH PARTITION ${heldLater!.name}`);
    await db.writable.query(`INSERT INTO mailtrail_legal_holds (email_id, reason, held_by) VALUES ($1, 'arrived between detach and drop', 'bob')`, [heldEmail]);

    const result = await retention.runToEnd({ archiveAfterDays: 30, purgeAfterDays: 60 });

    expect(result.status).toBe('succeeded');
    expect(await tableExists(db, detached!.name)).toBe(false);
    expect(await tableExists(db, pending!.name)).toBe(false);
    expect(await count(db, `SELECT COUNT(*) AS n FROM pg_inherits WHERE inhrelid = $1::regclass`, [heldLater!.name]), 'attached again').toBe(1);
    expect(await count(db, `SELECT COUNT(*) AS n FROM ${heldLater!.name} WHERE email_id = $1`, [heldEmail])).toBe(4);
    expect(await count(db, `SELECT COUNT(*) AS n FROM ${heldLater!.name} WHERE email_id <> $1`, [heldEmail]), 'the rest purged row by row').toBe(0);
    expect(await count(db, `SELECT COUNT(*) AS n FROM mailtrail_retention_detached`)).toBe(0);
    // Every event that went is counted in the runs row, those of the partitions a killed run left too.
    const [run] = (await db.writable.query<{ purged: string }>(`SELECT purged_archive_events + purged_log_events AS purged FROM mailtrail_retention_runs WHERE id = $1`, [result.run_id])).rows;
    expect(before - (await totalEvents(db))).toBe(Number(run!.purged));
    expect((await droppedInJournal(db)).map((entry) => entry.partition).slice(0, 2)).toEqual([detached!.name, pending!.name]);
    await expectRunKeptItsPromises(db, result.run_id as number);
  });
});
