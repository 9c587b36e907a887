import type pg from 'pg';
import type { RetentionPreview } from '../contract/retention';
import { type ReadableDb } from '../db/connection';
import { inTransaction } from '../db/transaction';
import { sql } from '../db/sql';
import { computeCutoffs, cutoffsAnswer, effectiveDays, withRetentionSchema, type Cutoffs, type RetentionDays } from './policy';

/** A preview counts every event older than a cutoff once: seconds at 10 million, past the viewer's 15 s on a slow disk. */
export const PREVIEW_TIMEOUT_MS = 300_000;

interface CountRow {
  month: string | null;
  event_category: string | null;
  grouped_by: 'month' | 'category' | 'total';
  archive_events: number;
  archive_emails: number;
  purge_events: number;
  purge_emails: number;
  held_events: number;
  held_emails: number;
}

const GROUPS = `month, event_category,
           CASE GROUPING(month, event_category) WHEN 1 THEN 'month' WHEN 2 THEN 'category' ELSE 'total' END AS grouped_by`;

/**
 * What a run with these cutoffs would do, in one read of the events older than them: per action
 * the events and emails, by month and by category, and the events of held emails that stay.
 * An event is archived when it is in the log and older than the archive cutoff; purged when it is
 * older than the purge cutoff, wherever it is (an event archived by this run and purged by it too
 * counts under both). Runs in a read-only transaction: it writes nothing.
 */
export async function countPlan(
  db: ReadableDb | pg.Pool,
  days: RetentionDays,
  cutoffs: Cutoffs,
  // A run needs only the totals: one group instead of a group per month and per category (a second of 17 at a million events).
  { totalsOnly = false }: { totalsOnly?: boolean } = {},
): Promise<RetentionPreview> {
  const empty: RetentionPreview = {
    archive_after_days: days.archiveAfterDays,
    purge_after_days: days.purgeAfterDays,
    cutoffs: cutoffsAnswer(cutoffs),
    archive: { events: 0, emails: 0 },
    purge: { events: 0, emails: 0 },
    held: { events: 0, emails: 0 },
    by_month: [],
    by_category: [],
  };
  if (cutoffs.archive === null && cutoffs.purge === null) return empty;
  const { archive, purge } = cutoffs;
  const statement = sql`
    WITH held AS MATERIALIZED (
      SELECT email_id FROM mailtrail_legal_holds WHERE released_at IS NULL
    ), events AS (
      SELECT l.email_id, l.created_at, l.event_category, TRUE AS in_log
      FROM email_activity_log l
      WHERE l.created_at < GREATEST(${archive}::timestamp, ${purge}::timestamp)
      UNION ALL
      SELECT a.email_id, a.created_at, a.event_category, FALSE
      FROM email_activity_log_archive a
      WHERE ${purge}::timestamp IS NOT NULL AND a.created_at < ${purge}::timestamp
    ), flagged AS (
      SELECT e.email_id, e.event_category, to_char(e.created_at, 'YYYY-MM') AS month,
             h.email_id IS NOT NULL AS is_held,
             COALESCE(e.in_log AND e.created_at < ${archive}::timestamp, FALSE) AS archive_due,
             COALESCE(e.created_at < ${purge}::timestamp, FALSE) AS purge_due
      FROM events e LEFT JOIN held h ON h.email_id = e.email_id
    )
    SELECT ${sql.raw(totalsOnly ? `NULL AS month, NULL AS event_category, 'total' AS grouped_by` : GROUPS)},
           COUNT(*) FILTER (WHERE archive_due AND NOT is_held) AS archive_events,
           COUNT(DISTINCT email_id) FILTER (WHERE archive_due AND NOT is_held) AS archive_emails,
           COUNT(*) FILTER (WHERE purge_due AND NOT is_held) AS purge_events,
           COUNT(DISTINCT email_id) FILTER (WHERE purge_due AND NOT is_held) AS purge_emails,
           COUNT(*) FILTER (WHERE is_held AND (archive_due OR purge_due)) AS held_events,
           COUNT(DISTINCT email_id) FILTER (WHERE is_held AND (archive_due OR purge_due)) AS held_emails
    FROM flagged
    ${sql.raw(totalsOnly ? '' : 'GROUP BY GROUPING SETS ((month), (event_category), ())')}`;
  const rows = await readOnly(db, async (client) => (await client.query<CountRow>(statement.toQuery())).rows);
  const total = rows.find((row) => row.grouped_by === 'total');
  const counts = (row: CountRow) => ({
    archive_events: row.archive_events,
    archive_emails: row.archive_emails,
    purge_events: row.purge_events,
    held_events: row.held_events,
  });
  return {
    ...empty,
    archive: { events: total?.archive_events ?? 0, emails: total?.archive_emails ?? 0 },
    purge: { events: total?.purge_events ?? 0, emails: total?.purge_emails ?? 0 },
    held: { events: total?.held_events ?? 0, emails: total?.held_emails ?? 0 },
    by_month: rows
      .filter((row) => row.grouped_by === 'month')
      .map((row) => ({ month: row.month ?? '', ...counts(row) }))
      .sort((a, b) => (a.month < b.month ? -1 : 1)),
    by_category: rows
      .filter((row) => row.grouped_by === 'category')
      .map((row) => ({ event_category: row.event_category ?? '', ...counts(row) }))
      .sort((a, b) => (a.event_category < b.event_category ? -1 : 1)),
  };
}

/** The preview of the stored policy (or the overrides given), with cutoffs from the database's clock now. */
export async function previewRetention(
  db: ReadableDb,
  overrides: { archiveAfterDays?: number | null | undefined; purgeAfterDays?: number | null | undefined } = {},
): Promise<RetentionPreview> {
  return withRetentionSchema(async () => {
    const days = await effectiveDays(db, overrides);
    const cutoffs = await computeCutoffs(db, days);
    return countPlan(db, days, cutoffs);
  });
}

/** A read-only transaction with the preview's own statement timeout, on a viewer or an admin pool alike. */
function readOnly<T>(db: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(
    db,
    async (client) => {
      await client.query(`SET LOCAL statement_timeout = ${PREVIEW_TIMEOUT_MS}`);
      return work(client);
    },
    'BEGIN READ ONLY',
  );
}
