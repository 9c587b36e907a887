import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src-main/db/migrate';
import { dailyCounts, durationCounts } from '../../src-main/store/postgres/rollup';
import { durationBucket, executionTimeMs } from '../../src-main/store/rollup-keys';
import { openCacheForReading } from '../../src-main/store/sqlite/cache-file';
import { liveDailySql, liveDurationSql } from '../../src-main/store/sqlite/analytics.query';
import { syncCache } from '../../src-main/sync/sync-cache';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { temporaryDirectory } from '../support/stores';

// Metadata that probes every rule of the keys: missing and null keys, numbers and objects where
// text is expected, execution times with blanks, signs, exponents and too many digits, and events
// of other types carrying the workflow keys.
const TRICKY_METADATA: [eventType: string, metadata: unknown][] = [
  ['error', null],
  ['error', {}],
  ['error', { error_type: 'smtp_error' }],
  ['error', { error_type: null }],
  ['error', { error_type: 12 }],
  ['error', { error_type: { nested: ['a', 1.5] } }],
  ['error', { error_type: "it's", workflow_name: 'Invoice Processing', status: 'failed' }],
  ['workflow_executed', null],
  ['workflow_executed', {}],
  ['workflow_executed', { workflow_name: 'Invoice Processing', status: 'completed', execution_time_ms: 1200 }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', status: 'completed', execution_time_ms: ' 12 ' }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', status: 'failed', execution_time_ms: '\t7\n' }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: '1e3' }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: '-5' }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: -5 }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: '1234567890' }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: 123456789 }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: 12.5 }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: '' }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: '１２' }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: true }],
  ['workflow_executed', { workflow_name: 'Invoice Processing', execution_time_ms: { ms: 5 } }],
  ['workflow_executed', { workflow_name: { name: 'nested' }, status: 3, execution_time_ms: 0 }],
  ['workflow_executed', { status: 'completed', execution_time_ms: 1 }],
  ['workflow_executed', { workflow_name: null, status: null, execution_time_ms: null }],
  ['workflow_executed', { workflow_name: 'Time Confirmation', status: 'completed', execution_time_ms: '0003' }],
  ['read', { workflow_name: 'Invoice Processing', status: 'completed', execution_time_ms: 40, error_type: 'x' }],
  ['fetched', { error_type: 'smtp_error' }],
];

const insertTricky = (db: TestDatabase, day: string) =>
  db.writable.query(
    `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_at)
     SELECT 1, t.event_type, 'system', 'tricky ' || t.n, t.metadata, $1::timestamp + t.n * INTERVAL '7 minutes'
     FROM jsonb_to_recordset($2::jsonb) AS t(event_type text, metadata jsonb, n int)`,
    [day, JSON.stringify(TRICKY_METADATA.map(([event_type, metadata], n) => ({ event_type, metadata, n })))],
  );

const DAILY = `SELECT day::text AS day, event_type, event_category, error_type, workflow_name, status, count::int AS count
  FROM (%s) d ORDER BY 1, 2, 3, 4, 5, 6`;
const DURATIONS = `SELECT day::text AS day, workflow_name, bucket::int AS bucket, count::int AS count FROM (%s) d ORDER BY 1, 2, 3`;

async function hubRows(db: TestDatabase, live: boolean) {
  const daily = dailyCounts({}, !live).toQuery();
  const durations = durationCounts({}, !live).toQuery();
  const [a, b] = await Promise.all([
    db.writable.query(DAILY.replace('%s', () => daily.text), daily.values),
    db.writable.query(DURATIONS.replace('%s', () => durations.text), durations.values),
  ]);
  return { daily: a.rows, durations: b.rows };
}

