import { sql, type Sql } from '../../db/sql';
import type { DateRange } from '../log-store';
import { postgres as rollupKeys } from '../rollup-keys';
import { planRange, type RangePlan, type TimeWindow } from '../range-plan';
import { dateRangeConditions } from './filters';

const windowConditions = ({ from, to, toInclusive }: TimeWindow): Sql[] => [
  sql`created_at >= ${from}::timestamp`,
  toInclusive ? sql`created_at <= ${to}::timestamp` : sql`created_at < ${to}::timestamp`,
];

const DAY = sql.raw(rollupKeys.day());
const KEYS = sql.raw(rollupKeys.keys());
/** execution_time_ms as an integer, or NULL, without migration 0006's helper function. */
const EXECUTION_TIME_MS = sql.raw(rollupKeys.executionTime());
const DURATION_BUCKET = sql.raw(rollupKeys.bucketOf(rollupKeys.executionTime()));

const LOG = sql.raw('email_activity_log');
const ARCHIVE = sql.raw('email_activity_log_archive');

function liveDailyCounts(conditions: Sql[], table = LOG): Sql {
  return sql`SELECT ${DAY} AS day, event_type, event_category, ${KEYS},
                    COUNT(*) AS count, MIN(created_at) AS first_occurrence, MAX(created_at) AS last_occurrence
             FROM ${table} ${sql.where(conditions)}
             GROUP BY 1, 2, 3, 4, 5, 6`;
}

function liveDurationCounts(conditions: Sql[], table = LOG): Sql {
  return sql`SELECT ${DAY} AS day, ${sql.raw(rollupKeys.durationWorkflow())} AS workflow_name,
                    ${DURATION_BUCKET} AS bucket, COUNT(*) AS count
             FROM ${table}
             ${sql.where([sql.raw(rollupKeys.durationEventType()), sql`${EXECUTION_TIME_MS} IS NOT NULL`, ...conditions])}
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

const ARCHIVE_ACTIVITY_ROLLUPS: RollupTables = {
  ...ACTIVITY_ROLLUPS,
  daily: sql.raw('email_activity_archive_daily_rollup'),
  hourly: sql.raw('email_activity_archive_hourly_rollup'),
};

const ARCHIVE_DURATION_ROLLUPS: RollupTables = {
  ...DURATION_ROLLUPS,
  daily: sql.raw('email_workflow_archive_duration_rollup'),
  hourly: sql.raw('email_workflow_archive_duration_hourly_rollup'),
};

/**
 * How an answer takes the archived events (issue 13, item 5): not at all, from migration 0009's
 * rollups (as cheap as the log's), or counted from the archive itself where 0009 has not run.
 */
export type ArchiveCounts = false | 'rollup' | 'live';

/** The log's counts, then the archive's when asked, as one list of rows for the caller to sum. */
function withArchive(log: Sql, archive: ArchiveCounts, range: DateRange, tables: RollupTables, live: (conditions: Sql[], table: Sql) => Sql): Sql {
  if (!archive) return log;
  const archived = archive === 'rollup' ? fromPlan(range, tables, (conditions) => live(conditions, ARCHIVE)) : live(dateRangeConditions(range), ARCHIVE);
  return sql`${log} UNION ALL ${archived}`;
}

/**
 * Rows of (day, event_type, event_category, error_type, workflow_name, status, count,
 * first_occurrence, last_occurrence) for a range: from the rollup where it exists, else from the log.
 */
export function dailyCounts(range: DateRange, useRollup: boolean, archive: ArchiveCounts = false): Sql {
  const log = useRollup ? fromPlan(range, ACTIVITY_ROLLUPS, liveDailyCounts) : liveDailyCounts(dateRangeConditions(range));
  return withArchive(log, archive, range, ARCHIVE_ACTIVITY_ROLLUPS, liveDailyCounts);
}

/** Rows of (day, workflow_name, bucket, count) of workflow execution times. */
export function durationCounts(range: DateRange, useRollup: boolean, archive: ArchiveCounts = false): Sql {
  const log = useRollup ? fromPlan(range, DURATION_ROLLUPS, liveDurationCounts) : liveDurationCounts(dateRangeConditions(range));
  return withArchive(log, archive, range, ARCHIVE_DURATION_ROLLUPS, liveDurationCounts);
}
