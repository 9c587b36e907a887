import type pg from 'pg';
import { MailtrailError } from '../contract/errors';
import { isValidTimestamp } from '../contract/schemas';
import { checkConnectionString, describeTarget, openReadableDb, redactUrl, toMailtrailError, type ReadableDb } from '../db/connection';
import { query } from '../db/query';
import { sql, type Sql } from '../db/sql';
import { hasRollups } from '../store/postgres/analytics.query';
import { dateRangeConditions } from '../store/postgres/filters';
import { liveDailySql, liveDurationSql } from '../store/sqlite/analytics.query';
import { checkCacheHeader, createIndexes, fillSearchTables, hasIndexes, openCacheForWriting, readCacheInfo, writeCacheInfo, type CacheDb, type CacheInfo } from '../store/sqlite/cache-file';
import { addDays } from '../store/range-plan';
import { EXECUTION_TIME, registerRollupFunctions, ROLLUP_KEYS, sqlite as rollupKeys } from '../store/rollup-keys';
import { canonicalTimestamp, registerCacheFunctions } from '../store/sqlite/cache-text';
import { copyOut, CopyStatement, zoneless } from './copy-text';
import { copyChain, type ChainCopy, type SealedEventSink } from './sync-chain';
import { recountIfKeysChanged } from './recount-keys';

export interface SyncProgress {
  phase: 'users' | 'messages' | 'events' | 'indexes' | 'reconcile' | 'chain';
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
}

export interface SyncResult {
  /** Events fetched and written in this run. */
  fetched: number;
  /** Events removed because the source no longer has them (retention). */
  deleted: number;
  /** Events in the cache afterwards. */
  events: number;
  /** Archived events in the cache afterwards (issue 13, item 5). */
  archived: number;
  messages: number;
  users: number;
  seconds: number;
  /** Events per second over the whole run. */
  rate: number;
  /** The sealed chain (issue 15, item 6): what this run copied, or why it copied none. */
  chain: ChainCopy;
}

// Ids are taken at insert and committed later, so a row below the last high-water mark may appear afterwards.
const RECHECK_IDS = 2_000;
const FETCH_IDS_PER_COPY = 5_000;
const PROGRESS_EVERY_MS = 250;

const EVENT_SELECT = sql`SELECT id, email_id, event_type, event_category, description, metadata, user_id, created_at, created_by
  FROM email_activity_log`;

/** EVENT_SELECT's columns (c0 to c8 of `source`) as the cache stores an event, with the rollup keys computed from metadata. */
const eventRows = (source: string) => `
  SELECT id, email_id, event_type, event_category, description, metadata, user_id, created_at, created_by,
         ${ROLLUP_KEYS.map((key) => key.cacheColumn).join(', ')}, ${EXECUTION_TIME.cacheColumn}, ${rollupKeys.bucket}
  FROM (SELECT CAST(c0 AS INTEGER) AS id, CAST(c1 AS INTEGER) AS email_id, c2 AS event_type, c3 AS event_category,
               c4 AS description, c5 AS metadata, CAST(c6 AS INTEGER) AS user_id, ${zoneless('c7')} AS created_at, c8 AS created_by,
               ${rollupKeys.columns('c2', 'c5')}
        FROM ${source})`;

