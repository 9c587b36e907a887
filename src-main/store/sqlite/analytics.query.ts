import type { CategoryTimeseries, ErrorAnalysis, ErrorImpact, SlowExecution, WorkflowSuccess } from '../../contract/analytics';
import type { ActivityStat } from '../../contract/schemas';
import type { AnalyticsRange, DateRange, SlowestFilter } from '../log-store';
import { percentileFromBuckets } from '../duration-buckets';
import { planRange } from '../range-plan';
import { EXECUTION_TIME, sqlite as rollupKeys } from '../rollup-keys';
import { canonicalTimestamp, compareCodePoints, rangeConditions } from './cache-text';
import { where, type Prepare } from './statements';

type Rows<T> = Omit<T, 'source'>;
interface Part {
  text: string;
  params: unknown[];
}


// The rollup's grouping over the cached columns, which hold PostgreSQL's own ->> values.
const DAY = rollupKeys.day;
const DAILY_COLUMNS = 'day, event_type, event_category, error_type, workflow_name, status, count, first_occurrence, last_occurrence';

/** The rollup rows counted from the cache's events (`table`: the log, or its archive). */
export const liveDailySql = (conditions: string[], table = 'email_activity_log'): string =>
  `SELECT ${DAY} AS day, event_type, event_category, ${rollupKeys.keys},
          COUNT(*) AS count, MIN(created_at) AS first_occurrence, MAX(created_at) AS last_occurrence
   FROM ${table} ${where(conditions)} GROUP BY 1, 2, 3, 4, 5, 6`;

export const liveDurationSql = (conditions: string[], table = 'email_activity_log'): string =>
  `SELECT ${DAY} AS day, ${rollupKeys.durationWorkflow} AS workflow_name, duration_bucket AS bucket, COUNT(*) AS count
   FROM ${table}
   ${where([rollupKeys.durationEventType, `${EXECUTION_TIME.cacheColumn} IS NOT NULL`, ...conditions])} GROUP BY 1, 2, 3`;

/** A range as PostgreSQL's planRange splits it (whole days and partial days), so both stores add up the same pieces. */
function fromPlan(range: DateRange, table: string, columns: string, live: (conditions: string[]) => string): Part {
  const plan = planRange(range, { hourly: false });
  const parts: Part[] = [];
  if (plan.days) {
    const conditions: string[] = [];
    const params: unknown[] = [];
    // A row without created_at belongs to no range.
    if (range.from || range.to) conditions.push(`day > '-infinity'`);
    if (plan.days.from) conditions.push('day >= ?'), params.push(plan.days.from);
    if (plan.days.to) conditions.push('day <= ?'), params.push(plan.days.to);
    parts.push({ text: `SELECT ${columns} FROM ${table} ${where(conditions)}`, params });
  }
  for (const window of plan.windows) {
    parts.push({
      text: live(['created_at >= ?', window.toInclusive ? 'created_at <= ?' : 'created_at < ?']),
      params: [canonicalTimestamp(window.from), canonicalTimestamp(window.to)],
    });
  }
  if (parts.length === 0) return { text: `SELECT ${columns} FROM ${table} WHERE 0`, params: [] };
  return { text: parts.map((part) => part.text).join(' UNION ALL '), params: parts.flatMap((part) => part.params) };
}

const ARCHIVE = 'email_activity_log_archive';

/** The log's part, then the archive's from its own rollups when the range asks for it (issue 13, item 5). */
const withArchive = (log: Part, range: AnalyticsRange, archived: () => Part): Part => {
  if (!range.includeArchived) return log;
  const archive = archived();
  return { text: `${log.text} UNION ALL ${archive.text}`, params: [...log.params, ...archive.params] };
};

export const dailyCounts = (range: AnalyticsRange) =>
  withArchive(fromPlan(range, 'email_activity_daily_rollup', DAILY_COLUMNS, liveDailySql), range, () =>
    fromPlan(range, 'email_activity_archive_daily_rollup', DAILY_COLUMNS, (conditions) => liveDailySql(conditions, ARCHIVE)),
  );
const DURATION_COLUMNS = 'day, workflow_name, bucket, count';
const durationCounts = (range: AnalyticsRange) =>
  withArchive(fromPlan(range, 'email_workflow_duration_rollup', DURATION_COLUMNS, liveDurationSql), range, () =>
    fromPlan(range, 'email_workflow_archive_duration_rollup', DURATION_COLUMNS, (conditions) => liveDurationSql(conditions, ARCHIVE)),
  );