describe('the rollup keys, one definition (issue 12, item 5)', () => {
  let db: TestDatabase;
  let removeDir: () => void;
  let dir: string;
  beforeAll(async () => {
    ({ dir, remove: removeDir } = temporaryDirectory());
    db = await createTestDatabase({ migrated: false });
    // Up to migration 0005: the trigger with the keys written by hand in 0004.
    const migrations = loadMigrations();
    await migrate(db.writable, migrations.filter((m) => m.name < '0006'));
    await insertTricky(db, '2025-03-01 10:00');
  });
  afterAll(async () => {
    await db?.drop();
    removeDir?.();
  });

  it('migration 0006 keeps what the hand-written trigger counted, and its trigger counts the same (issue 12, item 5)', async () => {
    const before = await hubRows(db, false);
    expect(before.daily.length).toBeGreaterThan(5);
    expect(before.durations.length).toBeGreaterThan(3);
    const report = await migrate(db.writable);
    // 0006 is the one migration up to it not yet applied; later ones follow it.
    expect(report.applied.filter((name) => name <= '0006_rollup_keys')).toEqual(['0006_rollup_keys']);
    expect(await hubRows(db, false)).toEqual(before);
    // New rows, counted by 0006's trigger, land exactly as the old trigger counted the same rows.
    await insertTricky(db, '2025-03-02 10:00');
    const after = await hubRows(db, false);
    const shifted = (rows: { day: string }[]) => rows.filter((row) => row.day === '2025-03-01').map((row) => ({ ...row, day: '2025-03-02' }));
    expect(after.daily.filter((row) => row.day === '2025-03-02')).toEqual(shifted(before.daily));
    expect(after.durations.filter((row) => row.day === '2025-03-02')).toEqual(shifted(before.durations));
  });

  it("gives the trigger's rollups, rollup.ts's live query and the synced cache the same rows (issue 12, item 5)", async () => {
    const fromTrigger = await hubRows(db, false);
    expect(await hubRows(db, true)).toEqual(fromTrigger);
    // A sync of a range counts the cache's own rollups from the keys it computed, not the hub's.
    const file = join(dir, 'keys.mailtrail');
    await syncCache({ sourceUrl: db.url, cacheFile: file, since: '2025-01-01' });
    const cache = openCacheForReading(file);
    try {
      const daily = cache
        .prepare(`SELECT day, event_type, event_category, error_type, workflow_name, status, count FROM email_activity_daily_rollup ORDER BY 1, 2, 3, 4, 5, 6`)
        .all();
      const durations = cache.prepare(`SELECT day, workflow_name, bucket, count FROM email_workflow_duration_rollup ORDER BY 1, 2, 3`).all();
      const sort = <T>(rows: T[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
      expect(sort(daily)).toEqual(sort(fromTrigger.daily));
      expect(sort(durations)).toEqual(sort(fromTrigger.durations));
      // The cache's live queries over its key columns agree as well.
      expect(sort(cache.prepare(`SELECT day, event_type, event_category, error_type, workflow_name, status, count FROM (${liveDailySql([])})`).all())).toEqual(sort(daily));
      expect(sort(cache.prepare(`SELECT day, workflow_name, bucket, count FROM (${liveDurationSql([])})`).all())).toEqual(sort(durations));
    } finally {
      cache.close();
    }
  });

  it.each([['synced under another definition', 'earlier'], ['synced before caches named their definition', null]])(
    'computes the key columns and rollups of a cache %s again on its next sync (issue 12, item 5)',
    async (_, recorded) => {
      const file = join(dir, `stale-${recorded}.mailtrail`);
      await syncCache({ sourceUrl: db.url, cacheFile: file, since: '2025-01-01' });
      const readRollups = () => {
        const cache = openCacheForReading(file);
        try {
          return [
            cache.prepare('SELECT * FROM email_activity_daily_rollup ORDER BY 1, 2, 3, 4, 5, 6').all(),
            cache.prepare('SELECT * FROM email_workflow_duration_rollup ORDER BY 1, 2, 3').all(),
            cache.prepare('SELECT id, error_type, workflow_name, workflow_status, execution_time_ms, duration_bucket FROM email_activity_log ORDER BY id').all(),
          ];
        } finally {
          cache.close();
        }
      };
      const synced = readRollups();
      const stale = new Database(file);
      stale.exec(`UPDATE email_activity_log SET workflow_name = 'stale', execution_time_ms = NULL, duration_bucket = NULL;
                  UPDATE email_activity_daily_rollup SET count = 999; DELETE FROM email_workflow_duration_rollup`);
      if (recorded === null) stale.prepare(`DELETE FROM cache_info WHERE key = 'rollup_keys'`).run();
      else stale.prepare(`UPDATE cache_info SET value = ? WHERE key = 'rollup_keys'`).run(recorded);
      stale.close();
      const result = await syncCache({ sourceUrl: db.url, cacheFile: file });
      expect(result.fetched).toBe(0);
      expect(readRollups()).toEqual(synced);
    },
  );

  it('applies 0006 again when the definition changes, and counts every rollup again (issue 12, item 5)', async () => {
    const counted = await hubRows(db, false);
    await db.writable.query('TRUNCATE email_activity_daily_rollup, email_workflow_duration_rollup');
    const changed = loadMigrations().map((m) => (m.name === '0006_rollup_keys' ? { ...m, sql: `${m.sql}\n-- changed`, checksum: 'c'.repeat(64) } : m));
    expect((await migrate(db.writable, changed)).applied).toEqual(['0006_rollup_keys']);
    expect(await hubRows(db, false)).toEqual(counted);
    expect((await migrate(db.writable)).applied).toEqual(['0006_rollup_keys']);
    expect((await migrate(db.writable)).applied).toEqual([]);
  });

  it('reads execution times and buckets them the same in PostgreSQL and JavaScript (issue 12, item 5)', async () => {
    const texts = [' 12 ', '\t7\n', '1e3', '-5', '1234567890', '123456789', '-123456789', '', ' ', '12.5', '0x1F', '１２', '+5', '1 2', '\v9\f', '\r3\r', '\u3000 12', '\u200312'];
    const { rows } = await db.writable.query<{ text: string; ms: number | null }>(
      `SELECT t AS text, mailtrail_int_or_null(t) AS ms FROM unnest($1::text[]) t`,
      [texts],
    );
    expect(rows.map((row) => row.ms)).toEqual(texts.map(executionTimeMs));
    const values = [-7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 180, 181, 182, 1023, 1024, 65535, 65536, 999_999_999];
    const buckets = await db.writable.query<{ bucket: number }>(`SELECT mailtrail_duration_bucket(v) AS bucket FROM unnest($1::int[]) v`, [values]);
    expect(buckets.rows.map((row) => row.bucket)).toEqual(values.map(durationBucket));
  });

  it("accepts a workflow event whose execution time has Unicode blanks, which 0003's \\s let through to a failing cast (issue 12, item 5)", async () => {
    await db.writable.query(
      `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_at)
       VALUES (1, 'workflow_executed', 'workflow', 'wide blank', $1::jsonb, '2025-03-03 09:00')`,
      [JSON.stringify({ workflow_name: 'Invoice Processing', status: 'completed', execution_time_ms: '\u3000 12' })],
    );
    expect(await hubRows(db, true)).toEqual(await hubRows(db, false));
  });
});
