import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityStats, categoryTimeseries, errorAnalysis, errorImpact, slowestExecutions, workflowSuccess } from '../../src-main/store/postgres/analytics.query';
import { percentileFromBuckets } from '../../src-main/store/duration-buckets';
import { planRange } from '../../src-main/store/range-plan';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { mixedEventsSql } from '../support/mixed-events';

const LOAD = mixedEventsSql({ count: 12_000, offset: 1, minutesApart: 17, untypedErrorEvery: 5 });

describe('analytics over rollups', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(LOAD);
  });
  afterAll(() => db.drop());

  const ranges = [
    {},
    { from: '2025-02-01' },
    { to: '2025-02-10' },
    { from: '2025-01-15', to: '2025-02-20' },
    { from: '2025-01-15T13:17:00', to: '2025-02-20T08:00:00' },
    { from: '2025-01-15T00:00:00', to: '2025-01-15T23:59:59' },
    { from: '2025-01-20T10:00', to: '2025-01-20T18:30' },
    { from: '2025-01-20T10:00', to: '2025-01-21T09:00' },
    { from: '2026-01-01' },
    { from: '2025-01-20T10:00:00', to: '2025-01-20T11:00:00' },
    { from: '2025-01-19T23:59:59.5', to: '2025-01-23T00:00:00' },
    { from: '2025-01-20T10:17', to: '2025-01-20' },
    { to: '2025-02-03T13:01' },
  ];

  it('answer exactly as the live table does, for whole days, partial days and empty ranges', async () => {
    for (const range of ranges) {
      const label = JSON.stringify(range);
      expect(await activityStats(db.readable, range, true), label).toEqual(await activityStats(db.readable, range, false));
      expect(await errorAnalysis(db.readable, range, true), label).toEqual(await errorAnalysis(db.readable, range, false));
      expect(await workflowSuccess(db.readable, range, true), label).toEqual(await workflowSuccess(db.readable, range, false));
      // Issue 11, item 8: the same first seen from the daily rollup as from the live table.
      const byType = (rows: { error_type: string | null }[]) => [...rows].sort((a, b) => String(a.error_type).localeCompare(String(b.error_type)));
      const [withRollup, live] = [await errorImpact(db.readable, range, true), await errorImpact(db.readable, range, false)];
      expect({ ...withRollup, errors: byType(withRollup.errors) }, label).toEqual({ ...live, errors: byType(live.errors) });
      for (const bucket of ['day', 'week', 'month'] as const) {
        expect(await categoryTimeseries(db.readable, range, bucket, true), label).toEqual(await categoryTimeseries(db.readable, range, bucket, false));
      }
    }
  });

  it('match the seed\'s own statistics, error analysis and success rate SQL', async () => {
    const seedStats = await db.writable.query(`SELECT event_type, event_category, COUNT(*)::int AS count, MAX(created_at) AS last_occurrence FROM email_activity_log GROUP BY event_type, event_category`);
    const stats = await activityStats(db.readable, {}, true);
    expect(stats.map((s) => [s.event_type, s.count]).sort()).toEqual(seedStats.rows.map((s) => [s.event_type, s.count]).sort());
    const seedErrors = await db.writable.query(`
      SELECT metadata->>'error_type' as error_type, COUNT(*)::int as count FROM email_activity_log
      WHERE event_type = 'error' GROUP BY error_type ORDER BY count DESC`);
    const { errors } = await errorAnalysis(db.readable, {}, true);
    expect(errors.map((e) => [e.error_type, e.count])).toEqual(seedErrors.rows.map((e) => [e.error_type, e.count]));
    const seedRates = await db.writable.query(`
      SELECT metadata->>'workflow_name' as workflow,
        COUNT(*) FILTER (WHERE metadata->>'status' = 'completed')::int as success,
        COUNT(*) FILTER (WHERE metadata->>'status' = 'failed')::int as failed,
        ROUND(100.0 * COUNT(*) FILTER (WHERE metadata->>'status' = 'completed') / COUNT(*), 2)::float8 as success_rate
      FROM email_activity_log WHERE event_type = 'workflow_executed' GROUP BY workflow ORDER BY success_rate DESC`);
    const { workflows } = await workflowSuccess(db.readable, {}, true);
    expect(workflows.map((w) => [w.workflow, w.completed, w.failed, w.success_rate])).toEqual(
      seedRates.rows.map((r) => [r.workflow, r.success, r.failed, r.success_rate]),
    );
  });

  it('give p50 and p95 execution times within a histogram bucket of the exact ones', async () => {
    const { workflows } = await workflowSuccess(db.readable, {}, true);
    const exact = await db.writable.query(`
      SELECT metadata->>'workflow_name' AS workflow,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY mailtrail_int_or_null(metadata->>'execution_time_ms')) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY mailtrail_int_or_null(metadata->>'execution_time_ms')) AS p95
      FROM email_activity_log WHERE event_type = 'workflow_executed' GROUP BY 1`);
    for (const row of exact.rows) {
      const ours = workflows.find((w) => w.workflow === row.workflow)!;
      expect(Math.abs(ours.p50_ms! - row.p50) / row.p50).toBeLessThan(0.42);
      expect(Math.abs(ours.p95_ms! - row.p95) / row.p95).toBeLessThan(0.42);
    }
  });

  it('list the slowest executions as the seed\'s query does, with or without the index', async () => {
    const seed = await db.writable.query(`
      SELECT email_id, description, mailtrail_int_or_null(metadata->>'execution_time_ms') as exec_time
      FROM email_activity_log WHERE event_type = 'workflow_executed' ORDER BY exec_time DESC NULLS LAST, id LIMIT 10`);
    for (const indexed of [true, false]) {
      const slowest = await slowestExecutions(db.readable, 10, indexed);
      expect(slowest.map((s) => [s.email_id, s.description, s.exec_time])).toEqual(seed.rows.map((r) => [r.email_id, r.description, r.exec_time]));
    }
    // Issue 11, item 9: narrowed by range and status, as the seed's query with the same conditions.
    const narrowed = await db.writable.query(`
      SELECT email_id, mailtrail_int_or_null(metadata->>'execution_time_ms') as exec_time
      FROM email_activity_log WHERE event_type = 'workflow_executed' AND metadata->>'status' = 'failed'
        AND created_at >= '2025-01-15' AND created_at < '2025-02-21'
      ORDER BY exec_time DESC NULLS LAST, id LIMIT 10`);
    expect(narrowed.rows.length).toBeGreaterThan(0);
    for (const indexed of [true, false]) {
      const slowest = await slowestExecutions(db.readable, 10, indexed, { from: '2025-01-15', to: '2025-02-20', status: 'failed' });
      expect(slowest.map((s) => [s.email_id, s.exec_time])).toEqual(narrowed.rows.map((r) => [r.email_id, r.exec_time]));
    }
    // A filtered page walks the slowest runs first; one the walk cannot fill reads on, with the same answer.
    for (const walk of [1, 5, 1_000]) {
      const slowest = await slowestExecutions(db.readable, 10, true, { from: '2025-01-15', to: '2025-02-20', status: 'failed' }, walk);
      expect(slowest.map((s) => [s.email_id, s.exec_time])).toEqual(narrowed.rows.map((r) => [r.email_id, r.exec_time]));
    }
  });

  it('plan ranges into whole days, whole hours and partial hours', () => {
    const plan = (from: string | undefined, to: string | undefined) => planRange({ from, to }, { hourly: true });
    expect(plan('2025-01-01', '2025-01-31')).toEqual({ days: { from: '2025-01-01', to: '2025-01-31' }, hours: [], windows: [] });
    expect(plan('2025-01-01T06:00', '2025-01-01T07:00')).toEqual({
      days: null,
      hours: [{ from: '2025-01-01T06:00:00', to: '2025-01-01T07:00:00' }],
      windows: [{ from: '2025-01-01T07:00:00', to: '2025-01-01T07:00', toInclusive: true }],
    });
    expect(plan('2025-01-01T06:10', '2025-01-01T06:50')).toEqual({
      days: null,
      hours: [],
      windows: [{ from: '2025-01-01T06:10', to: '2025-01-01T06:50', toInclusive: true }],
    });
    expect(plan('2025-01-01 06:30', '2025-01-03T07:15:00')).toEqual({
      days: { from: '2025-01-02', to: '2025-01-02' },
      hours: [
        { from: '2025-01-01T07:00:00', to: '2025-01-02T00:00:00' },
        { from: '2025-01-03T00:00:00', to: '2025-01-03T07:00:00' },
      ],
      windows: [
        { from: '2025-01-01T06:30', to: '2025-01-01T07:00:00', toInclusive: false },
        { from: '2025-01-03T07:00:00', to: '2025-01-03T07:15:00', toInclusive: true },
      ],
    });
    expect(plan('2025-01-01T23:30', '2025-01-01')).toEqual({
      days: null,
      hours: [],
      windows: [{ from: '2025-01-01T23:30', to: '2025-01-02T00:00:00', toInclusive: false }],
    });
    expect(planRange({ from: '2025-01-01T06:00', to: '2025-01-03T07:00' }, { hourly: false })).toEqual({
      days: { from: '2025-01-02', to: '2025-01-02' },
      hours: [],
      windows: [
        { from: '2025-01-01T06:00', to: '2025-01-02T00:00:00', toInclusive: false },
        { from: '2025-01-03T00:00:00', to: '2025-01-03T07:00', toInclusive: true },
      ],
    });
    expect(percentileFromBuckets([], 0.5)).toBeNull();
  });
});
