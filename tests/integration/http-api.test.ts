import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isWriteOperation, OPERATION_NAMES, operations, rpcPathOf, type OperationName, type RequestOf } from '../../src-main/contract/operations';
import { CONTENT_SECURITY_POLICY } from '../../src-main/security/csp';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { createLogService } from '../../src-main/service/log-service';
import { createRetentionService } from '../../src-main/service/retention-service';
import { createWorkflowsService } from '../../src-main/service/workflows-service';
import { createBackupsService } from '../../src-main/service/backups-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { rawRequest, type RawResponse } from '../support/http';

// The seed's "Via API" example, oldest first; the seed leaves out user_id and user_name on the second item, the API sends null.
const SEED_TIMELINE = [
  {
    id: 1,
    email_id: 123,
    event_type: 'fetched',
    event_category: 'system',
    description: 'Email fetched from email server',
    metadata: { source: 'imap', message_id: 'msg-abc-123' },
    user_id: null,
    user_name: null,
    created_at: '2025-12-15T10:30:00',
    created_by: 'system',
  },
  {
    id: 2,
    email_id: 123,
    event_type: 'classified',
    event_category: 'system',
    description: 'Classified as invoice (confidence: 85%)',
    metadata: { classification: 'invoice', confidence: 0.85, method: 'ai' },
    user_id: null,
    user_name: null,
    created_at: '2025-12-15T10:30:02',
    created_by: 'system',
  },
];

const SEED_ITEM_KEYS = ['id', 'email_id', 'event_type', 'event_category', 'description', 'metadata', 'user_id', 'user_name', 'created_at', 'created_by'];
// The timeline extends the seed's item with whether the event is archived (issue 13, item 5).
const TIMELINE = SEED_TIMELINE.map((event) => ({ ...event, archived: false }));
const TIMELINE_ITEM_KEYS = [...SEED_ITEM_KEYS, 'archived'];


let db: TestDatabase;
let server: HttpServer;
let base: string;

/** A request with full control over method, Host and body, which fetch does not give. */
function raw(path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; to?: HttpServer } = {}): Promise<RawResponse> {
  const { to, ...request } = options;
  return rawRequest((to ?? server).port, path, request);
}

