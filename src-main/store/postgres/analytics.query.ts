import type { CategoryTimeseries, ErrorAnalysis, ErrorImpact, SlowExecution, WorkflowSuccess } from '../../contract/analytics';
import { dateRangeConditions } from './filters';
import type { ActivityStat } from '../../contract/schemas';
import type { ReadableDb } from '../../db/connection';
import { query } from '../../db/query';
import { sql, type Sql } from '../../db/sql';
import type { DateRange, SlowestFilter } from '../log-store';
import { percentileFromBuckets } from '../duration-buckets';
import { postgres as rollupKeys, ROLLUP_KEYS } from '../rollup-keys';
import { dailyCounts, durationCounts, type ArchiveCounts } from './rollup';

type Rows<T> = Omit<T, 'source'>;

/** True when migration 0009 ran here: the archive's rollups and their triggers exist (issue 13, item 5). */
export async function hasArchiveRollups(db: ReadableDb): Promise<boolean> {
  const [row] = await query<{ ready: boolean }>(
    db,
    sql`SELECT to_regclass('email_activity_archive_daily_rollup') IS NOT NULL
           AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'mailtrail_archive_rollup_insert') AS ready`,
  );
  return row?.ready ?? false;
}

/** True when migrations/0003 ran here: rollups, their triggers and the analytics indexes exist. */
export async function hasRollups(db: ReadableDb): Promise<boolean> {
  const [row] = await query<{ ready: boolean }>(
    db,
    sql`SELECT to_regclass('email_activity_daily_rollup') IS NOT NULL
           AND to_regclass('email_workflow_duration_rollup') IS NOT NULL
           AND EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'mailtrail_rollup_insert') AS ready`,
  );
  return row?.ready ?? false;
}

export function activityStats(db: ReadableDb, range: DateRange, useRollup: boolean, archive: ArchiveCounts = false): Promise<ActivityStat[]> {
  return query<ActivityStat>(
    db,
    sql`SELECT event_type, event_category, SUM(count) AS count, MAX(last_occurrence) AS last_occurrence
        FROM (${dailyCounts(range, useRollup, archive)}) d
        GROUP BY event_type, event_category
        ORDER BY count DESC, event_type, event_category`,
  );
}

