import { sql, type Sql } from '../../db/sql';
import type { DateRange } from '../log-store';
import { dateRangeConditions } from './filters';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?$/;

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

const dayOf = (timestamp: string): string => timestamp.slice(0, 10);
const startOfDay = (timestamp: string): string | undefined =>
  DATE_ONLY.test(timestamp) ? timestamp : MIDNIGHT.exec(timestamp)?.[1];

/**
 * A date range as whole days (answered by the rollups) plus at most two partial days at its edges
 * (answered by the log itself, a day at most each).
 */
export interface RangePlan {
  /** Inclusive whole days; null when the range holds no whole day. */
  days: { from?: string | undefined; to?: string | undefined } | null;
  /** Conditions on created_at for each partial-day piece. */
  partials: Sql[][];
}

export function planRange(range: DateRange): RangePlan {
  const partials: Sql[][] = [];
  let fromDay: string | undefined;
  let toDay: string | undefined;
  let lower: Sql | undefined;
  let upper: Sql | undefined;

  if (range.from) {
    const whole = startOfDay(range.from);
    if (whole) fromDay = whole;
    else {
      fromDay = addDays(dayOf(range.from), 1);
      lower = sql`created_at >= ${range.from}::timestamp`;
    }
  }
  if (range.to) {
    if (DATE_ONLY.test(range.to)) toDay = range.to;
    else {
      toDay = addDays(dayOf(range.to), -1);
      upper = sql`created_at <= ${range.to}::timestamp`;
    }
  }
  if (lower && upper && range.from && range.to && dayOf(range.from) === dayOf(range.to)) {
    return { days: null, partials: [[lower, upper]] };
  }
  if (lower && range.from) partials.push([lower, sql`created_at < ${addDays(dayOf(range.from), 1)}::timestamp`]);
  if (upper && range.to) partials.push([sql`created_at >= ${dayOf(range.to)}::timestamp`, upper]);
  const empty = fromDay !== undefined && toDay !== undefined && fromDay > toDay;
  return { days: empty ? null : { from: fromDay, to: toDay }, partials };
}

// The rollup's grouping, written once: the migration's trigger computes the same keys.
const DAY = sql.raw(`COALESCE(created_at::date, '-infinity'::date)`);
const ERROR_TYPE = sql.raw(`CASE WHEN event_type = 'error' THEN COALESCE(metadata->>'error_type', '') ELSE '' END`);
const WORKFLOW_NAME = sql.raw(`CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'workflow_name', '') ELSE '' END`);
const STATUS = sql.raw(`CASE WHEN event_type = 'workflow_executed' THEN COALESCE(metadata->>'status', '') ELSE '' END`);
/** execution_time_ms as an integer, or NULL, without the migration's helper function. */
export const EXECUTION_TIME_MS = sql.raw(
  `CASE WHEN metadata->>'execution_time_ms' ~ '^\\s*-?\\d{1,9}\\s*$' THEN (metadata->>'execution_time_ms')::integer END`,
);
const DURATION_BUCKET = sql`floor(2 * log(2, greatest(${EXECUTION_TIME_MS}, 0) + 1))::smallint`;

function liveDailyCounts(conditions: Sql[]): Sql {
  return sql`SELECT ${DAY} AS day, event_type, event_category, ${ERROR_TYPE} AS error_type,
                    ${WORKFLOW_NAME} AS workflow_name, ${STATUS} AS status,
                    COUNT(*) AS count, MIN(created_at) AS first_occurrence, MAX(created_at) AS last_occurrence
             FROM email_activity_log ${sql.where(conditions)}
             GROUP BY 1, 2, 3, 4, 5, 6`;
}

function liveDurationCounts(conditions: Sql[]): Sql {
  return sql`SELECT ${DAY} AS day, COALESCE(metadata->>'workflow_name', '') AS workflow_name,
                    ${DURATION_BUCKET} AS bucket, COUNT(*) AS count
             FROM email_activity_log
             ${sql.where([sql`event_type = 'workflow_executed'`, sql`${EXECUTION_TIME_MS} IS NOT NULL`, ...conditions])}
             GROUP BY 1, 2, 3`;
}

function dayConditions(days: NonNullable<RangePlan['days']>, bounded: boolean): Sql[] {
  const conditions: Sql[] = [];
  // A row without created_at belongs to no range.
  if (bounded) conditions.push(sql`day > '-infinity'::date`);
  if (days.from) conditions.push(sql`day >= ${days.from}::date`);
  if (days.to) conditions.push(sql`day <= ${days.to}::date`);
  return conditions;
}

function fromPlan(range: DateRange, rollupTable: Sql, columns: Sql, live: (conditions: Sql[]) => Sql): Sql {
  const plan = planRange(range);
  const bounded = Boolean(range.from || range.to);
  const parts = plan.partials.map((conditions) => live(conditions));
  if (plan.days) parts.unshift(sql`SELECT ${columns} FROM ${rollupTable} ${sql.where(dayConditions(plan.days, bounded))}`);
  if (parts.length === 0) return sql`SELECT ${columns} FROM ${rollupTable} WHERE false`;
  return sql.join(parts, ' UNION ALL ');
}

const DAILY_COLUMNS = sql.raw('day, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence');

/**
 * Rows of (day, event_type, event_category, error_type, workflow_name, status, count,
 * first_occurrence, last_occurrence) for a range: from the rollup where it exists, else from the log.
 */
export function dailyCounts(range: DateRange, useRollup: boolean): Sql {
  if (!useRollup) return liveDailyCounts(dateRangeConditions(range));
  return fromPlan(range, sql.raw('email_activity_daily_rollup'), DAILY_COLUMNS, liveDailyCounts);
}

/** Rows of (day, workflow_name, bucket, count) of workflow execution times. */
export function durationCounts(range: DateRange, useRollup: boolean): Sql {
  if (!useRollup) return liveDurationCounts(dateRangeConditions(range));
  return fromPlan(range, sql.raw('email_workflow_duration_rollup'), sql.raw('day, workflow_name, bucket, count'), liveDurationCounts);
}

/** The lower and upper execution time (ms) of a histogram bucket. */
export function bucketBounds(bucket: number): [number, number] {
  return [2 ** (bucket / 2) - 1, 2 ** ((bucket + 1) / 2) - 1];
}

/** A percentile from histogram buckets, interpolated geometrically within its bucket. */
export function percentileFromBuckets(buckets: { bucket: number; count: number }[], p: number): number | null {
  const sorted = [...buckets].sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (const { bucket, count } of sorted) {
    if (seen + count >= rank) {
      const [low, high] = bucketBounds(bucket);
      const fraction = count === 0 ? 0 : (rank - seen) / count;
      return Math.round((low + 1) * ((high + 1) / (low + 1)) ** fraction - 1);
    }
    seen += count;
  }
  return Math.round(bucketBounds(sorted[sorted.length - 1]!.bucket)[1]);
}
