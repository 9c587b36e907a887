import type { Statement } from 'better-sqlite3';
import type pg from 'pg';
import { MailtrailError } from '../contract/errors';
import { isValidTimestamp } from '../contract/schemas';
import { checkConnectionString, describeTarget, openReadableDb, redactUrl, toMailtrailError, type ReadableDb } from '../db/connection';
import { query } from '../db/query';
import { sql, type Sql } from '../db/sql';
import { hasRollups } from '../store/postgres/analytics.query';
import { dateRangeConditions } from '../store/postgres/filters';
import { liveDailySql, liveDurationSql } from '../store/sqlite/analytics.query';
import { checkCacheHeader, createIndexes, hasIndexes, openCacheForWriting, readCacheInfo, writeCacheInfo, type CacheDb, type CacheInfo } from '../store/sqlite/cache-file';
import { addDays } from '../store/range-plan';
import { canonicalTimestamp, registerCacheFunctions } from '../store/sqlite/cache-text';
import { copyOut } from './copy-text';

export interface SyncProgress {
  phase: 'users' | 'messages' | 'events' | 'indexes' | 'reconcile';
  /** Events written so far in this run. */
  rows: number;
  /** Events this run expects to fetch (an estimate made at its start). */
  total: number;
  elapsedMs: number;
}

export interface SyncOptions {
  sourceUrl: string;
  cacheFile: string;
  /** Only events at or after this time (zoneless, like created_at); kept for later runs. */
  since?: string | undefined;
  /** Only events at or before this time; a date includes that whole day. */
  until?: string | undefined;
  onProgress?: (progress: SyncProgress) => void;
  /** Events per SQLite transaction: each commits its rows, rollups and progress together. */
  batchRows?: number;
}

export interface SyncResult {
  /** Events fetched and written in this run. */
  fetched: number;
  /** Events removed because the source no longer has them (retention). */
  deleted: number;
  /** Events in the cache afterwards. */
  events: number;
  messages: number;
  users: number;
  seconds: number;
  /** Events per second over the whole run. */
  rate: number;
}

const DEFAULT_BATCH_ROWS = 25_000;
// Ids are taken at insert and committed later, so a row below the last high-water mark may appear afterwards.
const RECHECK_IDS = 2_000;
const FETCH_IDS_PER_COPY = 5_000;
const INSERT_ROWS_PER_STATEMENT = 64;
const PROGRESS_EVERY_MS = 250;

const EVENT_SELECT = sql`SELECT id, email_id, event_type, event_category, description, metadata, user_id, created_at, created_by
  FROM email_activity_log`;

const zoneless = (text: string | null | undefined): string | null => (text == null ? null : text.replace(' ', 'T'));
const toNumber = (text: string | null | undefined): number | null => (text == null ? null : Number(text));

/**
 * Runs a statement of INSERT_ROWS_PER_STATEMENT rows over as many whole groups of `rows` as there
 * are; returns how many rows it wrote, leaving the remainder to the caller. Values are passed as
 * arguments, not as one array: better-sqlite3 binds an array argument about three times slower
 * (8.2 s against 2.7 s for a million events).
 */
function insertMany(statement: Statement, rows: unknown[][]): number {
  const width = rows[0]?.length ?? 0;
  const args: unknown[] = new Array(width * INSERT_ROWS_PER_STATEMENT);
  let done = 0;
  for (; done + INSERT_ROWS_PER_STATEMENT <= rows.length; done += INSERT_ROWS_PER_STATEMENT) {
    let k = 0;
    for (let r = done; r < done + INSERT_ROWS_PER_STATEMENT; r++) {
      const row = rows[r]!;
      for (let c = 0; c < width; c++) args[k++] = row[c];
    }
    statement.run(...args);
  }
  return done;
}