const get = (path: string) => raw(path);
const rpc = (operation: string, body: unknown) =>
  raw(`/api/v1/rpc/${operation}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Every error is JSON with name, code and message, and never a stack trace. */
function expectJsonError(response: RawResponse, status: number, messagePattern?: RegExp) {
  expect(response.status, response.text).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const { error } = response.json as { error: { name: string; code: string; message: string } };
  expect(Object.keys(error).sort()).toEqual(['code', 'message', 'name']);
  expect(error.name).toBe('MailtrailError');
  expect(error.message.length).toBeGreaterThan(10);
  expect(response.text).not.toMatch(/\n\s+at |\.ts:\d+/);
  if (messagePattern) expect(error.message).toMatch(messagePattern);
  return error;
}

async function writeSeedExample() {
  // The seed's own SQL, then the example's times.
  await db.writable.query(`SELECT log_email_event(123, 'fetched', 'system', 'Email fetched from email server', '{"source": "imap", "message_id": "msg-abc-123"}'::jsonb, NULL, 'system')`);
  await db.writable.query(`SELECT log_email_event(123, 'classified', 'system', 'Classified as invoice (confidence: 85%)', '{"classification": "invoice", "confidence": 0.85, "method": "ai"}'::jsonb)`);
  // A backup job, for GET /backups/jobs/1 (issue 17).
  await db.writable.query(`INSERT INTO mailtrail_backup_jobs (name, schedule, destination) VALUES ('nightly', '0 3 * * *', '/var/backups/mailtrail')`);
  await db.writable.query(`UPDATE email_activity_log SET created_at = CASE id WHEN 1 THEN '2025-12-15 10:30:00'::timestamp ELSE '2025-12-15 10:30:02'::timestamp END WHERE email_id = 123`);
}

async function writeBackground() {
  await db.writable.query(`INSERT INTO users (id, username, full_name, email) VALUES (5, 'ana', 'Ana Jensen', 'ana@example.com')`);
  await db.writable.query(`INSERT INTO email_messages (id, subject, sender_email) VALUES (200, 'Invoice INV-2025-001', 'billing@acme.example')`);
  // 120 events over 4 emails; every third shares its timestamp with the next, so paging must break ties on id.
  await db.writable.query(`
    INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, user_id, created_at, created_by)
    SELECT 200 + n % 4,
           (ARRAY['error', 'classified', 'workflow_executed', 'read'])[1 + n % 4],
           (ARRAY['system', 'system', 'workflow', 'user'])[1 + n % 4],
           'background event ' || n,
           jsonb_build_object('n', n),
           CASE WHEN n % 4 = 3 THEN 5 END,
           '2025-12-14 08:00:00'::timestamp + ((n / 3) * interval '1 minute'),
           'system'
    FROM generate_series(1, 120) AS n`);
}

const GONE_REPORT = {
  id: 'r-1',
  title: 'Timeline of email 123',
  format: 'csv',
  generated_at: '2026-11-28T10:00:00.000Z',
  generated_by: 'test',
  scope_text: 'the timeline of email 123, archived events included',
  path: join(tmpdir(), 'mailtrail-no-such-report.csv'),
  events: 2,
  sha256: '0'.repeat(64),
};

beforeAll(async () => {
  db = await createTestDatabase();
  await writeSeedExample();
  await writeBackground();
  const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
  // As `serve` without --admin: nothing writes, the journal is read through the viewer's connection.
  const retention = createRetentionService({ viewer: db.readable, admin: null, actor: () => 'test' });
  const workflows = createWorkflowsService({ viewer: db.readable, admin: null, actor: () => 'test' });
  const backups = createBackupsService({ viewer: db.readable, admin: null, actor: () => 'test' });
  // One execution, so that workflows/execution has one to answer.
  await db.writable.query(
    `INSERT INTO email_workflow_executions (id, workflow_id, email_id, status, steps_completed, steps_total)
     SELECT 1, id, 123, 'completed', 3, 3 FROM email_workflows WHERE name = 'Invoice Processing'`,
  );
  // A register of reports made on this machine with one record, whose file is gone (verify says so).
  const registerPath = join(mkdtempSync(join(tmpdir(), 'mailtrail-http-register-')), 'reports.jsonl');
  writeFileSync(registerPath, `${JSON.stringify(GONE_REPORT)}\n`);
  server = await startHttpServer({
    service: createLogService(store, { db: null, actor: 'test', journalDb: db.readable, retention, workflows, backups }, { registerPath }, { verificationsPath: join(dirname(registerPath), 'integrity.json') }),
    port: 0,
  });
  base = server.url;
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('GET /api/v1/emails/{id}/activity (the seed\'s "Via API")', () => {
  it('answers the seed example body exactly, oldest first with order=asc', async () => {
    const response = await fetch(`${base}/api/v1/emails/123/activity?order=asc`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>[];
    expect(body).toStrictEqual(TIMELINE);
    expect(body.map((item) => Object.keys(item))).toEqual([TIMELINE_ITEM_KEYS, TIMELINE_ITEM_KEYS]);
    expect(response.headers.get('x-next-cursor')).toBeNull();
  });

  it('is newest first by default', async () => {
    const body = await (await fetch(`${base}/api/v1/emails/123/activity`)).json();
    expect(body).toStrictEqual([...TIMELINE].reverse());
  });

  it('pages with X-Next-Cursor and returns every event once', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const response = await fetch(`${base}/api/v1/emails/201/activity?limit=4&order=asc${query}`);
      expect(response.status).toBe(200);
      seen.push(...((await response.json()) as { id: number }[]).map((event) => event.id));
      cursor = response.headers.get('x-next-cursor');
      pages += 1;
    } while (cursor && pages < 100);
    const { rows } = await db.readable.query<{ id: number }>('SELECT id FROM email_activity_log WHERE email_id = 201 ORDER BY created_at, id');
    expect(seen).toEqual(rows.map((row) => row.id));
    expect(pages).toBe(Math.ceil(rows.length / 4));
  });

  it('answers 404 JSON for an email the log does not know', async () => {
    expectJsonError(await get('/api/v1/emails/999/activity'), 404, /no email with id 999/);
  });

  it.each([
    ['abc', /email id in the path: must be a whole number/],
    ['1.5', /email id in the path: must be a whole number/],
    ['-1', /email id in the path: must be a positive id/],
    ['0', /email id in the path: must be a positive id/],
    ['99999999999', /email id in the path: must be at most 2147483647/],
    ['123%27%20OR%20%271%27%3D%271', /email id in the path: must be a whole number/],
    ['%E0%A4%A', /malformed %-escape/],
  ])('refuses the id %s with 400', async (id, message) => {
    expectJsonError(await get(`/api/v1/emails/${id}/activity`), 400, message);
  });

  it.each([
    ['order=sideways', /^order: must be "desc"/],
    ['limit=0', /^limit: must be between 1 and 10000/],
    ['limit=-1', /^limit: must be between 1 and 10000/],
    ['limit=10001', /^limit: must be between 1 and 10000/],
    ['limit=99999999999999999999999', /^limit: .* is out of range/],
    ['limit=12abc', /^limit: must be a whole number, got "12abc"/],
    ['limit=1e3', /^limit: must be a whole number, got "1e3"/],
    ['limit=', /^limit: must not be empty/],
    ['limit=5&limit=6', /^limit: given 2 times/],
    ['cursor=not-a-cursor', /^cursor: is not a cursor that Mailtrail handed out/],
    ['cursor=%27%3B%20DROP%20TABLE%20email_activity_log%3B--', /^cursor: is not a cursor/],
    ['foo=1&bar=2', /^unknown query parameters "foo", "bar"; this endpoint takes order, limit, cursor/],
  ])('refuses ?%s with 400 naming the parameter', async (query, message) => {
    expectJsonError(await get(`/api/v1/emails/123/activity?${query}`), 400, message);
  });
});

describe('GET /api/v1/emails/activity/recent', () => {
  it('answers the seed call limit=50&event_type=error: errors only, newest first, the item shape', async () => {
    const response = await fetch(`${base}/api/v1/emails/activity/recent?limit=50&event_type=error`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>[];
    expect(body).toHaveLength(30);
    expect(body.every((event) => event.event_type === 'error')).toBe(true);
    expect(body.map((event) => Object.keys(event))).toEqual(body.map(() => SEED_ITEM_KEYS));
    const times = body.map((event) => `${event.created_at as string}#${String(event.id).padStart(6, '0')}`);
    expect(times).toEqual([...times].sort().reverse());
    expect(body[0]?.metadata).toEqual({ n: 120 });
    expect(response.headers.get('x-next-cursor')).toBeNull();
  });

  it('filters by category, user, email and dates; repeated and comma-separated values mean the same', async () => {
    const byUser = (await (await fetch(`${base}/api/v1/emails/activity/recent?user_id=5&limit=100`)).json()) as Record<string, unknown>[];
    expect(byUser).toHaveLength(30);
    expect(byUser.every((event) => event.user_id === 5 && event.user_name === 'Ana Jensen')).toBe(true);
    const commas = await (await fetch(`${base}/api/v1/emails/activity/recent?event_category=workflow,user&limit=100`)).json();
    const repeated = await (await fetch(`${base}/api/v1/emails/activity/recent?event_category=workflow&event_category=user&limit=100`)).json();
    expect(commas).toEqual(repeated);
    expect(commas).toHaveLength(60);
    const emails = (await (await fetch(`${base}/api/v1/emails/activity/recent?email_id=123,200&limit=100`)).json()) as { email_id: number }[];
    expect(new Set(emails.map((event) => event.email_id))).toEqual(new Set([123, 200]));
    expect(emails).toHaveLength(32);
    const day = (await (await fetch(`${base}/api/v1/emails/activity/recent?from=2025-12-15&to=2025-12-15&limit=100`)).json()) as { id: number }[];
    expect(day.map((event) => event.id)).toEqual([2, 1]);
    const text = (await (await fetch(`${base}/api/v1/emails/activity/recent?text=EVENT%2012&limit=100`)).json()) as { description: string }[];
    expect(text.map((event) => event.description).sort()).toEqual(['background event 12', 'background event 120']);
    const metadata = (await (await fetch(`${base}/api/v1/emails/activity/recent?metadata=n=7`)).json()) as { metadata: unknown }[];
    expect(metadata.map((event) => event.metadata)).toEqual([{ n: 7 }]);
  });

  it('pages through everything with X-Next-Cursor, every row once', async () => {
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const response = await fetch(`${base}/api/v1/emails/activity/recent?limit=7${query}`);
      seen.push(...((await response.json()) as { id: number }[]).map((event) => event.id));
      cursor = response.headers.get('x-next-cursor');
      pages += 1;
    } while (cursor && pages < 100);
    const { rows } = await db.readable.query<{ id: number }>('SELECT id FROM email_activity_log ORDER BY created_at DESC, id DESC');
    expect(seen).toEqual(rows.map((row) => row.id));
    expect(new Set(seen).size).toBe(122);
  });

  it.each([
    ['event_category=bogus', /^event_category: unknown event category "bogus"; expected one of system, user/],
    ["event_type=error' OR '1'='1", /^event_type: must be an event type/],
    ['event_type=error%27%20OR%20%271%27%3D%271', /^event_type: must be an event type/],
    ['event_type=error;DROP TABLE email_activity_log', /^event_type: must be an event type/],
    ['event_type=error,,read', /^event_type: has an empty value/],
    ['user_id=abc', /^user_id: must be a whole number, got "abc"/],
    ['user_id=1%20OR%201%3D1', /^user_id: must be a whole number/],
    ['email_id=0', /^email_id: must be a positive id/],
    ['limit=-5', /^limit: must be between 1 and 1000/],
    ['limit=0', /^limit: must be between 1 and 1000/],
    ['limit=1001', /^limit: must be between 1 and 1000/],
    ['limit=50abc', /^limit: must be a whole number/],
    ['from=yesterday', /^from: must be an ISO 8601 date/],
    ['from=2025-02-30', /^from: must be an ISO 8601 date/],
    ['from=2025-12-16&to=2025-12-15', /^from: must not be after "to"/],
    ['cursor=AAAA', /^cursor: is not a cursor that Mailtrail handed out/],
    ['event=error', /^unknown query parameter "event"; this endpoint takes limit, event_type, event_category, user_id, email_id, text, metadata, from, to, cursor/],
    ['metadata=n', /^metadata: must be key=value, e.g. metadata=error_type=extraction_failed/],
    ["metadata=n' OR 1=1--=1", /^metadata key: must be a metadata key/],
  ])('refuses ?%s with 400', async (query, message) => {
    expectJsonError(await get(`/api/v1/emails/activity/recent?${query.replace(/ /g, '%20')}`), 400, message);
  });

  it('left the table whole after the SQL-looking filters', async () => {
    const { rows } = await db.readable.query<{ n: number }>('SELECT count(*)::int AS n FROM email_activity_log');
    expect(rows[0]?.n).toBe(122);
  });
});

