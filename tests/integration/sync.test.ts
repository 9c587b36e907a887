import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../../src-main/db/connection';
import { query } from '../../src-main/db/query';
import { sql } from '../../src-main/db/sql';
import { fillDemo } from '../../src-main/demo/demo';
import { createEmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { CACHE_APPLICATION_ID, CACHE_SCHEMA_VERSION, openCacheForReading, readCacheInfo } from '../../src-main/store/sqlite/cache-file';
import { openSqliteLogStore } from '../../src-main/store/sqlite/sqlite-log-store';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { liveDailySql, liveDurationSql } from '../../src-main/store/sqlite/analytics.query';
import { syncCache } from '../../src-main/sync/sync-cache';
import { INDEX_HITS_MAX } from '../../src-main/store/activity-scan';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { archiveEvents, expectCacheEqualsSource, inspectCache, temporaryDirectory } from '../support/stores';

let database: TestDatabase;
let dir: string;
let removeDir: () => void;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ dir, remove: removeDir } = temporaryDirectory());
  await fillDemo(database.writable, { emails: 120, seed: 3 });
}, 120_000);
afterAll(async () => {
  await database?.drop();
  removeDir?.();
});

const count = async (where = sql`true`) =>
  (await query<{ n: number }>(database.readable, sql`SELECT count(*) AS n FROM email_activity_log WHERE ${where}`))[0]!.n;

