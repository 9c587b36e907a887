import { userInfo } from 'node:os';
import type { JournalEntry, JournalOutcome } from '../contract/admin';
import { HTTP_STATUS, MailtrailError } from '../contract/errors';
import { ADMIN_LOCK_TIMEOUT_MS, ADMIN_STATEMENT_TIMEOUT_MS, toMailtrailError, type AdminDb, type ReadableDb } from '../db/connection';
import { sql } from '../db/sql';
import { dateRangeConditions } from '../store/postgres/filters';

/** Overrides who the journal names in the CLI and the desktop app (e.g. the person behind a shared account). */
export const ACTOR_VARIABLE = 'MAILTRAIL_ACTOR';
/** Who `serve --admin` journals: only the holder of MAILTRAIL_ADMIN_TOKEN can write through it. */
export const SERVE_ACTOR = 'admin token';

/** "Who" of the CLI and the desktop app: MAILTRAIL_ACTOR, else the OS user. */
export function journalActor(env: NodeJS.ProcessEnv = process.env): string {
  const named = env[ACTOR_VARIABLE]?.trim();
  if (named) return named.slice(0, 200);
  try {
    return userInfo().username || 'unknown';
  } catch {
    // A uid without a passwd entry (some containers): the environment may still say.
    return env.USER || env.USERNAME || 'unknown';
  }
}

/** What a write says about itself in the journal. */
export interface JournalStart {
  /** Who: journalActor() in the CLI and the desktop app, SERVE_ACTOR in `serve --admin`. */
  actor: string;
  /** What, as `feature.verb`: 'retention.run', 'retention.hold', 'retention.release'. */
  action: string;
  /** The write's parameters as given (a JSON object): what a reader needs to know what was asked. */
  parameters: Record<string, unknown>;
}

/** The journal row of a write in progress, handed to the write (e.g. to link a runs row to it). */
export interface JournalHandle {
  id: number;
}

const MAX_ERROR_LENGTH = 2_000;

/**
 * An admin connection's error in an admin's words: the shared translation speaks of the viewer's
 * limits, while a write hit the admin connection's own.
 */
export function toAdminError(error: unknown): MailtrailError {
  const code = (error as { code?: string } | null)?.code;
  if (code === '57014') {
    return new MailtrailError('timeout', `an admin statement ran past its ${ADMIN_STATEMENT_TIMEOUT_MS / 1000} s statement_timeout and was cancelled; what it had done in its transaction was undone`);
  }
  if (code === '55P03') {
    return new MailtrailError('timeout', `an admin statement waited ${ADMIN_LOCK_TIMEOUT_MS / 1000} s for a lock (another transaction or a schema change holds the table) and gave up; try again when it is done`);
  }
  if (code === '25006') return new MailtrailError('read_only', 'the admin connection is read-only (a replica, or a read-only role); give --admin-db the primary with a role that may write');
  return toMailtrailError(error);
}

/** refused: the write said no before changing anything (a 4xx: bad input, a second run); failed: anything else. */
const outcomeOf = (error: MailtrailError): JournalOutcome => (HTTP_STATUS[error.code] < 500 ? 'refused' : 'failed');

/**
 * THE way every admin write is journaled. Call it around the write:
 *
 *     const result = await journaled(admin.db, { actor, action: 'retention.hold', parameters: { email_id: emailId, reason } },
 *       async (entry) => placeHold(admin.db, emailId, reason));
 *
 * 1. It inserts a `started` row (a statement of its own, committed at once); if that fails, the write
 *    does not run: no write goes unjournaled.
 * 2. It runs `write(entry)`; the write uses the same admin connection and its own transactions.
 * 3. It sets the row's outcome: `succeeded`, or `refused` (a MailtrailError with a 4xx code, i.e. the
 *    write declined before changing anything) or `failed` (anything else), with the error's message,
 *    and finished_at. It returns the write's result or throws its error (as a MailtrailError).
 *
 * A process killed during step 2 leaves the row `started`: the journal never claims an outcome it did
 * not see. If only step 3 fails (the connection dropped after the write), the write's own result
 * stands and the row stays `started`.
 */