describe('GET /api/v1/emails/activity/stats', () => {
  it('answers the seed shape with counts as JSON numbers', async () => {
    const response = await fetch(`${base}/api/v1/emails/activity/stats`);
    expect(response.status).toBe(200);
    const text = await response.text();
    const body = JSON.parse(text) as Record<string, unknown>[];
    expect(body.map((stat) => Object.keys(stat))).toEqual(body.map(() => ['event_type', 'event_category', 'count', 'last_occurrence']));
    expect(body).toContainEqual({ event_type: 'classified', event_category: 'system', count: 31, last_occurrence: '2025-12-15T10:30:02' });
    expect(body).toContainEqual({ event_type: 'fetched', event_category: 'system', count: 1, last_occurrence: '2025-12-15T10:30:00' });
    expect(body).toContainEqual({ event_type: 'error', event_category: 'system', count: 30, last_occurrence: '2025-12-14T08:40:00' });
    expect(text).toMatch(/"count":31,/);
    expect(body.reduce((sum, stat) => sum + (stat.count as number), 0)).toBe(122);
  });

  it('limits to a date range', async () => {
    const body = await (await fetch(`${base}/api/v1/emails/activity/stats?from=2025-12-15T00:00:00`)).json();
    expect(body).toEqual([
      { event_type: 'classified', event_category: 'system', count: 1, last_occurrence: '2025-12-15T10:30:02' },
      { event_type: 'fetched', event_category: 'system', count: 1, last_occurrence: '2025-12-15T10:30:00' },
    ]);
  });

  it.each([
    ['from=2025-13-45', /^from: must be an ISO 8601 date/],
    ["to=2025-12-15'; DROP TABLE email_activity_log; --", /^to: must be an ISO 8601 date/],
    ['from=2025-12-15&from=2025-12-16', /^from: given 2 times/],
    ['limit=5', /^unknown query parameter "limit"; this endpoint takes from, to/],
  ])('refuses ?%s with 400', async (query, message) => {
    expectJsonError(await get(`/api/v1/emails/activity/stats?${query.replace(/ /g, '%20')}`), 400, message);
  });
});

