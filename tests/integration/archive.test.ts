import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src-main/db/migrate';
import { preparedQuery } from '../../src-main/db/query';
import { RETENTION_MOVE_SETTING } from '../../src-main/db/rollup-keys.migration';
import { sql } from '../../src-main/db/sql';
import { createLogService } from '../../src-main/service/log-service';
import { invoke } from '../../src-main/service/invoke';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { mixedEventsSql } from '../support/mixed-events';
import { expectRollupsEqualRecount } from '../support/retention-checks';
import { archiveEvents } from '../support/stores';

describe('the archive\'s rollups (issue 13, item 5)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('equal a recount of the archive after retention batches, a purge, updates and a truncate', async () => {
    await db.writable.query(mixedEventsSql({ count: 6000, minutesApart: 29, untypedErrorEvery: 5 }));
    await db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at) VALUES (3, 'read', 'user', 'undated', NULL)`);
    // Batches in time order, as the run moves them, then one across many hours.
    for (const cutoff of ['2025-01-10', '2025-01-20', '2025-02-15']) {
      expect(await archiveEvents(db, sql`created_at < ${cutoff}::timestamp`)).toBeGreaterThan(0);
      await expectRollupsEqualRecount(db, 'archive');
    }
    await archiveEvents(db, sql`created_at IS NULL OR (created_at < '2025-03-20' AND id % 3 = 0)`);
    await expectRollupsEqualRecount(db, 'archive');
    // A purge of the oldest archived events, some kept (held), and of the first and last of a group.
    await db.writable.query(`DELETE FROM email_activity_log_archive WHERE created_at < '2025-01-15' AND email_id % 7 <> 0`);
    await db.writable.query(`DELETE FROM email_activity_log_archive WHERE id IN (SELECT id FROM email_activity_log_archive WHERE created_at IS NOT NULL ORDER BY created_at LIMIT 3)`);
    await expectRollupsEqualRecount(db, 'archive');
    await db.writable.query(`UPDATE email_activity_log_archive SET created_at = created_at + INTERVAL '5 hours' WHERE id % 4 = 1`);
    await expectRollupsEqualRecount(db, 'archive');
    // The log's own rollups still count the log alone.
    const { rows: [log] } = await db.writable.query(`SELECT (SELECT sum(count) FROM email_activity_daily_rollup)::int AS rolled, (SELECT count(*) FROM email_activity_log)::int AS rows`);
    expect(log.rolled).toBe(log.rows);
    await db.writable.query(`TRUNCATE email_activity_log_archive`);
    await expectRollupsEqualRecount(db, 'archive');
    const { rows: [empty] } = await db.writable.query(`SELECT count(*)::int AS n FROM email_activity_archive_daily_rollup`);
    expect(empty.n).toBe(0);
  });

  it("move a retention batch's counts from the log's rollups to the archive's under the move setting, aggregating once", async () => {
    const moving = await createTestDatabase();
    try {
      await moving.writable.query(mixedEventsSql({ count: 6000, minutesApart: 23, untypedErrorEvery: 4 }));
      await moving.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at) VALUES (3, 'read', 'user', 'undated', NULL)`);
      // One dense hourly group, to move its first, its last and a middle row, then part of its hour.
      await moving.writable.query(`
        INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at)
        SELECT 9, 'note', 'user', 'dense ' || g, TIMESTAMP '2025-01-25 14:00' + g * INTERVAL '10 seconds' FROM generate_series(0, 299) g`);
      const client = await moving.writable.connect();
      /** One batch as run.ts moves it: one statement, in a transaction that set RETENTION_MOVE_SETTING. */
      const move = async (where: string) => {
        await client.query(`BEGIN; SET LOCAL ${RETENTION_MOVE_SETTING} = on`);
        const { rows } = await client.query<{ moved: number }>(
          `WITH moved AS (DELETE FROM email_activity_log WHERE ${where} RETURNING *),
                inserted AS (INSERT INTO email_activity_log_archive SELECT * FROM moved RETURNING 1)
           SELECT count(*)::int AS moved FROM inserted`,
        );
        await client.query('COMMIT');
        return rows[0]!.moved;
      };
      try {
        // Whole hours in time order; then groups left part full (their first, their last, a middle row
        // moved); then rows scattered over many hours, and the undated one.
        expect(await move(`created_at < '2025-01-12'`)).toBeGreaterThan(100);
        expect(await move(`created_at < '2025-01-20' AND email_id % 5 <> 0`)).toBeGreaterThan(100);
        for (const dense of ['dense 0', 'dense 299', 'dense 150']) expect(await move(`description = '${dense}'`)).toBe(1);
        expect(await move(`created_at < '2025-01-25 14:20'`)).toBeGreaterThan(100);
        const { rows: [group] } = await moving.writable.query(
          `SELECT count, first_occurrence::text AS first, last_occurrence::text AS last FROM email_activity_hourly_rollup WHERE hour = '2025-01-25 14:00' AND event_type = 'note'`,
        );
        expect(group).toEqual({ count: 178, first: '2025-01-25 14:20:00', last: '2025-01-25 14:49:40' });
        expect(await move(`id IN (SELECT min(id) FROM email_activity_log WHERE created_at < '2025-02-01' GROUP BY date_trunc('hour', created_at), event_type)`)).toBeGreaterThan(10);
        expect(await move(`id IN (SELECT max(id) FROM email_activity_log WHERE created_at < '2025-02-10' GROUP BY date_trunc('hour', created_at), event_type)`)).toBeGreaterThan(10);
        expect(await move(`created_at IS NULL OR (created_at < '2025-03-20' AND id % 3 = 0)`)).toBeGreaterThan(100);
      } finally {
        client.release();
      }
      await expectRollupsEqualRecount(moving);
      await expectRollupsEqualRecount(moving, 'archive');
      // Outside such a transaction the two triggers count on their own, as for any other writer.
      await archiveEvents(moving, sql`created_at < '2025-03-25'`);
      await expectRollupsEqualRecount(moving);
      await expectRollupsEqualRecount(moving, 'archive');
    } finally {
      await moving.drop();
    }
  });

  it('are backfilled by migration 0009 from an archive that was filled before it', async () => {
    const fresh = await createTestDatabase({ migrated: false });
    try {
      const migrations = loadMigrations();
      const before = migrations.filter((m) => m.name < '0009');
      await migrate(fresh.writable, before);
      await fresh.writable.query(mixedEventsSql({ count: 3000, minutesApart: 53 }));
      await archiveEvents(fresh, sql`created_at < '2025-02-20'`);
      const report = await migrate(fresh.writable, migrations);
      expect(report.applied).toContain('0009_archive_rollups');
      await expectRollupsEqualRecount(fresh, 'archive');
      const { rows } = await fresh.writable.query('SELECT sum(count)::int AS n FROM email_activity_archive_daily_rollup');
      expect(rows[0].n).toBeGreaterThan(1000);
    } finally {
      await fresh.drop();
    }
  });
});

