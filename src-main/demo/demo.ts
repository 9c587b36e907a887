import { MailtrailError } from '../contract/errors';
import { isValidTimestamp } from '../contract/schemas';
import { toMailtrailError, type WritableDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { ACTIVITY_COLUMNS, EMAIL_MESSAGE_COLUMNS, openCopy, type CopySession } from '../logger/batch-writer';
import { DEMO_USERS, DEMO_WORKFLOWS, USER_EMAIL_DOMAIN } from './catalogue';
import { JourneyWriter, type JourneyUser } from './journey';
import { Random } from './random';

export interface DemoOptions {
  emails: number;
  seed?: number;
  /** The end of the twelve months the activity spans, a zone-less timestamp; the seed's date unless told. */
  until?: string;
  onProgress?: (progress: { emails: number; events: number }) => void;
}

export interface DemoResult {
  emails: number;
  events: number;
  users: number;
}

export const DEFAULT_DEMO_SEED = 1;
export const DEFAULT_DEMO_UNTIL = '2025-12-15T12:45:00';
export const MAX_DEMO_EMAILS = 50_000_000;

const EMAILS_PER_CHUNK = 2_000;
// Parallel COPY streams into the log: PostgreSQL parses and stores on one core while Node generates on the other.
const MAX_ACTIVITY_LANES = 2;
// One transaction per lane holds at most this much text; a failure rolls back that batch only.
const BATCH_BYTES = 256 * 1024 * 1024;

function checkOptions(options: DemoOptions): Required<Omit<DemoOptions, 'onProgress'>> {
  const { emails, seed = DEFAULT_DEMO_SEED, until = DEFAULT_DEMO_UNTIL } = options;
  if (typeof emails !== 'number' || !Number.isInteger(emails) || emails < 1 || emails > MAX_DEMO_EMAILS) {
    throw new MailtrailError('bad_request', `emails must be a whole number from 1 to ${MAX_DEMO_EMAILS}, got ${String(emails)}`);
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new MailtrailError('bad_request', `seed must be a whole number from 0 to 4294967295, got ${String(seed)}`);
  }
  if (typeof until !== 'string' || !isValidTimestamp(until)) {
    throw new MailtrailError('bad_request', `until must be a date-time without zone such as ${DEFAULT_DEMO_UNTIL}, got ${JSON.stringify(until)}`);
  }
  return { emails, seed, until };
}

/**
 * Now as the database writes a TIMESTAMP without zone (LOCALTIMESTAMP, in its TimeZone), whole
 * seconds: the default end of the demo, so that a fresh demo's newest activity is today's.
 */
export async function databaseNow(db: WritableDb): Promise<string> {
  const [row] = await query<{ now: string }>(db, sql`SELECT to_char(LOCALTIMESTAMP(0), 'YYYY-MM-DD"T"HH24:MI:SS') AS now`);
  return row!.now;
}

/** The zone-less timestamp as milliseconds, read in UTC like every timestamp the demo writes. */
function timestampMs(text: string): number {
  return Date.parse(`${text.length === 10 ? `${text}T00:00:00` : text.replace(' ', 'T')}Z`);
}

async function ensureUsers(db: WritableDb): Promise<JourneyUser[]> {
  // No ON CONFLICT: a hub's own users table need not have a unique username.
  const values = DEMO_USERS.map(
    (user, position) => sql`(${position}::int, ${user.username}::text, ${user.fullName}::text, ${`${user.username}@${USER_EMAIL_DOMAIN}`}::text)`,
  );
  await query(
    db,
    sql`INSERT INTO users (username, full_name, email)
        SELECT v.username, v.full_name, v.email FROM (VALUES ${sql.join(values, ', ')}) AS v(position, username, full_name, email)
        WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.username = v.username)
        ORDER BY v.position`,
  );
  const rows = await query<{ id: number; username: string }>(
    db,
    sql`SELECT min(id) AS id, username FROM users WHERE username = ANY(${DEMO_USERS.map((user) => user.username)}::text[]) GROUP BY username`,
  );
  const ids = new Map(rows.map((row) => [row.username, row.id]));
  return DEMO_USERS.map((user) => ({ id: ids.get(user.username)!, username: user.username }));
}

async function ensureWorkflows(db: WritableDb): Promise<Map<string, number>> {
  for (const workflow of DEMO_WORKFLOWS) {
    const steps = JSON.stringify(workflow.steps.map((action, index) => ({ step: index + 1, action })));
    await query(
      db,
      sql`INSERT INTO email_workflows (name, description, classification_trigger, confidence_threshold, workflow_steps, priority)
          SELECT ${workflow.name}, ${workflow.description}, ${workflow.classificationTrigger}, ${workflow.confidenceThreshold}, ${steps}::jsonb, ${workflow.priority}
          WHERE NOT EXISTS (SELECT 1 FROM email_workflows WHERE name = ${workflow.name})`,
    );
  }
  const rows = await query<{ id: number; name: string }>(
    db,
    sql`SELECT min(id) AS id, name FROM email_workflows WHERE name = ANY(${DEMO_WORKFLOWS.map((w) => w.name)}::text[]) GROUP BY name`,
  );
  return new Map(rows.map((row) => [row.name, row.id]));
}

/**
 * The demo's classified events are history whose workflows it wrote already: the workflow engine's
 * watcher (0015) starts after them rather than running a year of workflows again.
 */
async function skipDemoForWorkflowEngine(db: WritableDb): Promise<void> {
  const [engine] = await query<{ present: boolean }>(db, sql`SELECT to_regclass('mailtrail_workflow_watcher') IS NOT NULL AS present`);
  if (!engine?.present) return;
  await query(
    db,
    sql`UPDATE mailtrail_workflow_watcher
        SET watermark = GREATEST(watermark, (SELECT COALESCE(max(id), 0) FROM email_activity_log)), pending_max_id = NULL, pending_next_xid = NULL, updated_at = NOW()`,
  );
}

/** Where new ids start: after every id in use, archived ones and the sequence's included. */
async function startingIds(db: WritableDb): Promise<{ emailId: number; eventId: number; logEmpty: boolean }> {
  const [row] = await query<{ email_id: number; event_id: number; log_empty: boolean }>(
    db,
    sql`SELECT
          GREATEST(
            (SELECT max(id) FROM email_messages),
            (SELECT max(email_id) FROM email_activity_log),
            (SELECT max(email_id) FROM email_activity_log_archive),
            pg_sequence_last_value(pg_get_serial_sequence('email_messages', 'id')::regclass),
            0) AS email_id,
          GREATEST(
            (SELECT max(id) FROM email_activity_log),
            (SELECT max(id) FROM email_activity_log_archive),
            pg_sequence_last_value(pg_get_serial_sequence('email_activity_log', 'id')::regclass),
            0) AS event_id,
          NOT EXISTS (SELECT 1 FROM email_activity_log) AS log_empty`,
  );
  return { emailId: Number(row!.email_id) + 1, eventId: Number(row!.event_id) + 1, logEmpty: row!.log_empty };
}

interface IndexDefinition {
  name: string;
  definition: string;
}

/** The log's secondary indexes (not the primary key), to drop for a bulk load into an empty table. */
async function secondaryIndexes(db: WritableDb): Promise<IndexDefinition[]> {
  return query<IndexDefinition>(
    db,
    sql`SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
        FROM pg_index i
        JOIN pg_class c ON c.oid = i.indexrelid
        LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid
        WHERE i.indrelid = 'email_activity_log'::regclass AND k.oid IS NULL
        ORDER BY c.relname`,
  );
}

async function recreateIndexes(db: WritableDb, indexes: IndexDefinition[], builders: number): Promise<void> {
  const queue = [...indexes];
  const build = async () => {
    const client = await db.connect();
    try {
      await client.query("SET maintenance_work_mem = '512MB'");
      for (let index = queue.shift(); index; index = queue.shift()) {
        // The definition comes from pg_get_indexdef of this very table, not from user text.
        await client.query(index.definition.replace(/^CREATE INDEX /, 'CREATE INDEX IF NOT EXISTS '));
      }
    } finally {
      client.release();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(builders, indexes.length) }, build));
  } catch (error) {
    const reason = toMailtrailError(error);
    throw new MailtrailError(
      reason.code,
      `the demo could not rebuild the log's indexes (${reason.message}); create them again with: ${indexes.map((i) => `${i.definition};`).join(' ')}`,
    );
  }
}