describe('GET /api/v1/emails/activity/... (analytics)', () => {
  it('answers each analytics operation as its RPC does', async () => {
    const pairs: [string, OperationName, object][] = [
      ['/api/v1/emails/activity/errors?from=2025-12-01', 'analytics/errors', { from: '2025-12-01' }],
      ['/api/v1/emails/activity/workflows', 'analytics/workflows', {}],
      ['/api/v1/emails/activity/timeseries?bucket=week&to=2025-12-31', 'analytics/timeseries', { bucket: 'week', to: '2025-12-31' }],
      ['/api/v1/emails/activity/slowest?limit=3', 'analytics/slowest', { limit: 3 }],
      ['/api/v1/emails/activity/slowest?limit=3&status=failed&from=2025-01-01', 'analytics/slowest', { limit: 3, status: 'failed', from: '2025-01-01' }],
      ['/api/v1/emails/activity/users/1/summary?to=2025-12-31', 'users/summary', { userId: 1, to: '2025-12-31' }],
      ['/api/v1/emails/activity/errors/impact', 'analytics/error-impact', {}],
      ['/api/v1/emails/activity/extent', 'activity/extent', {}],
      ['/api/v1/emails/activity/metadata-keys?event_type=fetched,classified', 'activity/metadata-keys', { eventTypes: ['fetched', 'classified'] }],
    ];
    for (const [path, operation, request] of pairs) {
      const rest = await get(path);
      expect(rest.status, `${path}: ${rest.text}`).toBe(200);
      expect(rest.json).toStrictEqual((await rpc(operation, request)).json);
    }
    const stats = await get('/api/v1/emails/activity/timeseries?bucket=month');
    const points = (stats.json as { points: { count: number }[] }).points;
    const total = points.reduce((sum, p) => sum + p.count, 0);
    const { rows } = await db.readable.query<{ n: number }>('SELECT count(*)::int AS n FROM email_activity_log');
    expect(total).toBe(rows[0]!.n);
  });

  it('answers a user\'s activity with the email subject, newest first, paged by X-Next-Cursor', async () => {
    const first = await get('/api/v1/emails/activity/users/5?limit=2');
    expect(first.status, first.text).toBe(200);
    const items = first.json as { user_id: number; email_subject: string | null; created_at: string }[];
    expect(items).toHaveLength(2);
    expect(items.every((item) => item.user_id === 5 && 'email_subject' in item)).toBe(true);
    expect(items[0]!.created_at >= items[1]!.created_at).toBe(true);
    expect(first.headers['x-next-cursor']).toEqual(expect.any(String));
  });

  it('answers 404 for an unknown user, as for an unknown email (issue 11, item 7)', async () => {
    const unknown = await get('/api/v1/emails/activity/users/777');
    expectJsonError(unknown, 404, /no user with id 777/);
    expect((unknown.json as { error: { code: string } }).error.code).toBe('not_found');
  });

  it.each([
    ['/api/v1/emails/activity/timeseries?bucket=hour', /bucket: must be day, week or month/],
    ['/api/v1/emails/activity/errors?from=2025-12-31&to=2025-01-01', /from: must not be after "to"/],
    ['/api/v1/emails/activity/errors/impact?from=2025-12-31&to=2025-01-01', /from: must not be after "to"/],
    ['/api/v1/emails/activity/slowest?from=2025-12-31&to=2025-01-01', /from: must not be after "to"/],
    ['/api/v1/emails/activity/slowest?status=a%20b', /status: must be a status/],
    ['/api/v1/emails/activity/users/1?from=2025-13-01', /from: must be an ISO 8601 date/],
    ['/api/v1/emails/activity/users/1?event_type=bad%20type', /must be an event type/],
    ['/api/v1/emails/activity/users/1/summary?from=2025-12-31&to=2025-01-01', /from: must not be after "to"/],
    ['/api/v1/emails/activity/slowest?limit=1000', /limit: must be between 1 and 100/],
    ['/api/v1/emails/activity/slowest?limit=-5', /limit: must be between 1 and 100/],
    ['/api/v1/emails/activity/users/abc', /user id in the path: must be a whole number/],
    ['/api/v1/emails/activity/users/0', /user id in the path: must be a positive id/],
    ["/api/v1/emails/activity/workflows?workflow=x'--", /unknown query parameter "workflow"/],
  ])('refuses %s with 400', async (path, message) => {
    expectJsonError(await get(path), 400, message);
  });
});

