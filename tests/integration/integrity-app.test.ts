import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EmailIntegrity, IntegrityStatus } from '../../src-main/contract/integrity';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { generateSigningKey, loadSigningKey } from '../../src-main/integrity/keys';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { seal } from '../../src-main/service/integrity-service';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { rawRequest } from '../support/http';
import { eventsSql } from '../support/retention-checks';

// The integrity screen's and the timeline badge's answers over a real sealed PostgreSQL log: one email's
// check after tampering done in SQL as the owner, and the REST routes (issue 15, items 3 and 5).

const dir = mkdtempSync(join(tmpdir(), 'mailtrail-integrity-app-'));
const verificationsPath = join(dir, 'integrity-verifications.json');
let db: TestDatabase;
let admin: AdminDb;
let server: HttpServer;

const serviceOver = () =>
  createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'integrity-app' }), undefined, { registerPath: join(dir, 'reports.jsonl') }, { verificationsPath });

beforeAll(async () => {
  db = await createTestDatabase();
  // 600 events over 40 emails (15 each: email e holds the events whose id ≡ e - 1 mod 40).
  await db.writable.query(eventsSql(600, 40, 150));
  admin = openAdminDb(db.url);
  const keyFile = join(dir, 'key');
  generateSigningKey(keyFile);
  await seal(admin, { key: loadSigningKey(keyFile), actor: 'test' });
  server = await startHttpServer({ service: serviceOver(), port: 0 });
});

afterAll(async () => {
  await server?.close();
  await admin?.end();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const get = <T>(path: string, method = 'GET') => rawRequest<T>(server.port, path, { method });
const emailCheck = async (emailId: number) => {
  const response = await get<EmailIntegrity>(`/api/v1/emails/${emailId}/integrity`);
  expect(response.status, response.text).toBe(200);
  return response.json as EmailIntegrity;
};
const eventOf = async (emailId: number, nth = 0): Promise<number> =>
  Number((await db.writable.query(`SELECT id FROM email_activity_log WHERE email_id = $1 ORDER BY id OFFSET $2 LIMIT 1`, [emailId, nth])).rows[0].id);
const seqOf = async (eventId: number): Promise<number> =>
  Number((await db.writable.query(`SELECT seq FROM mailtrail_integrity_entries WHERE event_id = $1`, [eventId])).rows[0].seq);

/** Polls GET /api/v1/integrity until no verification is going on, as the screen does. */
const verificationEnds = (): Promise<IntegrityStatus> =>
  vi.waitFor(
    async () => {
      const status = (await get<IntegrityStatus>('/api/v1/integrity')).json as IntegrityStatus;
      if (status.running !== null) throw new Error('a verification is still going on');
      return status;
    },
    { timeout: 60_000, interval: 50 },
  );

describe('GET /api/v1/integrity and the verification it runs', () => {
  it('answers the newest checkpoint, runs a verification with POST (no admin token) and keeps its report across a restart', async () => {
    const before = await get<IntegrityStatus>('/api/v1/integrity');
    expect(before.status, before.text).toBe(200);
    expect(before.json).toMatchObject({ available: true, unavailable: null, latest: { checkpoint: 1, last_seq: 600 }, sealed_events: 600, running: null, last: null, stopped: null });

    const started = await get<IntegrityStatus>('/api/v1/integrity/verify', 'POST');
    expect(started.status, started.text).toBe(202);
    expect(started.json?.running).toMatchObject({ chain: { total: 600 }, events: { total: 600 }, cancelling: false });
    // A second request while it runs joins it rather than starting another.
    const joined = await get<IntegrityStatus>('/api/v1/integrity/verify', 'POST');
    expect([200, 202]).toContain(joined.status);
    expect(joined.json?.running?.started_at ?? started.json?.running?.started_at).toBe(started.json?.running?.started_at);

    const after = await verificationEnds();
    expect(after.last).toMatchObject({ intact: true, events_checked: 600, key_source: 'database', latest: { checkpoint: 1 } });
    expect(after.last?.notes.join(' ')).toMatch(/public keys stored in the database/);

    // Another process over the same data folder (the app restarted) shows the same last verification.
    const restarted = await serviceOver()['integrity/status']({});
    expect(restarted.last?.checked_at).toBe(after.last?.checked_at);
  });

  it('stops a verification on cancel, keeping the last report and saying it was stopped; a file not its own is ignored', async () => {
    const file = join(dir, 'cancel', 'kept.json');
    const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'cancel-test' });
    const service = createLogService(store, undefined, undefined, { verificationsPath: file });
    const started = await service['integrity/verify']({});
    expect(started.running).not.toBeNull();
    const stopping = await service['integrity/cancel']({});
    expect(stopping.running?.cancelling).toBe(true);
    let status = await service['integrity/status']({});
    while (status.running) status = await service['integrity/status']({});
    expect(status).toMatchObject({ last: null, stopped: { outcome: 'cancelled', message: expect.stringMatching(/cancelled/) } });
    // Cancelling with nothing going changes nothing.
    expect((await service['integrity/cancel']({})).running).toBeNull();
    // A hand-edited or foreign file is not an error: it remembers nothing.
    writeFileSync(file, '{"not": "ours"}');
    const fresh = createLogService(store, undefined, undefined, { verificationsPath: file });
    expect(await fresh['integrity/status']({})).toMatchObject({ last: null, stopped: null });
  });

  it('refuses bad requests with 400 or 405 and a message', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['GET', '/api/v1/emails/abc/integrity', 400, /email id in the path: must be a whole number/],
      ['GET', '/api/v1/emails/0/integrity', 400, /email id in the path/],
      ['GET', '/api/v1/emails/99999/integrity', 404, /no email with id 99999/],
      ['GET', '/api/v1/integrity?verify=yes', 400, /unknown query parameter "verify"; GET \/api\/v1\/integrity takes none/],
      ['GET', '/api/v1/integrity/verify', 405, /use POST/],
    ];
    for (const [method, path, status, message] of cases) {
      const response = await get<{ error: { message: string } }>(path, method);
      expect(response.status, `${method} ${path}: ${response.text}`).toBe(status);
      expect(response.json?.error.message).toMatch(message);
    }
  });
});

