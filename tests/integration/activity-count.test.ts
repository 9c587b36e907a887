import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COUNT_BOUND, planCount } from '../../src-main/store/activity-count';
import type { ActivityFilter } from '../../src-main/store/log-store';
import { countActivity } from '../../src-main/store/postgres/activity.query';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { mixedEventsSql } from '../support/mixed-events';

// 12,000 events, 17 minutes apart from 2025-01-01: about four months.
const LOAD = mixedEventsSql({ count: 12_000, offset: 1, minutesApart: 17, untypedErrorEvery: 5 });

describe('counting activity (issue 11, item 8)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(LOAD);
  });
  afterAll(() => db.drop());

  it('adds up the rollups only where they answer exactly: types, categories and dates', () => {
    expect(planCount({ eventTypes: ['error'], from: '2025-02-01T10:17' }, { rollups: true }).kind).toBe('rollup');
    expect(planCount({ eventTypes: ['error'] }, { rollups: false })).toEqual({ kind: 'indexed', bound: COUNT_BOUND });
    expect(planCount({ userIds: [5] }, { rollups: true }).kind).toBe('indexed');
    expect(planCount({ eventTypes: ['error'], metadata: [{ key: 'error_type', value: 'x' }] }, { rollups: true })).toMatchObject({
      kind: 'scan',
      indexed: { eventTypes: ['error'] },
      residual: { metadata: [{ key: 'error_type', value: 'x' }] },
    });
  });

  it('gives the same number from the rollups as from the log itself, for any range', async () => {
    const filters: ActivityFilter[] = [
      {},
      { eventTypes: ['error'] },
      { eventTypes: ['error', 'read'], eventCategories: ['user'] },
      { eventCategories: ['workflow'], from: '2025-02-01', to: '2025-02-28' },
      { from: '2025-01-15T13:17:00', to: '2025-02-20T08:00:00' },
      { eventTypes: ['linked'], from: '2025-01-20T10:00', to: '2025-01-20T18:30' },
      { to: '2025-02-03T13:01' },
      { from: '2026-01-01' },
    ];
    for (const filter of filters) {
      const label = JSON.stringify(filter);
      const fromRollups = await countActivity(db.readable, filter, planCount(filter, { rollups: true }));
      const fromLog = await countActivity(db.readable, filter, planCount(filter, { rollups: false }));
      expect(fromRollups, label).toEqual(fromLog);
      expect(fromLog.exact, label).toBe(true);
    }
    expect(await countActivity(db.readable, {}, planCount({}, { rollups: true }))).toEqual({ count: 12_000, exact: true });
  });

  it('counts row by row filters exactly within the bound and says when it stopped', async () => {
    const filter = { eventTypes: ['error'], metadata: [{ key: 'error_type', value: 'imap_timeout' }] };
    const { rows } = await db.readable.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM email_activity_log WHERE event_type = 'error' AND metadata->>'error_type' = 'imap_timeout'`,
    );
    expect(await countActivity(db.readable, filter, planCount(filter, { rollups: true }))).toEqual({ count: rows[0]!.n, exact: true });
    const stopped = await countActivity(db.readable, filter, planCount(filter, { rollups: true, scanBound: 100 }));
    expect(stopped.exact).toBe(false);
    expect(stopped.count).toBeGreaterThan(0);
    expect(stopped.count).toBeLessThanOrEqual(rows[0]!.n);
    expect(await countActivity(db.readable, {}, planCount({}, { rollups: false, bound: 500 }))).toEqual({ count: 500, exact: false });
  });
});
