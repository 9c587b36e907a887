import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationName } from '../../src-main/contract/operations';
import type { RecentActivityPage } from '../../src-main/contract/schemas';
import { redactUrl } from '../../src-main/db/connection';
import { invoke } from '../../src-main/service/invoke';
import { ARCHIVED_ORPHAN_EMAIL_ID, BACKENDS, createStoreFixture, type BackendName, type StoreFixture } from '../support/stores';

// One suite, every operation, both backends: the cache must answer exactly as PostgreSQL does.
let fixture: StoreFixture;
beforeAll(async () => {
  // ~4,000 events: enough that a bounded page (activity-scan.ts) stops at its budget and resumes.
  fixture = await createStoreFixture({ emails: 600, archive: true });
}, 120_000);
afterAll(() => fixture?.close());

/** The operation's answer, every page of it when it pages; analytics without their `source` note. */
async function answer(backend: BackendName, operation: OperationName, payload: Record<string, unknown>, maxPages = 60): Promise<unknown> {
  const { service } = fixture.backends[backend];
  const pages: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await invoke(service, operation, cursor ? { ...payload, cursor } : payload);
    if (!result.ok) return [...pages, result];
    const value = result.value as { nextCursor?: string | null; source?: unknown };
    const { source: _source, ...rest } = value && typeof value === 'object' && !Array.isArray(value) ? value : { value };
    pages.push(Array.isArray(value) ? value : rest);
    if (!value || typeof value !== 'object' || !('nextCursor' in value) || !value.nextCursor) break;
    cursor = value.nextCursor;
  }
  return pages;
}

/** Asserts both backends agree, and that the answer holds something when it should (a test that cannot fail proves nothing). */
async function expectSameAnswer(operation: OperationName, payload: Record<string, unknown>, { nonEmpty = true } = {}) {
  const answers: Partial<Record<BackendName, unknown>> = {};
  for (const backend of BACKENDS) answers[backend] = await answer(backend, operation, payload);
  const label = `${operation} ${JSON.stringify(payload)}`;
  if (nonEmpty) expect.soft(JSON.stringify(answers.postgres), `${label} finds something`).toMatch(/"(id|event_type|key|bucket|error_type|workflow|user_name)"/);
  // Byte for byte, key order included.
  expect.soft(JSON.stringify(answers.sqlite), label).toBe(JSON.stringify(answers.postgres));
}

const RANGES = [
  {},
  { from: '2025-01-01', to: '2025-12-31' },
  { from: '2025-03-02', to: '2025-03-02' },
  { from: '2025-03-02T06:00', to: '2025-03-02T23:59:59.999999' },
  { from: '2025-03-02T12:00:00', to: '2025-03-03' },
  { from: '2025-02-10T10:30:15.5', to: '2025-07-15T13:00' },
  { from: '2025-05-01T00:00:00', to: '2025-08-30T00:00' },
  { to: '2025-04-01' },
  { from: '2026-01-01' },
];

