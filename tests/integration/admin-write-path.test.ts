import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalActor, journaled, SERVE_ACTOR } from '../../src-main/admin/journal';
import { MailtrailError } from '../../src-main/contract/errors';
import { ADMIN_LOCK_TIMEOUT_MS, openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { createLogService } from '../../src-main/service/log-service';
import { adminConnectionBeside, chosenAdminUrl, openAdminConnection, openLogSource } from '../../src-main/source/open-source';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { rawRequest, type RawResponse } from '../support/http';

const ADMIN_TOKEN = 'admin-7f3c9a1e5b2d8046';
const API_TOKEN = 'api-2b6e0d4f8a1c9375e';


function raw(server: HttpServer, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return rawRequest(server.port, path, options);
}

const errorOf = (response: RawResponse) => (response.json as { error: { name: string; code: string; message: string } }).error;

let db: TestDatabase;
let admin: AdminDb;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.writable.query(`SELECT log_email_event(7, 'fetched', 'system', 'Email fetched from email server', '{"source": "imap"}'::jsonb)`);
  admin = openAdminDb(db.url);
});
afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

const journalRow = async (id: number) =>
  (
    await db.writable.query<{ actor: string; action: string; parameters: unknown; outcome: string; error: string | null; finished: boolean }>(
      'SELECT actor, action, parameters, outcome, error, finished_at IS NOT NULL AS finished FROM mailtrail_admin_journal WHERE id = $1',
      [id],
    )
  ).rows[0];