export function activityStats(prepare: Prepare, range: AnalyticsRange): ActivityStat[] {
  const counts = dailyCounts(range);
  return prepare(
    `SELECT event_type, event_category, SUM(count) AS count, MAX(last_occurrence) AS last_occurrence
     FROM (${counts.text}) GROUP BY event_type, event_category ORDER BY count DESC, event_type, event_category`,
  ).all(...counts.params) as ActivityStat[];
}

// date_trunc's buckets: ISO weeks start on Monday.
const BUCKET_START = {
  day: 'day',
  week: `date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days')`,
  month: `substr(day, 1, 8) || '01'`,
} as const;

export function categoryTimeseries(prepare: Prepare, range: AnalyticsRange, bucket: 'day' | 'week' | 'month'): Rows<CategoryTimeseries> {
  const counts = dailyCounts(range);
  const points = prepare(
    `SELECT ${BUCKET_START[bucket]} AS bucket, event_category, SUM(count) AS count
     FROM (${counts.text}) WHERE day > '-infinity' GROUP BY 1, 2 ORDER BY 1, 2`,
  ).all(...counts.params) as CategoryTimeseries['points'];
  return { points };
}

export function errorAnalysis(prepare: Prepare, range: AnalyticsRange): Rows<ErrorAnalysis> {
  const counts = dailyCounts(range);
  const errors = prepare(
    `SELECT NULLIF(error_type, '') AS error_type, SUM(count) AS count,
            MIN(first_occurrence) AS first_seen, MAX(last_occurrence) AS last_seen
     FROM (${counts.text}) WHERE event_type = 'error' GROUP BY 1 ORDER BY count DESC, 1 NULLS LAST`,
  ).all(...counts.params) as ErrorAnalysis['errors'];
  const trend = prepare(
    `SELECT day, NULLIF(error_type, '') AS error_type, SUM(count) AS count
     FROM (${counts.text}) WHERE event_type = 'error' AND day > '-infinity' GROUP BY day, 2 ORDER BY day, 2 NULLS LAST`,
  ).all(...counts.params) as ErrorAnalysis['trend'];
  return { errors, trend };
}

/** PostgreSQL's ROUND(100.0 * completed / total, 2), exactly: half away from zero on the decimal value. */
const successRate = (completed: number, total: number): number | null =>
  total === 0 ? null : Math.floor((20_000 * completed + total) / (2 * total)) / 100;

const nullsLast = (a: string | null, b: string | null): number =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : compareCodePoints(a, b);

export function workflowSuccess(prepare: Prepare, range: AnalyticsRange): Rows<WorkflowSuccess> {
  const counts = dailyCounts(range);
  const totals = prepare(
    `SELECT NULLIF(workflow_name, '') AS workflow,
            SUM(CASE WHEN status = 'completed' THEN count ELSE 0 END) AS completed,
            SUM(CASE WHEN status = 'failed' THEN count ELSE 0 END) AS failed,
            SUM(count) AS total
     FROM (${counts.text}) WHERE event_type = 'workflow_executed' GROUP BY 1`,
  ).all(...counts.params) as { workflow: string | null; completed: number; failed: number; total: number }[];
  const overTime = prepare(
    `SELECT day, NULLIF(workflow_name, '') AS workflow,
            SUM(CASE WHEN status = 'completed' THEN count ELSE 0 END) AS completed,
            SUM(CASE WHEN status = 'failed' THEN count ELSE 0 END) AS failed
     FROM (${counts.text}) WHERE event_type = 'workflow_executed' AND day > '-infinity'
     GROUP BY day, 2 ORDER BY day, 2 NULLS LAST`,
  ).all(...counts.params) as WorkflowSuccess['overTime'];
  const durations = durationCounts(range);
  const buckets = prepare(
    `SELECT NULLIF(workflow_name, '') AS workflow, bucket, SUM(count) AS count FROM (${durations.text}) GROUP BY 1, 2`,
  ).all(...durations.params) as { workflow: string | null; bucket: number; count: number }[];
  const workflows = totals
    .map((total) => {
      const own = buckets.filter((b) => b.workflow === total.workflow);
      return {
        ...total,
        success_rate: successRate(total.completed, total.total),
        p50_ms: percentileFromBuckets(own, 0.5),
        p95_ms: percentileFromBuckets(own, 0.95),
      };
    })
    .sort((a, b) => {
      if (a.success_rate !== b.success_rate) {
        if (a.success_rate === null) return 1;
        if (b.success_rate === null) return -1;
        return b.success_rate - a.success_rate;
      }
      return nullsLast(a.workflow, b.workflow);
    });
  return { workflows, overTime };
}