export async function journaled<T>(
  admin: AdminDb,
  start: JournalStart,
  write: (entry: JournalHandle) => Promise<T>,
  // A write that ends without an error may still say how it ended (a retention run stopped by its user: cancelled).
  outcomeOfResult: (result: T) => JournalOutcome = () => 'succeeded',
): Promise<T> {
  const entry = await recordStart(admin, start);
  try {
    const result = await write(entry);
    // Never throws: the write happened, whatever the journal could still record.
    await recordOutcome(admin, entry, outcomeOfResult(result), null).catch((failure: unknown) => warnUnrecorded(entry, failure));
    return result;
  } catch (error) {
    const reason = error instanceof MailtrailError ? error : toAdminError(error);
    await recordOutcome(admin, entry, outcomeOf(reason), reason.message).catch((failure: unknown) => warnUnrecorded(entry, failure));
    throw reason;
  }
}

async function recordStart(admin: AdminDb, start: JournalStart): Promise<JournalHandle> {
  const statement = sql`
    INSERT INTO mailtrail_admin_journal (actor, action, parameters)
    VALUES (${start.actor}, ${start.action}, ${JSON.stringify(start.parameters)}::jsonb)
    RETURNING id`;
  try {
    const { rows } = await admin.query<{ id: string | number }>(statement.toQuery());
    return { id: Number(rows[0]?.id) };
  } catch (error) {
    const reason = toAdminError(error);
    throw new MailtrailError(reason.code, `the write was not started because the journal could not record it: ${reason.message}`);
  }
}

async function recordOutcome(admin: AdminDb, entry: JournalHandle, outcome: JournalOutcome, error: string | null): Promise<void> {
  await admin.query(
    sql`UPDATE mailtrail_admin_journal
        SET outcome = ${outcome}, error = ${error?.slice(0, MAX_ERROR_LENGTH) ?? null}, finished_at = clock_timestamp()
        WHERE id = ${entry.id} AND outcome = 'started'`.toQuery(),
  );
}

function warnUnrecorded(entry: JournalHandle, failure: unknown): void {
  process.stderr.write(`mailtrail: the outcome of journal entry ${entry.id} could not be recorded (${toAdminError(failure).message}); it stays "started"\n`);
}

export interface JournalFilter {
  limit: number;
  /** Entries with a smaller id than this (the previous page's last). */
  beforeId?: number | undefined;
  /** Exact actions, or prefixes of them before a dot: 'retention' matches 'retention.run'. */
  actions?: string[] | undefined;
  actors?: string[] | undefined;
  /** On `at`, zoneless in the database's zone; a date-only `to` includes that day. */
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * The journal, newest first by id (the order the writes started). Read through the admin connection
 * or the viewer's: it is a SELECT. Times come out zoneless in the session's zone, as created_at does.
 */
export async function listJournal(db: ReadableDb, filter: JournalFilter): Promise<JournalEntry[]> {
  const conditions = dateRangeConditions(filter, sql.raw('at'));
  if (filter.actions?.length) {
    conditions.push(sql`(action = ANY(${filter.actions}::text[]) OR EXISTS (SELECT 1 FROM unnest(${filter.actions}::text[]) AS prefix WHERE starts_with(action, prefix || '.')))`);
  }
  if (filter.actors?.length) conditions.push(sql`actor = ANY(${filter.actors}::text[])`);
  if (filter.beforeId !== undefined) conditions.push(sql`id < ${filter.beforeId}`);
  const statement = sql`
    SELECT id, at::timestamp AS at, actor, action, parameters, outcome, error, finished_at::timestamp AS finished_at
    FROM mailtrail_admin_journal
    ${sql.where(conditions)}
    ORDER BY id DESC
    LIMIT ${filter.limit}`;
  try {
    const { rows } = await db.query<JournalEntry>(statement.toQuery());
    return rows.map((row) => ({ ...row, id: Number(row.id) }));
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    if (code === '42P01') {
      throw new MailtrailError('unavailable', 'this database has no admin journal yet (migrations/0007); run `mailtrail migrate` on it with a writable connection');
    }
    if (code === '42501') {
      throw new MailtrailError('unavailable', 'this connection may not read mailtrail_admin_journal; grant SELECT on it to the viewer role, or read it through the admin connection');
    }
    throw toMailtrailError(error);
  }
}
