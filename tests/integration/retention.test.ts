import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { HOLD_LOCK } from '../../src-main/retention/holds';
import { RETENTION_LOCK } from '../../src-main/retention/run';
import { createRetentionService, type RetentionApi } from '../../src-main/service/retention-service';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { count, eventsSql, expectRollupsEqualRecount, expectRunKeptItsPromises, HELD, snapshotEvents } from '../support/retention-checks';

/** Some events already archived by the hub's own earlier retention, on both sides of the purge cutoff. */
const EARLIER_ARCHIVE = `
  WITH moved AS (DELETE FROM email_activity_log WHERE id % 40 = 0 AND created_at < LOCALTIMESTAMP - INTERVAL '45 days' RETURNING *)
  INSERT INTO email_activity_log_archive SELECT * FROM moved`;

/** Everything a dry run or preview must leave alone: every row of Mailtrail's and the hub's tables, and the sequences. */
async function fingerprint(db: TestDatabase): Promise<Record<string, string>> {
  const tables = [
    'email_activity_log',
    'email_activity_log_archive',
    'email_activity_daily_rollup',
    'email_activity_hourly_rollup',
    'email_workflow_duration_rollup',
    'email_workflow_duration_hourly_rollup',
    'mailtrail_retention_policy',
    'mailtrail_legal_holds',
    'mailtrail_retention_runs',
  ];
  const prints: Record<string, string> = {};
  for (const table of tables) {
    const { rows } = await db.writable.query<{ print: string | null; n: string }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS print, COUNT(*) AS n FROM ${table} t`);
    prints[table] = `${rows[0]?.n}:${rows[0]?.print}`;
  }
  const sequences = await db.writable.query<{ name: string; value: string }>(
    `SELECT sequencename AS name, COALESCE(last_value, 0)::text AS value FROM pg_sequences WHERE schemaname = current_schema()`,
  );
  for (const { name, value } of sequences.rows) prints[`sequence ${name}`] = value;
  return prints;
}

interface Cli {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  workMs: number;
}

/** `mailtrail retention …` as a child process (the built CLI); SIGKILL or SIGINT `afterMs` after its first line on stderr. */
function cli(args: string[], kill?: { signal: NodeJS.Signals; afterMs: number }, env: NodeJS.ProcessEnv = {}): Promise<Cli> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/mailtrail.js', 'retention', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, MAILTRAIL_ACTOR: 'cli-admin', ...env },
    });
    let stdout = '';
    let stderr = '';
    let firstLineAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (firstLineAt === undefined && stderr.includes('\n')) {
        firstLineAt = Date.now();
        if (kill) setTimeout(() => child.kill(kill.signal), kill.afterMs);
      }
    });
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, workMs: Date.now() - (firstLineAt ?? Date.now()) }));
  });
}

/** A killed runner's backend may outlive it by a moment; its session lock goes with it. */
async function untilRunnerGone(db: TestDatabase) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const held = await count(db, `SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, [RETENTION_LOCK]);
    if (held === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('the killed runner still holds the retention lock after 10 s');
}

describe('retention on PostgreSQL', () => {
  let db: TestDatabase;
  let admin: AdminDb;
  let retention: RetentionApi;
  const actor = { name: 'alice' };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(eventsSql(12_000, 300, 150));
    await db.writable.query(EARLIER_ARCHIVE);
    admin = openAdminDb(db.url);
    retention = createRetentionService({ viewer: db.readable, admin, actor: () => actor.name });
  });
  afterAll(async () => {
    await retention?.close();
    await admin?.end();
    await db?.drop();
  });

  it('keeps the policy in the database: 30 and 90 days by default, either can be off (issue 13, item 2)', async () => {
    expect(await retention['retention/policy']({})).toMatchObject({ archive_after_days: 30, purge_after_days: 90 });
    await expect(retention['retention/set-policy']({ archiveAfterDays: 60, purgeAfterDays: 20 })).rejects.toMatchObject({ code: 'bad_request' });
    expect(await retention['retention/set-policy']({ archiveAfterDays: null, purgeAfterDays: 120 })).toMatchObject({ archive_after_days: null, purge_after_days: 120, updated_by: 'alice' });
    const preview = await retention['retention/preview']({});
    expect(preview.cutoffs.archive).toBeNull();
    expect(preview.archive.events).toBe(0);
    expect(await retention['retention/set-policy']({ archiveAfterDays: 30, purgeAfterDays: 90 })).toMatchObject({ archive_after_days: 30, purge_after_days: 90 });
  });

  it('places a legal hold once per email, lists and searches holds, and releases one only explicitly (issue 13, item 2)', async () => {
    const hold = await retention['retention/hold']({ emailId: 7, reason: 'Litigation ACME v. Hub' });
    expect(hold).toMatchObject({ email_id: 7, reason: 'Litigation ACME v. Hub', held_by: 'alice', released_at: null });
    await expect(retention['retention/hold']({ emailId: 7, reason: 'again' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/already under a legal hold.*alice/) });
    await expect(retention['retention/hold']({ emailId: 999_999, reason: 'no such email' })).rejects.toMatchObject({ code: 'not_found' });
    await retention['retention/hold']({ emailId: 8, reason: 'tax audit 2025' });
    expect((await retention['retention/holds']({ includeReleased: false, limit: 100 })).items.map((h) => h.email_id)).toEqual([8, 7]);
    expect((await retention['retention/holds']({ search: 'acme', includeReleased: false, limit: 100 })).items.map((h) => h.email_id)).toEqual([7]);
    expect((await retention['retention/holds']({ search: '8', includeReleased: false, limit: 100 })).items.map((h) => h.email_id)).toEqual([8]);
    actor.name = 'bob';
    expect(await retention['retention/release']({ emailId: 8 })).toMatchObject({ email_id: 8, released_by: 'bob' });
    actor.name = 'alice';
    await expect(retention['retention/release']({ emailId: 8 })).rejects.toMatchObject({ code: 'not_found' });
    expect((await retention['retention/holds']({ includeReleased: false, limit: 100 })).items.map((h) => h.email_id)).toEqual([7]);
    expect((await retention['retention/holds']({ includeReleased: true, limit: 100 })).items.map((h) => h.email_id)).toEqual([8, 7]);
  });

  it('lists one email\'s holds exactly by email_id, for its timeline, over the service and REST (issue 13, item 2)', async () => {
    await retention['retention/hold']({ emailId: 112, reason: 'email 12 is only in this reason' });
    await retention['retention/hold']({ emailId: 12, reason: 'timeline banner' });
    const holdsOf = async (emailId: number, includeReleased = false) =>
      (await retention['retention/holds']({ emailId, includeReleased, limit: 100 })).items.map((h) => [h.email_id, h.reason]);
    expect(await holdsOf(12)).toEqual([[12, 'timeline banner']]);
    expect(await holdsOf(13)).toEqual([]);
    const server = await startHttpServer({ service: createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' }), { db: null, actor: 'serve', journalDb: db.readable, retention }), port: 0 });
    try {
      const answer = await fetch(`${server.url}/api/v1/retention/holds?email_id=12`);
      expect(answer.status).toBe(200);
      expect(((await answer.json()) as { email_id: number; held_by: string }[]).map((h) => [h.email_id, h.held_by])).toEqual([[12, 'alice']]);
      expect((await fetch(`${server.url}/api/v1/retention/holds?email_id=abc`)).status).toBe(400);
      expect((await fetch(`${server.url}/api/v1/retention/holds?email_id=0`)).status).toBe(400);
    } finally {
      await server.close();
    }
    await retention['retention/release']({ emailId: 12 });
    await retention['retention/release']({ emailId: 112 });
    expect(await holdsOf(12)).toEqual([]);
    expect(await holdsOf(12, true)).toEqual([[12, 'timeline banner']]);
  });

  it('previews counts equal to plain SQL counts, by month and category, with the held events, and writes nothing (issue 13, item 3)', async () => {
    const before = await fingerprint(db);
    const preview = await retention['retention/preview']({});
    expect(await fingerprint(db)).toEqual(before);
    const { archive, purge } = preview.cutoffs;
    expect(preview.cutoffs.time_zone).toBeTruthy();
    // The cutoffs are the database's clock minus the days, in its zone.
    const ages = await db.writable.query<{ archive_days: number; purge_days: number }>(
      `SELECT EXTRACT(EPOCH FROM LOCALTIMESTAMP - $1::timestamp) / 86400 AS archive_days, EXTRACT(EPOCH FROM LOCALTIMESTAMP - $2::timestamp) / 86400 AS purge_days`,
      [archive, purge],
    );
    expect(Number(ages.rows[0]?.archive_days)).toBeCloseTo(30, 1);
    expect(Number(ages.rows[0]?.purge_days)).toBeCloseTo(90, 1);
    const archiveDue = `FROM email_activity_log e WHERE e.created_at < $1::timestamp AND NOT ${HELD('e')}`;
    const purgeDue = `FROM (SELECT * FROM email_activity_log UNION ALL SELECT * FROM email_activity_log_archive) e WHERE e.created_at < $1::timestamp AND NOT ${HELD('e')}`;
    const heldStay = `FROM (SELECT *, TRUE AS in_log FROM email_activity_log UNION ALL SELECT *, FALSE FROM email_activity_log_archive) e
                      WHERE ${HELD('e')} AND ((e.in_log AND e.created_at < $1::timestamp) OR e.created_at < $2::timestamp)`;
    expect(preview.archive).toEqual({ events: await count(db, `SELECT COUNT(*) AS n ${archiveDue}`, [archive]), emails: await count(db, `SELECT COUNT(DISTINCT email_id) AS n ${archiveDue}`, [archive]) });
    expect(preview.purge).toEqual({ events: await count(db, `SELECT COUNT(*) AS n ${purgeDue}`, [purge]), emails: await count(db, `SELECT COUNT(DISTINCT email_id) AS n ${purgeDue}`, [purge]) });
    expect(preview.held).toEqual({ events: await count(db, `SELECT COUNT(*) AS n ${heldStay}`, [archive, purge]), emails: await count(db, `SELECT COUNT(DISTINCT email_id) AS n ${heldStay}`, [archive, purge]) });
    expect(preview.archive.events).toBeGreaterThan(5_000);
    expect(preview.purge.events).toBeGreaterThan(3_000);
    expect(preview.held.events).toBeGreaterThan(10);
    const byMonth = await db.writable.query<{ month: string; n: string }>(`SELECT to_char(e.created_at, 'YYYY-MM') AS month, COUNT(*) AS n ${archiveDue} GROUP BY 1 ORDER BY 1`, [archive]);
    expect(preview.by_month.filter((m) => m.archive_events > 0).map((m) => [m.month, m.archive_events])).toEqual(byMonth.rows.map((r) => [r.month, Number(r.n)]));
    const byCategory = await db.writable.query<{ c: string; n: string }>(`SELECT e.event_category AS c, COUNT(*) AS n ${purgeDue} GROUP BY 1 ORDER BY 1`, [purge]);
    expect(preview.by_category.filter((c) => c.purge_events > 0).map((c) => [c.event_category, c.purge_events])).toEqual(byCategory.rows.map((r) => [r.c, Number(r.n)]));
    expect(preview.by_category.reduce((sum, c) => sum + c.held_events, 0)).toBe(preview.held.events);
    // Overrides for one preview: off, and other days.
    expect((await retention['retention/preview']({ purgeAfterDays: null })).purge.events).toBe(0);
    expect((await retention['retention/preview']({ archiveAfterDays: 100, purgeAfterDays: 140 })).archive.events).toBeLessThan(preview.archive.events);
  });

  it('plans a dry run in full and changes no row, rollup or sequence, from the service and the CLI (issue 13, item 4)', async () => {
    const before = await fingerprint(db);
    const plan = await retention['retention/run']({ dryRun: true });
    const preview = await retention['retention/preview']({});
    expect(plan).toMatchObject({ run_id: null, status: 'dry_run', archive: preview.archive, purge: { events: preview.purge.events }, held: preview.held });
    const run = await cli(['run', '--dry-run', '--json', '--db', db.url]);
    expect(run.code, run.stderr).toBe(0);
    const answer = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(Object.keys(answer)).toEqual(['cutoffs', 'archive', 'purge', 'held', 'run_id', 'status']);
    expect(answer).toMatchObject({ status: 'dry_run', archive: preview.archive, purge: { events: preview.purge.events }, held: preview.held });
    const previewCli = await cli(['preview', '--json', '--db', db.url]);
    expect(previewCli.code, previewCli.stderr).toBe(0);
    expect(Object.keys(JSON.parse(previewCli.stdout) as object)).toEqual(['cutoffs', 'archive', 'purge', 'held']);
    expect(await fingerprint(db)).toEqual(before);
  });

  it('refuses a second concurrent run, naming the running one (issue 13, item 4)', async () => {
    // A hold being placed keeps the first run's first batch waiting, so it is surely going.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    await blocker.query('SELECT pg_advisory_lock($1)', [HOLD_LOCK]);
    let first: Promise<unknown> = Promise.resolve(null);
    try {
      first = retention.runToEnd({}, { lockTimeoutMs: 60_000 }).then(
        () => null,
        (error: unknown) => error,
      );
      for (let i = 0; i < 200 && (await count(db, `SELECT COUNT(*) AS n FROM mailtrail_retention_runs WHERE status = 'running'`)) === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const runId = await count(db, `SELECT id AS n FROM mailtrail_retention_runs WHERE status = 'running'`);
      actor.name = 'carol';
      await expect(retention.runToEnd({})).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(new RegExp(`another retention run is going \\(run ${runId}, started by alice at \\d{4}-`)),
      });
      const second = await cli(['run', '--db', db.url]);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(new RegExp(`^mailtrail: .*another retention run is going \\(run ${runId}, started by alice`));
    } finally {
      actor.name = 'alice';
      await blocker.end();
    }
    expect(await first).toBeNull();
  });

  it('archives, then purges: nothing unheld past a cutoff remains, held emails stay, every event exactly once, rollups equal a recount (issue 13, item 4)', async () => {
    // The previous test's run finished the work; new old events give this one its own.
    await db.writable.query(eventsSql(6_000, 300, 150).replace("'event ' || g", "'later event ' || g"));
    await db.writable.query(EARLIER_ARCHIVE);
    await retention['retention/hold']({ emailId: 11, reason: 'held before the run' });
    await snapshotEvents(db);
    const plan = await retention['retention/preview']({});
    const progress: number[] = [];
    // Readers keep working meanwhile: small batches, row locks only.
    const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
    const reads: number[] = [];
    let running = true;
    const reader = (async () => {
      while (running) {
        const began = Date.now();
        await store.timeline({ emailId: 11, order: 'desc', limit: 50 });
        await store.timeline({ emailId: 23, order: 'asc', limit: 50 });
        reads.push(Date.now() - began);
      }
    })();
    const result = await retention.runToEnd({}, { batchSize: 300, onProgress: (p) => progress.push(p.done) }).finally(() => (running = false));
    await reader;
    expect(reads.length).toBeGreaterThan(0);
    expect(Math.max(...reads)).toBeLessThan(2_000);
    expect(result).toMatchObject({ status: 'succeeded', archive: { events: plan.archive.events }, purge: { events: plan.purge.events } });
    expect(progress.length).toBeGreaterThan(10);
    await expectRunKeptItsPromises(db, result.run_id as number);
    const [latest] = (await retention['retention/runs']({ limit: 5 })).items;
    expect(latest).toMatchObject({ id: result.run_id, status: 'succeeded', actor: 'alice', archive_after_days: 30, purge_after_days: 90, archived_events: plan.archive.events });
    // The write path's journal holds the run and the hold, each with who and how it ended (issue 13, item 1).
    const journal = await db.writable.query(
      `SELECT action, actor, parameters, outcome FROM mailtrail_admin_journal WHERE action IN ('retention.run', 'retention.hold') ORDER BY id DESC LIMIT 2`,
    );
    expect(journal.rows).toEqual([
      { action: 'retention.run', actor: 'alice', parameters: {}, outcome: 'succeeded' },
      { action: 'retention.hold', actor: 'alice', parameters: { email_id: 11, reason: 'held before the run' }, outcome: 'succeeded' },
    ]);
  });

  it('archives in two streams at once, split at a midnight; a run cancelled meanwhile resumes and moves each event once (issue 13, item 4)', async () => {
    await db.writable.query(eventsSql(8_000, 300, 150).replace("'event ' || g", "'streamed event ' || g"));
    await snapshotEvents(db);
    const plan = await retention['retention/preview']({});
    // Cancelled while both streams go: the later stretch's batches so far stay moved and counted.
    const controller = new AbortController();
    const streamed: number[] = [];
    const cancelled = await retention.runToEnd({}, {
      batchSize: 150,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.streams === 2) streamed.push(progress.done);
        if (streamed.length === 12) controller.abort();
      },
    });
    expect(cancelled.status).toBe('cancelled');
    expect(streamed.length).toBeGreaterThanOrEqual(12);
    const { rows: [halfway] } = await db.writable.query<{ archived_events: number; moved: number }>(
      `SELECT archived_events, (SELECT COUNT(*) FROM email_activity_log_archive a WHERE NOT EXISTS (SELECT 1 FROM before_archive b WHERE b.id = a.id))::int AS moved
       FROM mailtrail_retention_runs WHERE id = $1`,
      [cancelled.run_id],
    );
    expect(halfway!.archived_events).toBe(halfway!.moved);
    expect(halfway!.moved).toBeGreaterThan(0);
    expect(halfway!.moved).toBeLessThan(plan.archive.events);
    // Both stretches were under way: moved events on both sides of some midnight, with unheld unmoved ones between.
    const { rows: [sides] } = await db.writable.query<{ gaps: number }>(
      `SELECT COUNT(*)::int AS gaps FROM (
         SELECT created_at, id, lag(in_archive) OVER (ORDER BY created_at, id) AS before, in_archive FROM (
           SELECT created_at, id, FALSE AS in_archive FROM email_activity_log e WHERE created_at < $1::timestamp AND NOT ${HELD('e')}
           UNION ALL SELECT created_at, id, TRUE FROM email_activity_log_archive a WHERE NOT EXISTS (SELECT 1 FROM before_archive b WHERE b.id = a.id)) e
         ) t WHERE in_archive AND before IS FALSE`,
      [plan.cutoffs.archive],
    );
    expect(sides!.gaps).toBeGreaterThanOrEqual(1);
    const resumed = await retention.runToEnd({}, { batchSize: 150 });
    expect(resumed).toMatchObject({ run_id: cancelled.run_id, status: 'succeeded', resumed_run: true, archive: { events: plan.archive.events } });
    await expectRunKeptItsPromises(db, resumed.run_id as number);
  });

  it('answers the REST endpoints; without an admin connection writes are 403 (issue 13, items 2-4)', async () => {
    const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
    const readOnly = createRetentionService({ viewer: db.readable, admin: null, actor: () => 'nobody' });
    // `serve --admin` (writes to the admin token's holder) beside a server without an admin connection.
    const token = 'retention-admin-token-0123456789abcdef';
    const servers: HttpServer[] = [
      await startHttpServer({ service: createLogService(store, { db: admin, actor: 'serve', journalDb: db.readable, retention }), port: 0, tokens: [{ holder: 'admin', token }] }),
      await startHttpServer({ service: createLogService(store, { db: null, actor: 'serve', journalDb: db.readable, retention: readOnly }), port: 0 }),
    ];
    try {
      const [admin, viewer] = servers.map((server, i) => (path: string, init: RequestInit = {}) =>
        fetch(`${server.url}${path}`, i === 0 ? { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` } } : init),
      );
      const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const preview = await admin!('/api/v1/retention/preview?archive_after_days=30&purge_after_days=off');
      expect(preview.status).toBe(200);
      expect(await preview.json()).toMatchObject({ purge: { events: 0 }, cutoffs: { purge: null } });
      expect((await admin!('/api/v1/retention/preview?archive_after_days=abc')).status).toBe(400);
      expect((await admin!('/api/v1/retention/preview?days=3')).status).toBe(400);
      const held = await admin!('/api/v1/retention/holds', json('POST', { email_id: 12, reason: 'REST hold' }));
      expect(held.status).toBe(201);
      expect(await held.json()).toMatchObject({ email_id: 12, reason: 'REST hold', released_at: null });
      expect((await admin!('/api/v1/retention/holds', json('POST', { email_id: 12, reason: 'twice' }))).status).toBe(409);
      expect((await admin!('/api/v1/retention/holds', json('POST', { email_id: 12 }))).status).toBe(400);
      const holds = (await (await viewer!('/api/v1/retention/holds?search=REST')).json()) as { email_id: number }[];
      expect(holds.map((hold) => hold.email_id)).toEqual([12]);
      const refused = await viewer!('/api/v1/retention/holds/12', { method: 'DELETE' });
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/serve --admin/);
      expect((await viewer!('/api/v1/retention/runs', json('POST', {}))).status).toBe(403);
      expect((await admin!('/api/v1/retention/holds/12', { method: 'DELETE' })).status).toBe(200);
      expect((await admin!('/api/v1/retention/holds/12', { method: 'DELETE' })).status).toBe(404);
      expect((await admin!('/api/v1/retention/preview', { method: 'DELETE' })).status).toBe(405);
      // A POST is a write to the gate, a dry run too: read-only servers offer GET /retention/preview instead.
      expect((await viewer!('/api/v1/retention/runs', json('POST', { dry_run: true }))).status).toBe(403);
      const dry = await admin!('/api/v1/retention/runs', json('POST', { dry_run: true }));
      expect(dry.status).toBe(200);
      expect(await dry.json()).toMatchObject({ status: 'dry_run', run_id: null });
      const started = await admin!('/api/v1/retention/runs', json('POST', {}));
      expect(started.status).toBe(202);
      const { run_id: runId } = (await started.json()) as { run_id: number };
      let runs: { id: number; status: string }[] = [];
      for (let i = 0; i < 200; i++) {
        runs = (await (await viewer!('/api/v1/retention/runs?limit=3')).json()) as typeof runs;
        if (runs[0]?.status !== 'running') break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(runs[0]).toMatchObject({ id: runId, status: 'succeeded' });
    } finally {
      await Promise.all(servers.map((server) => server.close()));
    }
  });

  it('cancels a CLI run on SIGINT, resumable: the next run takes it up with the same cutoffs (issue 13, item 4)', async () => {
    await db.writable.query(eventsSql(20_000, 400, 150).replace("'event ' || g", "'third event ' || g"));
    await snapshotEvents(db);
    const cancelled = await cli(['run', '--json', '--batch-size', '100', '--db', db.url], { signal: 'SIGINT', afterMs: 150 });
    expect(cancelled.code, cancelled.stderr).toBe(130);
    const stopped = JSON.parse(cancelled.stdout) as { run_id: number; status: string };
    expect(stopped.status).toBe('cancelled');
    const [row] = (await retention['retention/runs']({ limit: 1 })).items;
    expect(row).toMatchObject({ id: stopped.run_id, status: 'cancelled', actor: 'cli-admin' });
    const resumed = await cli(['run', '--json', '--db', db.url]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ run_id: stopped.run_id, status: 'succeeded', cutoffs: { archive: row!.cutoffs.archive } });
    expect(resumed.stderr).toMatch(new RegExp(`resuming run ${stopped.run_id}`));
    await expectRunKeptItsPromises(db, stopped.run_id);
    const history = await cli(['history', '--db', db.url]);
    expect(history.stdout).toMatch(new RegExp(`^run ${stopped.run_id} succeeded; .*resumed 1 time`, 'm'));
  }, 60_000);

  it('cancels a run from another process through retention/cancel; one whose process died is cancelled at once (issue 13, item 4)', async () => {
    await db.writable.query(eventsSql(20_000, 400, 150).replace("'event ' || g", "'fourth event ' || g"));
    await snapshotEvents(db);
    const running = cli(['run', '--json', '--batch-size', '100', '--db', db.url]);
    let runId = 0;
    for (let i = 0; i < 400 && !runId; i++) {
      runId = await count(db, `SELECT COALESCE(MAX(id), 0) AS n FROM mailtrail_retention_runs WHERE status = 'running' AND archived_events > 0`);
      if (!runId) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(runId).toBeGreaterThan(0);
    await expect(retention['retention/cancel']({ runId: runId + 1000 })).rejects.toMatchObject({ code: 'not_found' });
    const asked = await retention['retention/cancel']({ runId });
    expect(asked).toMatchObject({ id: runId, status: 'running', cancel_requested_by: 'alice', cancel_requested_at: expect.any(String) });
    const stopped = await running;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ run_id: runId, status: 'cancelled' });
    await expect(retention['retention/cancel']({ runId })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/is not going \(it cancelled\)/) });

    // A row left running by a dead process: nobody holds the runner's lock, so it is cancelled at once (here from the CLI).
    await db.writable.query(`UPDATE mailtrail_retention_runs SET status = 'running', finished_at = NULL WHERE id = $1`, [runId]);
    const fromCli = await cli(['cancel', String(runId), '--json', '--db', db.url]);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    expect(JSON.parse(fromCli.stdout)).toMatchObject({ id: runId, status: 'cancelled', finished_at: expect.any(String) });

    // The next run takes it up where it stopped, the request cleared, and keeps every promise.
    const resumed = await retention.runToEnd({});
    expect(resumed).toMatchObject({ run_id: runId, status: 'succeeded', resumed_run: true });
    expect((await retention['retention/runs']({ limit: 1 })).items[0]).toMatchObject({ id: runId, cancel_requested_at: null });
    await expectRunKeptItsPromises(db, runId);
    const journal = await db.writable.query(`SELECT actor, parameters, outcome FROM mailtrail_admin_journal WHERE action = 'retention.cancel' ORDER BY id`);
    expect(journal.rows.map((row) => row.outcome)).toEqual(['refused', 'succeeded', 'refused', 'succeeded']);
    expect(journal.rows[1]).toMatchObject({ actor: 'alice', parameters: { run_id: runId } });
    expect(journal.rows[3]).toMatchObject({ actor: 'cli-admin', parameters: { run_id: runId } });
  }, 60_000);
});

describe('killing mailtrail retention run at random moments', () => {
  const KILLS = 12;
  const MAX_ATTEMPTS = 60;
  // The log spans 150 days: a fifth of it to archive and a tenth to purge keeps the run about 20 s
  // (the rollups' DELETE trigger costs some 0.8 ms per archived event) while every phase is killed in.
  const POLICY = ['--archive-after', '120', '--purge-after', '135'];
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(eventsSql(100_000, 5_000, 150));
    await db.writable.query(EARLIER_ARCHIVE);
    const admin = openAdminDb(db.url);
    const retention = createRetentionService({ viewer: db.readable, admin, actor: () => 'setup' });
    await retention['retention/hold']({ emailId: 17, reason: 'kept through the kills' });
    await retention['retention/hold']({ emailId: 4_242, reason: 'kept through the kills' });
    await admin.end();
    await snapshotEvents(db);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('loses and duplicates nothing: each run resumes the killed one, and the last completes it (issue 13, item 4)', async () => {
    let killed = 0;
    let refills = 0;
    for (let attempt = 0; killed < KILLS && attempt < MAX_ATTEMPTS; attempt++) {
      await untilRunnerGone(db);
      // Kills come after the run is recorded (its first line), within a fraction of the whole run's work.
      const delay = Math.floor(Math.random() * 400);
      const run = await cli(['run', '--json', ...POLICY, '--batch-size', '500', '--db', db.url], { signal: 'SIGKILL', afterMs: delay });
      if (run.signal === 'SIGKILL') {
        // Only a kill that left its run going counts: one that came after the last batch, before exit, tests nothing.
        const status = (await db.writable.query<{ status: string }>(`SELECT status FROM mailtrail_retention_runs ORDER BY id DESC LIMIT 1`)).rows[0]?.status;
        if (status === 'running') killed++;
      } else {
        expect(run.code, `attempt ${attempt}: ${run.stderr}`).toBe(0);
        // The run got through: more old events (in the snapshot too) give the next ones work to be killed in.
        refills++;
        await db.writable.query(eventsSql(20_000, 5_000, 150).replace("'event ' || g", `'refill ${refills} event ' || g`));
        await db.writable.query(`INSERT INTO before_log SELECT * FROM email_activity_log WHERE id > (SELECT MAX(id) FROM before_log)`);
      }
      // Never one event in both tables, whenever the kill came.
      expect(await count(db, `SELECT COUNT(*) AS n FROM email_activity_log l JOIN email_activity_log_archive a USING (id)`)).toBe(0);
    }
    expect(killed).toBe(KILLS);
    await untilRunnerGone(db);
    const last = await cli(['run', '--json', ...POLICY, '--db', db.url]);
    expect(last.code, last.stderr).toBe(0);
    const result = JSON.parse(last.stdout) as { run_id: number; status: string };
    expect(result.status).toBe('succeeded');
    const runs = await db.writable.query<{ id: number; status: string; resumed: number }>(`SELECT id, status, resumed FROM mailtrail_retention_runs ORDER BY id`);
    expect(runs.rows.filter((row) => row.status !== 'succeeded')).toEqual([]);
    // Every kill left a run that the next one took up again.
    expect(runs.rows.reduce((sum, row) => sum + row.resumed, 0)).toBe(KILLS);
    expect(runs.rows.at(-1)?.id).toBe(result.run_id);
    await expectRunKeptItsPromises(db, result.run_id);
  }, 240_000);
});