/** Adds the cached events that match `conditions` to the rollups (they must not be counted yet). */
function addToRollups(db: CacheDb, conditions: string[], params: unknown[]): void {
  db.prepare(
    `INSERT INTO email_activity_daily_rollup SELECT * FROM (${liveDailySql(conditions)}) WHERE true
     ON CONFLICT DO UPDATE SET count = count + excluded.count,
       first_occurrence = min(first_occurrence, excluded.first_occurrence),
       last_occurrence = max(last_occurrence, excluded.last_occurrence)`,
  ).run(...params);
  db.prepare(
    `INSERT INTO email_workflow_duration_rollup SELECT * FROM (${liveDurationSql(conditions)}) WHERE true
     ON CONFLICT DO UPDATE SET count = count + excluded.count`,
  ).run(...params);
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
    registerRollupFunctions(db);
    const info = readCacheInfo(db);
    // A cache with no events yet has nothing to lose: its first load skips fsync (a killed process
    // loses nothing the OS was given; a power cut can damage it, which opening detects), and the
    // end of the run puts the finished file on disk once.
    const empty = info.rowCount === 0 && info.highId === 0;
    if (empty) {
      db.pragma('synchronous = OFF');
      // Without fsync a checkpoint is only a copy, cheapest while the pages are fresh.
      db.pragma('wal_autocheckpoint = 1000');
    }
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
    recountIfKeysChanged(db);
    writeCacheInfo(db, { source, since, until, timeZone, state: 'syncing' });
    const run = new SyncRun(db, client, { since, until }, options, started);
    const users = await run.users();
    const messages = await run.messages(info.highId);
    // A first sync of the whole log can take the source's own rollups; a later one never asks.
    await run.events(info, empty && since === null && until === null && (await hasRollups(pool)));
    const counted = since === range.since && until === range.until ? await dayCounts : undefined;
    await run.reconcile(counted?.ok ? counted.value : await sourceDayCounts(pool, { since, until }));
    await run.archive(await sourceArchiveDayCounts(pool, { since, until }));
    // The chain last, in a snapshot taken after the events: every entry it holds finds its event copied or caught up.
    const chain = await copyChain(db, client, { rangeConditions: run.rangeConditions, events: run, onBatch: () => run.progress('chain', 0) });
    run.fillSearch();
    const syncedAt = new Date(started).toISOString().slice(0, 19);
    // The last checkpoint puts the finished file on disk.
    if (empty) db.pragma('synchronous = NORMAL');
    db.transaction(() => writeCacheInfo(db!, { state: 'complete', syncedAt }))();
    db.pragma('wal_checkpoint(TRUNCATE)');
    const seconds = (Date.now() - started) / 1000;
    return {
      fetched: run.fetched,
      deleted: run.deleted,
      events: run.rowCount,
      archived: run.archivedCount(),
      messages,
      users,
      seconds,
      rate: seconds > 0 ? run.fetched / seconds : run.fetched,
      chain,
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

/**
 * Archived events per day in the source (issue 13, item 5), from migrations/0009's archive rollup when
 * the whole log is synced and it exists; an empty list where the source has no archive.
 */
async function sourceArchiveDayCounts(pool: ReadableDb, range: { since: string | null; until: string | null }): Promise<DayCount[]> {
  const [tables] = await query<{ archive: boolean; rollup: boolean }>(
    pool,
    sql`SELECT to_regclass('email_activity_log_archive') IS NOT NULL AS archive,
               to_regclass('email_activity_archive_daily_rollup') IS NOT NULL AS rollup`,
  );
  if (!tables?.archive) return [];
  if (range.since === null && range.until === null && tables.rollup) {
    return query<DayCount>(pool, sql`SELECT day::text AS day, SUM(count) AS count FROM email_activity_archive_daily_rollup GROUP BY day`);
  }
  const conditions = dateRangeConditions({ from: range.since ?? undefined, to: range.until ?? undefined });
  return query<DayCount>(
    pool,
    sql`SELECT COALESCE(created_at::date::text, '-infinity') AS day, count(*) AS count FROM email_activity_log_archive ${sql.where(conditions)} GROUP BY 1`,
  );
}

const ARCHIVE_SELECT = sql`SELECT id, email_id, event_type, event_category, description, metadata, user_id, created_at, created_by
  FROM email_activity_log_archive`;

/** The days whose count in the source differs from the cache's daily rollup `rollup`, with the cache's count. */
function differingDays(db: CacheDb, rollup: string, sourceDays: DayCount[]): { day: string; inCache: number }[] {
  const cacheDays = db.prepare(`SELECT day, SUM(count) AS count FROM ${rollup} GROUP BY day`).all() as DayCount[];
  const counts = new Map<string, [number, number]>();
  for (const { day, count } of sourceDays) counts.set(day, [Number(count), 0]);
  for (const { day, count } of cacheDays) counts.set(day, [counts.get(day)?.[0] ?? 0, count]);
  return [...counts].filter(([, [inSource, inCache]]) => inSource !== inCache).map(([day, [, inCache]]) => ({ day, inCache }));
}

/** The rollups' day of an event: the date of created_at, or -infinity without one. */
const dayOf = (createdAt: string | null): string => (createdAt === null ? '-infinity' : createdAt.slice(0, 10));

interface NewEvent {
  id: number;
  created_at: string | null;
}

class SyncRun implements SealedEventSink {
  fetched = 0;
  deleted = 0;
  rowCount: number;
  private highId: number;
  /** Rollups count exactly the cached events up to this id (and any later ones recounted by day). */
  private rollupHighId: number;
  readonly rangeConditions: Sql[];
  private readonly insertEvents: CopyStatement;
  private readonly insertNewEvents: CopyStatement;
  private readonly maxId;
  private readonly insertArchived: CopyStatement;
  private lastProgress = 0;
  /** Ids this run removed from the cache's log: those found in the archive moved there, and were not purged. */
  private readonly removedFromLog = new Set<number>();

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
    this.rollupHighId = info.rollupHighId;
    this.rangeConditions = dateRangeConditions({ from: range.since ?? undefined, to: range.until ?? undefined });
    this.insertEvents = new CopyStatement(db, 9, (source) => `INSERT INTO email_activity_log ${eventRows(source)}`);
    this.insertNewEvents = new CopyStatement(db, 9, (source) => `INSERT OR IGNORE INTO email_activity_log ${eventRows(source)} RETURNING id, created_at`);
    this.maxId = db.prepare('SELECT COALESCE(MAX(id), 0) FROM email_activity_log').pluck();
    // INSERT OR REPLACE: an archived event whose created_at changed upstream comes back under its new day.
    this.insertArchived = new CopyStatement(db, 9, (source) => `INSERT OR REPLACE INTO email_activity_log_archive ${eventRows(source)} RETURNING id, created_at`);
  }

  progress(phase: SyncProgress['phase'], total: number, force = false) {
    const now = Date.now();
    if (!this.options.onProgress || (!force && now - this.lastProgress < PROGRESS_EVERY_MS)) return;
    this.lastProgress = now;
    this.options.onProgress({ phase, rows: this.fetched, total, elapsedMs: now - this.started });
  }

  /** User names as the email_timeline view shows them; small, so replaced whole. */
  async users(): Promise<number> {
    const runs: Buffer[] = [];
    await copyOut(this.client, sql`SELECT id, COALESCE(full_name, username), email FROM users ORDER BY id`, (lines) => runs.push(lines));
    const insert = new CopyStatement(this.db, 3, (source) => `INSERT INTO users SELECT CAST(c0 AS INTEGER), c1, c2 FROM ${source}`);
    let users = 0;
    this.db.transaction(() => {
      this.db.exec('DELETE FROM users');
      for (const lines of runs) users += insert.run(lines);
    })();
    this.progress('users', 0, true);
    return users;
  }

  /**
   * Email subjects and senders: new ids each run; the whole table again when the counts disagree.
   * Status and classification change after an email arrives, and the hub logs each change: those
   * of the emails with events past `eventsHighId` (the previous run's mark) are fetched again.
   */
  async messages(eventsHighId: number): Promise<number> {
    const db = this.db;
    const insert = new CopyStatement(
      db,
      7,
      (source) => `INSERT OR REPLACE INTO email_messages SELECT CAST(c0 AS INTEGER), c1, c2, c3, ${zoneless('c4')}, c5, c6 FROM ${source}`,
    );
    const copyMessages = async (afterId: number) => {
      db.exec('BEGIN');
      try {
        if (afterId === 0) db.exec('DELETE FROM email_messages');
        await copyOut(
          this.client,
          sql`SELECT id, subject, sender_email, sender_name, received_date, status, classification FROM email_messages WHERE id > ${afterId} ORDER BY id`,
          (lines) => insert.run(lines),
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
    else if (eventsHighId > 0) await this.refreshMessageStatus(eventsHighId);
    this.progress('messages', 0, true);
    return cached();
  }

  /** Status and classification again for the emails whose trails grew since `eventsHighId`; bounded by the new events. */
  private async refreshMessageStatus(eventsHighId: number): Promise<void> {
    const update = new CopyStatement(
      this.db,
      3,
      (source) =>
        `INSERT INTO email_messages (id, status, classification) SELECT CAST(c0 AS INTEGER), c1, c2 FROM ${source} WHERE true
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, classification = excluded.classification`,
    );
    const runs: Buffer[] = [];
    await copyOut(
      this.client,
      sql`SELECT m.id, m.status, m.classification FROM email_messages m
          WHERE m.id IN (SELECT email_id FROM email_activity_log WHERE id > ${eventsHighId}) ORDER BY m.id`,
      (lines) => runs.push(lines),
    );
    this.db.transaction(() => {
      for (const lines of runs) update.run(lines);
    })();
  }

  /**
   * Writes a run of COPY lines in one transaction with the progress it makes. Until the stream
   * passes the previous high-water mark its rows may be cached already: those are skipped, and
   * late ones below the rollups' mark are counted into them at once.
   */
  private writeEvents(lines: Buffer, recheckBelow: number): boolean {
    let rechecking = recheckBelow > 0;
    this.db.transaction(() => {
      let inserted: number;
      if (rechecking) {
        const ids = this.insertNewEvents.all<NewEvent>(lines).map((row) => row.id);
        const late = ids.filter((id) => id <= this.rollupHighId);
        if (late.length) addToRollups(this.db, ['id IN (SELECT value FROM json_each(?))'], [JSON.stringify(late)]);
        rechecking = !ids.some((id) => id > recheckBelow);
        inserted = ids.length;
      } else inserted = this.insertEvents.run(lines);
      this.rowCount += inserted;
      this.fetched += inserted;
      this.highId = Math.max(this.highId, this.maxId.get() as number);
      writeCacheInfo(this.db, { rowCount: this.rowCount, highId: this.highId });
    })();
    return rechecking;
  }

  /**
   * New events by id, from a little below the last high-water mark. A first sync of the whole
   * log takes PostgreSQL's own rollups, read in the same snapshot as the events; otherwise the
   * cache counts the new events into its rollups itself once they are all in.
   */
  async events(previous: CacheInfo, takeRollups: boolean): Promise<void> {
    const fromId = Math.max(0, previous.highId - RECHECK_IDS);
    const conditions = [...(fromId > 0 ? [sql`id > ${fromId}`] : []), ...this.rangeConditions];
    const [estimate] = await query<{ count: number }>(this.client, sql`SELECT count(*) AS count FROM email_activity_log ${sql.where(conditions)}`);
    const total = Math.max(0, (estimate?.count ?? 0) - Math.max(0, previous.highId - fromId));
    this.progress('events', total, true);
    if (takeRollups) await query(this.client, sql`BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
    try {
      let recheckBelow = previous.highId;
      await copyOut(this.client, sql`${EVENT_SELECT} ${sql.where(conditions)} ORDER BY id`, (lines) => {
        if (!this.writeEvents(lines, recheckBelow)) recheckBelow = 0;
        this.progress('events', total);
      });
      this.progress('events', total, true);
      if (takeRollups) await this.copySourceRollups();
    } finally {
      if (takeRollups) await query(this.client, sql`ROLLBACK`).catch(() => undefined);
    }
    if (this.rollupHighId < this.highId) {
      this.progress('indexes', total, true);
      this.db.transaction(() => {
        addToRollups(this.db, ['id > ?', 'id <= ?'], [this.rollupHighId, this.highId]);
        this.rollupHighId = this.highId;
        writeCacheInfo(this.db, { rollupHighId: this.rollupHighId });
      })();
    }
    this.fillSearch();
    if (!hasIndexes(this.db)) createIndexes(this.db, () => this.progress('indexes', total, true));
  }

  /** The search tables take the events written since they were last filled, in one bulk step. */
  fillSearch(): void {
    const { searchHighId } = readCacheInfo(this.db);
    if (searchHighId >= this.highId) return;
    this.progress('indexes', 0, true);
    this.db.transaction(() => {
      fillSearchTables(this.db, { afterId: searchHighId, upToId: this.highId });
      writeCacheInfo(this.db, { searchHighId: this.highId });
    })();
  }

  /** PostgreSQL's rollups, which count exactly the events this run copied in the same snapshot. */
  private async copySourceRollups(): Promise<void> {
    const daily: Buffer[] = [];
    const durations: Buffer[] = [];
    await copyOut(
      this.client,
      sql`SELECT day, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence
          FROM email_activity_daily_rollup`,
      (lines) => daily.push(lines),
    );
    await copyOut(this.client, sql`SELECT day, workflow_name, bucket, count FROM email_workflow_duration_rollup`, (lines) => durations.push(lines));
    const insertDaily = new CopyStatement(
      this.db,
      9,
      (source) => `INSERT INTO email_activity_daily_rollup SELECT c0, c1, c2, c3, c4, c5, CAST(c6 AS INTEGER), ${zoneless('c7')}, ${zoneless('c8')} FROM ${source}`,
    );
    const insertDurations = new CopyStatement(
      this.db,
      4,
      (source) => `INSERT INTO email_workflow_duration_rollup SELECT c0, c1, CAST(c2 AS INTEGER), CAST(c3 AS INTEGER) FROM ${source}`,
    );
    this.db.transaction(() => {
      this.db.exec('DELETE FROM email_activity_daily_rollup; DELETE FROM email_workflow_duration_rollup');
      for (const lines of daily) insertDaily.run(lines);
      for (const lines of durations) insertDurations.run(lines);
      this.rollupHighId = this.highId;
      writeCacheInfo(this.db, { rollupHighId: this.rollupHighId });
    })();
  }

  /** Days whose event counts differ between the source and the cache get their ids compared. */
  async reconcile(sourceDays: DayCount[]): Promise<void> {
    for (const { day } of differingDays(this.db, 'email_activity_daily_rollup', sourceDays)) {
      await this.reconcileDay(day);
      this.progress('reconcile', 0);
    }
  }

  /** A day's ids the cache holds beyond the source's table, the ones it lacks, and those rows fetched. */
  private async dayDifference(day: string, table: 'email_activity_log' | 'email_activity_log_archive') {
    const sourceIds = await query<{ id: number }>(
      this.client,
      sql`SELECT id FROM ${sql.id(table)} ${sql.where([sourceDayCondition(day), ...this.rangeConditions])}`,
    );
    const inSource = new Set(sourceIds.map((row) => row.id));
    const { conditions, params } = cacheDayCondition(day);
    const cachedIds = this.db.prepare(`SELECT id FROM ${table} WHERE ${conditions.join(' AND ')}`).pluck().all(...params) as number[];
    const inCache = new Set(cachedIds);
    const extra = cachedIds.filter((id) => !inSource.has(id));
    const missing = [...inSource].filter((id) => !inCache.has(id));
    const fetched: Buffer[] = [];
    const select = table === 'email_activity_log' ? EVENT_SELECT : ARCHIVE_SELECT;
    for (let i = 0; i < missing.length; i += FETCH_IDS_PER_COPY) {
      const ids = missing.slice(i, i + FETCH_IDS_PER_COPY);
      await copyOut(this.client, sql`${select} WHERE id = ANY(${ids}::int[])`, (lines) => fetched.push(lines));
    }
    return { extra, missing, fetched };
  }

  private async reconcileDay(day: string): Promise<void> {
    const { extra, missing, fetched } = await this.dayDifference(day, 'email_activity_log');
    const db = this.db;
    const remove = db.prepare('DELETE FROM email_activity_log WHERE id = ? RETURNING created_at');
    db.transaction(() => {
      const days = new Set([day]);
      const removeRow = (id: number): boolean => {
        const old = remove.get(id) as { created_at: string | null } | undefined;
        if (old) days.add(dayOf(old.created_at));
        return old !== undefined;
      };
      let removed = 0;
      for (const id of extra) {
        if (!removeRow(id)) continue;
        removed++;
        this.removedFromLog.add(id);
      }
      // A missing row the cache holds under another day (its created_at changed upstream) is replaced.
      const heldElsewhere = missing.filter(removeRow);
      const inserted = new Set<number>();
      for (const lines of fetched) {
        for (const row of this.insertNewEvents.all<NewEvent>(lines)) {
          inserted.add(row.id);
          days.add(dayOf(row.created_at));
        }
      }
      const replaced = heldElsewhere.filter((id) => inserted.has(id)).length;
      removed += heldElsewhere.length - replaced;
      for (const changed of days) recomputeDay(db, changed);
      // Rows the search tables already cover by id go in now; newer ones with the next fillSearch().
      const { searchHighId } = readCacheInfo(db);
      fillSearchTables(db, { ids: [...inserted].filter((id) => id <= searchHighId) });
      for (const id of inserted) this.highId = Math.max(this.highId, id);
      // Every event is counted now, the ones just fetched by their days.
      this.rollupHighId = this.highId;
      this.rowCount += inserted.size - removed - replaced;
      this.fetched += inserted.size - replaced;
      this.deleted += removed;
      writeCacheInfo(db, { rowCount: this.rowCount, highId: this.highId, rollupHighId: this.rollupHighId });
    })();
  }

  /**
   * Events the sealed chain names that this run's copy of the log had not seen (copyChain): their
   * days recounted, as reconcileDay does. Runs inside copyChain's last transaction.
   */
  addLogEvents(fetched: Buffer[]): void {
    const days = new Set<string>();
    const inserted: number[] = [];
    for (const lines of fetched) {
      for (const row of this.insertNewEvents.all<NewEvent>(lines)) {
        inserted.push(row.id);
        days.add(dayOf(row.created_at));
      }
    }
    if (inserted.length === 0) return;
    for (const day of days) recomputeDay(this.db, day);
    // Rows the search tables already cover by id go in now; newer ones with the next fillSearch().
    const { searchHighId } = readCacheInfo(this.db);
    fillSearchTables(this.db, { ids: inserted.filter((id) => id <= searchHighId) });
    for (const id of inserted) this.highId = Math.max(this.highId, id);
    this.rollupHighId = this.highId;
    this.rowCount += inserted.length;
    this.fetched += inserted.length;
    writeCacheInfo(this.db, { rowCount: this.rowCount, highId: this.highId, rollupHighId: this.rollupHighId });
  }

  /** The same for events the chain names that a retention run archived meanwhile. */
  addArchivedEvents(fetched: Buffer[]): void {
    const days = new Set<string>();
    for (const lines of fetched) for (const row of this.insertArchived.all<NewEvent>(lines)) days.add(dayOf(row.created_at));
    for (const day of days) recomputeDay(this.db, day, true);
  }

  /** From the archive's rollup, which counts it exactly: no walk of the table. */
  archivedCount(): number {
    return this.db.prepare('SELECT COALESCE(SUM(count), 0) FROM email_activity_archive_daily_rollup').pluck().get() as number;
  }

  /**
   * The archive (issue 13, item 5), by the same per-day comparison as the log's deletions: archived
   * ids are old, so no high-water mark finds them, but a retention run changes the counts of the
   * days it moves or purges, and only those are compared again. A day the cache holds nothing of
   * is copied whole. An event that moved from the log is taken out of the cache's log in the same
   * transaction (whichever comparison saw it first) and is not counted as deleted; one purged from
   * the archive is.
   */
  async archive(sourceDays: DayCount[]): Promise<void> {
    for (const { day, inCache } of differingDays(this.db, 'email_activity_archive_daily_rollup', sourceDays)) {
      await this.archiveDay(day, inCache === 0);
      this.progress('reconcile', 0);
    }
  }

  private async archiveDay(day: string, whole: boolean): Promise<void> {
    let extra: number[] = [];
    let fetched: Buffer[] = [];
    if (whole) {
      const dayRows = sql`${ARCHIVE_SELECT} ${sql.where([sourceDayCondition(day), ...this.rangeConditions])}`;
      await copyOut(this.client, dayRows, (lines) => fetched.push(lines));
    } else ({ extra, fetched } = await this.dayDifference(day, 'email_activity_log_archive'));
    const db = this.db;
    const removeArchived = db.prepare('DELETE FROM email_activity_log_archive WHERE id = ? RETURNING created_at');
    const removeLogged = db.prepare('DELETE FROM email_activity_log WHERE id = ? RETURNING created_at');
    db.transaction(() => {
      const archiveDays = new Set([day]);
      const logDays = new Set<string>();
      for (const id of extra) {
        const old = removeArchived.get(id) as { created_at: string | null } | undefined;
        if (old) archiveDays.add(dayOf(old.created_at));
        // Purged from the archive.
        if (old) this.deleted++;
      }
      for (const lines of fetched) {
        for (const row of this.insertArchived.all<NewEvent>(lines)) {
          archiveDays.add(dayOf(row.created_at));
          const logged = removeLogged.get(row.id) as { created_at: string | null } | undefined;
          if (logged) {
            logDays.add(dayOf(logged.created_at));
            this.rowCount--;
          } else if (this.removedFromLog.delete(row.id)) this.deleted--;
        }
      }
      for (const changed of archiveDays) recomputeDay(db, changed, true);
      for (const changed of logDays) recomputeDay(db, changed);
      writeCacheInfo(db, { rowCount: this.rowCount });
    })();
  }
}

/** A day's rollup rows recounted from the cached log (or its archive): exact after deletions. */
function recomputeDay(db: CacheDb, day: string, archive = false): void {
  const { conditions, params } = cacheDayCondition(day);
  const [log, daily, durations] = archive
    ? ['email_activity_log_archive', 'email_activity_archive_daily_rollup', 'email_workflow_archive_duration_rollup']
    : ['email_activity_log', 'email_activity_daily_rollup', 'email_workflow_duration_rollup'];
  db.prepare(`DELETE FROM ${daily} WHERE day = ?`).run(day);
  db.prepare(`INSERT INTO ${daily} ${liveDailySql(conditions, log)}`).run(...params);
  db.prepare(`DELETE FROM ${durations} WHERE day = ?`).run(day);
  db.prepare(`INSERT INTO ${durations} ${liveDurationSql(conditions, log)}`).run(...params);
}
