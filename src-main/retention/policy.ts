import type pg from 'pg';
import { MailtrailError } from '../contract/errors';
import type { RetentionCutoffs, RetentionPolicy } from '../contract/retention';
import type { ReadableDb, WritableDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';

/** The seed's retention: archive after 30 days, purge after 90. */
export const DEFAULT_POLICY = { archiveAfterDays: 30, purgeAfterDays: 90 } as const;

export interface RetentionDays {
  archiveAfterDays: number | null;
  purgeAfterDays: number | null;
}

/** Cutoffs as the database computed them: zoneless timestamps like the log's created_at. */
export interface Cutoffs {
  archive: string | null;
  purge: string | null;
  timeZone: string;
}

export const cutoffsAnswer = (cutoffs: Cutoffs): RetentionCutoffs => ({ archive: cutoffs.archive, purge: cutoffs.purge, time_zone: cutoffs.timeZone });

const NO_SCHEMA = 'the database has no retention tables (migration 0008); run `mailtrail migrate` with a writable connection';

async function withSchema<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof MailtrailError && /mailtrail_(retention|legal)_\w+/.test(error.message) && error.code === 'unavailable') {
      throw new MailtrailError('unavailable', NO_SCHEMA);
    }
    throw error;
  }
}
export { withSchema as withRetentionSchema };

/** The stored policy; the defaults when the row is missing (a hub whose row was deleted by hand). */
export async function readPolicy(db: ReadableDb | pg.PoolClient): Promise<RetentionPolicy> {
  return withSchema(async () => {
    const [row] = await query<RetentionPolicy & { updated_at: Date }>(
      db,
      sql`SELECT archive_after_days, purge_after_days, updated_at, updated_by FROM mailtrail_retention_policy`,
    );
    if (!row) {
      return { archive_after_days: DEFAULT_POLICY.archiveAfterDays, purge_after_days: DEFAULT_POLICY.purgeAfterDays, updated_at: '', updated_by: 'default' };
    }
    return { ...row, updated_at: new Date(row.updated_at).toISOString() };
  });
}

/** Refuses a purge earlier than archiving: it would delete what the archive is meant to keep. */
export function checkDays(days: RetentionDays): void {
  const { archiveAfterDays: archive, purgeAfterDays: purge } = days;
  if (archive !== null && purge !== null && purge < archive) {
    throw new MailtrailError(
      'bad_request',
      `purge after ${purge} days comes before archive after ${archive} days; purge must be at least as many days as archive, or turn one off`,
    );
  }
}

export async function writePolicy(admin: WritableDb, days: RetentionDays, actor: string): Promise<RetentionPolicy> {
  checkDays(days);
  await withSchema(() =>
    query(
      admin,
      sql`INSERT INTO mailtrail_retention_policy (singleton, archive_after_days, purge_after_days, updated_by)
          VALUES (TRUE, ${days.archiveAfterDays}, ${days.purgeAfterDays}, ${actor})
          ON CONFLICT (singleton) DO UPDATE SET archive_after_days = EXCLUDED.archive_after_days,
            purge_after_days = EXCLUDED.purge_after_days, updated_by = EXCLUDED.updated_by, updated_at = NOW()`,
    ),
  );
  return readPolicy(admin);
}

/** The policy with a run's or preview's overrides: a field given (a number or null = off) wins. */
export async function effectiveDays(
  db: ReadableDb | pg.PoolClient,
  overrides: { archiveAfterDays?: number | null | undefined; purgeAfterDays?: number | null | undefined },
): Promise<RetentionDays> {
  const policy = await readPolicy(db);
  const days = {
    archiveAfterDays: overrides.archiveAfterDays !== undefined ? overrides.archiveAfterDays : policy.archive_after_days,
    purgeAfterDays: overrides.purgeAfterDays !== undefined ? overrides.purgeAfterDays : policy.purge_after_days,
  };
  checkDays(days);
  return days;
}

/**
 * The cutoffs, computed once from the database's clock in its zone: created_at is a TIMESTAMP
 * without zone that the hub fills with NOW() in that zone, so LOCALTIMESTAMP is its measure.
 */
export async function computeCutoffs(db: ReadableDb | pg.PoolClient, days: RetentionDays): Promise<Cutoffs> {
  const [row] = await query<{ archive: string | null; purge: string | null; time_zone: string }>(
    db,
    sql`SELECT CASE WHEN ${days.archiveAfterDays}::int IS NULL THEN NULL ELSE LOCALTIMESTAMP - make_interval(days => ${days.archiveAfterDays}::int) END AS archive,
               CASE WHEN ${days.purgeAfterDays}::int IS NULL THEN NULL ELSE LOCALTIMESTAMP - make_interval(days => ${days.purgeAfterDays}::int) END AS purge,
               current_setting('TimeZone') AS time_zone`,
  );
  return { archive: row?.archive ?? null, purge: row?.purge ?? null, timeZone: row?.time_zone ?? 'UTC' };
}