/** An event row from COPY as the cache stores it, with the rollup keys PostgreSQL's SQL would compute. */
function eventValues(fields: (string | null)[], metadataText: MetadataText): unknown[] {
  const eventType = fields[2];
  const metadata = fields[5] ?? null;
  let errorType = null;
  let workflowName = null;
  let status = null;
  let executionMs = null;
  let bucket = null;
  if (eventType === 'error' && metadata !== null) errorType = metadataText(metadata, 'error_type');
  else if (eventType === 'workflow_executed' && metadata !== null) {
    workflowName = metadataText(metadata, 'workflow_name');
    status = metadataText(metadata, 'status');
    executionMs = executionTimeMs(metadataText(metadata, 'execution_time_ms'));
    if (executionMs !== null) bucket = durationBucket(executionMs);
  }
  // The COPY row becomes the cache row in place, rather than a second array per event.
  const row = fields as unknown[];
  row[0] = Number(fields[0]);
  row[1] = Number(fields[1]);
  row[6] = toNumber(fields[6]);
  row[7] = zoneless(fields[7]);
  row.push(errorType, workflowName, status, executionMs, bucket);
  return row;
}

type MetadataText = (metadata: string, key: string) => string | null;

/**
 * PostgreSQL's `metadata ->> key` from jsonb's text: strings and booleans here, numbers and
 * objects through SQLite's JSON, which keeps jsonb's digits.
 */
function metadataTextReader(db: CacheDb): MetadataText {
  const raw = db.prepare(`SELECT CASE json_type(?, ?) WHEN 'object' THEN mt_jsonb_text(? -> ?)
                                 WHEN 'array' THEN mt_jsonb_text(? -> ?) ELSE ? -> ? END AS text`).pluck();
  return (metadata, key) => {
    const parsed: unknown = JSON.parse(metadata);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !Object.hasOwn(parsed, key)) return null;
    const value = (parsed as Record<string, unknown>)[key];
    if (value === null) return null;
    if (typeof value === 'string') return value;
    if (typeof value === 'boolean') return String(value);
    const path = `$."${key}"`;
    return raw.get(metadata, path, metadata, path, metadata, path, metadata, path) as string;
  };
}

// rollup.ts's EXECUTION_TIME_MS: an integer of at most nine digits, blanks around it allowed.
const EXECUTION_TIME = /^[ \t\n\r\f\v]*-?\d{1,9}[ \t\n\r\f\v]*$/;
const executionTimeMs = (text: string | null): number | null => (text !== null && EXECUTION_TIME.test(text) ? parseInt(text.trim(), 10) : null);

/** floor(2 * log2(max(ms, 0) + 1)), checked in integers so it never differs from PostgreSQL's numeric log. */
export function durationBucket(ms: number): number {
  const x = BigInt(Math.max(ms, 0) + 1);
  let bucket = Math.floor(2 * Math.log2(Number(x)));
  while (bucket > 0 && 2n ** BigInt(bucket) > x * x) bucket--;
  while (2n ** BigInt(bucket + 1) <= x * x) bucket++;
  return bucket;
}

function checkRange(options: SyncOptions): { since: string | null; until: string | null } {
  for (const name of ['since', 'until'] as const) {
    const value = options[name];
    if (value !== undefined && !isValidTimestamp(value)) {
      throw new MailtrailError('bad_request', `--${name} must be a date or date-time without zone such as 2025-01-01 or 2025-01-01T08:00, not ${JSON.stringify(value)}`);
    }
  }
  const since = options.since === undefined ? null : canonicalTimestamp(options.since);
  const until = options.until === undefined ? null : options.until.length === 10 ? options.until : canonicalTimestamp(options.until);
  if (since && until && since > (until.length === 10 ? `${until}T23:59:59.999999` : until)) {
    throw new MailtrailError('bad_request', `--since (${options.since}) is after --until (${options.until}); swap them`);
  }
  return { since, until };
}

/** The day's rows in the cache, and the same day's rows in PostgreSQL. */
function cacheDayCondition(day: string): { conditions: string[]; params: unknown[] } {
  return day === '-infinity'
    ? { conditions: ['created_at IS NULL'], params: [] }
    : { conditions: ['created_at >= ?', 'created_at < ?'], params: [`${day}T00:00:00`, `${addDays(day, 1)}T00:00:00`] };
}

const sourceDayCondition = (day: string): Sql =>
  day === '-infinity' ? sql`created_at IS NULL` : sql`created_at >= ${day}::timestamp AND created_at < ${addDays(day, 1)}::timestamp`;

