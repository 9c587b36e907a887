import { MailtrailError } from '../contract/errors';
import type { LegalHold } from '../contract/retention';
import { type ReadableDb, type WritableDb } from '../db/connection';
import { query } from '../db/query';
import { sql, type Sql } from '../db/sql';
import { inTransaction } from '../db/transaction';
import { withRetentionSchema } from './policy';

/**
 * Placing a hold takes this advisory lock exclusively; every retention batch takes it shared. So
 * a hold waits for the batch in flight, and no batch that starts after the hold is placed can miss
 * it: once `hold` returns, none of the email's events is archived or purged.
 */
export const HOLD_LOCK = 7_411_913;

interface HoldRow {
  id: number;
  email_id: number;
  reason: string;
  held_by: string;
  held_at: Date;
  released_by: string | null;
  released_at: Date | null;
}

const iso = (value: Date | null): string | null => (value === null ? null : new Date(value).toISOString());
const toHold = (row: HoldRow): LegalHold => ({ ...row, held_at: iso(row.held_at) as string, released_at: iso(row.released_at) });

const COLUMNS = sql.raw('id, email_id, reason, held_by, held_at, released_by, released_at');

/** Places a legal hold on an email: all its events, in the log and the archive, stay until released. */
export async function placeHold(admin: WritableDb, hold: { emailId: number; reason: string; actor: string }): Promise<LegalHold> {
  return withRetentionSchema(() =>
    inTransaction(admin, async (client) => {
      await client.query('SET LOCAL lock_timeout = 10000');
      await client.query('SELECT pg_advisory_xact_lock($1)', [HOLD_LOCK]);
      const [known] = await query<{ known: boolean }>(
        client,
        sql`SELECT EXISTS (SELECT 1 FROM email_activity_log WHERE email_id = ${hold.emailId})
                OR EXISTS (SELECT 1 FROM email_activity_log_archive WHERE email_id = ${hold.emailId})
                OR EXISTS (SELECT 1 FROM email_messages WHERE id = ${hold.emailId}) AS known`,
      );
      if (!known?.known) throw new MailtrailError('not_found', `no email with id ${hold.emailId} in the log, the archive or email_messages; check the id`);
      const [placed] = await query<HoldRow>(
        client,
        sql`INSERT INTO mailtrail_legal_holds (email_id, reason, held_by) VALUES (${hold.emailId}, ${hold.reason}, ${hold.actor})
            ON CONFLICT (email_id) WHERE released_at IS NULL DO NOTHING
            RETURNING ${COLUMNS}`,
      );
      if (placed) return toHold(placed);
      const [existing] = await query<HoldRow>(client, sql`SELECT ${COLUMNS} FROM mailtrail_legal_holds WHERE email_id = ${hold.emailId} AND released_at IS NULL`);
      throw new MailtrailError(
        'conflict',
        `email ${hold.emailId} is already under a legal hold (since ${iso(existing?.held_at ?? null) ?? '?'} by ${existing?.held_by ?? '?'}: ${existing?.reason ?? ''})`,
      );
    }),
  );
}

/** Releases an email's active hold; its events fall under the policy again at the next run. */
export async function releaseHold(admin: WritableDb, release: { emailId: number; actor: string }): Promise<LegalHold> {
  return withRetentionSchema(async () => {
    const [released] = await query<HoldRow>(
      admin,
      sql`UPDATE mailtrail_legal_holds SET released_at = NOW(), released_by = ${release.actor}
          WHERE email_id = ${release.emailId} AND released_at IS NULL
          RETURNING ${COLUMNS}`,
    );
    if (!released) throw new MailtrailError('not_found', `email ${release.emailId} has no active legal hold; \`mailtrail retention holds\` lists them`);
    return toHold(released);
  });
}

/** Holds, newest first: active ones only unless asked; `search` matches the email id, reason or holder; `emailId` one email's. */
export async function listHolds(
  db: ReadableDb,
  options: { search?: string | undefined; includeReleased: boolean; limit: number; emailId?: number | undefined },
): Promise<LegalHold[]> {
  const conditions: Sql[] = [];
  if (!options.includeReleased) conditions.push(sql`released_at IS NULL`);
  if (options.emailId !== undefined) conditions.push(sql`email_id = ${options.emailId}`);
  const search = options.search?.trim();
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(
      /^\d{1,10}$/.test(search) && Number(search) <= 2_147_483_647
        ? sql`(email_id = ${Number(search)} OR reason ILIKE ${pattern} OR held_by ILIKE ${pattern})`
        : sql`(reason ILIKE ${pattern} OR held_by ILIKE ${pattern} OR released_by ILIKE ${pattern})`,
    );
  }
  const rows = await withRetentionSchema(() =>
    query<HoldRow>(db, sql`SELECT ${COLUMNS} FROM mailtrail_legal_holds ${sql.where(conditions)} ORDER BY id DESC LIMIT ${options.limit}`),
  );
  return rows.map(toHold);
}