describe('mailtrail sync', () => {
  it('copies the log and says in the file where it came from, what range, when, and how many rows', async () => {
    const file = join(dir, 'first.mailtrail');
    const before = new Date().toISOString().slice(0, 19);
    const result = await syncCache({ sourceUrl: database.url, cacheFile: file });
    expect(result.fetched).toBe(await count());
    await expectCacheEqualsSource(database, file);
    const db = openCacheForReading(file);
    try {
      const info = readCacheInfo(db);
      expect(info).toMatchObject({ source: redactUrl(database.url), since: null, until: null, rowCount: result.events, state: 'complete' });
      expect(info.source).not.toContain(new URL(database.url).password);
      expect(info.syncedAt! >= before).toBe(true);
      expect(info.timeZone).toBe((await query<{ tz: string }>(database.readable, sql`SELECT current_setting('TimeZone') AS tz`))[0]!.tz);
      expect(db.pragma('application_id', { simple: true })).toBe(CACHE_APPLICATION_ID);
      expect(db.pragma('user_version', { simple: true })).toBe(CACHE_SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare(`SELECT value FROM cache_info WHERE key = 'schema_version'`).pluck().get()).toBe(String(CACHE_SCHEMA_VERSION));
    } finally {
      db.close();
    }
  });

  it('fetches only what is new, including rows committed late below the high-water mark, and drops rows retention deleted', async () => {
    const file = join(dir, 'incremental.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const [{ high }] = (await query<{ high: number }>(database.readable, sql`SELECT max(id) AS high FROM email_activity_log`)) as [{ high: number }];
    // Ids far above the last sync, so a row that takes an id just above it later lies below the re-checked window.
    await query(database.writable, sql`SELECT setval(pg_get_serial_sequence('email_activity_log', 'id'), ${high + 50_000})`);
    const logger = createEmailActivityLogger(database.writable);
    for (let i = 0; i < 5; i++) await logger.logRead(1, 1, 'mette.jensen');
    const second = await syncCache({ sourceUrl: database.url, cacheFile: file });
    expect(second).toMatchObject({ fetched: 5, deleted: 0 });
    // A transaction that took its id before the reads above and committed after the sync.
    await query(
      database.writable,
      sql`INSERT INTO email_activity_log (id, email_id, event_type, event_category, description, created_at)
          VALUES (${high + 1}, 1, 'note', 'user', 'committed late', '2025-02-03 04:05:06')`,
    );
    const third = await syncCache({ sourceUrl: database.url, cacheFile: file });
    expect(third).toMatchObject({ fetched: 1, deleted: 0 });
    await expectCacheEqualsSource(database, file);

    // The seed's retention: archive the oldest events. Moved, they are archived in the cache, not deleted (issue 13, item 5).
    const cutoff = '2025-04-01';
    const archived = await count(sql`created_at < ${cutoff}::timestamp`);
    expect(archived).toBeGreaterThan(0);
    expect(await archiveEvents(database, sql`created_at < ${cutoff}::timestamp`)).toBe(archived);
    const afterRetention = await syncCache({ sourceUrl: database.url, cacheFile: file });
    expect(afterRetention).toMatchObject({ fetched: 0, deleted: 0, events: await count(), archived });
    await expectCacheEqualsSource(database, file);
    expect(inspectCache(file)).toMatchObject({ integrity: 'ok', rowCount: await count(), rows: await count(), state: 'complete' });

    // Then purge the archive's oldest: those are deleted from the cache too.
    const [{ purgedCount }] = (await query<{ purgedCount: number }>(
      database.writable,
      sql`WITH purged AS (DELETE FROM email_activity_log_archive WHERE created_at < '2025-02-15'::timestamp RETURNING 1) SELECT count(*)::int AS "purgedCount" FROM purged`,
    )) as [{ purgedCount: number }];
    expect(purgedCount).toBeGreaterThan(0);
    const afterPurge = await syncCache({ sourceUrl: database.url, cacheFile: file });
    expect(afterPurge).toMatchObject({ fetched: 0, deleted: purgedCount, events: await count(), archived: archived - purgedCount });
    await expectCacheEqualsSource(database, file);
    // The command says how many archived events the cache holds.
    const cli = await mailtrail(['sync', '--db', database.url, '--cache', join(dir, 'cli-archive.mailtrail')]);
    expect(cli.stdout).toMatch(new RegExp(`holds [\\d,]+ events \\(and ${(archived - purgedCount).toLocaleString('en-US')} archived\\), `));
  });

  it('keeps to --since and --until, and refuses another range for the same file', async () => {
    const file = join(dir, 'range.mailtrail');
    const result = await syncCache({ sourceUrl: database.url, cacheFile: file, since: '2025-06-01', until: '2025-06-30' });
    const inRange = await count(sql`created_at >= '2025-06-01' AND created_at < '2025-07-01'`);
    expect(inRange).toBeGreaterThan(0);
    expect(result.events).toBe(inRange);
    const store = openSqliteLogStore(file);
    try {
      const { events } = await store.recentActivity({ limit: 1_000 });
      expect(events.every((event) => event.created_at >= '2025-06-01' && event.created_at < '2025-07-01')).toBe(true);
    } finally {
      await store.close();
    }
    const again = await syncCache({ sourceUrl: database.url, cacheFile: file });
    expect(again.events).toBe(inRange);
    const bytes = hash(file);
    await expect(syncCache({ sourceUrl: database.url, cacheFile: file, since: '2025-01-01' })).rejects.toThrow(
      /was synced for 2025-06-01T00:00:00 to 2025-06-30, not 2025-01-01T00:00:00 to 2025-06-30; give the same --since\/--until, or sync into a new file/,
    );
    expect(hash(file)).toBe(bytes);
  });

  it('copies every escape and every way ->> reads a key exactly, with rollups equal to counting the cached rows (issue 12, item 4)', async () => {
    // Text and metadata that test every escape and every way ->> can read a key.
    const odd: [number, string, string, string, object | null, number | null, string | null, string | null][] = [
      [1, 'workflow_executed', 'workflow', 'tab\there, new\nline, back\\slash, \\N as text, ünïcödé 東京 📎', { workflow_name: 42, status: true, execution_time_ms: ' 1234 ' }, null, '2025-02-03 04:05:06.5', 'system'],
      [1, 'workflow_executed', 'workflow', 'object name', { workflow_name: { b: 1, a: [1, 2.5] }, status: null, execution_time_ms: 1e3 }, 2, '2025-02-03 04:05:07', 'a\tb'],
      [2, 'workflow_executed', 'workflow', 'fraction', { workflow_name: 'Invoice Processing', status: 'completed', execution_time_ms: 12.5 }, null, '2025-02-04 00:00:00', null],
      [2, 'workflow_executed', 'workflow', 'negative', { workflow_name: 'Invoice Processing', status: 'failed', execution_time_ms: '-7' }, null, '2025-02-04 00:00:01', null],
      [2, 'workflow_executed', 'workflow', 'largest', { workflow_name: 'Invoice Processing', status: 'completed', execution_time_ms: 999999999 }, null, null, null],
      [3, 'error', 'system', 'odd error', { error_type: 'tab\tthere \\ back\nslash ünïcödé 📎\r' }, null, '2025-02-05 10:00:00', null],
      [3, 'error', 'system', 'no metadata', null, null, '2025-02-05 10:00:01', null],
    ];
    for (const [emailId, type, category, description, metadata, userId, createdAt, createdBy] of odd) {
      await query(
        database.writable,
        sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, user_id, created_at, created_by)
            VALUES (${emailId}, ${type}, ${category}, ${description}, ${metadata === null ? null : JSON.stringify(metadata)}::jsonb, ${userId}, ${createdAt}::timestamp, ${createdBy})`,
      );
    }
    const file = join(dir, 'odd.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    await expectCacheEqualsSource(database, file);
    // A whole-log first sync takes PostgreSQL's rollups; they equal what the cache counts from its rows.
    const db = new Database(file, { readonly: true });
    try {
      const daily = db.prepare(`SELECT * FROM (${liveDailySql([])}) ORDER BY 1, 2, 3, 4, 5, 6`).raw().all();
      const durations = db.prepare(`SELECT * FROM (${liveDurationSql([])}) ORDER BY 1, 2, 3`).raw().all();
      expect(db.prepare('SELECT * FROM email_activity_daily_rollup ORDER BY 1, 2, 3, 4, 5, 6').raw().all()).toEqual(daily);
      expect(db.prepare('SELECT * FROM email_workflow_duration_rollup ORDER BY 1, 2, 3').raw().all()).toEqual(durations);
      const keys = db.prepare(`SELECT workflow_name, workflow_status, execution_time_ms, duration_bucket FROM email_activity_log WHERE event_type = 'workflow_executed' ORDER BY id DESC LIMIT 5`).raw().all();
      expect(keys.reverse()).toEqual([
        ['42', 'true', 1234, 20],
        ['{"a": [1, 2.5], "b": 1}', null, 1000, 19],
        ['Invoice Processing', 'completed', null, null],
        ['Invoice Processing', 'failed', -7, 0],
        ['Invoice Processing', 'completed', 999999999, 59],
      ]);
    } finally {
      db.close();
    }
  });

  it('goes on with a cache made before rollup_high_id, whose rollups already count its rows', async () => {
    const file = join(dir, 'older.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const older = new Database(file);
    older.prepare(`DELETE FROM cache_info WHERE key = 'rollup_high_id'`).run();
    older.close();
    await fillDemo(database.writable, { emails: 20, seed: 5 });
    const next = await syncCache({ sourceUrl: database.url, cacheFile: file });
    expect(next.fetched).toBeGreaterThan(0);
    await expectCacheEqualsSource(database, file);
  });

  it('migrates a cache of format 1 in place: read as it is, status and classification are null with a note; a sync fills them (issue 11, item 10)', async () => {
    const file = join(dir, 'format-1.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    // Format 1 as an older Mailtrail wrote it: no status or classification on email_messages.
    const old = new Database(file);
    old.exec('ALTER TABLE email_messages DROP COLUMN status; ALTER TABLE email_messages DROP COLUMN classification');
    old.pragma('user_version = 1');
    old.prepare(`UPDATE cache_info SET value = '1' WHERE key = 'schema_version'`).run();
    old.close();
    const [{ id: emailId }] = await query<{ id: number }>(database.readable, sql`SELECT min(id) AS id FROM email_messages`) as [{ id: number }];
    const live = await createLogService(createPostgresLogStore(database.readable, { kind: 'postgres', label: 'test' }))['emails/overview']({ emailId });
    expect(live.status).not.toBeNull();
    expect(live.notice).toBeNull();
    const before = openSqliteLogStore(file);
    try {
      expect(await createLogService(before)['emails/overview']({ emailId })).toEqual({
        ...live,
        status: null,
        classification: null,
        notice: expect.stringMatching(/made before Mailtrail kept status and classification; sync it again/),
      });
    } finally {
      await before.close();
    }
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const after = openSqliteLogStore(file);
    try {
      expect(await createLogService(after)['emails/overview']({ emailId })).toEqual(live);
    } finally {
      await after.close();
    }
    const db = openCacheForReading(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(CACHE_SCHEMA_VERSION);
      expect(db.prepare('SELECT count(*) FROM email_messages WHERE status IS NULL').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
    await expectCacheEqualsSource(database, file);
    // A later status change, logged as the hub does, reaches the cache with the next incremental sync.
    await database.writable.query(`UPDATE email_messages SET status = 'archived', classification = 'spam' WHERE id = $1`, [emailId]);
    await createEmailActivityLogger(database.writable).logStatusChanged(emailId, live.status ?? 'active', 'archived', 'test');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const changed = openSqliteLogStore(file);
    try {
      expect(await createLogService(changed)['emails/overview']({ emailId })).toMatchObject({ status: 'archived', classification: 'spam', notice: null });
    } finally {
      await changed.close();
    }
  });
});

const hash = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

function mailtrail(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/mailtrail.js', ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('a file that is not a good Mailtrail cache', () => {
  it('is refused by serve and sync with one clear line and a non-zero exit, and left exactly as it was', async () => {
    const good = join(dir, 'good.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: good });
    const cases: { name: string; make: (file: string) => void; message: RegExp }[] = [
      {
        name: 'truncated',
        make: (file) => {
          copyFileSync(good, file);
          truncateSync(file, Math.floor(statSync(file).size / 2) + 100);
        },
        message: /is a damaged Mailtrail cache \(truncated or corrupt\); delete it and run `mailtrail sync` again/,
      },
      {
        name: 'corrupt',
        make: (file) => {
          copyFileSync(good, file);
          const bytes = readFileSync(file);
          randomBytes(bytes.length - 8192).copy(bytes, 8192);
          writeFileSync(file, bytes);
        },
        message: /is a damaged Mailtrail cache \(truncated or corrupt\); delete it and run `mailtrail sync` again/,
      },
      { name: 'random', make: (file) => writeFileSync(file, randomBytes(65_536)), message: /is not a Mailtrail cache; .*\(it is not a SQLite database\)/ },
      {
        name: 'foreign',
        make: (file) => {
          const db = new Database(file);
          db.exec('CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES (1)');
          db.close();
        },
        message: /is not a Mailtrail cache; .*\(it is another program's SQLite database\)/,
      },
      {
        name: 'newer',
        make: (file) => {
          copyFileSync(good, file);
          const db = new Database(file);
          db.pragma(`user_version = ${CACHE_SCHEMA_VERSION + 1}`);
          db.close();
        },
        message: new RegExp(`is a Mailtrail cache of a newer format \\(${CACHE_SCHEMA_VERSION + 1}, this Mailtrail reads ${CACHE_SCHEMA_VERSION}\\); update Mailtrail`),
      },
    ];
    const runs = cases.map(({ name, make, message }) => {
      const caseDir = join(dir, name);
      const file = join(caseDir, 'audit.mailtrail');
      mkdirSync(caseDir);
      make(file);
      const before = { hash: hash(file), entries: readdirSync(caseDir).sort() };
      return { name, file, caseDir, message, before };
    });
    const results = await Promise.all(
      runs.flatMap(({ file }) => [
        mailtrail(['serve', '--cache', file, '--port', '0']),
        mailtrail(['sync', '--db', database.url, '--cache', file]),
      ]),
    );
    runs.forEach(({ name, file, caseDir, message, before }, index) => {
      for (const run of [results[2 * index]!, results[2 * index + 1]!]) {
        expect(run.code, name).toBe(1);
        expect(run.stdout, name).toBe('');
        const lines = run.stderr.trimEnd().split('\n');
        expect(lines, name).toHaveLength(1);
        expect(lines[0], name).toMatch(/^mailtrail: /);
        expect(lines[0], name).toContain(file);
        expect(lines[0], name).toMatch(message);
      }
      expect(hash(file), name).toBe(before.hash);
      if (name !== 'corrupt') expect(readdirSync(caseDir).sort(), name).toEqual(before.entries);
    });
  }, 90_000);
});

/** `mailtrail serve` on a free port; resolves with its base URL once it says it is listening. */
function serve(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/mailtrail.js', 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url) resolve({ url, child });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

describe('mailtrail serve --cache', () => {
  it('answers every REST endpoint exactly as serve --db over the same data', async () => {
    const file = join(dir, 'served.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const busiest = await query<{ email_id: number }>(
      database.readable,
      sql`SELECT email_id FROM email_activity_log GROUP BY email_id ORDER BY count(*) DESC, email_id LIMIT 2`,
    );
    const [live, offline] = await Promise.all([serve(['--db', database.url]), serve(['--cache', file])]);
    try {
      const paths = [
        `/api/v1/emails/${busiest[0]!.email_id}/activity`,
        `/api/v1/emails/${busiest[1]!.email_id}/activity?order=asc&limit=3`,
        '/api/v1/emails/activity/recent?limit=25',
        '/api/v1/emails/activity/recent?event_type=error,linked&limit=10',
        '/api/v1/emails/activity/recent?text=INVOICE&from=2025-05-01&to=2025-10-31T12:00',
        '/api/v1/emails/activity/stats',
        '/api/v1/emails/activity/stats?from=2025-03-01T06:00&to=2025-08-31',
        '/api/v1/emails/activity/metadata-keys',
        '/api/v1/emails/activity/timeseries?bucket=week',
        '/api/v1/emails/activity/errors?from=2025-01-01&to=2025-12-31',
        '/api/v1/emails/activity/workflows',
        '/api/v1/emails/activity/slowest?limit=20',
        '/api/v1/emails/activity/users/1',
      ];
      for (const path of paths) {
        const [a, b] = await Promise.all([fetch(live.url + path), fetch(offline.url + path)]);
        expect(a.status, path).toBe(200);
        expect(b.status, path).toBe(a.status);
        const [liveBody, offlineBody] = [await a.text(), await b.text()];
        expect(liveBody.length, path).toBeGreaterThan(20);
        expect(offlineBody, path).toBe(liveBody);
      }
      const status = await (await fetch(`${offline.url}/api/v1/rpc/source/status`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json();
      expect(JSON.stringify(status)).toContain('"kind":"cache"');
    } finally {
      live.child.kill('SIGTERM');
      offline.child.kill('SIGTERM');
    }
  }, 60_000);
});

describe('the cache\'s search tables (issue 12, item 1)', () => {
  const searchRows = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return {
        log: db.prepare('SELECT count(*) FROM email_activity_log').pluck().get(),
        text: db.prepare('SELECT count(*) FROM activity_text').pluck().get(),
        metadata: db.prepare('SELECT count(DISTINCT event_id) FROM activity_metadata').pluck().get(),
        withMetadata: db.prepare(`SELECT count(*) FROM email_activity_log WHERE json_type(metadata) = 'object' AND metadata <> '{}'`).pluck().get(),
      };
    } finally {
      db.close();
    }
  };

  it('migrates a cache of format 2 in place: searched by scan with a note until a sync builds the search tables', async () => {
    const file = join(dir, 'format-2.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const old = new Database(file);
    old.exec(`DROP TRIGGER activity_search_delete; DROP TABLE activity_text; DROP TABLE activity_metadata; DELETE FROM cache_info WHERE key = 'search_high_id'`);
    old.pragma('user_version = 2');
    old.close();
    const filter = { text: 'no such words anywhere', limit: 5 };
    const before = openSqliteLogStore(file);
    try {
      const page = await createLogService(before)['activity/recent'](filter);
      expect(page.source).toEqual({ search: 'scan', notice: expect.stringMatching(/no search index; sync it again/) });
    } finally {
      await before.close();
    }
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const rows = searchRows(file);
    expect(rows.text).toBe(rows.log);
    expect(rows.metadata).toBe(rows.withMetadata);
    const after = openSqliteLogStore(file);
    try {
      expect(await createLogService(after)['activity/recent'](filter)).toEqual({ items: [], nextCursor: null, searchedTo: null, source: { search: 'index', notice: null } });
    } finally {
      await after.close();
    }
  });

  it('migrates a cache of format 3 in place: the log alone until a sync copies the archive (issue 13, item 5)', async () => {
    const file = join(dir, 'format-3.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const old = new Database(file);
    old.exec('DROP TABLE email_activity_log_archive; DROP TABLE email_activity_archive_daily_rollup; DROP TABLE email_workflow_archive_duration_rollup');
    old.pragma('user_version = 3');
    old.close();
    const [{ archived }] = (await query<{ archived: number }>(database.readable, sql`SELECT count(*)::int AS archived FROM email_activity_log_archive`)) as [{ archived: number }];
    expect(archived).toBeGreaterThan(0);
    const total = async (includeArchived: boolean) => {
      const store = openSqliteLogStore(file);
      try {
        return (await store.activityStats({ includeArchived })).reduce((sum, stat) => sum + stat.count, 0);
      } finally {
        await store.close();
      }
    };
    expect(await total(true)).toBe(await total(false));
    expect((await syncCache({ sourceUrl: database.url, cacheFile: file })).archived).toBe(archived);
    expect(await total(true)).toBe((await total(false)) + archived);
    await expectCacheEqualsSource(database, file);
  });

  it('keeps the search tables with the log as a sync adds and removes events', async () => {
    const file = join(dir, 'search-kept.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const [{ id }] = (await query<{ id: number }>(database.readable, sql`SELECT max(id) AS id FROM email_activity_log WHERE metadata IS NOT NULL`)) as [{ id: number }];
    await database.writable.query('DELETE FROM email_activity_log WHERE id = $1', [id]);
    await createEmailActivityLogger(database.writable).log(1, 'note', 'user', 'Zebrafink spotted', { context: { endpoint: '/zebra' } });
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const rows = searchRows(file);
    expect(rows.text).toBe(rows.log);
    expect(rows.metadata).toBe(rows.withMetadata);
    const store = openSqliteLogStore(file);
    try {
      const service = createLogService(store);
      const byText = await service['activity/recent']({ text: 'ZEBRAFINK', limit: 5 });
      expect(byText.items.map((event) => event.description)).toEqual(['Zebrafink spotted']);
      const byPath = await service['activity/recent']({ metadata: [{ key: 'context.endpoint', value: '/zebra' }], limit: 5 });
      expect(byPath.items.map((event) => event.description)).toEqual(['Zebrafink spotted']);
    } finally {
      await store.close();
    }
  });

  it('answers a text common only far back as exactly from both backends, walking past the index\'s bound', async () => {
    // More matches than a search gathers through its index (INDEX_HITS_MAX), all older than the newest stretch.
    await database.writable.query(
      `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_at)
       SELECT 1, 'note', 'user', 'Gemeinsame Zeile ' || i, jsonb_build_object('batch', 'old'), timestamp '2020-01-01' + i * interval '1 second'
       FROM generate_series(1, ${INDEX_HITS_MAX + 100}) i`,
    );
    const file = join(dir, 'common-far-back.mailtrail');
    await syncCache({ sourceUrl: database.url, cacheFile: file });
    const cache = openSqliteLogStore(file);
    try {
      const services = [createLogService(createPostgresLogStore(database.readable, { kind: 'postgres', label: 'test' })), createLogService(cache)];
      for (const filter of [{ text: 'gemeinsame zeile' }, { metadata: [{ key: 'batch', value: 'old' }] }]) {
        const pages = [];
        for (const service of services) {
          const first = await service['activity/recent']({ ...filter, limit: 3 });
          const second = await service['activity/recent']({ ...filter, limit: 3, cursor: first.nextCursor! });
          pages.push([first, second]);
        }
        expect(pages[1]).toEqual(pages[0]);
        const [first, second] = pages[0]!;
        expect([...first!.items, ...second!.items].map((event) => event.description)).toEqual(
          [0, 1, 2, 3, 4, 5].map((i) => `Gemeinsame Zeile ${INDEX_HITS_MAX + 100 - i}`),
        );
        expect(first!.source).toEqual({ search: 'index', notice: null });
        expect(first!.searchedTo).toBeNull();
      }
    } finally {
      await cache.close();
    }
  });
});