/**
 * Copies the log from PostgreSQL into a cache file (`mailtrail sync`). Incremental and resumable:
 * every batch is one SQLite transaction with its progress, and each run re-checks recent ids and
 * compares per-day counts to fetch late commits and drop rows that retention removed upstream.
 */
export async function syncCache(options: SyncOptions): Promise<SyncResult> {
  const started = Date.now();
  const range = checkRange(options);
  checkConnectionString(options.sourceUrl);
  checkCacheHeader(options.cacheFile);
  const source = redactUrl(options.sourceUrl);
  const pool = openReadableDb(options.sourceUrl, { statementTimeoutMs: 0, max: 2, applicationName: 'mailtrail-sync' });
  let client: pg.PoolClient | undefined;
  let db: CacheDb | undefined;
  let dayCounts: Promise<Settled<DayCount[]>> | undefined;
  try {
    client = await pool.connect().catch((error: unknown) => {
      throw toMailtrailError(error, options.sourceUrl);
    });
    const timeZone = await sourceTimeZone(client, options.sourceUrl);
    // PostgreSQL counts events per day on a second connection while the cache file is checked.
    dayCounts = settle(sourceDayCounts(pool, range));
    db = openCacheForWriting(options.cacheFile);
    registerCacheFunctions(db);
    const info = readCacheInfo(db);
    const previous = info.source !== null && info.source !== '';
    if (previous && info.source !== source) {
      throw new MailtrailError('bad_request', `${options.cacheFile} holds the log of ${info.source}, not ${source}; sync into a new file`);
    }
    const since = options.since === undefined && previous ? info.since : range.since;
    const until = options.until === undefined && previous ? info.until : range.until;
    if (previous && (since !== info.since || until !== info.until)) {
      throw new MailtrailError(
        'bad_request',
        `${options.cacheFile} was synced for ${describeRange(info.since, info.until)}, not ${describeRange(since, until)}; give the same --since/--until, or sync into a new file`,
      );
    }
    writeCacheInfo(db, { source, since, until, timeZone, state: 'syncing' });
    const run = new SyncRun(db, client, { since, until }, options, started);
    const users = await run.users();
    const messages = await run.messages();
    await run.events(info);
    const counted = since === range.since && until === range.until ? await dayCounts : undefined;
    await run.reconcile(counted?.ok ? counted.value : await sourceDayCounts(pool, { since, until }));
    const syncedAt = new Date(started).toISOString().slice(0, 19);
    db.transaction(() => writeCacheInfo(db!, { state: 'complete', syncedAt }))();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const seconds = (Date.now() - started) / 1000;
    return {
      fetched: run.fetched,
      deleted: run.deleted,
      events: run.rowCount,
      messages,
      users,
      seconds,
      rate: seconds > 0 ? run.fetched / seconds : run.fetched,
    };
  } finally {
    await dayCounts;
    client?.release();
    db?.close();
    await pool.end().catch(() => undefined);
  }
}

const describeRange = (since: string | null, until: string | null) =>
  since || until ? `${since ?? 'the beginning'} to ${until ?? 'now'}` : 'the whole log';

async function sourceTimeZone(client: pg.PoolClient, url: string): Promise<string | null> {
  const [row] = await query<{ time_zone: string; log: string | null }>(
    client,
    sql`SELECT current_setting('TimeZone') AS time_zone, to_regclass('email_activity_log')::text AS log`,
  );
  if (!row?.log) {
    throw new MailtrailError('unavailable', `the database at ${describeTarget(url)} has no email_activity_log table; check --db, or run \`mailtrail migrate\` there`);
  }
  return row.time_zone;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));

interface DayCount {
  day: string;
  count: number;
}

/** Events per day in the source, from its rollup when the whole log is synced and the rollup exists. */
async function sourceDayCounts(pool: ReadableDb, range: { since: string | null; until: string | null }): Promise<DayCount[]> {
  if (range.since === null && range.until === null && (await hasRollups(pool))) {
    return query<DayCount>(pool, sql`SELECT day::text AS day, SUM(count) AS count FROM email_activity_daily_rollup GROUP BY day`);
  }
  const conditions = dateRangeConditions({ from: range.since ?? undefined, to: range.until ?? undefined });
  return query<DayCount>(
    pool,
    sql`SELECT COALESCE(created_at::date::text, '-infinity') AS day, count(*) AS count FROM email_activity_log ${sql.where(conditions)} GROUP BY 1`,
  );
}

