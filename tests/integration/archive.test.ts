import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src-main/db/migrate';
import { preparedQuery } from '../../src-main/db/query';
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