export async function categoryTimeseries(
  db: ReadableDb,
  range: DateRange,
  bucket: 'day' | 'week' | 'month',
  useRollup: boolean,
  archive: ArchiveCounts = false,
): Promise<Rows<CategoryTimeseries>> {
  const points = await query<CategoryTimeseries['points'][number]>(
    db,
    sql`SELECT to_char(date_trunc(${bucket}::text, day::timestamp), 'YYYY-MM-DD') AS bucket, event_category, SUM(count) AS count
        FROM (${dailyCounts(range, useRollup, archive)}) d
        WHERE day > '-infinity'::date
        GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return { points };
}

export async function errorAnalysis(db: ReadableDb, range: DateRange, useRollup: boolean, archive: ArchiveCounts = false): Promise<Rows<ErrorAnalysis>> {
  const counts = dailyCounts(range, useRollup, archive);
  const [errors, trend] = await Promise.all([
    query<ErrorAnalysis['errors'][number]>(
      db,
      sql`SELECT NULLIF(error_type, '') AS error_type, SUM(count) AS count,
                 MIN(first_occurrence) AS first_seen, MAX(last_occurrence) AS last_seen
          FROM (${counts}) d WHERE event_type = 'error'
          GROUP BY 1 ORDER BY count DESC, 1`,
    ),
    query<ErrorAnalysis['trend'][number]>(
      db,
      sql`SELECT to_char(day, 'YYYY-MM-DD') AS day, NULLIF(error_type, '') AS error_type, SUM(count) AS count
          FROM (${counts}) d WHERE event_type = 'error' AND day > '-infinity'::date
          GROUP BY day, 2 ORDER BY day, 2`,
    ),
  ]);
  return { errors, trend };
}

export async function workflowSuccess(db: ReadableDb, range: DateRange, useRollup: boolean, archive: ArchiveCounts = false): Promise<Rows<WorkflowSuccess>> {
  const counts = dailyCounts(range, useRollup, archive);
  const [totals, overTime, durations] = await Promise.all([
    query<Omit<WorkflowSuccess['workflows'][number], 'p50_ms' | 'p95_ms'>>(
      db,
      sql`SELECT NULLIF(workflow_name, '') AS workflow,
                 COALESCE(SUM(count) FILTER (WHERE status = 'completed'), 0) AS completed,
                 COALESCE(SUM(count) FILTER (WHERE status = 'failed'), 0) AS failed,
                 SUM(count) AS total,
                 ROUND(100.0 * COALESCE(SUM(count) FILTER (WHERE status = 'completed'), 0) / NULLIF(SUM(count), 0), 2) AS success_rate
          FROM (${counts}) d WHERE event_type = 'workflow_executed'
          GROUP BY 1 ORDER BY success_rate DESC NULLS LAST, 1`,
    ),
    query<WorkflowSuccess['overTime'][number]>(
      db,
      sql`SELECT to_char(day, 'YYYY-MM-DD') AS day, NULLIF(workflow_name, '') AS workflow,
                 COALESCE(SUM(count) FILTER (WHERE status = 'completed'), 0) AS completed,
                 COALESCE(SUM(count) FILTER (WHERE status = 'failed'), 0) AS failed
          FROM (${counts}) d WHERE event_type = 'workflow_executed' AND day > '-infinity'::date
          GROUP BY day, 2 ORDER BY day, 2`,
    ),
    query<{ workflow: string | null; bucket: number; count: number }>(
      db,
      sql`SELECT NULLIF(workflow_name, '') AS workflow, bucket, SUM(count) AS count
          FROM (${durationCounts(range, useRollup, archive)}) d GROUP BY 1, 2`,
    ),
  ]);
  const workflows = totals.map((total) => {
    const buckets = durations.filter((d) => d.workflow === total.workflow);
    return { ...total, p50_ms: percentileFromBuckets(buckets, 0.5), p95_ms: percentileFromBuckets(buckets, 0.95) };
  });
  return { workflows, overTime };
}

/**
 * Rows of the slowest-executions index a filtered page walks before it gives up on the walk. The
 * planner cannot know how many of the slowest runs match a workflow and status (it guesses a
 * handful), so it read the whole log instead (1.2 s at 10 million events); the walk finds the
 * usual filter's ten within a few hundred rows.
 */
export const SLOWEST_WALK = 20_000;

/** The seed's "Performance Monitoring", slowest first, through the partial index where it exists. */
export async function slowestExecutions(
  db: ReadableDb,
  limit: number,
  useIndex: boolean,
  filter: SlowestFilter = {},
  walk = SLOWEST_WALK,
): Promise<SlowExecution[]> {
  const executionTime = sql.raw(useIndex ? rollupKeys.indexedExecutionTime('a.') : rollupKeys.executionTime('a.'));
  const slowest = [sql`a.event_type = 'workflow_executed'`, ...dateRangeConditions(filter, sql.raw('a.created_at'))];
  const conditions: Sql[] = [];
  if (filter.workflow !== undefined) conditions.push(sql`a.metadata->>'workflow_name' = ${filter.workflow}::text`);
  if (filter.status !== undefined) conditions.push(sql`a.metadata->>'status' = ${filter.status}::text`);
  // `time` is the execution time as `from` gives it: computed from the log, or the walk's own column.
  const page = (from: Sql, where: Sql[], time: Sql) =>
    query<SlowExecution>(
      db,
      sql`SELECT a.id, a.email_id, a.description, ${time} AS exec_time,
                 a.metadata->>'workflow_name' AS workflow, a.metadata->>'status' AS status,
                 a.created_at, e.subject AS email_subject
          FROM ${from} a LEFT JOIN email_messages e ON e.id = a.email_id
          ${sql.where(where)}
          ORDER BY ${time} DESC NULLS LAST, a.id
          LIMIT ${limit}`,
    );
  // Without a filter this is the partial index's walk; a filter walks a bounded stretch of it first,
  // in the walk's own order, so the page stops as soon as it is full.
  if (useIndex && conditions.length > 0) {
    const walked = sql`(SELECT a.*, ${executionTime} AS exec_time FROM email_activity_log a ${sql.where(slowest)}
                        ORDER BY ${executionTime} DESC NULLS LAST, a.id LIMIT ${walk})`;
    const found = await page(walked, conditions, sql.raw('a.exec_time'));
    // Fewer than a page among the slowest `walk` runs: the rest may lie anywhere.
    if (found.length >= limit) return found;
  }
  return page(sql.raw('email_activity_log'), [...slowest, ...conditions], executionTime);
}

/** The log's first and last created_at: each end of the created_at index, whatever the log's size. */
export async function logExtent(db: ReadableDb, archive = false): Promise<{ oldest: string | null; newest: string | null }> {
  // With the archive (issue 13, item 5): the two ends of its (created_at, id) index as well.
  const [row] = await query<{ oldest: string | null; newest: string | null }>(
    db,
    archive
      ? sql`SELECT LEAST((SELECT MIN(created_at) FROM email_activity_log), (SELECT MIN(created_at) FROM email_activity_log_archive)) AS oldest,
                   GREATEST((SELECT MAX(created_at) FROM email_activity_log), (SELECT MAX(created_at) FROM email_activity_log_archive)) AS newest`
      : sql`SELECT MIN(created_at) AS oldest, MAX(created_at) AS newest FROM email_activity_log`,
  );
  return { oldest: row?.oldest ?? null, newest: row?.newest ?? null };
}

const ERROR_KEY = ROLLUP_KEYS.find((key) => key.column === 'error_type')!;
const ERROR_TYPE_OF = sql.raw(`NULLIF(${rollupKeys.key(ERROR_KEY)}, '')`);

/** Distinct emails per error type in the range, each type's first error in the whole log, and the range's volume. */
export async function errorImpact(db: ReadableDb, range: DateRange, useRollup: boolean, archive: ArchiveCounts = false): Promise<Rows<ErrorImpact>> {
  const inRange = sql.where([sql`event_type = 'error'`, ...dateRangeConditions(range)]);
  // The archived errors of the range join the log's (migration 0009's partial index finds them).
  const errors = archive
    ? sql`(SELECT email_id, event_type, metadata FROM email_activity_log ${inRange}
           UNION ALL SELECT email_id, event_type, metadata FROM email_activity_log_archive ${inRange}) AS errors`
    : sql`email_activity_log ${inRange}`;
  const firstSeenRollups = archive === 'rollup' ? sql`(SELECT event_type, error_type, first_occurrence FROM email_activity_daily_rollup
           UNION ALL SELECT event_type, error_type, first_occurrence FROM email_activity_archive_daily_rollup) AS d` : sql`email_activity_daily_rollup`;
  const [perType, [all], firstSeen, [volume]] = await Promise.all([
    query<{ error_type: string | null; emails: number }>(db, sql`SELECT ${ERROR_TYPE_OF} AS error_type, COUNT(DISTINCT email_id) AS emails FROM ${errors} GROUP BY 1`),
    query<{ emails: number }>(db, sql`SELECT COUNT(DISTINCT email_id) AS emails FROM ${errors}`),
    // The daily rollup keeps each day's first occurrence, so the whole log's first is a MIN over days.
    query<{ error_type: string | null; first_seen: string | null }>(
      db,
      useRollup && archive !== 'live'
        ? sql`SELECT NULLIF(error_type, '') AS error_type, MIN(first_occurrence) AS first_seen
              FROM ${firstSeenRollups} WHERE event_type = 'error' GROUP BY 1`
        : sql`SELECT ${ERROR_TYPE_OF} AS error_type, MIN(created_at) AS first_seen FROM ${archive ? sql`(SELECT event_type, metadata, created_at FROM email_activity_log UNION ALL SELECT event_type, metadata, created_at FROM email_activity_log_archive) AS a` : sql`email_activity_log`} WHERE event_type = 'error' GROUP BY 1`,
    ),
    query<{ events: number | null }>(db, sql`SELECT SUM(count) AS events FROM (${dailyCounts(range, useRollup, archive)}) d`),
  ]);
  const first = new Map(firstSeen.map((row) => [row.error_type, row.first_seen]));
  return {
    errors: perType.map((row) => ({ error_type: row.error_type, emails: row.emails, first_seen: first.get(row.error_type) ?? null })),
    emails: all?.emails ?? 0,
    events: volume?.events ?? 0,
  };
}
