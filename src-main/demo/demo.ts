import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createTransport, type Transporter } from 'nodemailer';
import { MailtrailError } from '../contract/errors';
import { isValidTimestamp } from '../contract/schemas';
import { toMailtrailError, type WritableClient, type WritableDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { ACTIVITY_COLUMNS, EMAIL_MESSAGE_COLUMNS, openCopy, type CopySession } from '../logger/batch-writer';
import { builtInActions } from '../workflows/actions/built-in-actions';
import { executeBatch, type BatchClock, type BatchRun } from '../workflows/batch';
import { DEFAULT_NOTIFY_SETTINGS } from '../workflows/engine';
import { DEFAULT_QUEUE_SETTINGS } from '../workflows/queue';
import { stepsOf } from '../workflows/steps';
import {
  CUSTOMERS,
  DEMO_MAIL_REFUSED_ALWAYS,
  DEMO_MAIL_REFUSED_ONCE,
  DEMO_OTHER_STEP_MEDIAN_MS,
  DEMO_STEP_MEDIAN_MS,
  DEMO_USERS,
  USER_EMAIL_DOMAIN,
  VENDORS,
} from './catalogue';
import { JourneyWriter, slug, type DemoWorkflow, type JourneyUser, type WaitingJourney } from './journey';
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

// Each chunk's workflows run in one batch: fewer, larger statements (10,000 emails: 50.4 s for 300,000 emails against 57.8 s at 2,000).
const EMAILS_PER_CHUNK = 10_000;
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

/**
 * The enabled workflows the engine would run, in its order: the three of migration 0015 unless the
 * hub changed them. One whose steps are not a JSON array is left out (the worker would fail its runs).
 */
async function loadWorkflows(db: WritableDb): Promise<DemoWorkflow[]> {
  const rows = await query<{ id: number; name: string; classification_trigger: string | null; confidence_threshold: string | null; priority: number | null; workflow_steps: unknown }>(
    db,
    sql`SELECT id, name, classification_trigger, confidence_threshold, priority, workflow_steps
        FROM email_workflows WHERE enabled ORDER BY priority NULLS LAST, id`,
  );
  return rows.flatMap((row) => {
    try {
      const steps = stepsOf(row.workflow_steps);
      const threshold = row.confidence_threshold === null ? null : Number(row.confidence_threshold);
      return [{ id: row.id, name: row.name, steps, classification_trigger: row.classification_trigger, confidence_threshold: threshold, priority: row.priority }];
    } catch {
      return [];
    }
  });
}

/** The hub's vendors and customers by mail domain, so link_entity finds them by name as a hub's registry would. */
async function ensureEntities(db: WritableDb): Promise<void> {
  const entities = [
    ...VENDORS.map((name) => ({ type: 'vendor', name, domain: `${slug(name)}.dk` })),
    ...CUSTOMERS.map((name) => ({ type: 'customer', name, domain: `${slug(name)}.dk` })),
  ];
  await query(
    db,
    sql`INSERT INTO email_entities (entity_type, name, domain)
        SELECT v.entity_type, v.name, v.domain
        FROM unnest(${entities.map((e) => e.type)}::text[], ${entities.map((e) => e.name)}::text[], ${entities.map((e) => e.domain)}::text[])
             WITH ORDINALITY AS v(entity_type, name, domain, position)
        WHERE NOT EXISTS (SELECT 1 FROM email_entities e WHERE e.entity_type = v.entity_type AND lower(e.domain) = v.domain)
        ORDER BY v.position
        ON CONFLICT DO NOTHING`,
  );
}

/**
 * Finance's mailbox as the demo's notify reaches it, in process: most mails are taken, some are
 * refused once (the engine's retry delivers them), some are refused every time (the execution
 * fails after its retries). Which, by the seed: the same mails fail on every run.
 */
function demoMailer(random: Random): Transporter {
  const fates = new Map<string, 'taken' | 'once' | 'always'>();
  const attempts = new Map<string, number>();
  return createTransport({
    name: 'mailtrail-demo',
    version: '1',
    send(mail, callback) {
      const key = String(mail.data.messageId);
      let fate = fates.get(key);
      if (!fate) {
        const draw = random.next();
        fate = draw < DEMO_MAIL_REFUSED_ALWAYS ? 'always' : draw < DEMO_MAIL_REFUSED_ALWAYS + DEMO_MAIL_REFUSED_ONCE ? 'once' : 'taken';
        fates.set(key, fate);
      }
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      if (fate === 'always' || (fate === 'once' && attempt === 1)) {
        callback(new Error(`421 4.3.2 smtp.${USER_EMAIL_DOMAIN}: Service not available, closing transmission channel`), undefined as never);
        return;
      }
      callback(null, { envelope: mail.message.getEnvelope(), messageId: mail.message.messageId() } as never);
    },
  });
}

/** The demo's clock for the engine: each action's typical time, a log-normal spread, a tail of slow runs, the queue's backoff. */
function demoClock(random: Random): BatchClock {
  const slow = new WeakMap<BatchRun, number>();
  const retry = DEFAULT_QUEUE_SETTINGS.retryDelaySeconds * 1000;
  return {
    stepMs(run, stepIndex) {
      let factor = slow.get(run);
      if (factor === undefined) {
        // A busy extraction service, a cold start: now and then a run takes many times as long.
        factor = random.chance(0.015) ? random.int(5, 40) : 1;
        slow.set(run, factor);
      }
      const median = DEMO_STEP_MEDIAN_MS[run.workflow.steps[stepIndex]!.action] ?? DEMO_OTHER_STEP_MEDIAN_MS;
      return median * factor * Math.exp(random.normal(0, 0.5));
    },
    retryDelayMs(attempt) {
      const backoff = DEFAULT_QUEUE_SETTINGS.retryBackoff ? retry * 2 ** (attempt - 1) : retry;
      // The worker takes the retry at its next poll.
      return backoff + random.int(0, DEFAULT_QUEUE_SETTINGS.pollingIntervalSeconds * 1000);
    },
  };
}

/**
 * email_messages and what the engine writes, in one transaction on one connection: each chunk's
 * rows by COPY, then its workflows run on them (the actions read and update those rows), then the
 * statuses the rest of the journeys set. Commits once a batch's text reaches BATCH_BYTES, and last.
 */
class EngineLane {
  private client: pg.PoolClient | undefined;
  private bytes = 0;

  constructor(private readonly db: WritableDb) {}

  private async open(): Promise<pg.PoolClient> {
    if (this.client) return this.client;
    const client = await this.db.connect().catch((error: unknown) => {
      throw toMailtrailError(error);
    });
    try {
      await client.query('BEGIN');
    } catch (error) {
      client.release(true);
      throw toMailtrailError(error);
    }
    this.client = client;
    return client;
  }

  async writable(): Promise<WritableClient> {
    return (await this.open()) as WritableClient;
  }

  async copyMessages(text: Buffer): Promise<void> {
    if (text.length === 0) return;
    const client = await this.open();
    const statement = sql`COPY email_messages (${sql.join(EMAIL_MESSAGE_COLUMNS.map(sql.id), ', ')}) FROM STDIN`.toQuery().text;
    const stream: Writable = client.query(copyFrom(statement));
    try {
      stream.end(text);
      await finished(stream);
    } catch (error) {
      const reason = toMailtrailError(error);
      throw new MailtrailError(reason.code, `COPY into email_messages failed and its batch was rolled back: ${reason.message.replace(/^database error: /, '')}`);
    }
    this.bytes += text.length;
  }

  /** Commits once the batch is big enough; the next chunk opens the next one. */
  async chunkDone(): Promise<void> {
    if (this.bytes >= BATCH_BYTES) await this.commit();
  }

  async commit(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    this.bytes = 0;
    try {
      await client.query('COMMIT');
    } catch (error) {
      client.release(true);
      throw toMailtrailError(error);
    }
    client.release();
  }

  async abort(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
  }
}

/**
 * The demo's classified events are history whose workflows it ran already (executeBatch): the engine's
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
 * The chunk's workflows through the engine's batch (the steps' real work, in the lane's
 * transaction, their events into the journeys' COPY text at simulated times), then the rest of
 * each journey, and the statuses that rest changed.
 */
async function runWorkflows(
  client: WritableClient,
  engine: Omit<Parameters<typeof executeBatch>[0], 'client'>,
  journeys: JourneyWriter,
  waiting: WaitingJourney[],
): Promise<void> {
  const outcomes = await executeBatch({ ...engine, client }, waiting.flatMap((journey) => journey.runs));
  const ids = waiting.map((journey) => journey.emailId);
  const rows = await query<{ id: number; status: string | null }>(client, sql`SELECT id, status FROM email_messages WHERE id = ANY(${ids}::int[])`);
  const statusOf = new Map(rows.map((row) => [row.id, row.status ?? 'active']));
  const changed: { id: number; status: string }[] = [];
  let next = 0;
  for (const journey of waiting) {
    const own = outcomes.slice(next, (next += journey.runs.length));
    const before = statusOf.get(journey.emailId) ?? 'active';
    const after = journeys.finish(journey, own, before);
    if (after !== before) changed.push({ id: journey.emailId, status: after });
  }
  if (changed.length === 0) return;
  await query(
    client,
    sql`UPDATE email_messages m SET status = v.status
        FROM unnest(${changed.map((c) => c.id)}::int[], ${changed.map((c) => c.status)}::text[]) AS v(id, status)
        WHERE m.id = v.id`,
  );
}

/**
 * Fills the database with `emails` realistic email journeys over the twelve months before
 * `until`: users, email_messages rows and their activity written with COPY, and the enabled
 * workflows (migration 0015's three) run on them by the engine's own code (executeBatch). The same seed gives the same rows; new ids continue after those already in use. When the
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
  const workflows = await loadWorkflows(db);
  await ensureEntities(db);
  const first = await startingIds(db);
  const journeys = new JourneyWriter({ random: new Random(seed), untilMs, users, workflows, firstEventId: first.eventId });
  const arrivals = new Random(seed ^ 0x5bd1e995);
  const engineRandom = new Random(seed ^ 0x2545f491);
  const engine = {
    actions: builtInActions(),
    notify: { ...DEFAULT_NOTIFY_SETTINGS, mailer: demoMailer(engineRandom) },
    clock: demoClock(engineRandom),
    retryLimit: DEFAULT_QUEUE_SETTINGS.retryLimit,
    store: journeys.store,
  };
  const indexes = first.logEmpty ? await secondaryIndexes(db) : [];
  for (const index of indexes) await query(db, sql`DROP INDEX ${sql.id(index.name)}`);

  const activity = new CopyLanes(db, 'email_activity_log', ACTIVITY_COLUMNS, activityLanes);
  const lane = new EngineLane(db);
  let written = 0;
  let generated = 0;
  /** The next chunk's journeys up to their workflows; their email_messages text waits in the writer. */
  const generate = (): WaitingJourney[] | null => {
    if (generated >= emails) return null;
    const chunkEnd = Math.min(emails, generated + EMAILS_PER_CHUNK);
    const waiting: WaitingJourney[] = [];
    for (let i = generated; i < chunkEnd; i++) {
      // Emails arrive in id order, spread evenly over the span.
      const journey = journeys.email(first.emailId + i, startMs + Math.floor(((i + arrivals.next()) / emails) * spanMs));
      if (journey) waiting.push(journey);
    }
    generated = chunkEnd;
    return waiting;
  };
  try {
    let waiting = generate();
    let messages = journeys.takeMessages();
    while (waiting) {
      const chunkEnd = generated;
      await lane.copyMessages(messages);
      const client = await lane.writable();
      // The engine works on this chunk while the next one is written: generate() runs to its end
      // before any of the engine's continuations, so ids and random draws keep one order (the seed's).
      const running = waiting.length > 0 ? runWorkflows(client, engine, journeys, waiting) : Promise.resolve();
      // Awaited below; this only keeps a failure from counting as unhandled should generate() throw first.
      running.catch(() => undefined);
      const next = generate();
      messages = journeys.takeMessages();
      await running;
      await activity.write(journeys.takeActivity());
      await lane.chunkDone();
      written = chunkEnd;
      options.onProgress?.({ emails: written, events: journeys.events });
      waiting = next;
    }
    // The emails' rows (and what the workflows did) commit only once their activity has.
    await activity.commit();
    await lane.commit();
  } catch (error) {
    const reason = toMailtrailError(error);
    await Promise.all([activity.abort(reason.message), lane.abort()]);
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