describe("one email's check (the timeline's badge)", () => {
  it('finds an untouched email intact, every event sealed under checkpoint 1', async () => {
    const check = await emailCheck(5);
    expect(check).toMatchObject({ email_id: 5, latest: { checkpoint: 1, last_seq: 600 }, sealed: 15, unsealed: 0, purged: 0, failures: [], key_source: 'database' });
    expect(check.notes.join(' ')).toMatch(/public key stored in the database/);
  });

  it('names an edited description, a deleted event and an event moved to another email, and only on their emails', async () => {
    const edited = await eventOf(7, 3);
    await db.writable.query(`UPDATE email_activity_log SET description = 'nothing happened' WHERE id = $1`, [edited]);
    const deleted = await eventOf(9, 14);
    const deletedSeq = await seqOf(deleted);
    await db.writable.query(`DELETE FROM email_activity_log WHERE id = $1`, [deleted]);
    const moved = await eventOf(10, 2);
    await db.writable.query(`UPDATE email_activity_log SET email_id = 11 WHERE id = $1`, [moved]);

    const seven = await emailCheck(7);
    expect(seven.failures).toEqual([
      { kind: 'edited', message: `edited event ${edited} (seq ${await seqOf(edited)}): description`, event_id: edited, seq: await seqOf(edited), seq_to: null, checkpoint: null, columns: ['description'] },
    ]);
    expect(seven).toMatchObject({ sealed: 15, unsealed: 0 });
    expect((await emailCheck(9)).failures).toMatchObject([{ kind: 'deleted', message: `deleted event ${deleted} (seq ${deletedSeq})`, event_id: deleted, seq: deletedSeq }]);
    expect((await emailCheck(10)).failures).toMatchObject([{ kind: 'edited', message: `edited event ${moved} (seq ${await seqOf(moved)}): email_id, now in email 11`, columns: ['email_id'] }]);
    expect((await emailCheck(11)).failures).toMatchObject([{ kind: 'edited', event_id: moved, columns: ['email_id'] }]);
    expect((await emailCheck(8)).failures).toEqual([]);
  });

  it('counts a new event as not sealed yet, and names one dated inside the sealed period as inserted', async () => {
    await db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (12, 'read', 'user', 'read after the seal')`);
    expect(await emailCheck(12)).toMatchObject({ sealed: 15, unsealed: 1, failures: [] });
    const { rows } = await db.writable.query(
      `INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at) VALUES (13, 'read', 'user', 'back-dated', LOCALTIMESTAMP - interval '10 days') RETURNING id`,
    );
    const inserted = Number(rows[0].id);
    const check = await emailCheck(13);
    expect(check.failures).toMatchObject([{ kind: 'inserted', event_id: inserted, checkpoint: 1, message: expect.stringMatching(/inside the sealed period/) }]);
    expect(check.unsealed).toBe(0);
  });

  it('counts an event purged under a recorded seam as purged, and names a seam whose run does not exist', async () => {
    // As a retention run's purge leaves it (src-main/integrity/purge-seam.ts), done in SQL: a run whose
    // purge cutoff is now, and one event of email 14 deleted under its seam.
    const { rows: [run] } = await db.writable.query(
      `INSERT INTO mailtrail_retention_runs (actor, archive_after_days, purge_after_days, archive_cutoff, purge_cutoff, time_zone, id_limit, status)
       VALUES ('test', 30, 90, LOCALTIMESTAMP, LOCALTIMESTAMP, 'UTC', 0, 'succeeded') RETURNING id`,
    );
    const purgedEvent = await eventOf(14, 0);
    const seq = await seqOf(purgedEvent);
    await db.writable.query(`DELETE FROM email_activity_log WHERE id = $1`, [purgedEvent]);
    await db.writable.query(`INSERT INTO mailtrail_integrity_purged (run_id, first_seq, last_seq) VALUES ($1, $2, $2)`, [run.id, seq]);
    expect(await emailCheck(14)).toMatchObject({ sealed: 14, purged: 1, failures: [] });

    const forged = await eventOf(15, 0);
    const forgedSeq = await seqOf(forged);
    await db.writable.query(`DELETE FROM email_activity_log WHERE id = $1`, [forged]);
    await db.writable.query(`INSERT INTO mailtrail_integrity_purged (run_id, first_seq, last_seq) VALUES (4242, $1, $1)`, [forgedSeq]);
    expect((await emailCheck(15)).failures).toMatchObject([
      { kind: 'bad_purge_claim', event_id: forged, message: `event ${forged} (seq ${forgedSeq}) is said purged by retention run 4242, which does not exist` },
    ]);
  });

  it('shows the tampering in the next full verification, which the status then reports', async () => {
    expect((await get('/api/v1/integrity/verify', 'POST')).status).toBe(202);
    const status = await verificationEnds();
    expect(status.last?.intact).toBe(false);
    // The purge claim names a run that does not exist: the full verification checks what one email's check only counts.
    expect(status.last?.failures.map((failure) => failure.kind).sort()).toEqual(['bad_purge_claim', 'deleted', 'edited', 'edited', 'inserted']);
    // One email's check names an insertion in the very words of the full verification (unsealed.ts beside verify.ts).
    const inserted = status.last?.failures.find((failure) => failure.kind === 'inserted');
    expect((await emailCheck(13)).failures).toEqual([inserted]);
    // Each failure whose event still exists links to its email's timeline; a deleted one has none.
    const edited = status.last?.failures.find((failure) => failure.kind === 'edited' && failure.columns.includes('description'));
    expect(status.failure_emails[String(edited?.event_id)]).toBe(7);
    const deleted = status.last?.failures.find((failure) => failure.kind === 'deleted');
    expect(status.failure_emails[String(deleted?.event_id)]).toBeUndefined();
  });

  it('says what a database without the integrity tables needs, and refuses to verify it (503)', async () => {
    const bare = await createTestDatabase({ migrated: false });
    try {
      const service = createLogService(createPostgresLogStore(bare.readable, { kind: 'postgres', label: 'bare' }), undefined, undefined, { verificationsPath });
      const status = await service['integrity/status']({});
      expect(status).toMatchObject({ available: false, latest: null, last: null, unavailable: expect.stringMatching(/run `mailtrail migrate`/) });
      await expect(service['integrity/verify']({})).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      await bare.drop();
    }
  });
});