interface DailyTotal {
  count: number;
  first: string | null;
  last: string | null;
}

class SyncRun {
  fetched = 0;
  deleted = 0;
  rowCount: number;
  private highId: number;
  private readonly rangeConditions: Sql[];
  private readonly insertEvent;
  private readonly insertEvents;
  private readonly upsertDaily;
  private readonly upsertDuration;
  private readonly metadataText: MetadataText;
  private lastProgress = 0;

  constructor(
    private readonly db: CacheDb,
    private readonly client: pg.PoolClient,
    range: { since: string | null; until: string | null },
    private readonly options: SyncOptions,
    private readonly started: number,
  ) {
    const info = readCacheInfo(db);
    this.rowCount = info.rowCount;
    this.highId = info.highId;
    this.rangeConditions = dateRangeConditions({ from: range.since ?? undefined, to: range.until ?? undefined });
    this.metadataText = metadataTextReader(db);
    this.insertEvent = db.prepare('INSERT OR IGNORE INTO email_activity_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const values = `(${Array(14).fill('?').join(', ')})`;
    this.insertEvents = db.prepare(`INSERT INTO email_activity_log VALUES ${Array(INSERT_ROWS_PER_STATEMENT).fill(values).join(', ')}`);
    this.upsertDaily = db.prepare(
      `INSERT INTO email_activity_daily_rollup VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET count = count + excluded.count,
         first_occurrence = min(first_occurrence, excluded.first_occurrence),
         last_occurrence = max(last_occurrence, excluded.last_occurrence)`,
    );
    this.upsertDuration = db.prepare(
      `INSERT INTO email_workflow_duration_rollup VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET count = count + excluded.count`,
    );
  }

  private progress(phase: SyncProgress['phase'], total: number, force = false) {
    const now = Date.now();
    if (!this.options.onProgress || (!force && now - this.lastProgress < PROGRESS_EVERY_MS)) return;
    this.lastProgress = now;
    this.options.onProgress({ phase, rows: this.fetched, total, elapsedMs: now - this.started });
  }

  /** User names as the email_timeline view shows them; small, so replaced whole. */
  async users(): Promise<number> {
    const rows: unknown[][] = [];
    await copyOut(this.client, sql`SELECT id, COALESCE(full_name, username), email FROM users ORDER BY id`, (batch) => {
      for (const fields of batch) rows.push([Number(fields[0]), fields[1], fields[2]]);
    });
    const insert = this.db.prepare('INSERT INTO users VALUES (?, ?, ?)');
    this.db.transaction(() => {
      this.db.exec('DELETE FROM users');
      for (const row of rows) insert.run(row);
    })();
    this.progress('users', 0, true);
    return rows.length;
  }

  /** Email subjects and senders: new ids each run; the whole table again when the counts disagree. */
  async messages(): Promise<number> {
    const db = this.db;
    const insert = db.prepare('INSERT OR REPLACE INTO email_messages VALUES (?, ?, ?, ?, ?)');
    const insertRows = db.prepare(`INSERT OR REPLACE INTO email_messages VALUES ${Array(INSERT_ROWS_PER_STATEMENT).fill('(?, ?, ?, ?, ?)').join(', ')}`);
    const copyMessages = async (afterId: number) => {
      db.exec('BEGIN');
      try {
        if (afterId === 0) db.exec('DELETE FROM email_messages');
        await copyOut(
          this.client,
          sql`SELECT id, subject, sender_email, sender_name, received_date FROM email_messages WHERE id > ${afterId} ORDER BY id`,
          (fields) => {
            const rows = fields.map((f) => [Number(f[0]), f[1], f[2], f[3], zoneless(f[4])]);
            for (const row of rows.slice(insertMany(insertRows, rows))) insert.run(row);
          },
        );
        const { high } = db.prepare('SELECT COALESCE(MAX(id), 0) AS high FROM email_messages').get() as { high: number };
        writeCacheInfo(db, { messagesHighId: high });
        db.exec('COMMIT');
      } catch (error) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw error;
      }
    };
    await copyMessages(readCacheInfo(db).messagesHighId);
    const [source] = await query<{ count: number }>(this.client, sql`SELECT count(*) AS count FROM email_messages`);
    const cached = () => (db.prepare('SELECT count(*) AS count FROM email_messages').get() as { count: number }).count;
    if (source?.count !== cached()) await copyMessages(0);
    this.progress('messages', 0, true);
    return cached();
  }