describe('the admin connection (issue 13, item 1)', () => {
  it('writes, with a lock timeout and a statement timeout on every connection', async () => {
    const { rows } = await admin.query<Record<string, string>>(
      `SELECT current_setting('lock_timeout') AS lock, current_setting('statement_timeout') AS statement,
              current_setting('default_transaction_read_only') AS read_only, current_setting('application_name') AS name`,
    );
    expect(rows[0]).toEqual({ lock: '5s', statement: '1min', read_only: 'off', name: 'mailtrail-admin' });
    await admin.query('CREATE TEMP TABLE scratch (x int)');
  });

  it('gives up on a lock after its lock timeout and says so in an admin’s words', async () => {
    const holder = await db.writable.connect();
    const quick = openAdminDb(db.url, { lockTimeoutMs: 200 });
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE email_activity_log IN ACCESS EXCLUSIVE MODE');
      const failure = await journaled(quick, { actor: 'test', action: 'test.lock', parameters: {} }, () => quick.query('DELETE FROM email_activity_log WHERE id < 0')).then(
        () => null,
        (error: unknown) => error as MailtrailError,
      );
      expect(failure?.code).toBe('timeout');
      expect(failure?.message).toMatch(/waited 5 s for a lock .* and gave up/);
      expect(ADMIN_LOCK_TIMEOUT_MS).toBe(5_000);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
      await quick.end();
    }
  });

  it('is chosen by one rule: --admin-db, else MAILTRAIL_ADMIN_DATABASE_URL, else the --db database, else the embedded owner', async () => {
    const other = 'postgres://retention@primary.example/hub';
    expect(chosenAdminUrl({ adminDb: db.url, env: { MAILTRAIL_ADMIN_DATABASE_URL: other } })).toBe(db.url);
    expect(chosenAdminUrl({ env: { MAILTRAIL_ADMIN_DATABASE_URL: db.url } })).toBe(db.url);
    expect(chosenAdminUrl({ env: {} })).toBeUndefined();
    expect(() => chosenAdminUrl({ env: { MAILTRAIL_ADMIN_DATABASE_URL: 'mysql://x/y' } })).toThrow(/^MAILTRAIL_ADMIN_DATABASE_URL: the database URL must start with postgres/);
    const fromDb = await openAdminConnection({ db: db.url, env: {} });
    try {
      expect(fromDb.description).toMatch(/opened writable for this command$/);
      expect((await fromDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM email_activity_log')).rows[0]?.n).toBe(1);
    } finally {
      await fromDb.close();
    }
    expect(() => adminConnectionBeside(null, undefined, {})).toThrow(/an offline cache has no database to write to; give the admin connection with --admin-db URL or MAILTRAIL_ADMIN_DATABASE_URL/);
  });

  it('leaves the viewer read-only: its connection cannot write the journal or the log, with an admin connection beside it', async () => {
    const source = await openLogSource({ db: db.url, env: {}, admin: { actor: SERVE_ACTOR } });
    try {
      expect(source.admin?.description).toMatch(/opened writable for admin work$/);
      for (const statement of [
        `INSERT INTO mailtrail_admin_journal (actor, action) VALUES ('viewer', 'test.sneak')`,
        'DELETE FROM email_activity_log',
      ]) {
        await expect(db.readable.query(statement)).rejects.toMatchObject({ code: '25006' });
      }
      // The journal reads through the admin connection; the viewer's pool never saw a write.
      await expect(source.service['admin/journal']({ limit: 5 })).resolves.toMatchObject({ nextCursor: null });
    } finally {
      await source.close();
    }
  });
});

describe('the journal (issue 13, item 1)', () => {
  it('records a write as started before it runs, and succeeded after', async () => {
    let during: Awaited<ReturnType<typeof journalRow>> | undefined;
    let entryId = 0;
    const result = await journaled(admin, { actor: 'anna', action: 'test.hold', parameters: { email_id: 7, reason: 'Litigation' } }, async (entry) => {
      entryId = entry.id;
      during = await journalRow(entry.id);
      await admin.query(`UPDATE email_activity_log SET description = description WHERE email_id = 7`);
      return 'done';
    });
    expect(result).toBe('done');
    expect(during).toEqual({ actor: 'anna', action: 'test.hold', parameters: { email_id: 7, reason: 'Litigation' }, outcome: 'started', error: null, finished: false });
    expect(await journalRow(entryId)).toMatchObject({ outcome: 'succeeded', error: null, finished: true });
  });

  it('records a write that fails as failed with its error, and one that declines as refused; the error reaches the caller', async () => {
    const ids: number[] = [];
    const failed = await journaled(admin, { actor: 'anna', action: 'test.run', parameters: { batch: 1 } }, async (entry) => {
      ids.push(entry.id);
      await admin.query('SELECT 1 / 0');
    }).catch((error: unknown) => error as MailtrailError);
    expect(failed).toBeInstanceOf(MailtrailError);
    expect(failed?.message).toMatch(/division by zero/);
    const refused = await journaled(admin, { actor: 'anna', action: 'test.run', parameters: { batch: 2 } }, async (entry) => {
      ids.push(entry.id);
      throw new MailtrailError('bad_request', 'another run (#3) is in progress');
    }).catch((error: unknown) => error as MailtrailError);
    expect(refused?.message).toBe('another run (#3) is in progress');
    expect(await journalRow(ids[0]!)).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/division by zero/), finished: true });
    expect(await journalRow(ids[1]!)).toMatchObject({ outcome: 'refused', error: 'another run (#3) is in progress', finished: true });
  });

  it('does not run a write that it cannot journal', async () => {
    let ran = false;
    const failure = await journaled(admin, { actor: 'anna', action: 'Not An Action', parameters: {} }, async () => {
      ran = true;
    }).catch((error: unknown) => error as MailtrailError);
    expect(ran).toBe(false);
    expect(failure?.message).toMatch(/^the write was not started because the journal could not record it/);
  });

  it('names the OS user, unless MAILTRAIL_ACTOR says who', () => {
    expect(journalActor({})).toBe(userInfo().username);
    expect(journalActor({ MAILTRAIL_ACTOR: '  auditor.7  ' })).toBe('auditor.7');
    expect(journalActor({ MAILTRAIL_ACTOR: '' })).toBe(userInfo().username);
  });
});