describe('analytics with includeArchived (issue 13, item 5)', () => {
  let db: TestDatabase;
  let service: ReturnType<typeof createLogService>;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(mixedEventsSql({ count: 4000, minutesApart: 41, untypedErrorEvery: 4 }));
    await archiveEvents(db, sql`created_at < '2025-02-01'`);
    service = createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' }));
  });
  afterAll(() => db?.drop());

  const call = async (operation: Parameters<typeof invoke>[1], payload: Record<string, unknown>) => {
    const result = await invoke(service, operation, payload);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    return result.value as never;
  };

  it('add the archived events, from the rollups, to statistics, events over time, errors, workflows and error impact', async () => {
    const count = async (table: string, where = 'true') =>
      (await db.readable.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${where}`)).rows[0].n as number;
    const [logged, archived] = [await count('email_activity_log'), await count('email_activity_log_archive')];
    expect(archived).toBeGreaterThan(500);
    for (const range of [{}, { from: '2025-01-15T10:30', to: '2025-02-20T13:15:30' }]) {
      const inRange = 'from' in range ? `created_at >= '${range.from}' AND created_at <= '${range.to}'` : 'true';
      const sum = (stats: { count: number }[]) => stats.reduce((total, stat) => total + stat.count, 0);
      expect(sum(await call('activity/stats', range))).toBe(await count('email_activity_log', inRange));
      expect(sum(await call('activity/stats', { ...range, includeArchived: true }))).toBe(
        (await count('email_activity_log', inRange)) + (await count('email_activity_log_archive', inRange)),
      );
      const points = async (includeArchived: boolean) => sum(((await call('analytics/timeseries', { ...range, includeArchived })) as { points: { count: number }[] }).points);
      expect(await points(true)).toBe((await count('email_activity_log', inRange)) + (await count('email_activity_log_archive', inRange)));
      const errors = async (includeArchived: boolean) => sum(((await call('analytics/errors', { ...range, includeArchived })) as { errors: { count: number }[] }).errors);
      expect(await errors(true)).toBe((await count('email_activity_log', `event_type = 'error' AND ${inRange}`)) + (await count('email_activity_log_archive', `event_type = 'error' AND ${inRange}`)));
      const workflows = async (includeArchived: boolean) =>
        (await call('analytics/workflows', { ...range, includeArchived })) as { workflows: { total: number }[]; source: { rollup: boolean } };
      const withArchive = await workflows(true);
      expect(withArchive.source).toEqual({ rollup: true, notice: null });
      expect(withArchive.workflows.reduce((total, w) => total + w.total, 0)).toBe(
        (await count('email_activity_log', `event_type = 'workflow_executed' AND ${inRange}`)) + (await count('email_activity_log_archive', `event_type = 'workflow_executed' AND ${inRange}`)),
      );
      const impact = (await call('analytics/error-impact', { ...range, includeArchived: true })) as { emails: number; events: number };
      const { rows } = await db.readable.query(
        `SELECT count(DISTINCT email_id)::int AS n FROM (SELECT email_id, event_type, created_at FROM email_activity_log UNION ALL SELECT email_id, event_type, created_at FROM email_activity_log_archive) t WHERE event_type = 'error' AND ${inRange}`,
      );
      expect(impact.emails).toBe(rows[0].n);
    }
    // Without the flag nothing changes: the whole log alone.
    const { events } = (await call('analytics/error-impact', {})) as { events: number };
    expect(events).toBe(logged);
  });

  it('counts the archive itself, and says so, where migration 0009 has not run', async () => {
    const before = (await call('activity/stats', { includeArchived: true })) as unknown[];
    await db.writable.query('DROP TRIGGER mailtrail_archive_rollup_insert ON email_activity_log_archive');
    try {
      const live = createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' }));
      const result = await invoke(live, 'analytics/timeseries', { includeArchived: true });
      expect(result.ok && (result.value as { source: { rollup: boolean } }).source.rollup).toBe(false);
      const stats = await invoke(live, 'activity/stats', { includeArchived: true });
      expect(stats.ok && stats.value).toEqual(before);
    } finally {
      await migrate(db.writable, loadMigrations().map((m) => (m.name === '0009_archive_rollups' ? { ...m, checksum: 'x'.repeat(64) } : m)));
    }
  });
});

describe('the timeline as a prepared statement (issue 13, item 5)', () => {
  it('answers on, planning each time, where a pooler dropped the statement between transactions', async () => {
    const db = await createTestDatabase();
    const client = await db.readable.connect();
    try {
      await db.writable.query(mixedEventsSql({ count: 600, minutesApart: 5 }));
      await archiveEvents(db, sql`email_id = 7 AND id % 2 = 0`);
      const page = () => preparedQuery<{ id: number }>(client, sql`SELECT id FROM email_activity_log WHERE email_id = ${7} ORDER BY id`);
      const first = await page();
      expect(first.length).toBeGreaterThan(0);
      // What PgBouncer in transaction mode does: the next server connection has no such statement.
      await client.query('DEALLOCATE ALL');
      expect(await page()).toEqual(first);
      expect(await page()).toEqual(first);
    } finally {
      client.release();
      await db.drop();
    }
  });
});