describe('the cache answers every operation exactly as PostgreSQL', () => {
  it('timelines, newest and oldest first, page by page', async () => {
    const { emailId, orphanEmailId } = fixture.special;
    for (const id of [emailId, orphanEmailId, 1, 2, 17]) {
      for (const order of ['desc', 'asc']) await expectSameAnswer('emails/timeline', { emailId: id, order, limit: 2 });
    }
    await expectSameAnswer('emails/timeline', { emailId: 1_999_999_999 }, { nonEmpty: false });
  });

  it('timelines merge the archived events in, marked, at every page size and in both orders (issue 13, item 5)', async () => {
    const { emailId, orphanEmailId } = fixture.special;
    for (const id of [1, 2, 3, emailId, orphanEmailId, ARCHIVED_ORPHAN_EMAIL_ID]) {
      for (const order of ['desc', 'asc']) {
        for (const limit of [1, 3, 1000]) await expectSameAnswer('emails/timeline', { emailId: id, order, limit });
      }
    }
    // Emails 1 and 2 alternate between the tables, so most page boundaries fall between them.
    const pages = (await answer('postgres', 'emails/timeline', { emailId: 1, limit: 1 })) as { items: { archived: boolean }[] }[];
    const marks = pages.flatMap((page) => page.items.map((item) => item.archived));
    expect(marks).toContain(true);
    expect(marks).toContain(false);
    // Page by page, every event once, in (created_at, id) order across both tables, as SQL orders them.
    const truth = await fixture.database.readable.query<{ id: number; archived: boolean }>(
      `SELECT id, archived FROM (SELECT id, created_at, false AS archived FROM email_activity_log WHERE email_id = 1
         UNION ALL SELECT id, created_at, true FROM email_activity_log_archive WHERE email_id = 1) t ORDER BY created_at DESC, id DESC`,
    );
    for (const limit of [1, 2, 5]) {
      for (const backend of BACKENDS) {
        const paged = (await answer(backend, 'emails/timeline', { emailId: 1, limit })) as { items: { id: number; archived: boolean }[] }[];
        expect(paged.flatMap((page) => page.items.map(({ id, archived }) => ({ id, archived })))).toEqual(truth.rows);
      }
    }
    for (const id of [3, ARCHIVED_ORPHAN_EMAIL_ID]) {
      const [whole] = (await answer('sqlite', 'emails/timeline', { emailId: id })) as { items: { archived: boolean }[] }[];
      expect(whole!.items.length).toBeGreaterThan(0);
      expect(whole!.items.every((item) => item.archived)).toBe(true);
    }
    // Found, and its header counts its archived trail, though the log and email_messages lack it.
    for (const operation of ['emails/get', 'emails/overview'] as const) await expectSameAnswer(operation, { emailId: ARCHIVED_ORPHAN_EMAIL_ID });
    const [overview] = (await answer('sqlite', 'emails/overview', { emailId: ARCHIVED_ORPHAN_EMAIL_ID })) as { event_count: number; error_count: number }[];
    expect(overview).toMatchObject({ event_count: 2, error_count: 1 });
  });

  it('recent activity with every filter, page by page', async () => {
    const { emailId, orphanEmailId, userId, namelessUserId } = fixture.special;
    const filters: Record<string, unknown>[] = [
      {},
      { eventTypes: ['error'] },
      { eventTypes: ['error', 'note', 'read'] },
      { eventCategories: ['user', 'workflow'] },
      { eventCategories: ['system'], eventTypes: ['note', 'error'] },
      { userIds: [userId, namelessUserId, 1] },
      { userIds: [userId] },
      { emailIds: [emailId, orphanEmailId] },
      { emailIds: [emailId], eventTypes: ['note'] },
      ...RANGES.filter((range) => Object.keys(range).length > 0),
      { text: 'æblegrød' },
      { text: '  ÆBLEGRØD er ' },
      { text: 'ÆRGERLIG' },
      { text: '100%' },
      { text: '_' },
      { text: 'færdig_nu' },
      { text: '%' },
      { text: 'fetched' },
      { text: 'invoice', eventCategories: ['workflow', 'system'], from: '2025-05-01' },
      { metadata: [{ key: 'note', value: 'Blåbær' }] },
      { metadata: [{ key: 'invoice.number', value: 'INV-1' }] },
      { metadata: [{ key: 'amount', value: '1.5' }] },
      { metadata: [{ key: 'flag', value: 'true' }] },
      { metadata: [{ key: 'nested', value: '{"a": 1.50, "b": [1, 2]}' }] },
      { metadata: [{ key: 'n', value: '1.50' }] },
      { metadata: [{ key: 'error_type', value: '42' }] },
      { metadata: [{ key: 'status', value: 'completed' }], eventTypes: ['workflow_executed'] },
      { metadata: [{ key: 'status', value: 'failed' }, { key: 'workflow_name', value: 'Ærgerlig flow' }] },
      { metadata: [{ key: 'source', value: 'imap' }], from: '2025-03-01', to: '2025-03-31' },
    ];
    for (const filter of filters) {
      const mustFind = !('from' in filter && filter.from === '2026-01-01');
      await expectSameAnswer('activity/recent', { ...filter, limit: 7 }, { nonEmpty: mustFind });
    }
    await expectSameAnswer('activity/recent', { text: 'no such words anywhere' }, { nonEmpty: false });
  });

  const everyMatch = async (filter: Record<string, unknown>, condition: string) => {
    const expected = await fixture.database.writable.query<{ id: number }>(
      `SELECT id FROM email_activity_log WHERE ${condition} ORDER BY created_at DESC NULLS FIRST, id DESC`,
    );
    const pages = (await answer('postgres', 'activity/recent', { ...filter, limit: 7 }, 500)) as RecentActivityPage[];
    expect(JSON.stringify(await answer('sqlite', 'activity/recent', { ...filter, limit: 7 }, 500)), JSON.stringify(filter)).toBe(JSON.stringify(pages));
    expect(pages.flatMap((page) => page.items.map((event) => event.id)), JSON.stringify(filter)).toEqual(expected.rows.map((row) => row.id));
    expect(pages.at(-1)?.nextCursor).toBeNull();
    return pages;
  };

  it('a filter checked row by row examines a bounded number of rows per page, resumes there and finds every match', async () => {
    // No index serves these: a text without three letters or digits in a row.
    const cases: [Record<string, unknown>, string][] = [
      [{ text: 'zq' }, 'false'],
      [{ eventTypes: ['rule_matched', 'error'], text: 'ko' }, `event_type IN ('rule_matched', 'error') AND description ILIKE '%ko%'`],
      [{ eventCategories: ['system', 'workflow'], text: '%q' }, 'false'],
      [{ eventCategories: ['system', 'workflow'], text: 'q' }, `event_category IN ('system', 'workflow') AND description ILIKE '%q%'`],
    ];
    for (const [filter, condition] of cases) {
      const pages = await everyMatch(filter, condition);
      // The log (~4,000 events) is larger than one page's budget, so some page stopped early and said how far it had searched.
      const stopped = pages.filter((page) => page.searchedTo !== null);
      expect(stopped.length, JSON.stringify(filter)).toBeGreaterThan(0);
      expect(stopped.every((page) => page.items.length <= 7 && page.nextCursor !== null)).toBe(true);
      for (const backend of BACKENDS) {
        const first = await invoke(fixture.backends[backend].service, 'activity/recent', { ...filter, limit: 7 });
        expect(first.ok && first.value.source?.search, `${backend} ${JSON.stringify(filter)}`).toBe('scan');
      }
    }
  });

  it('a text or metadata search goes through the indexes: whole pages, exact continuation, no searchedTo (issue 12, item 1)', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ text: 'KONKURS' }, `description ILIKE '%konkurs%'`],
      [{ eventTypes: ['rule_matched', 'error'], text: 'konkurs' }, `event_type IN ('rule_matched', 'error') AND description ILIKE '%konkurs%'`],
      [{ metadata: [{ key: 'error_type', value: 'workflow_failed' }] }, `metadata ->> 'error_type' = 'workflow_failed'`],
      [{ eventCategories: ['system', 'workflow'], text: 'failed' }, `event_category IN ('system', 'workflow') AND description ILIKE '%failed%'`],
      [{ text: 'no such words anywhere' }, 'false'],
      [{ text: '100%' }, `description LIKE '%100\\%%'`],
      [{ text: 'dig_nu' }, `description ILIKE '%dig\\_nu%'`],
      [{ text: 'ÆBLEGRØD' }, `lower(description) LIKE '%æblegrød%'`],
      [{ metadata: [{ key: 'execution_time_ms', value: '1048575' }] }, `metadata ->> 'execution_time_ms' = '1048575'`],
      [{ metadata: [{ key: 'flag', value: 'true' }] }, `metadata ->> 'flag' = 'true'`],
      [{ metadata: [{ key: 'n', value: '1.5' }] }, 'false'],
      [{ metadata: [{ key: 'invoice.number', value: 'INV-1' }] }, `metadata ->> 'invoice.number' = 'INV-1'`],
      [{ metadata: [{ key: 'context.file', value: 'faktura.pdf' }] }, `metadata #>> '{context,file}' = 'faktura.pdf'`],
      [{ metadata: [{ key: 'nested.a', value: '1.50' }] }, `metadata #>> '{nested,a}' = '1.50'`],
      [{ text: 'fa', metadata: [{ key: 'status', value: 'failed' }] }, `description ILIKE '%fa%' AND metadata ->> 'status' = 'failed'`],
      [{ metadata: [{ key: 'nested.b', value: '[1, 2]' }] }, `metadata #>> '{nested,b}' = '[1, 2]'`],
      [{ metadata: [{ key: 'context.size', value: '0' }] }, `metadata #>> '{context,size}' = '0'`],
      [{ metadata: [{ key: 'status', value: 'true' }] }, `metadata ->> 'status' = 'true'`],
    ];
    for (const [filter, condition] of cases) {
      const pages = await everyMatch(filter, condition);
      const label = JSON.stringify(filter);
      expect(pages.every((page) => page.searchedTo === null), label).toBe(true);
      expect(pages.slice(0, -1).every((page) => page.items.length === 7), label).toBe(true);
      if (condition !== 'false') expect(pages[0]?.items.length, label).toBeGreaterThan(0);
      for (const backend of BACKENDS) {
        const first = await invoke(fixture.backends[backend].service, 'activity/recent', { ...filter, limit: 7 });
        expect(first.ok && first.value.source, `${backend} ${label}`).toEqual({ search: 'index', notice: null });
      }
    }
  });

  it('statistics, events over time, errors and workflows for any range', async () => {
    for (const range of RANGES) {
      const nonEmpty = !('from' in range && range.from === '2026-01-01');
      await expectSameAnswer('activity/stats', range, { nonEmpty });
      for (const bucket of ['day', 'week', 'month']) await expectSameAnswer('analytics/timeseries', { ...range, bucket }, { nonEmpty });
      await expectSameAnswer('analytics/errors', range, { nonEmpty });
      await expectSameAnswer('analytics/workflows', range, { nonEmpty });
    }
  });

  it('analytics with the archived events added, for any range (issue 13, item 5)', async () => {
    for (const range of RANGES) {
      const nonEmpty = !('from' in range && range.from === '2026-01-01');
      const archived = { ...range, includeArchived: true };
      await expectSameAnswer('activity/stats', archived, { nonEmpty });
      await expectSameAnswer('analytics/timeseries', { ...archived, bucket: 'week' }, { nonEmpty });
      await expectSameAnswer('analytics/errors', archived, { nonEmpty });
      await expectSameAnswer('analytics/workflows', archived, { nonEmpty });
      await expectSameAnswer('analytics/error-impact', archived, { nonEmpty: false });
    }
    await expectSameAnswer('activity/extent', { includeArchived: true }, { nonEmpty: false });
    const [[log], [withArchive]] = [
      (await answer('postgres', 'activity/extent', {})) as { oldest: string }[],
      (await answer('postgres', 'activity/extent', { includeArchived: true })) as { oldest: string }[],
    ];
    expect(withArchive!.oldest <= log!.oldest).toBe(true);
    // The flag adds exactly the archive's events, on both stores.
    const { rows } = await fixture.database.readable.query<{ n: number }>('SELECT count(*)::int AS n FROM email_activity_log_archive');
    for (const backend of BACKENDS) {
      const total = async (includeArchived: boolean) =>
        ((await answer(backend, 'activity/stats', { includeArchived })) as { count: number }[][])[0]!.reduce((sum, stat) => sum + stat.count, 0);
      // Emails 1 to 3's trails and the fixture's own (17 with the seed's demo since it runs the workflow engine).
      expect(rows[0]!.n).toBeGreaterThan(10);
      expect((await total(true)) - (await total(false))).toBe(rows[0]!.n);
    }
  });

  it("the emails of events, from the log and the archive, to link an integrity failure to its timeline (issue 15)", async () => {
    const [page] = (await answer('postgres', 'emails/timeline', { emailId: 1, order: 'asc', limit: 1000 })) as [{ items: { id: number; email_id: number; archived?: boolean }[] }];
    expect(page.items.some((event) => event.archived)).toBe(true);
    const ids = [...page.items.map((event) => event.id), 999_999_999];
    const answers = await Promise.all(BACKENDS.map(async (backend) => [...(await fixture.backends[backend].store.emailsOfEvents(ids))].sort(([a], [b]) => a - b)));
    expect(answers[0]).toEqual(page.items.map((event) => [event.id, 1]).sort(([a], [b]) => (a as number) - (b as number)));
    expect(answers[1]).toEqual(answers[0]);
  });

  it('slowest executions, metadata keys, users and their activity', async () => {
    for (const limit of [1, 10, 100]) await expectSameAnswer('analytics/slowest', { limit });
    for (const eventTypes of [undefined, ['error'], ['workflow_executed', 'note']]) {
      await expectSameAnswer('activity/metadata-keys', eventTypes ? { eventTypes } : {});
    }
    await expectSameAnswer('users/list', {});
    const { userId, namelessUserId } = fixture.special;
    for (const id of [userId, namelessUserId, 1, 3]) await expectSameAnswer('users/activity', { userId: id, limit: 5 });
  });

  it('slowest runs per range, workflow and status; a user’s activity per range and type, and its summary (issue 11, item 9)', async () => {
    const [{ items: all }] = (await answer('postgres', 'analytics/slowest', { limit: 100 })) as [{ items: { workflow: string; status: string }[] }];
    const workflow = all[0]!.workflow;
    for (const filter of [{ workflow }, { status: 'failed' }, { workflow, status: 'completed' }, ...RANGES.slice(1).map((range) => ({ ...range, workflow }))]) {
      await expectSameAnswer('analytics/slowest', { limit: 20, ...filter }, { nonEmpty: false });
    }
    const [{ items: failed }] = (await answer('postgres', 'analytics/slowest', { limit: 100, status: 'failed' })) as [{ items: { status: string }[] }];
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((run) => run.status === 'failed')).toBe(true);

    const { userId, namelessUserId } = fixture.special;
    for (const id of [userId, namelessUserId, 1, 3]) {
      for (const filter of [{}, ...RANGES.slice(1), { eventTypes: ['read'] }, { eventTypes: ['read', 'note'], from: '2025-03-02' }]) {
        await expectSameAnswer('users/activity', { userId: id, limit: 5, ...filter }, { nonEmpty: false });
        if (!('eventTypes' in filter)) await expectSameAnswer('users/summary', { userId: id, ...filter }, { nonEmpty: false });
      }
    }
    const [summary] = (await answer('postgres', 'users/summary', { userId: 1 })) as [{ types: { count: number }[]; total: number }];
    expect(summary.types.length).toBeGreaterThan(0);
    expect(summary.total).toBe(summary.types.reduce((sum, row) => sum + row.count, 0));
  });

  it('the log’s extent, its oldest and newest event (issue 11, item 3)', async () => {
    await expectSameAnswer('activity/extent', {}, { nonEmpty: false });
    // Issue 11, item 8: distinct emails per error type, first seen in the whole log, the range's volume.
    for (const range of RANGES) await expectSameAnswer('analytics/error-impact', range, { nonEmpty: false });
    const [whole] = (await answer('postgres', 'analytics/error-impact', {})) as [{ errors: { emails: number; first_seen: string }[]; emails: number; events: number }];
    expect(whole.errors.length).toBeGreaterThan(0);
    expect(whole.emails).toBeGreaterThan(0);
    expect(whole.events).toBeGreaterThan(whole.emails);
    // First seen looks at the whole log: a range that starts later still names the earlier first error.
    const firstError = whole.errors.map((row) => row.first_seen).sort()[0]!;
    const later = { from: `${firstError.slice(0, 10)}T23:59:59.999999` };
    const [narrow] = (await answer('postgres', 'analytics/error-impact', later)) as [{ errors: { first_seen: string }[] }];
    const [counts] = (await answer('postgres', 'analytics/errors', later)) as [{ errors: { first_seen: string }[] }];
    expect(narrow.errors.map((row) => row.first_seen).sort()[0]).toBe(firstError);
    expect(counts.errors.map((row) => row.first_seen).sort()[0]! > firstError).toBe(true);
    const extent = (await answer('postgres', 'activity/extent', {})) as [{ oldest: string; newest: string }];
    expect(extent[0].oldest < extent[0].newest).toBe(true);
  });

  it('email lookup and search, page by page', async () => {
    const { emailId, orphanEmailId } = fixture.special;
    for (const id of [emailId, orphanEmailId, 1]) await expectSameAnswer('emails/get', { emailId: id });
    await expectSameAnswer('emails/get', { emailId: 1_999_999_999 }, { nonEmpty: false });
    for (const text of ['', 'æble', 'SØREN', 'blåbær', 'ågård', '100%', '_', String(emailId), 'invoice', '1']) {
      await expectSameAnswer('emails/search', { query: text, limit: 20 });
    }
    await expectSameAnswer('emails/search', { query: 'zzz no match' }, { nonEmpty: false });
    // An exact id first, `#id` alone, and exact counts (issue 11, items 4 and 8).
    for (const text of ['39', '#39', '# 39', `#${orphanEmailId}`, '17', '#1999999999']) {
      await expectSameAnswer('emails/search', { query: text, limit: 7 }, { nonEmpty: text !== '#1999999999' });
    }
    for (const text of ['', '39', '#39', 'invoice', 'æble', 'zzz no match']) await expectSameAnswer('emails/count', { query: text }, { nonEmpty: false });
    // The email header's status, classification, processing time and errors (issue 11, item 10).
    for (const id of [emailId, orphanEmailId, 1, 2, 17, 39]) await expectSameAnswer('emails/overview', { emailId: id });
    await expectSameAnswer('emails/overview', { emailId: 1_999_999_999 }, { nonEmpty: false });
  });

  it('counts the events of every activity filter exactly, from the rollups or row by row (issue 11, item 8)', async () => {
    const { emailId, orphanEmailId, userId } = fixture.special;
    const filters: Record<string, unknown>[] = [
      ...RANGES,
      { eventTypes: ['error'] },
      { eventTypes: ['error', 'note'], ...RANGES[4] },
      { eventCategories: ['user', 'workflow'], ...RANGES[5] },
      { userIds: [userId], from: '2025-03-01' },
      { emailIds: [emailId, orphanEmailId] },
      { text: 'ÆBLEGRØD' },
      { text: 'invoice', eventCategories: ['workflow', 'system'], from: '2025-05-01' },
      { metadata: [{ key: 'error_type', value: 'workflow_failed' }] },
      { metadata: [{ key: 'status', value: 'failed' }], eventTypes: ['workflow_executed'], ...RANGES[3] },
    ];
    for (const filter of filters) {
      const label = JSON.stringify(filter);
      const counts = await Promise.all(BACKENDS.map((backend) => invoke(fixture.backends[backend].service, 'activity/count', filter)));
      expect(counts[1], label).toEqual(counts[0]);
      // The truth: every page of the list itself.
      const pages = (await answer('postgres', 'activity/recent', { ...filter, limit: 1000 }, 500)) as RecentActivityPage[];
      const listed = pages.reduce((sum, page) => sum + page.items.length, 0);
      expect(counts[0], label).toEqual({ ok: true, value: { count: listed, exact: true } });
    }
    const all = await invoke(fixture.backends.postgres.service, 'activity/count', {});
    expect(all.ok && all.value.count).toBeGreaterThan(3_000);
  });

  it('past its bound a count says so and answers a lower bound, on both stores (issue 11, item 8)', async () => {
    for (const backend of BACKENDS) {
      const { store } = fixture.backends[backend];
      expect(await store.countActivity({ userIds: [fixture.special.userId, 1, 2] }, { bound: 5 }), backend).toEqual({ count: 5, exact: false });
      const all = await store.countActivity({ text: 'e' });
      const bounded = await store.countActivity({ text: 'e' }, { scanBound: 50 });
      expect(bounded.exact, backend).toBe(false);
      expect(bounded.count, backend).toBeGreaterThan(0);
      expect(bounded.count, backend).toBeLessThan(all.count);
    }
  });

  it('email subjects for a page of activity, by id (issue 11, item 10)', async () => {
    const { emailId, orphanEmailId } = fixture.special;
    await expectSameAnswer('emails/subjects', { emailIds: [emailId, orphanEmailId, 1, 2, 3, 1_999_999_999, 2] });
    const answer = await invoke(fixture.backends.sqlite.service, 'emails/subjects', { emailIds: [orphanEmailId, 1_999_999_999] });
    expect(answer).toEqual({ ok: true, value: { items: [] } });
  });

  it('says where its data comes from: the cache file, when it was synced, and the source zone', async () => {
    const postgres = await invoke(fixture.backends.postgres.service, 'source/status', {});
    const sqlite = await invoke(fixture.backends.sqlite.service, 'source/status', {});
    if (!sqlite.ok || !postgres.ok) throw new Error('source/status failed');
    expect(sqlite.value).toMatchObject({ kind: 'cache', state: 'connected', readOnly: true, timeZone: postgres.value.timeZone });
    expect(sqlite.value.label).toContain(fixture.cacheFile);
    expect(sqlite.value.label).toMatch(/synced \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(sqlite.value.syncedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(sqlite.value.label).toContain(sqlite.value.syncedAt?.replace('T', ' ').slice(0, 16));
    expect(postgres.value.syncedAt).toBeNull();
    expect(sqlite.value.cachedFrom).toBe(redactUrl(fixture.database.url));
    expect(postgres.value.cachedFrom).toBeNull();
  });
});