/** Slowest first; the planner would rather take the event_type index and sort, so the partial index is named. */
export function slowestExecutions(prepare: Prepare, limit: number, indexed: boolean, filter: SlowestFilter = {}): SlowExecution[] {
  const { conditions, params } = rangeConditions(filter, 'a.created_at');
  if (filter.workflow !== undefined) conditions.push('a.workflow_name = ?'), params.push(filter.workflow);
  if (filter.status !== undefined) conditions.push('a.workflow_status = ?'), params.push(filter.status);
  // Unfiltered, the partial index is named; a filter lets SQLite pick (a narrow range is quicker by created_at).
  const index = indexed && conditions.length === 0 ? 'INDEXED BY log_slowest' : '';
  return prepare(
    `SELECT a.id, a.email_id, a.description, a.execution_time_ms AS exec_time, a.workflow_name AS workflow,
            a.workflow_status AS status, a.created_at, e.subject AS email_subject
     FROM email_activity_log a ${index} LEFT JOIN email_messages e ON e.id = a.email_id
     ${where([`a.event_type = 'workflow_executed'`, ...conditions])}
     ORDER BY a.execution_time_ms DESC NULLS LAST, a.id LIMIT ?`,
  ).all(...params, limit) as SlowExecution[];
}


/** The cache's first and last created_at; SQLite reads MIN and MAX off the created_at index only when each stands alone. */
export function logExtent(prepare: Prepare, archive = false): { oldest: string | null; newest: string | null } {
  // As LEAST and GREATEST, which skip NULLs (SQLite's two-argument min() would not): the aggregate over each table's end.
  const end = (fn: 'MIN' | 'MAX') =>
    archive
      ? `(SELECT ${fn}(edge) FROM (SELECT ${fn}(created_at) AS edge FROM email_activity_log UNION ALL SELECT ${fn}(created_at) FROM ${ARCHIVE}))`
      : `(SELECT ${fn}(created_at) FROM email_activity_log)`;
  return prepare(`SELECT ${end('MIN')} AS oldest, ${end('MAX')} AS newest`).get() as { oldest: string | null; newest: string | null };
}

/** As PostgreSQL's errorImpact: distinct emails from the cached rows, first seen from the cache's daily rollup. */
export function errorImpact(prepare: Prepare, range: AnalyticsRange): Rows<ErrorImpact> {
  const { conditions, params } = rangeConditions(range);
  const inRange = where([`event_type = 'error'`, ...conditions]);
  // With the archive, its errors of the range join the log's, and its rollup's first occurrences.
  const [errors, errorParams] = range.includeArchived
    ? [`(SELECT email_id, error_type FROM email_activity_log ${inRange} UNION ALL SELECT email_id, error_type FROM ${ARCHIVE} ${inRange})`, [...params, ...params]]
    : [`email_activity_log ${inRange}`, params];
  const rollups = range.includeArchived
    ? `(SELECT event_type, error_type, first_occurrence FROM email_activity_daily_rollup UNION ALL SELECT event_type, error_type, first_occurrence FROM email_activity_archive_daily_rollup)`
    : 'email_activity_daily_rollup';
  const perType = prepare(
    `SELECT NULLIF(COALESCE(error_type, ''), '') AS error_type, COUNT(DISTINCT email_id) AS emails FROM ${errors} GROUP BY 1`,
  ).all(...errorParams) as { error_type: string | null; emails: number }[];
  const all = prepare(`SELECT COUNT(DISTINCT email_id) AS emails FROM ${errors}`).get(...errorParams) as { emails: number };
  const firstSeen = prepare(
    `SELECT NULLIF(error_type, '') AS error_type, MIN(first_occurrence) AS first_seen FROM ${rollups} WHERE event_type = 'error' GROUP BY 1`,
  ).all() as { error_type: string | null; first_seen: string | null }[];
  const counts = dailyCounts(range);
  const volume = prepare(`SELECT SUM(count) AS events FROM (${counts.text})`).get(...counts.params) as { events: number | null };
  const first = new Map(firstSeen.map((row) => [row.error_type, row.first_seen]));
  return {
    errors: perType.map((row) => ({ error_type: row.error_type, emails: row.emails, first_seen: first.get(row.error_type) ?? null })),
    emails: all.emails,
    events: volume.events ?? 0,
  };
}