  /** Writes a batch of events with its rollup increments and progress, in one transaction. */
  private writeBatch(rows: unknown[][]): void {
    this.db.transaction(() => {
      const daily = new Map<string, DailyTotal & { key: unknown[] }>();
      const durations = new Map<string, { key: unknown[]; count: number }>();
      let inserted = 0;
      let high = this.highId;
      // Rows come in id order; those above the high-water mark cannot be in the cache yet, so they
      // go in many to a statement, and only the few re-checked below it are tried one by one.
      let firstFresh = 0;
      while (firstFresh < rows.length && (rows[firstFresh]![0] as number) <= this.highId) firstFresh++;
      const bulkEnd = firstFresh + insertMany(this.insertEvents, rows.slice(firstFresh));
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r]!;
        const id = row[0] as number;
        if (id > high) high = id;
        if ((r < firstFresh || r >= bulkEnd) && this.insertEvent.run(row).changes === 0) continue;
        inserted++;
        const createdAt = row[7] as string | null;
        const day = createdAt === null ? '-infinity' : createdAt.slice(0, 10);
        // One concatenated name per row; the key's array is made once per group.
        const name = `${day}\u0000${row[2]}\u0000${row[3]}\u0000${row[9] ?? ''}\u0000${row[10] ?? ''}\u0000${row[11] ?? ''}`;
        const total = daily.get(name);
        if (!total) {
          const key = [day, row[2], row[3], row[9] ?? '', row[10] ?? '', row[11] ?? ''];
          daily.set(name, { key, count: 1, first: createdAt, last: createdAt });
        } else {
          total.count++;
          if (createdAt !== null && (total.first === null || createdAt < total.first)) total.first = createdAt;
          if (createdAt !== null && (total.last === null || createdAt > total.last)) total.last = createdAt;
        }
        if (row[2] === 'workflow_executed' && row[12] !== null) {
          const durationKey = [day, row[10] ?? '', row[13]];
          const durationName = durationKey.join('\u0000');
          const duration = durations.get(durationName);
          if (duration) duration.count++;
          else durations.set(durationName, { key: durationKey, count: 1 });
        }
      }
      for (const { key, count, first, last } of daily.values()) this.upsertDaily.run(...key, count, first, last);
      for (const { key, count } of durations.values()) this.upsertDuration.run(...key, count);
      this.rowCount += inserted;
      this.fetched += inserted;
      this.highId = high;
      writeCacheInfo(this.db, { rowCount: this.rowCount, highId: this.highId });
    })();
  }

  /** New events by id, from a little below the last high-water mark, in batches. */
  async events(previous: CacheInfo): Promise<void> {
    const fromId = Math.max(0, previous.highId - RECHECK_IDS);
    const conditions = [sql`id > ${fromId}`, ...this.rangeConditions];
    const [estimate] = await query<{ count: number }>(this.client, sql`SELECT count(*) AS count FROM email_activity_log ${sql.where(conditions)}`);
    const total = Math.max(0, (estimate?.count ?? 0) - Math.max(0, previous.highId - fromId));
    const batchRows = this.options.batchRows ?? DEFAULT_BATCH_ROWS;
    let pending: unknown[][] = [];
    this.progress('events', total, true);
    await copyOut(this.client, sql`${EVENT_SELECT} ${sql.where(conditions)} ORDER BY id`, (rows) => {
      for (const fields of rows) pending.push(eventValues(fields, this.metadataText));
      if (pending.length >= batchRows) {
        this.writeBatch(pending);
        pending = [];
        this.progress('events', total);
      }
    });
    if (pending.length) this.writeBatch(pending);
    this.progress('events', total, true);
    if (!hasIndexes(this.db)) createIndexes(this.db, () => this.progress('indexes', total, true));
  }

  /** Days whose event counts differ between the source and the cache get their ids compared. */
  async reconcile(sourceDays: DayCount[]): Promise<void> {
    const cacheDays = this.db.prepare('SELECT day, SUM(count) AS count FROM email_activity_daily_rollup GROUP BY day').all() as {
      day: string;
      count: number;
    }[];
    const counts = new Map<string, [number, number]>();
    for (const { day, count } of sourceDays) counts.set(day, [count, 0]);
    for (const { day, count } of cacheDays) counts.set(day, [counts.get(day)?.[0] ?? 0, count]);
    const differing = [...counts].filter(([, [inSource, inCache]]) => inSource !== inCache).map(([day]) => day);
    for (const day of differing) {
      await this.reconcileDay(day);
      this.progress('reconcile', 0);
    }
  }

  private async reconcileDay(day: string): Promise<void> {
    const sourceIds = await query<{ id: number }>(
      this.client,
      sql`SELECT id FROM email_activity_log ${sql.where([sourceDayCondition(day), ...this.rangeConditions])}`,
    );
    const inSource = new Set(sourceIds.map((row) => row.id));
    const { conditions, params } = cacheDayCondition(day);
    const cachedIds = (this.db.prepare(`SELECT id FROM email_activity_log WHERE ${conditions.join(' AND ')}`).pluck().all(...params) as number[]);
    const inCache = new Set(cachedIds);
    const extra = cachedIds.filter((id) => !inSource.has(id));
    const missing = [...inSource].filter((id) => !inCache.has(id));
    const fetchedRows: unknown[][] = [];
    for (let i = 0; i < missing.length; i += FETCH_IDS_PER_COPY) {
      const ids = missing.slice(i, i + FETCH_IDS_PER_COPY);
      await copyOut(this.client, sql`${EVENT_SELECT} WHERE id = ANY(${ids}::int[])`, (rows) => {
        for (const fields of rows) fetchedRows.push(eventValues(fields, this.metadataText));
      });
    }
    const db = this.db;
    const remove = db.prepare('DELETE FROM email_activity_log WHERE id = ? RETURNING created_at');
    db.transaction(() => {
      const days = new Set([day]);
      const removeRow = (id: number): boolean => {
        const old = remove.get(id) as { created_at: string | null } | undefined;
        if (old) days.add(old.created_at === null ? '-infinity' : old.created_at.slice(0, 10));
        return old !== undefined;
      };
      let removed = 0;
      for (const id of extra) if (removeRow(id)) removed++;
      // A fetched row the cache holds under another day (its created_at changed upstream) is replaced.
      let replaced = 0;
      for (const row of fetchedRows) if (removeRow(row[0] as number)) replaced++;
      let inserted = 0;
      for (const row of fetchedRows) {
        inserted += this.insertEvent.run(row).changes;
        this.highId = Math.max(this.highId, row[0] as number);
        const createdAt = row[7] as string | null;
        days.add(createdAt === null ? '-infinity' : createdAt.slice(0, 10));
      }
      for (const changed of days) recomputeDay(db, changed);
      this.rowCount += inserted - removed - replaced;
      this.fetched += inserted - replaced;
      this.deleted += removed;
      writeCacheInfo(db, { rowCount: this.rowCount, highId: this.highId });
    })();
  }
}

/** A day's rollup rows recounted from the cached log: exact after deletions. */
function recomputeDay(db: CacheDb, day: string): void {
  const { conditions, params } = cacheDayCondition(day);
  db.prepare('DELETE FROM email_activity_daily_rollup WHERE day = ?').run(day);
  db.prepare(`INSERT INTO email_activity_daily_rollup ${liveDailySql(conditions)}`).run(...params);
  db.prepare('DELETE FROM email_workflow_duration_rollup WHERE day = ?').run(day);
  db.prepare(`INSERT INTO email_workflow_duration_rollup ${liveDurationSql(conditions)}`).run(...params);
}
