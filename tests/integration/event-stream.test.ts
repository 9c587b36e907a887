import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportScope } from '../../src-main/contract/reports';
import { query } from '../../src-main/db/query';
import { sql } from '../../src-main/db/sql';
import { rowEvent } from '../../src-main/reports/digest';
import type { EventRow, EventScope } from '../../src-main/store/log-store';
import { scopeEvents } from '../support/reports';
import { ARCHIVED_ORPHAN_EMAIL_ID, BACKENDS, createStoreFixture, type StoreFixture } from '../support/stores';

let fixture: StoreFixture;

beforeAll(async () => {
  fixture = await createStoreFixture({ emails: 120, archive: true });
}, 120_000);
afterAll(async () => {
  await fixture?.close();
});

async function streamed(backend: (typeof BACKENDS)[number], scope: EventScope, batch?: number): Promise<{ batches: number[]; rows: EventRow[] }> {
  const batches: number[] = [];
  const rows: EventRow[] = [];
  for await (const rowsOfBatch of fixture.backends[backend].store.streamEvents(scope, batch)) {
    batches.push(rowsOfBatch.length);
    rows.push(...rowsOfBatch);
  }
  return { batches, rows };
}

const scopes = (): [string, ReportScope][] => [
  ['one email: oldest first, archived merged, undated last', { kind: 'email', emailId: fixture.special.emailId }],
  ['an email whose events are all archived', { kind: 'email', emailId: ARCHIVED_ORPHAN_EMAIL_ID }],
  ['the whole log: newest first, undated first', { kind: 'activity' }],
  ['two types and a range', { kind: 'activity', eventTypes: ['error', 'note'], from: '2025-01-01', to: '2025-12-31' }],
  ['a Danish text and a metadata condition', { kind: 'activity', text: 'ÆBLEGRØD', metadata: [{ key: 'note', value: 'Blåbær' }] }],
  ['a category and two users', { kind: 'activity', eventCategories: ['user'], userIds: [fixture.special.userId, fixture.special.namelessUserId] }],
  ['one user in a range', { kind: 'user', userId: fixture.special.userId, from: '2020-01-01' }],
];

describe('LogStore.streamEvents on PostgreSQL and the offline cache', () => {
  it('gives the scope\'s events in report order, the same from both backends and as the service\'s pages', async () => {
    for (const [name, scope] of scopes()) {
      const expected = await scopeEvents(fixture.backends.postgres.service, scope);
      expect(expected.length, `${name} finds events`).toBeGreaterThan(0);
      for (const backend of BACKENDS) {
        const { rows } = await streamed(backend, scope);
        expect(rows.map(rowEvent), `${name} from ${backend}`).toEqual(expected);
      }
    }
  });

  it('comes in batches of the size asked, the last one shorter, and the same rows whatever the size', async () => {
    const scope: EventScope = { kind: 'activity', eventTypes: ['error'] };
    for (const backend of BACKENDS) {
      const whole = await streamed(backend, scope);
      const small = await streamed(backend, scope, 7);
      expect(small.rows).toEqual(whole.rows);
      expect(small.batches.slice(0, -1).every((size) => size === 7), backend).toBe(true);
      expect(small.batches[small.batches.length - 1]).toBeGreaterThan(0);
      expect(small.batches.reduce((sum, size) => sum + size, 0)).toBe(whole.rows.length);
    }
  });

  it('gives nothing, and no empty batch, for a filter that matches nothing or an unknown email or user', async () => {
    const none: EventScope[] = [
      { kind: 'activity', text: 'no event says this, æøå' },
      { kind: 'activity', eventTypes: ['error'], from: '2099-01-01' },
      { kind: 'email', emailId: 1_999_999_999 },
      { kind: 'user', userId: 1_999_999_999 },
    ];
    for (const backend of BACKENDS) {
      for (const scope of none) expect((await streamed(backend, scope)).batches, `${JSON.stringify(scope)} from ${backend}`).toEqual([]);
    }
  });

  it('lets go of its connection and cursor when stopped after the first batch, and the store goes on answering', async () => {
    const viewerTransactions = async () =>
      Number(
        (
          await query<{ n: string }>(
            fixture.database.writable,
            sql`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
          )
        )[0]!.n,
      );
    for (const backend of BACKENDS) {
      const { store } = fixture.backends[backend];
      // More stops than the pool has connections: a leaked one would make the later ones wait for ever.
      for (let round = 0; round < 12; round++) {
        const stream = store.streamEvents({ kind: 'activity' }, 50);
        const first = await stream.next();
        expect(first.done).toBe(false);
        expect((first.value as EventRow[]).length).toBe(50);
        // Beside an open stream, the screens' queries still answer (SQLite: the stream has its own connection).
        expect((await store.recentActivity({ limit: 3 })).events).toHaveLength(3);
        await stream.return(undefined);
      }
      if (backend === 'postgres') expect(await viewerTransactions()).toBe(0);
      expect((await streamed(backend, { kind: 'email', emailId: fixture.special.emailId })).rows.length).toBeGreaterThan(0);
    }
  });

  it('reads one snapshot: rows written while it streams are not in it', async () => {
    const { store } = fixture.backends.postgres;
    const emailId = fixture.special.emailId;
    const stream = store.streamEvents({ kind: 'email', emailId }, 2);
    const seen: EventRow[] = [];
    const first = await stream.next();
    seen.push(...(first.value as EventRow[]));
    await query(
      fixture.database.writable,
      sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at, created_by)
          VALUES (${emailId}, 'note', 'system', 'written while a report streamed', '2099-01-01 00:00:00', 'test')`,
    );
    try {
      for await (const rows of stream) seen.push(...rows);
      expect(seen.some((row) => row[4] === 'written while a report streamed')).toBe(false);
      expect((await streamed('postgres', { kind: 'email', emailId })).rows.some((row) => row[4] === 'written while a report streamed')).toBe(true);
    } finally {
      await query(fixture.database.writable, sql`DELETE FROM email_activity_log WHERE description = 'written while a report streamed'`);
    }
  });
});