/** COPY sessions that take chunks in turn and commit a lane's batch once it holds BATCH_BYTES. */
class CopyLanes {
  private readonly sessions: (CopySession | undefined)[];
  private readonly bytes: number[];
  private turn = 0;

  constructor(
    private readonly db: WritableDb,
    private readonly table: string,
    private readonly columns: readonly string[],
    lanes: number,
  ) {
    this.sessions = Array.from({ length: lanes }, () => undefined);
    this.bytes = Array.from({ length: lanes }, () => 0);
  }

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    const lane = this.turn;
    this.turn = (this.turn + 1) % this.sessions.length;
    const session = (this.sessions[lane] ??= await openCopy(this.db, this.table, this.columns));
    await session.write(chunk);
    this.bytes[lane]! += chunk.length;
    if (this.bytes[lane]! >= BATCH_BYTES) {
      this.sessions[lane] = undefined;
      this.bytes[lane] = 0;
      await session.commit();
    }
  }

  async commit(): Promise<void> {
    const open = this.sessions.filter((session): session is CopySession => session !== undefined);
    this.sessions.fill(undefined);
    await Promise.all(open.map((session) => session.commit()));
  }

  async abort(reason: string): Promise<void> {
    const open = this.sessions.filter((session): session is CopySession => session !== undefined);
    this.sessions.fill(undefined);
    await Promise.all(open.map((session) => session.abort(reason)));
  }
}