describe('POST /api/v1/rpc/{operation} (browser mode)', () => {
  // A Record over every operation: adding one to the contract makes this test name it.
  const requests: { [K in OperationName]: RequestOf<K> } = {
    'emails/timeline': { emailId: 123, order: 'asc' },
    'emails/get': { emailId: 200 },
    'emails/search': { query: 'Invoice' },
    'activity/recent': { limit: 5, eventTypes: ['error'] },
    'activity/stats': {},
    'activity/metadata-keys': { eventTypes: ['classified'] },
    'analytics/timeseries': { bucket: 'month' },
    'analytics/errors': { from: '2025-12-01' },
    'analytics/workflows': {},
    'analytics/slowest': { limit: 5 },
    'users/list': {},
    'users/activity': { userId: 5 },
    'source/status': {},
    'activity/count': { eventTypes: ['error'] },
    'emails/subjects': { emailIds: [123, 200] },
    'emails/count': { query: 'Invoice' },
    'emails/overview': { emailId: 123 },
    'activity/extent': {},
    'analytics/error-impact': { from: '2025-12-01' },
    'users/summary': { userId: 1, from: '2025-01-01' },
    'admin/journal': { limit: 5, actions: ['retention'] },
    'retention/policy': {},
    'retention/set-policy': { archiveAfterDays: 30, purgeAfterDays: 90 },
    'retention/preview': { archiveAfterDays: 30, purgeAfterDays: null },
    'retention/runs': { limit: 5 },
    'retention/run': { dryRun: true },
    'retention/cancel': { runId: 1 },
    'retention/holds': { search: '12' },
    'retention/hold': { emailId: 123, reason: 'litigation' },
    'retention/release': { emailId: 123 },
    'reports/list': { limit: 5 },
    'reports/verify': { id: 'r-1' },
    'integrity/status': {},
    'integrity/verify': {},
    'integrity/cancel': {},
    'integrity/email': { emailId: 123 },
    'workflows/list': {},
    'workflows/get': { workflowId: 1 },
    'workflows/create': { name: 'New', classification_trigger: 'invoice', workflow_steps: [{ action: 'extract_invoice' }] },
    'workflows/update': { workflowId: 1, enabled: false },
    'workflows/delete': { workflowId: 1 },
    'workflows/executions': { limit: 5 },
    'workflows/execution': { executionId: 1 },
    'workflows/rerun': { executionId: 1 },
    'workflows/actions': {},
    'workflows/classifications': {},
    'workflows/try': { classification_trigger: 'invoice', workflow_steps: [{ action: 'extract_invoice' }], emailId: 200 },
    'backups/overview': {},
    'backups/run': { jobId: 1 },
    'backups/jobs': {},
    'backups/job': { jobId: 1 },
    'backups/create-job': { name: 'nightly', schedule: '0 3 * * *', destination: '/var/backups/mailtrail' },
    'backups/update-job': { jobId: 1, enabled: false },
    'backups/delete-job': { jobId: 1 },
    'backups/history': { limit: 5 },
    'backups/verify': { historyId: 1 },
  };

  it.each(OPERATION_NAMES.filter((name) => !isWriteOperation(name)))('answers %s with a value that matches the contract', async (operation) => {
    const response = await rpc(operation, requests[operation]);
    expect(response.status, response.text).toBe(200);
    expect(operations[operation].response.safeParse(response.json).success).toBe(true);
  });

  it.each(OPERATION_NAMES.filter(isWriteOperation))('refuses the write %s on a server without --admin (403)', async (operation) => {
    expectJsonError(await rpc(operation, requests[operation]), 403, /start it with `mailtrail serve --admin`/);
  });

  it('carries the same data as the REST routes', async () => {
    const response = await rpc('emails/timeline', { emailId: 123, order: 'asc' });
    expect(response.json).toStrictEqual({ items: TIMELINE, nextCursor: null });
    expect(rpcPathOf('emails/timeline')).toBe('/api/v1/rpc/emails/timeline');
  });

  it('answers errors as values with name, code and the HTTP status of the code', async () => {
    expect(expectJsonError(await rpc('emails/timeline', { emailId: 'x' }), 400, /^emailId: must be a number/).code).toBe('bad_request');
    expect(expectJsonError(await rpc('emails/get', { emailId: 999 }), 404, /no email with id 999/).code).toBe('not_found');
    expectJsonError(await rpc('activity/recent', { limit: 5, sql: 'DROP TABLE x' }), 400, /unknown field sql/);
    expectJsonError(await rpc('nope/never', {}), 404, /unknown operation "nope\/never"; the operations are emails\/timeline/);
  });

  it('refuses malformed JSON, a wrong content type, a wrong method and a body over 1 MB', async () => {
    const post = (body: string | Buffer, type = 'application/json') =>
      raw('/api/v1/rpc/activity/stats', { method: 'POST', headers: { 'Content-Type': type }, body });
    expectJsonError(await post('{"from": '), 400, /not valid JSON/);
    expectJsonError(await post('[1, 2]'), 400);
    expectJsonError(await post('{}', 'text/plain'), 415, /Content-Type: application\/json/);
    const wrongMethod = await raw('/api/v1/rpc/activity/stats');
    expectJsonError(wrongMethod, 405, /use POST/);
    const huge = Buffer.alloc(1024 * 1024 + 10, 0x20);
    const tooLarge = await post(huge);
    expectJsonError(tooLarge, 413, /larger than 1048576 bytes/);
    // Each status has its own code (issue 11, item 7), not "bad_request".
    expect([wrongMethod, tooLarge].map((response) => (response.json as { error: { code: string } }).error.code)).toEqual(['method_not_allowed', 'too_large']);
    expect((await rpc('activity/stats', {})).status).toBe(200);
  });
});

