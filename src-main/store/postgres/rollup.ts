import { sql, type Sql } from '../../db/sql';
import type { DateRange } from '../log-store';
import { dateRangeConditions } from './filters';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?$/;
const ON_THE_HOUR = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):00(?::00(?:\.0+)?)?$/;

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

const dayOf = (timestamp: string): string => timestamp.slice(0, 10);
const midnight = (day: string): string => `${day}T00:00:00`;
const startOfDay = (timestamp: string): string | undefined =>
  DATE_ONLY.test(timestamp) ? timestamp : MIDNIGHT.exec(timestamp)?.[1];
/** The hour a timestamp falls in, as `YYYY-MM-DDTHH:00:00`. */
const hourOf = (timestamp: string): string => `${dayOf(timestamp)}T${timestamp.slice(11, 13)}:00:00`;
const nextHour = (hour: string): string => new Date(Date.parse(`${hour}Z`) + 3_600_000).toISOString().slice(0, 19);
const isOnTheHour = (timestamp: string): boolean => ON_THE_HOUR.test(timestamp);

/** A stretch of the log answered row by row: `from` inclusive, `to` inclusive or not. */
export interface TimeWindow {
  from: string;
  to: string;
  toInclusive: boolean;
}

/**
 * A date range as whole days (daily rollups), whole hours at its edges (hourly rollups) and at
 * most two partial hours (the log itself). Without hourly rollups the edges are partial days.
 */
export interface RangePlan {
  /** Inclusive whole days; null when the range holds no whole day. */
  days: { from?: string | undefined; to?: string | undefined } | null;
  /** Whole hours, `from` inclusive and `to` exclusive, as `YYYY-MM-DDTHH:00:00`. */
  hours: { from: string; to: string }[];
  windows: TimeWindow[];
}

/** Splits a stretch inside one day into whole hours and the partial hours at its ends. */
function splitWindow(window: TimeWindow, hourly: boolean, plan: RangePlan): void {
  if (!hourly) {
    plan.windows.push(window);
    return;
  }
  const firstHour = isOnTheHour(window.from) ? hourOf(window.from) : nextHour(hourOf(window.from));
  const endHour = window.toInclusive || !isOnTheHour(window.to) ? hourOf(window.to) : window.to;
  if (firstHour >= endHour) {
    plan.windows.push(window);
    return;
  }
  if (!isOnTheHour(window.from)) plan.windows.push({ from: window.from, to: firstHour, toInclusive: false });
  plan.hours.push({ from: firstHour, to: endHour });
  if (window.toInclusive || endHour < window.to) plan.windows.push({ from: endHour, to: window.to, toInclusive: window.toInclusive });
}

export function planRange(range: DateRange, { hourly }: { hourly: boolean }): RangePlan {
  const plan: RangePlan = { days: null, hours: [], windows: [] };
  // One spelling, so that timestamps compare as text: `2025-12-15 10:30` -> `2025-12-15T10:30`.
  const from = range.from?.replace(' ', 'T');
  const to = range.to?.replace(' ', 'T');
  const fromWholeDay = from ? startOfDay(from) : undefined;
  const toTimed = to !== undefined && !DATE_ONLY.test(to);
  const fromDay = from ? (fromWholeDay ?? addDays(dayOf(from), 1)) : undefined;
  const toDay = to ? (toTimed ? addDays(dayOf(to), -1) : to) : undefined;

  if (from && !fromWholeDay && to && toTimed && dayOf(from) === dayOf(to)) {
    splitWindow({ from, to, toInclusive: true }, hourly, plan);
    return plan;
  }
  if (from && !fromWholeDay) {
    splitWindow({ from, to: midnight(addDays(dayOf(from), 1)), toInclusive: false }, hourly, plan);
  }
  if (to && toTimed) splitWindow({ from: midnight(dayOf(to)), to, toInclusive: true }, hourly, plan);
  if (!(fromDay !== undefined && toDay !== undefined && fromDay > toDay)) plan.days = { from: fromDay, to: toDay };
  return plan;
}

const windowConditions = ({ from, to, toInclusive }: TimeWindow): Sql[] => [
  sql`created_at >= ${from}::timestamp`,
  toInclusive ? sql`created_at <= ${to}::timestamp` : sql`created_at < ${to}::timestamp`,
];

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

interface RollupTables {
  daily: Sql;
  hourly: Sql;
  /** The columns after `day`, the same in both tables. */
  columns: Sql;
}

function fromPlan(range: DateRange, tables: RollupTables, live: (conditions: Sql[]) => Sql): Sql {
  const plan = planRange(range, { hourly: true });
  const bounded = Boolean(range.from || range.to);
  const parts: Sql[] = [];
  if (plan.days) parts.push(sql`SELECT day, ${tables.columns} FROM ${tables.daily} ${sql.where(dayConditions(plan.days, bounded))}`);
  for (const hours of plan.hours) {
    parts.push(
      sql`SELECT hour::date AS day, ${tables.columns} FROM ${tables.hourly}
          WHERE hour >= ${hours.from}::timestamp AND hour < ${hours.to}::timestamp`,
    );
  }
  for (const window of plan.windows) parts.push(live(windowConditions(window)));
  if (parts.length === 0) return sql`SELECT day, ${tables.columns} FROM ${tables.daily} WHERE false`;
  return sql.join(parts, ' UNION ALL ');
}

const ACTIVITY_ROLLUPS: RollupTables = {
  daily: sql.raw('email_activity_daily_rollup'),
  hourly: sql.raw('email_activity_hourly_rollup'),
  columns: sql.raw('event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence'),
};

const DURATION_ROLLUPS: RollupTables = {
  daily: sql.raw('email_workflow_duration_rollup'),
  hourly: sql.raw('email_workflow_duration_hourly_rollup'),
  columns: sql.raw('workflow_name, bucket, count'),
};

/**
 * Rows of (day, event_type, event_category, error_type, workflow_name, status, count,
 * first_occurrence, last_occurrence) for a range: from the rollup where it exists, else from the log.
 */
export function dailyCounts(range: DateRange, useRollup: boolean): Sql {
  if (!useRollup) return liveDailyCounts(dateRangeConditions(range));
  return fromPlan(range, ACTIVITY_ROLLUPS, liveDailyCounts);
}

/** Rows of (day, workflow_name, bucket, count) of workflow execution times. */
export function durationCounts(range: DateRange, useRollup: boolean): Sql {
  if (!useRollup) return liveDurationCounts(dateRangeConditions(range));
  return fromPlan(range, DURATION_ROLLUPS, liveDurationCounts);
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
