import { createHash } from 'node:crypto';
import type { CacheDb } from './sqlite/cache-file';
import { metadataText } from './sqlite/cache-text';

/**
 * What the rollups group events by, written once: PostgreSQL's trigger (migration 0006, generated),
 * rollup.ts's live queries, and the cache's sync and analytics all render their SQL from here.
 */

/** A key is one metadata value of the events of one event_type; every other event gets the default. */
export interface RollupKey {
  /** The column of the rollup tables (hub and cache). */
  column: string;
  /** The cache's email_activity_log column that holds the value (NULL where the default applies). */
  cacheColumn: string;
  eventType: string;
  metadataKey: string;
  /** Rollup key columns cannot be NULL: this stands for "missing" and "not applicable". */
  default: string;
}

export const ROLLUP_KEYS: readonly RollupKey[] = [
  { column: 'error_type', cacheColumn: 'error_type', eventType: 'error', metadataKey: 'error_type', default: '' },
  { column: 'workflow_name', cacheColumn: 'workflow_name', eventType: 'workflow_executed', metadataKey: 'workflow_name', default: '' },
  { column: 'status', cacheColumn: 'workflow_status', eventType: 'workflow_executed', metadataKey: 'status', default: '' },
];

/** The workflow a duration belongs to: the duration rollups' only key. */
const WORKFLOW_KEY = ROLLUP_KEYS.find((key) => key.column === 'workflow_name')!;

/**
 * A workflow's execution time: an integer of at most nine digits (so it fits an INTEGER), ASCII
 * blanks around it allowed; anything else is NULL, so a malformed value never fails the hub's INSERT.
 * The pattern reads the same as a PostgreSQL ARE and a JavaScript RegExp.
 */
export const EXECUTION_TIME = {
  cacheColumn: 'execution_time_ms',
  eventType: WORKFLOW_KEY.eventType,
  metadataKey: 'execution_time_ms',
  pattern: String.raw`^[ \t\n\r\f\v]*-?[0-9]{1,9}[ \t\n\r\f\v]*$`,
} as const;

/** Duration histogram: bucket b holds [2^(b/n) - 1, 2^((b+1)/n) - 1) ms, n buckets per doubling. */
export const BUCKETS_PER_DOUBLING = 2;

/**
 * The lowest execution time of each bucket b >= 1 that an INTEGER can hold: the least ms with
 * (ms + 1)^n >= 2^b (n = BUCKETS_PER_DOUBLING), in integers, so SQL and durationBucket agree exactly.
 */
const BUCKET_LOWER_BOUNDS: readonly number[] = (() => {
  const bounds: number[] = [];
  const n = BigInt(BUCKETS_PER_DOUBLING);
  for (let bucket = 1n; ; bucket++) {
    const power = 2n ** bucket;
    let root = BigInt(Math.floor(2 ** (Number(bucket) / BUCKETS_PER_DOUBLING)));
    while (root > 1n && (root - 1n) ** n >= power) root--;
    while (root ** n < power) root++;
    if (root - 1n > 2_147_483_647n) return bounds;
    bounds.push(Number(root - 1n));
  }
})();

const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** The keys in column order, for the SELECT lists and GROUP BYs that name them. */
export const KEY_COLUMNS = ROLLUP_KEYS.map((key) => key.column);

/** PostgreSQL, over email_activity_log's columns (`alias` qualifies them, e.g. 'a.'). */
export const postgres = {
  day: (alias = '') => `COALESCE(${alias}created_at::date, '-infinity'::date)`,
  hour: (alias = '') => `date_trunc('hour', ${alias}created_at)`,
  key: (key: RollupKey, alias = '') =>
    `CASE WHEN ${alias}event_type = ${literal(key.eventType)} THEN COALESCE(${alias}metadata->>${literal(key.metadataKey)}, ${literal(key.default)}) ELSE ${literal(key.default)} END`,
  /** Every key, `AS column`, comma-separated. */
  keys: (alias = '') => ROLLUP_KEYS.map((key) => `${postgres.key(key, alias)} AS ${key.column}`).join(', '),
  /** The duration rollups' workflow, for rows already limited to EXECUTION_TIME.eventType. */
  durationWorkflow: (alias = '') => `COALESCE(${alias}metadata->>${literal(WORKFLOW_KEY.metadataKey)}, ${literal(WORKFLOW_KEY.default)})`,
  /** A text value as the execution time, or NULL. */
  executionTimeOf: (text: string) => `CASE WHEN ${text} ~ ${literal(EXECUTION_TIME.pattern)} THEN (${text})::integer END`,
  executionTime: (alias = '') => postgres.executionTimeOf(`${alias}metadata->>${literal(EXECUTION_TIME.metadataKey)}`),
  /** The execution time through migration 0006's helper: the expression of the slowest-executions index. */
  indexedExecutionTime: (alias = '') => `mailtrail_int_or_null(${alias}metadata->>${literal(EXECUTION_TIME.metadataKey)})`,
  /**
   * durationBucket in SQL: how many of the buckets' lower bounds the time reaches, a binary search
   * (width_bucket) over integers. floor(n * log(2, ms + 1)) in numeric was 18 µs a row, a third of
   * the rollup trigger's duration part; `ms` appears once, so the helper function stays inlined.
   */
  bucketOf: (ms: string) => `width_bucket(greatest(${ms}, 0), '{${BUCKET_LOWER_BOUNDS.join(',')}}'::integer[])::smallint`,
  /** The event_type whose rows have durations (rows of other types are never bucketed). */
  durationEventType: (alias = '') => `${alias}event_type = ${literal(EXECUTION_TIME.eventType)}`,
};

