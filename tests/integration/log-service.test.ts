import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityEvent } from '../../src-main/contract/schemas';
import { createLogService } from '../../src-main/service/log-service';
import { invoke } from '../../src-main/service/invoke';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';

describe('the log service over PostgreSQL', () => {
  let db: TestDatabase;
  let service: ReturnType<typeof createLogService>;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(`
      INSERT INTO users (id, username, full_name) VALUES (5, 'mette', 'Mette Jensen'), (6, 'lars', NULL);
      INSERT INTO email_messages (id, subject, sender_email, sender_name, received_date) VALUES
        (123, 'Faktura INV-2025-001 fra Acme Corp', 'billing@acme.example', 'Acme Billing', '2025-12-15 10:29:58'),
        (124, 'Timeregistrering uge 50', 'hr@nordic.example', 'Nordic HR', '2025-12-15 11:00:00'),
        (125, '100% discount_offer', 'promo@shop.example', NULL, '2025-12-16 08:00:00');
      INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, user_id, created_at, created_by) VALUES
        (123, 'fetched', 'system', 'Email fetched from email server', '{"source": "imap", "message_id": "msg-abc-123"}', NULL, '2025-12-15 10:30:00', 'system'),
        (123, 'classified', 'system', 'Classified as invoice (confidence: 85%)', '{"classification": "invoice", "confidence": 0.85, "method": "ai"}', NULL, '2025-12-15 10:30:02', 'system'),
        (123, 'read', 'user', 'Email read by Mette Jensen', '{}', 5, '2025-12-15 11:00:00.123456', 'mette'),
        (124, 'fetched', 'system', 'Email fetched from email server', '{"source": "imap"}', NULL, '2025-12-15 11:00:01', 'system'),
        (124, 'error', 'system', 'Extraction failed: PDF corrupted', '{"error_type": "extraction_failed"}', NULL, '2025-12-15 11:00:05', 'system'),
        (124, 'read', 'user', 'Email read by lars', NULL, 6, '2025-12-15 11:00:05', 'lars'),
        (999, 'fetched', 'system', 'Email fetched from email server', NULL, NULL, '2025-12-16 09:00:00', 'system');
    `);
    service = createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' }));
  });
  afterAll(() => db.drop());

  const ids = (events: ActivityEvent[]) => events.map((e) => e.id);

  it('gives an email\'s timeline newest first, in the seed\'s shape', async () => {
    const { items, nextCursor } = await service['emails/timeline']({ emailId: 123, order: 'desc', limit: 100 });
    expect(nextCursor).toBeNull();
    expect(items.map((e) => e.event_type)).toEqual(['read', 'classified', 'fetched']);
    expect(items[2]).toEqual({
      id: expect.any(Number),
      email_id: 123,
      event_type: 'fetched',
      event_category: 'system',
      description: 'Email fetched from email server',
      metadata: { source: 'imap', message_id: 'msg-abc-123' },
      user_id: null,
      user_name: null,
      created_at: '2025-12-15T10:30:00',
      created_by: 'system',
      archived: false,
    });
    expect(items[0]).toMatchObject({ user_id: 5, user_name: 'Mette Jensen', created_at: '2025-12-15T11:00:00.123456' });
  });

  it('gives the timeline oldest first on request, and a user without a full name by username', async () => {
    const asc = await service['emails/timeline']({ emailId: 123, order: 'asc', limit: 100 });
    expect(asc.items.map((e) => e.event_type)).toEqual(['fetched', 'classified', 'read']);
    const other = await service['emails/timeline']({ emailId: 124, order: 'asc', limit: 100 });
    expect(other.items.find((e) => e.user_id === 6)?.user_name).toBe('lars');
  });

  it('pages a timeline by keyset in both orders, each event once, ties broken by id', async () => {
    for (const order of ['desc', 'asc'] as const) {
      const all = await service['emails/timeline']({ emailId: 124, order, limit: 100 });
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await service['emails/timeline']({ emailId: 124, order, limit: 1, cursor });
        seen.push(...ids(page.items));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(ids(all.items));
    }
  });

  it('says not_found for an email the log does not know, and an empty timeline for a known email without events', async () => {
    await expect(service['emails/timeline']({ emailId: 4242, order: 'desc', limit: 10 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service['emails/timeline']({ emailId: 125, order: 'desc', limit: 10 })).resolves.toEqual({ items: [], nextCursor: null });
    await expect(service['emails/get']({ emailId: 999 })).resolves.toEqual({ id: 999, subject: null, sender_email: null, received_date: null });
  });

  it('lists recent activity newest first with filters, each page continuing the last', async () => {
    const all = await service['activity/recent']({ limit: 50 });
    expect(all.items).toHaveLength(7);
    expect(all.items[0]?.email_id).toBe(999);
    const errors = await service['activity/recent']({ limit: 50, eventTypes: ['error'] });
    expect(errors.items.map((e) => e.description)).toEqual(['Extraction failed: PDF corrupted']);
    const userEvents = await service['activity/recent']({ limit: 50, eventCategories: ['user'], userIds: [5] });
    expect(userEvents.items.map((e) => e.email_id)).toEqual([123]);
    const dayOne = await service['activity/recent']({ limit: 50, from: '2025-12-15', to: '2025-12-15' });
    expect(dayOne.items).toHaveLength(6);
    const window = await service['activity/recent']({ limit: 50, from: '2025-12-15T10:30:01', to: '2025-12-15T11:00:01' });
    expect(window.items.map((e) => e.event_type)).toEqual(['fetched', 'read', 'classified']);
    const first = await service['activity/recent']({ limit: 4 });
    const second = await service['activity/recent']({ limit: 4, cursor: first.nextCursor ?? undefined });
    expect([...ids(first.items), ...ids(second.items)]).toEqual(ids(all.items));
    expect(second.nextCursor).toBeNull();
  });

  it('merges several values of one filter newest first, and pages through the merge', async () => {
    const all = await service['activity/recent']({ limit: 50 });
    const expected = all.items.filter((e) => ['error', 'read', 'fetched'].includes(e.event_type) && e.email_id !== 999);
    const merged = await service['activity/recent']({ limit: 50, eventTypes: ['read', 'error', 'fetched', 'read'], emailIds: [123, 124] });
    expect(ids(merged.items)).toEqual(ids(expected));
    const byTypes = await service['activity/recent']({ limit: 50, eventTypes: ['read', 'error'] });
    // The error and lars' read share a timestamp; the later id comes first.
    expect(byTypes.items.map((e) => e.event_type)).toEqual(['read', 'error', 'read']);
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await service['activity/recent']({ limit: 2, eventTypes: ['read', 'error', 'fetched'], cursor });
      seen.push(...ids(page.items));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(ids(all.items.filter((e) => ['error', 'read', 'fetched'].includes(e.event_type))));
  });

  it('filters by text in the description and by metadata values, taking wildcards literally', async () => {
    const text = await service['activity/recent']({ limit: 50, text: 'pdf CORRUPTED' });
    expect(text.items.map((e) => e.event_type)).toEqual(['error']);
    const percent = await service['activity/recent']({ limit: 50, text: '85%)' });
    expect(percent.items.map((e) => e.event_type)).toEqual(['classified']);
    expect((await service['activity/recent']({ limit: 50, text: 'Classified_as' })).items).toEqual([]);
    const imap = await service['activity/recent']({ limit: 50, metadata: [{ key: 'source', value: 'imap' }] });
    expect(imap.items.map((e) => e.email_id)).toEqual([124, 123]);
    const both = await service['activity/recent']({ limit: 50, metadata: [{ key: 'source', value: 'imap' }, { key: 'message_id', value: 'msg-abc-123' }] });
    expect(both.items.map((e) => e.email_id)).toEqual([123]);
    const numeric = await service['activity/recent']({ limit: 50, metadata: [{ key: 'confidence', value: '0.85' }] });
    expect(numeric.items.map((e) => e.event_type)).toEqual(['classified']);
  });

  it('offers the metadata keys the newest events carry, most frequent first', async () => {
    const { keys } = await service['activity/metadata-keys']({});
    expect(keys[0]).toEqual({ key: 'source', count: 2 });
    expect(keys.map((k) => k.key).sort()).toEqual(['classification', 'confidence', 'error_type', 'message_id', 'method', 'source']);
    const errorKeys = await service['activity/metadata-keys']({ eventTypes: ['error'] });
    expect(errorKeys.keys).toEqual([{ key: 'error_type', count: 1 }]);
  });

  it('gives the seed\'s statistics with counts as numbers, for all time or a date range', async () => {
    const stats = await service['activity/stats']({});
    expect(stats[0]).toEqual({ event_type: 'fetched', event_category: 'system', count: 3, last_occurrence: '2025-12-16T09:00:00' });
    expect(stats.reduce((sum, s) => sum + s.count, 0)).toBe(7);
    const ranged = await service['activity/stats']({ from: '2025-12-16' });
    expect(ranged).toEqual([{ event_type: 'fetched', event_category: 'system', count: 1, last_occurrence: '2025-12-16T09:00:00' }]);
  });

  it('finds emails by id, subject or sender, taking wildcards literally', async () => {
    const byId = await service['emails/search']({ query: '124', limit: 10 });
    expect(byId.items.map((e) => e.id)).toEqual([124]);
    const bySubject = await service['emails/search']({ query: 'faktura', limit: 10 });
    expect(bySubject.items.map((e) => e.id)).toEqual([123]);
    const bySender = await service['emails/search']({ query: 'nordic.example', limit: 10 });
    expect(bySender.items.map((e) => e.id)).toEqual([124]);
    const literal = await service['emails/search']({ query: '100%', limit: 10 });
    expect(literal.items.map((e) => e.id)).toEqual([125]);
    const underscore = await service['emails/search']({ query: 'discount_', limit: 10 });
    expect(underscore.items.map((e) => e.id)).toEqual([125]);
    const pageOne = await service['emails/search']({ query: '', limit: 2 });
    const pageTwo = await service['emails/search']({ query: '', limit: 2, cursor: pageOne.nextCursor ?? undefined });
    expect([...pageOne.items, ...pageTwo.items].map((e) => e.id)).toEqual([125, 124, 123]);
  });

  it('puts the email whose id was typed first, finds `#id` alone, and counts exactly (issue 11, items 4 and 8)', async () => {
    await db.writable.query(
      `INSERT INTO email_messages (id, subject, sender_email) VALUES (1124, 'Re: order 124', 'a@example.com'), (2124, 'Order 124 again', 'b@example.com')`,
    );
    try {
      const bare = await service['emails/search']({ query: '124', limit: 10 });
      expect(bare.items.map((e) => e.id)).toEqual([124, 2124, 1124]);
      const paged = await service['emails/search']({ query: '124', limit: 2 });
      const next = await service['emails/search']({ query: '124', limit: 2, cursor: paged.nextCursor ?? undefined });
      expect([...paged.items, ...next.items].map((e) => e.id)).toEqual([124, 2124, 1124]);
      for (const query of ['#124', '# 124', ' #124 ']) {
        expect((await service['emails/search']({ query, limit: 10 })).items.map((e) => e.id)).toEqual([124]);
      }
      expect((await service['emails/search']({ query: '#99999', limit: 10 })).items).toEqual([]);
      expect(await service['emails/count']({ query: '124' })).toEqual({ count: 3, exact: true, searched: 5 });
      expect(await service['emails/count']({ query: '#124' })).toEqual({ count: 1, exact: true, searched: 1 });
      expect(await service['emails/count']({ query: '' })).toEqual({ count: 5, exact: true, searched: 5 });
    } finally {
      await db.writable.query('DELETE FROM email_messages WHERE id IN (1124, 2124)');
    }
  });

  it('gives the email header its status, classification, processing time and error count (issue 11, item 10)', async () => {
    await db.writable.query(`UPDATE email_messages SET status = 'processed', classification = 'time_confirmation' WHERE id = 124`);
    expect(await service['emails/overview']({ emailId: 124 })).toEqual({
      id: 124,
      status: 'processed',
      classification: 'time_confirmation',
      event_count: 3,
      error_count: 1,
      first_event_at: '2025-12-15T11:00:01',
      last_event_at: '2025-12-15T11:00:05',
      processing_ms: 4000,
      notice: null,
    });
    // An email known only to the log: no status, its trail still timed.
    expect(await service['emails/overview']({ emailId: 999 })).toMatchObject({ status: null, classification: null, event_count: 1, error_count: 0, processing_ms: 0 });
    await expect(service['emails/overview']({ emailId: 4242 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('lists users by name, the username standing in for a missing full name', async () => {
    const { items } = await service['users/list']({});
    expect(items).toEqual([
      { id: 6, user_name: 'lars', email: null },
      { id: 5, user_name: 'Mette Jensen', email: null },
    ]);
  });

  it('audits what a user did, newest first, with the email\'s subject', async () => {
    const { items } = await service['users/activity']({ userId: 5, limit: 10 });
    expect(items.map((e) => [e.event_type, e.email_subject])).toEqual([['read', 'Faktura INV-2025-001 fra Acme Corp']]);
  });

  it('answers 404 for an unknown user, and [] for a known user who did nothing (issue 11, item 7)', async () => {
    await expect(service['users/activity']({ userId: 77, limit: 10 })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no user with id 77/) });
    await db.writable.query(`INSERT INTO users (id, username, full_name) VALUES (8, 'idle', 'Ida Le')`);
    expect((await service['users/activity']({ userId: 8, limit: 10 })).items).toEqual([]);
  });

  it('reports the source as connected and read-only, with the log\'s time zone', async () => {
    const status = await service['source/status']({});
    expect(status).toMatchObject({ kind: 'postgres', label: 'test', state: 'connected', readOnly: true, message: null });
    expect(status.timeZone).toEqual(expect.any(String));
  });

  it('rejects bad input through invoke with a value that names the field', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['emails/timeline', { emailId: 'abc' }, /emailId: must be a number/],
      ['emails/timeline', { emailId: -1 }, /emailId: must be a positive id/],
      ['emails/timeline', { emailId: 123, limit: 10_000_000 }, /limit: must be between 1 and 10000/],
      ['emails/timeline', { emailId: 123, order: 'sideways' }, /order: must be "desc"/],
      ['emails/timeline', { emailId: 123, cursor: 'bm9wZQ' }, /cursor: is not a cursor/],
      // A continuing search's cursor carries its budget; one that asks for the whole log in a page is refused.
      ['activity/recent', { text: 'x', cursor: Buffer.from('["2025-12-15T10:00:00",5,100000000]').toString('base64url') }, /cursor: is not a cursor/],
      ['activity/recent', { text: 'x', cursor: Buffer.from('["2025-12-15T10:00:00",5,"all"]').toString('base64url') }, /cursor: is not a cursor/],
      ['activity/recent', { eventCategories: ['bogus'] }, /unknown event category "bogus"/],
      ['activity/recent', { eventTypes: ["error' OR '1'='1"] }, /eventTypes.0: must be an event type/],
      ['activity/recent', { from: '2025-13-01' }, /from: must be an ISO 8601 date/],
      ['activity/recent', { from: '2025-12-16', to: '2025-12-15' }, /from: must not be after "to"/],
      ['activity/stats', { drop: 'table' }, /unknown field drop/],
      ['activity/recent', { metadata: [{ key: "a'; DROP TABLE x; --", value: '1' }] }, /metadata.0.key: must be a metadata key/],
      ['users/activity', { userId: 0 }, /userId: must be a positive id/],
      ['analytics/slowest', { limit: 1000 }, /limit: must be between 1 and 100/],
      ['analytics/timeseries', { bucket: 'hour' }, /bucket: must be day, week or month/],
      ['nope/nothing', {}, /unknown operation/],
    ];
    for (const [operation, payload, message] of cases) {
      const result = await invoke(service, operation, payload);
      expect(result.ok, `${operation} ${JSON.stringify(payload)}`).toBe(false);
      if (!result.ok) {
        expect(result.error.code).toMatch(/bad_request|not_found/);
        expect(result.error.message).toMatch(message);
      }
    }
  });
});

describe('searching a hub with and without the search indexes (issue 12, item 1)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(`
      INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_at) VALUES
        (1, 'error', 'system', 'Extraction failed: PDF corrupted', '{"error_type": "extraction_failed", "context": {"endpoint": "/pdf"}}', '2025-12-15 11:00:05'),
        (1, 'note', 'user', 'Nothing to see', '{"execution_time_ms": 1250}', '2025-12-15 11:00:06')`);
  });
  afterAll(() => db.drop());

  const search = (filter: Record<string, unknown>) =>
    createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' }))['activity/recent']({ limit: 10, ...filter } as never);

  it('finds text, values compared as text and nested keys through the indexes', async () => {
    expect((await search({ text: 'pdf CORRUPTED' })).source).toEqual({ search: 'index', notice: null });
    expect((await search({ metadata: [{ key: 'execution_time_ms', value: '1250' }] })).items.map((e) => e.description)).toEqual(['Nothing to see']);
    expect((await search({ metadata: [{ key: 'context.endpoint', value: '/pdf' }] })).items.map((e) => e.event_type)).toEqual(['error']);
  });

  it('keeps the bounded scan for a text too short for trigrams, and says why', async () => {
    expect((await search({ text: 'pd' })).source).toEqual({ search: 'scan', notice: expect.stringMatching(/three letters or digits in a row/) });
  });

  it('keeps the bounded scan on a hub without pg_trgm\'s index, and says so', async () => {
    await db.writable.query('DROP INDEX idx_email_activity_log_description_trgm');
    const page = await search({ text: 'corrupted' });
    expect(page.items.map((e) => e.event_type)).toEqual(['error']);
    expect(page.source).toEqual({ search: 'scan', notice: expect.stringMatching(/no search index \(pg_trgm/) });
    // The metadata index still serves metadata.
    expect((await search({ metadata: [{ key: 'error_type', value: 'extraction_failed' }] })).source).toEqual({ search: 'index', notice: null });
  });
});