describe('GET /api/v1/admin/journal and admin/journal (issue 13, item 1)', () => {
  let server: HttpServer;
  let ids: number[];
  beforeAll(async () => {
    await db.writable.query('TRUNCATE mailtrail_admin_journal');
    ids = [];
    for (const [actor, action] of [
      ['anna', 'retention.hold'],
      ['admin token', 'retention.run'],
      ['bo', 'retention.release'],
      ['anna', 'backup.run'],
    ] as const) {
      await journaled(admin, { actor, action, parameters: { n: ids.length } }, async (entry) => {
        ids.push(entry.id);
      });
    }
    await db.writable.query(`UPDATE mailtrail_admin_journal SET at = '2026-01-10 12:00', finished_at = '2026-01-10 12:00:01' WHERE id = $1`, [ids[0]]);
    const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
    // As `serve` without --admin: the journal is read through the viewer's connection.
    server = await startHttpServer({ service: createLogService(store, { db: null, actor: 'test', journalDb: db.readable }), port: 0 });
  });
  afterAll(() => server?.close());

  it('lists entries newest first with the REST shape, paged by X-Next-Cursor', async () => {
    const first = await raw(server, '/api/v1/admin/journal?limit=3');
    expect(first.status, first.text).toBe(200);
    const body = first.json as Record<string, unknown>[];
    expect(body.map((entry) => entry.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(Object.keys(body[0]!).sort()).toEqual(['action', 'actor', 'at', 'error', 'finished_at', 'id', 'outcome', 'parameters']);
    expect(body[0]).toMatchObject({ actor: 'anna', action: 'backup.run', parameters: { n: 3 }, outcome: 'succeeded', error: null });
    expect(body[0]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
    const cursor = first.headers['x-next-cursor'] as string;
    expect(cursor).toBeTruthy();
    const second = await raw(server, `/api/v1/admin/journal?limit=3&cursor=${cursor}`);
    expect((second.json as { id: number }[]).map((entry) => entry.id)).toEqual([ids[0]]);
    expect(second.headers['x-next-cursor']).toBeUndefined();
  });

  it('filters by action (exact or a prefix before a dot), actor and date range', async () => {
    const idsOf = async (query: string) => ((await raw(server, `/api/v1/admin/journal?${query}`)).json as { id: number }[]).map((entry) => entry.id);
    expect(await idsOf('action=retention')).toEqual([ids[2], ids[1], ids[0]]);
    expect(await idsOf('action=retention.run')).toEqual([ids[1]]);
    expect(await idsOf('action=retent')).toEqual([]);
    expect(await idsOf('actor=anna')).toEqual([ids[3], ids[0]]);
    expect(await idsOf('actor=anna,bo&action=retention')).toEqual([ids[2], ids[0]]);
    expect(await idsOf('from=2026-01-10&to=2026-01-10')).toEqual([ids[0]]);
    expect(await idsOf('to=2026-01-09')).toEqual([]);
  });

  it('refuses bad parameters with a 400 that names them', async () => {
    const bad = await raw(server, '/api/v1/admin/journal?action=DROP%20TABLE');
    expect(bad.status).toBe(400);
    expect(errorOf(bad).message).toMatch(/^action: must be an action such as "retention.run"/);
    expect((await raw(server, '/api/v1/admin/journal?limit=501')).status).toBe(400);
    expect((await raw(server, '/api/v1/admin/journal?from=2026-02-01&to=2026-01-01')).status).toBe(400);
    expect(errorOf(await raw(server, '/api/v1/admin/journal?who=anna')).message).toMatch(/unknown query parameter "who"/);
  });

  it('says an offline cache has no journal', async () => {
    const service = createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' }));
    await expect(service['admin/journal']({ limit: 10 })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/offline cache has no copy/) });
  });
});

describe('writes through serve (issue 13, item 1)', () => {
  let readOnly: HttpServer;
  let withAdmin: HttpServer;
  let beyondLoopback: HttpServer;
  beforeAll(async () => {
    const service = createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' }), { db: admin, actor: SERVE_ACTOR, journalDb: db.readable });
    readOnly = await startHttpServer({ service, port: 0 });
    withAdmin = await startHttpServer({ service, port: 0, tokens: [{ holder: 'admin', token: ADMIN_TOKEN }] });
    // As `serve --admin` with MAILTRAIL_API_TOKEN: every request needs a token, either one.
    beyondLoopback = await startHttpServer({ service, port: 0, tokens: [{ holder: 'admin', token: ADMIN_TOKEN }, { holder: 'api', token: API_TOKEN }] });
  });
  afterAll(async () => {
    await Promise.all([readOnly?.close(), withAdmin?.close(), beyondLoopback?.close()]);
  });

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('answers a write 403 without --admin, saying how to enable it, before any routing', async () => {
    for (const [method, path] of [
      ['POST', '/api/v1/retention/holds'],
      ['DELETE', '/api/v1/retention/holds/7'],
      ['PUT', '/api/v1/emails/activity/stats'],
      ['PATCH', '/api/v1/no-such-endpoint'],
    ] as const) {
      const response = await raw(readOnly, path, { method, headers: bearer(ADMIN_TOKEN) });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(errorOf(response)).toEqual({
        name: 'MailtrailError',
        code: 'read_only',
        message: expect.stringMatching(/read-only; to allow writes, start it with `mailtrail serve --admin` and MAILTRAIL_ADMIN_TOKEN set/),
      });
    }
  });

  it('with --admin, answers a write without the admin token or with a wrong one 401, and lets the right one through', async () => {
    const missing = await raw(withAdmin, '/api/v1/retention/holds', { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="mailtrail"');
    expect(errorOf(missing).message).toMatch(/this write needs the admin token; send Authorization: Bearer/);
    for (const token of [`${ADMIN_TOKEN}x`, API_TOKEN]) {
      const wrong = await raw(withAdmin, '/api/v1/retention/holds', { method: 'POST', headers: bearer(token) });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toBe('Bearer realm="mailtrail", error="invalid_token"');
      expect(wrong.text).not.toContain(ADMIN_TOKEN);
    }
    // Past the gate, routing answers: no write route exists here, so 404; a read route's wrong method, 405.
    const passed = await raw(withAdmin, '/api/v1/no-such-write', { method: 'POST', headers: bearer(ADMIN_TOKEN) });
    expect(passed.status).toBe(404);
    const wrongMethod = await raw(withAdmin, '/api/v1/emails/activity/stats', { method: 'DELETE', headers: bearer(ADMIN_TOKEN) });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('GET');
  });

  it('leaves reads as they were: open on loopback, and either token beyond it', async () => {
    expect((await raw(withAdmin, '/api/v1/emails/activity/stats')).status).toBe(200);
    expect((await raw(withAdmin, '/api/v1/admin/journal')).status).toBe(200);
    const rpc = await raw(withAdmin, '/api/v1/rpc/source/status', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(rpc.status).toBe(200);
    expect((await raw(beyondLoopback, '/api/v1/emails/activity/stats')).status).toBe(401);
    expect((await raw(beyondLoopback, '/api/v1/emails/activity/stats', { headers: bearer(API_TOKEN) })).status).toBe(200);
    expect((await raw(beyondLoopback, '/api/v1/emails/activity/stats', { headers: bearer(ADMIN_TOKEN) })).status).toBe(200);
    // The API token reads but does not write.
    expect((await raw(beyondLoopback, '/api/v1/retention/holds', { method: 'POST', headers: bearer(API_TOKEN) })).status).toBe(401);
    expect((await raw(beyondLoopback, '/api/v1/no-such-write', { method: 'POST', headers: bearer(ADMIN_TOKEN) })).status).toBe(404);
  });
});