/**
 * SQLite. The cache computes the keys into columns while syncing (`columns`), with PostgreSQL's
 * ->> text (metadataText) and the functions `registerRollupFunctions` adds; its analytics group by them.
 */
export const sqlite = {
  day: `COALESCE(substr(created_at, 1, 10), '-infinity')`,
  /** The cached key and duration columns, from the event_type and metadata (JSON text) expressions given. */
  columns(eventType: string, metadata: string): string {
    const value = (metadataKey: string) => metadataText(metadata, literal(`$."${metadataKey}"`));
    const keys = ROLLUP_KEYS.map(
      (key) => `CASE WHEN ${eventType} = ${literal(key.eventType)} THEN ${value(key.metadataKey)} END AS ${key.cacheColumn}`,
    );
    const executionTime = `CASE WHEN ${eventType} = ${literal(EXECUTION_TIME.eventType)} THEN mt_execution_time_ms(${value(EXECUTION_TIME.metadataKey)}) END AS ${EXECUTION_TIME.cacheColumn}`;
    return [...keys, executionTime].join(',\n       ');
  },
  /** The duration bucket of the cached execution time (NULL without one). */
  bucket: `mt_duration_bucket(${EXECUTION_TIME.cacheColumn})`,
  /** Every key over the cached columns, with its default, `AS column`. */
  keys: ROLLUP_KEYS.map((key) => `COALESCE(${key.cacheColumn}, ${literal(key.default)}) AS ${key.column}`).join(', '),
  durationWorkflow: `COALESCE(${WORKFLOW_KEY.cacheColumn}, ${literal(WORKFLOW_KEY.default)})`,
  durationEventType: `event_type = ${literal(EXECUTION_TIME.eventType)}`,
  /** Statements that compute the cached columns again from each cached event's own event_type and metadata. */
  recompute(): string[] {
    const columns = [...ROLLUP_KEYS.map((key) => key.cacheColumn), EXECUTION_TIME.cacheColumn];
    return [
      `UPDATE email_activity_log SET (${columns.join(', ')}) = (SELECT ${sqlite.columns('event_type', 'metadata')})`,
      `UPDATE email_activity_log SET duration_bucket = ${sqlite.bucket}`,
    ];
  },
};

/** Names the definition the cache's columns were computed under; a sync recomputes a cache synced under another. */
export const CACHE_KEYS_FINGERPRINT = createHash('sha256')
  .update(JSON.stringify([ROLLUP_KEYS, EXECUTION_TIME, BUCKETS_PER_DOUBLING, sqlite.columns('event_type', 'metadata'), sqlite.bucket]))
  .digest('hex')
  .slice(0, 16);

const EXECUTION_TIME_PATTERN = new RegExp(EXECUTION_TIME.pattern);

/** EXECUTION_TIME in JavaScript, for the cache's sync. */
export const executionTimeMs = (text: unknown): number | null =>
  typeof text === 'string' && EXECUTION_TIME_PATTERN.test(text) ? parseInt(text.trim(), 10) : null;

/** floor(n * log2(max(ms, 0) + 1)), checked in integers (2^b <= x^n) so it never differs from PostgreSQL's numeric log. */
export function durationBucket(ms: number): number {
  const x = BigInt(Math.max(ms, 0) + 1) ** BigInt(BUCKETS_PER_DOUBLING);
  let bucket = Math.floor(BUCKETS_PER_DOUBLING * Math.log2(Math.max(ms, 0) + 1));
  while (bucket > 0 && 2n ** BigInt(bucket) > x) bucket--;
  while (2n ** BigInt(bucket + 1) <= x) bucket++;
  return bucket;
}

/** The functions `sqlite.columns` and `sqlite.bucket` call. */
export function registerRollupFunctions(db: CacheDb): void {
  db.function('mt_execution_time_ms', { deterministic: true }, executionTimeMs);
  db.function('mt_duration_bucket', { deterministic: true }, (ms: unknown) => (typeof ms === 'number' ? durationBucket(ms) : null));
}