describe('routing and protection', () => {
  it.each(['/api', '/api/', '/api/v1', '/api/v1/emails', '/api/v1/emails/123/activity/', '/api/v2/emails/123/activity', '/api/v1/emails/activity/other'])(
    'answers 404 JSON for the unknown route %s',
    async (path) => {
      expectJsonError(await get(path), 404, /no API endpoint at .*; the endpoints are GET .*GET \/api\/v1\/emails\/\{id\}\/activity, ((GET|POST) [^,]+, )*POST \/api\/v1\/rpc\/\{operation\}$/);
    },
  );

  it('answers a write method on a read-only server 403 before routing (issue 13, item 1); 405 comes after the gate', async () => {
    // The 405 with Allow for a writer holding the admin token: tests/integration/admin-write-path.test.ts.
    for (const [method, path] of [
      ['POST', '/api/v1/emails/123/activity'],
      ['DELETE', '/api/v1/emails/activity/stats'],
      ['PUT', '/api/v1/emails/activity/recent'],
    ] as const) {
      const response = await raw(path, { method });
      expectJsonError(response, 403, /read-only; to allow writes, start it with `mailtrail serve --admin`/);
      expect((response.json as { error: { code: string } }).error.code).toBe('read_only');
    }
  });

  it('refuses a request whose Host is not this loopback server (DNS rebinding)', async () => {
    const response = await raw('/api/v1/emails/activity/stats', { headers: { Host: `attacker.example:${server.port}` } });
    expectJsonError(response, 421, /addressed to 127\.0\.0\.1:\d+/);
    expect((await raw('/', { headers: { Host: 'attacker.example' } })).status).toBe(421);
    expect((await raw('/api/v1/emails/activity/stats', { headers: { Host: `localhost:${server.port}` } })).status).toBe(200);
  });

  it('sends the security headers on API answers too', async () => {
    const response = await get('/api/v1/emails/activity/stats');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('browser mode', () => {
  let root: string;
  let withRenderer: HttpServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'mailtrail-renderer-'));
    mkdirSync(join(root, 'out', 'assets'), { recursive: true });
    writeFileSync(join(root, 'out', 'index.html'), '<!doctype html><title>Mailtrail</title><script type="module" src="/assets/app.js"></script>');
    writeFileSync(join(root, 'out', 'assets', 'app.js'), 'console.log("mailtrail");');
    writeFileSync(join(root, 'out', 'assets', 'app.css'), 'body{}');
    writeFileSync(join(root, 'secret.txt'), 'not for the browser');
    const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
    withRenderer = await startHttpServer({ service: createLogService(store), rendererDir: join(root, 'out') });
  });

  afterAll(async () => {
    await withRenderer?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html at / with the CSP and the security headers', async () => {
    const response = await raw('/', { to: withRenderer });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.text).toContain('<title>Mailtrail</title>');
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['x-frame-options']).toBe('DENY');
  });

  it('serves assets with their content types, and the API beside them', async () => {
    const script = await raw('/assets/app.js', { to: withRenderer });
    expect([script.status, script.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect((await raw('/assets/app.css', { to: withRenderer })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await raw('/api/v1/emails/123/activity?order=asc', { to: withRenderer })).json).toStrictEqual(TIMELINE);
  });

  it.each(['/assets/', '/assets', '/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/..%5csecret.txt', '/nope.html', '/%00'])(
    'answers 404 for %s: no listings, nothing outside the renderer folder',
    async (path) => {
      const response = await raw(path, { to: withRenderer });
      expect(response.status).toBe(404);
      expect(response.text).not.toContain('not for the browser');
      expect(response.text).not.toContain('app.js');
    },
  );

  it('says how to build the renderer when it is missing', async () => {
    const response = await raw('/');
    expect(response.status).toBe(200);
    expect(response.text).toContain('npm run build:renderer');
    expect(response.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect((await raw('/', { method: 'POST' })).status).toBe(405);
  });
});

describe('GET /api/v1/emails/activity/count (issue 11, item 8)', () => {
  it('answers the exact number of events that recent’s filters match', async () => {
    const count = async (query: string) => (await (await fetch(`${base}/api/v1/emails/activity/count${query}`)).json()) as unknown;
    expect(await count('')).toEqual({ count: 122, exact: true });
    expect(await count('?event_type=error')).toEqual({ count: 30, exact: true });
    expect(await count('?event_category=workflow,user&from=2025-12-14&to=2025-12-14')).toEqual({ count: 60, exact: true });
    expect(await count('?user_id=5')).toEqual({ count: 30, exact: true });
    expect(await count('?email_id=123')).toEqual({ count: 2, exact: true });
    expect(await count('?text=EVENT%2012')).toEqual({ count: 2, exact: true });
    expect(await count('?event_type=error&metadata=n=8')).toEqual({ count: 1, exact: true });
  });

  it.each([
    ['from=2025-12-16&to=2025-12-15', /^from: must not be after "to"/],
    ['limit=5', /^unknown query parameter "limit"; this endpoint takes event_type, event_category, user_id, email_id, text, metadata, from, to/],
  ])('refuses ?%s with 400', async (query, message) => {
    expectJsonError(await get(`/api/v1/emails/activity/count?${query}`), 400, message);
  });
});