/**
 * Fills the database with `emails` realistic email journeys over the twelve months before
 * `until`: users, the three workflows, email_messages rows and their activity, all written with
 * COPY. The same seed gives the same rows; new ids continue after those already in use. When the
 * log is empty its secondary indexes are dropped for the load and rebuilt after it.
 */
export async function fillDemo(db: WritableDb, options: DemoOptions): Promise<DemoResult> {
  const { emails, seed, until } = checkOptions(options);
  // One connection per activity lane plus one for email_messages, all open at once.
  const poolSize = (db.options as { max?: number }).max ?? 10;
  if (poolSize < 2) {
    throw new MailtrailError('bad_request', `the demo writes over several connections at once; open the writable pool with max of 2 or more (it has ${poolSize})`);
  }
  const activityLanes = Math.min(MAX_ACTIVITY_LANES, poolSize - 1);
  const untilMs = timestampMs(until);
  const end = new Date(untilMs);
  const startMs = Date.UTC(end.getUTCFullYear() - 1, end.getUTCMonth(), end.getUTCDate(), end.getUTCHours(), end.getUTCMinutes(), end.getUTCSeconds());
  // The last emails arrive a few minutes before `until`, so that their journeys can begin.
  const spanMs = untilMs - startMs - 10 * 60 * 1000;

  const users = await ensureUsers(db);
  const workflowIds = await ensureWorkflows(db);
  const first = await startingIds(db);
  const journeys = new JourneyWriter({ random: new Random(seed), untilMs, users, workflowIds, firstEventId: first.eventId });
  const arrivals = new Random(seed ^ 0x5bd1e995);
  const indexes = first.logEmpty ? await secondaryIndexes(db) : [];
  for (const index of indexes) await query(db, sql`DROP INDEX ${sql.id(index.name)}`);

  const activity = new CopyLanes(db, 'email_activity_log', ACTIVITY_COLUMNS, activityLanes);
  const messages = new CopyLanes(db, 'email_messages', EMAIL_MESSAGE_COLUMNS, 1);
  let written = 0;
  try {
    while (written < emails) {
      const chunkEnd = Math.min(emails, written + EMAILS_PER_CHUNK);
      for (let i = written; i < chunkEnd; i++) {
        // Emails arrive in id order, spread evenly over the span.
        journeys.email(first.emailId + i, startMs + Math.floor(((i + arrivals.next()) / emails) * spanMs));
      }
      written = chunkEnd;
      const text = journeys.take();
      await Promise.all([activity.write(text.activity), messages.write(text.messages)]);
      options.onProgress?.({ emails: written, events: journeys.events });
    }
    // The emails' rows commit only once their activity has.
    await activity.commit();
    await messages.commit();
  } catch (error) {
    const reason = toMailtrailError(error);
    await Promise.all([activity.abort(reason.message), messages.abort(reason.message)]);
    throw new MailtrailError(
      reason.code,
      `demo stopped after ${written} of ${emails} emails; batches already committed stay: ${reason.message}`,
    );
  } finally {
    await recreateIndexes(db, indexes, poolSize);
    // Later writers (the logger, log_email_event) must get ids after the demo's.
    await query(
      db,
      sql`SELECT
            setval(pg_get_serial_sequence('email_activity_log', 'id'), GREATEST((SELECT max(id) FROM email_activity_log), ${first.eventId - 1}, 1), GREATEST((SELECT max(id) FROM email_activity_log), ${first.eventId - 1}) > 0),
            setval(pg_get_serial_sequence('email_messages', 'id'), GREATEST((SELECT max(id) FROM email_messages), ${first.emailId - 1}, 1), GREATEST((SELECT max(id) FROM email_messages), ${first.emailId - 1}) > 0)`,
    );
  }
  await skipDemoForWorkflowEngine(db);
  await query(db, sql`ANALYZE email_activity_log`);
  await query(db, sql`ANALYZE email_messages`);
  return { emails, events: journeys.events, users: users.length };
}
