import type pg from 'pg';
import { MailtrailError } from '../contract/errors';
import type { RetentionRun, RetentionRunResult } from '../contract/retention';
import { toMailtrailError, type AdminDb, type ReadableDb } from '../db/connection';
import { query } from '../db/query';
import { RETENTION_MOVE_SETTING } from '../db/rollup-keys.migration';
import { sql, type Sql } from '../db/sql';
import { HOLD_LOCK } from './holds';
import { computeCutoffs, cutoffsAnswer, effectiveDays, withRetentionSchema, type Cutoffs, type RetentionDays } from './policy';
import { purgeSeamStatement } from '../integrity/purge-seam';
import { purgePartitions } from './partitions';
import { countPlan } from './preview';

/** Session advisory lock of the one retention runner; it dies with the runner's connection. */
export const RETENTION_LOCK = 7_411_912;

export const DEFAULT_BATCH_SIZE = 2_000;
export const MIN_BATCH_SIZE = 500;
export const MAX_BATCH_SIZE = 100_000;
export const DEFAULT_STREAMS = 2;
// A batch aims at 0.5-2 s: long enough that what each batch pays once (the rollup trigger's lookups
// per hour, the round trips, the commit) stays small, short enough that its locks are never held
// long; they are on old events and the rollup rows of old hours, which the hub's writers do not
// touch. (At 0.2-1 s batches stayed at 16,000 events, and the fixed costs were a fifth of the run.)
const GROW_BELOW_MS = 500;
const SHRINK_ABOVE_MS = 2_000;
/** Rows another transaction kept locked (SKIP LOCKED passed them) are looked for again this many times. */
const MAX_SWEEPS = 3;

export type Phase = 'archive' | 'purge_archive' | 'purge_log' | 'done';

export interface RunProgress {
  runId: number;
  phase: Phase;
  /** Events moved or deleted by this process so far. */
  done: number;
  /** What this process set out to do: planned archive moves plus purge deletes still to do at its start. */
  total: number;
  startedMs: number;
  /** Batches going at once: 2 while the archive phase runs in two streams (archiveInTwoStreams). */
  streams?: number;
}

export interface RunHooks {
  /** Checked between batches: an aborted run stops after the batch in flight, marked cancelled, and resumes next time. */
  signal?: AbortSignal;
  /** Called once the run is recorded (or taken up again), before its first batch. */
  onStarted?: (run: RetentionRun, resumed: boolean) => void;
  onProgress?: (progress: RunProgress) => void;
  /** A fixed batch size; by default batches start at DEFAULT_BATCH_SIZE and adapt to their duration. */
  batchSize?: number;
  /** Archive batches going at once (1 or 2; DEFAULT_STREAMS): see archiveInTwoStreams. */
  streams?: number;
  lockTimeoutMs?: number;
  statementTimeoutMs?: number;
}

export interface RunRequest {
  archiveAfterDays?: number | null | undefined;
  purgeAfterDays?: number | null | undefined;
  actor: string;
}

interface RunRow {
  id: number;
  started_at: Date;
  finished_at: Date | null;
  actor: string;
  archive_after_days: number | null;
  purge_after_days: number | null;
  archive_cutoff: string | null;
  purge_cutoff: string | null;
  time_zone: string;
  status: RetentionRun['status'];
  error: string | null;
  phase: Phase;
  watermark_created_at: string;
  watermark: number;
  id_limit: number;
  planned_archive_events: number;
  planned_archive_emails: number;
  planned_purge_events: number;
  held_events: number;
  held_emails: number;
  archived_events: number;
  purged_archive_events: number;
  purged_log_events: number;
  resumed: number;
  cancel_requested_at: Date | null;
  cancel_requested_by: string | null;
}

const iso = (value: Date | null): string | null => (value === null ? null : new Date(value).toISOString());
const cutoffsOf = (row: RunRow): Cutoffs => ({ archive: row.archive_cutoff, purge: row.purge_cutoff, timeZone: row.time_zone });
const daysOf = (row: RunRow): RetentionDays => ({ archiveAfterDays: row.archive_after_days, purgeAfterDays: row.purge_after_days });

export function toRun(row: RunRow): RetentionRun {
  return {
    id: row.id,
    started_at: iso(row.started_at) as string,
    finished_at: iso(row.finished_at),
    actor: row.actor,
    archive_after_days: row.archive_after_days,
    purge_after_days: row.purge_after_days,
    cutoffs: cutoffsAnswer(cutoffsOf(row)),
    status: row.status,
    error: row.error,
    phase: row.phase,
    planned: { archive_events: row.planned_archive_events, archive_emails: row.planned_archive_emails, purge_events: row.planned_purge_events },
    held: { events: row.held_events, emails: row.held_emails },
    archived_events: row.archived_events,
    purged_events: row.purged_archive_events + row.purged_log_events,
    resumed: row.resumed,
    cancel_requested_at: iso(row.cancel_requested_at ?? null),
    cancel_requested_by: row.cancel_requested_by ?? null,
  };
}

/** What `retention run` answers for a run row: DESIGN.md's shape, with what the run did. */
export const runResult = (row: RunRow, resumed: boolean): RetentionRunResult => ({
  run_id: row.id,
  status: row.status,
  cutoffs: cutoffsAnswer(cutoffsOf(row)),
  archive: { events: row.archived_events, emails: row.planned_archive_emails },
  purge: { events: row.purged_archive_events + row.purged_log_events },
  held: { events: row.held_events, emails: row.held_emails },
  resumed_run: resumed,
});

const RUN_COLUMNS = sql.raw('*');

/** The run history, newest first. */
export async function listRuns(db: ReadableDb, limit: number): Promise<RetentionRun[]> {
  const rows = await withRetentionSchema(() => query<RunRow>(db, sql`SELECT ${RUN_COLUMNS} FROM mailtrail_retention_runs ORDER BY id DESC LIMIT ${limit}`));
  return rows.map(toRun);
}

/** The run a new `retention run` takes up again: one left running by a dead process, or the latest if it was cancelled. */
async function resumableRun(db: pg.Pool | pg.PoolClient): Promise<RunRow | undefined> {
  const [running] = await query<RunRow>(db, sql`SELECT * FROM mailtrail_retention_runs WHERE status = 'running' ORDER BY id DESC LIMIT 1`);
  if (running) return running;
  const [latest] = await query<RunRow>(db, sql`SELECT * FROM mailtrail_retention_runs ORDER BY id DESC LIMIT 1`);
  return latest?.status === 'cancelled' ? latest : undefined;
}

const firstPhase = (cutoffs: Cutoffs): Phase => nextPhase(null, cutoffs);

/** Archive first, then purge the archive, then (only where archiving is off) purge the log. */
function nextPhase(after: Phase | null, cutoffs: Cutoffs): Phase {
  const order: Phase[] = ['archive', 'purge_archive', 'purge_log', 'done'];
  const wanted: Record<Phase, boolean> = {
    archive: cutoffs.archive !== null,
    purge_archive: cutoffs.purge !== null,
    purge_log: cutoffs.purge !== null && cutoffs.archive === null,
    done: true,
  };
  const start = after === null ? 0 : order.indexOf(after) + 1;
  return order.slice(start).find((phase) => wanted[phase]) ?? 'done';
}

const NOT_HELD = (alias: string) =>
  sql.raw(`NOT EXISTS (SELECT 1 FROM mailtrail_legal_holds h WHERE h.email_id = ${alias}.email_id AND h.released_at IS NULL)`);

const EVENT_COLUMNS = sql.raw('id, email_id, event_type, event_category, description, metadata, user_id, created_at, created_by');

/** Where a batch's candidates lie: after (created_at, id) = (afterCreatedAt, afterId), and created_at before `before`. */
interface Stretch {
  before: string;
  afterCreatedAt: string;
  afterId: number;
}

/** The phase's whole stretch from the run's watermark to its cutoff. */
const wholeStretch = (phase: Exclude<Phase, 'done'>, run: RunRow): Stretch => ({
  before: (phase === 'archive' ? run.archive_cutoff : run.purge_cutoff) as string,
  afterCreatedAt: run.watermark_created_at,
  afterId: run.watermark,
});

/**
 * One batch of a phase as ONE statement, so an event is in exactly one table at every instant:
 * the log's rows leave and enter the archive together, or not at all. Candidates come in
 * (created_at, id) order after the watermark, through the (created_at, id) index: a batch then
 * covers a stretch of time, so the rollup triggers (0003/0004/0006), which the log's DELETE fires in
 * the same transaction, recount few hours (in id order, on a log whose ids are not in time order, a
 * batch of 500 touched 500 hours and took 2 s). Rows another transaction holds are skipped (SKIP
 * LOCKED) and looked for again at the end of the phase. `= ANY (ARRAY(…))` makes the DELETE find its
 * rows by primary key; `IN (…)` was planned as a hash semi-join over a scan of the whole log.
 */
function batchStatement(phase: Exclude<Phase, 'done'>, run: RunRow, size: number, stretch: Stretch = wholeStretch(phase, run)): Sql {
  const fromArchive = phase === 'purge_archive';
  const table = sql.raw(fromArchive ? 'email_activity_log_archive' : 'email_activity_log');
  // Chosen and locked by migration 0010's function: FOR UPDATE needs an UPDATE right the admin role lacks.
  const candidates = sql`
    SELECT mailtrail_retention_candidates(${fromArchive}, ${stretch.before}::timestamp, ${stretch.afterCreatedAt}::timestamp,
      ${stretch.afterId}::integer, ${run.id_limit}::bigint, ${size}::integer)`;
  const last = sql.raw('COUNT(*) AS events, MAX(created_at) AS last_created_at, (array_agg(id ORDER BY created_at DESC, id DESC))[1] AS last_id');
  if (phase === 'archive') {
    return sql`
      WITH moved AS (
        DELETE FROM email_activity_log WHERE id = ANY (ARRAY(${candidates})) RETURNING ${EVENT_COLUMNS}
      ), archived AS (
        INSERT INTO email_activity_log_archive (${EVENT_COLUMNS}) SELECT ${EVENT_COLUMNS} FROM moved RETURNING id, created_at
      )
      SELECT ${last} FROM archived`;
  }
  // The seam of the chain (issue 15) in the same statement: verify then reports these as purged by this run.
  return sql`
    WITH purged AS (DELETE FROM ${table} WHERE id = ANY (ARRAY(${candidates})) RETURNING id, created_at),
    seam AS (${purgeSeamStatement(run.id, sql`purged`)})
    SELECT ${last} FROM purged`;
}

/** Whether the phase left events it should have taken (held by another transaction when it passed). */
function leftoverStatement(phase: Exclude<Phase, 'done'>, run: RunRow): Sql {
  const cutoff = phase === 'archive' ? run.archive_cutoff : run.purge_cutoff;
  const table = sql.raw(phase === 'purge_archive' ? 'email_activity_log_archive' : 'email_activity_log');
  return sql`SELECT COUNT(*) AS events FROM (
    SELECT 1 FROM ${table} e WHERE e.created_at < ${cutoff}::timestamp AND e.id <= ${run.id_limit} AND ${NOT_HELD('e')} LIMIT 1000) left_over`;
}

const COUNTER_COLUMN = {
  archive: 'archived_events',
  purge_archive: 'purged_archive_events',
  purge_log: 'purged_log_events',
} as const;
const COUNTER: Record<Exclude<Phase, 'done'>, Sql> = {
  archive: sql.raw(COUNTER_COLUMN.archive),
  purge_archive: sql.raw(COUNTER_COLUMN.purge_archive),
  purge_log: sql.raw(COUNTER_COLUMN.purge_log),
};

async function connect(db: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await db.connect();
  } catch (error) {
    throw toMailtrailError(error);
  }
}

/** Why a second run may not start: the running one's id, who started it and when. */
async function refusal(client: pg.PoolClient): Promise<MailtrailError> {
  const [running] = await query<RunRow>(client, sql`SELECT * FROM mailtrail_retention_runs WHERE status = 'running' ORDER BY id DESC LIMIT 1`);
  const which = running
    ? `run ${running.id}, started by ${running.actor} at ${iso(running.started_at)}`
    : 'a run that is just starting';
  return new MailtrailError(
    'conflict',
    `another retention run is going (${which}); only one runs at a time: wait for it to finish, or stop it (Ctrl-C) and run again to resume`,
  );
}

/**
 * Cancels the run that is going, from any process: its runner stops after the batch in flight and
 * marks it cancelled; a run whose process died (the runner's lock is free) is marked cancelled at
 * once. Either way the next run takes it up where it stopped. `runId` guards against cancelling
 * another run than the one the caller saw.
 */
export async function cancelRun(admin: AdminDb, runId: number, actor: string): Promise<RetentionRun> {
  return withRetentionSchema(async () => {
    const client = await connect(admin);
    try {
      const [lock] = await query<{ locked: boolean }>(client, sql`SELECT pg_try_advisory_lock(${RETENTION_LOCK}) AS locked`);
      try {
        const orphaned = lock?.locked === true;
        const [row] = await query<RunRow>(
          client,
          sql`UPDATE mailtrail_retention_runs SET cancel_requested_at = NOW(), cancel_requested_by = ${actor}, updated_at = NOW(),
                status = CASE WHEN ${orphaned} THEN 'cancelled' ELSE status END,
                finished_at = CASE WHEN ${orphaned} THEN NOW() ELSE finished_at END
              WHERE id = ${runId} AND status = 'running' RETURNING *`,
        );
        if (row) return toRun(row);
        const [other] = await query<RunRow>(client, sql`SELECT * FROM mailtrail_retention_runs WHERE id = ${runId}`);
        if (!other) throw new MailtrailError('not_found', `there is no retention run ${runId}; GET /retention/runs lists them`);
        throw new MailtrailError('conflict', `retention run ${runId} is not going (it ${other.status}); there is nothing to cancel`);
      } finally {
        if (lock?.locked) await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]).catch(() => undefined);
      }
    } finally {
      client.release();
    }
  });
}

/**
 * A dry run: the whole plan (the run it would take up again, the policy, the cutoffs from the
 * database's clock, the counts) and nothing written, not even a runs row, a lock or a sequence value.
 */
export async function planRun(db: ReadableDb, request: Omit<RunRequest, 'actor'>): Promise<RetentionRunResult> {
  return withRetentionSchema(async () => {
    const stale = await resumableRun(db);
    const days = stale ? daysOf(stale) : await effectiveDays(db, request);
    const cutoffs = stale ? cutoffsOf(stale) : await computeCutoffs(db, days);
    const plan = await countPlan(db, days, cutoffs);
    return {
      run_id: stale?.id ?? null,
      status: 'dry_run',
      cutoffs: plan.cutoffs,
      archive: plan.archive,
      purge: { events: plan.purge.events },
      held: plan.held,
      resumed_run: stale !== undefined,
    };
  });
}

/**
 * Runs retention to the end on the admin connection: one runner at a time (a session advisory
 * lock), a killed or cancelled run taken up again where it stopped with its own cutoffs, archive
 * first then purge, each batch its own short transaction with lock and statement timeouts.
 * Returns the run's figures when it succeeded or was cancelled; a failure is recorded on the run
 * and thrown.
 */
export async function runRetention(admin: AdminDb, request: RunRequest, hooks: RunHooks = {}): Promise<RetentionRunResult> {
  return withRetentionSchema(async () => {
    const client = await connect(admin);
    try {
      const [lock] = await query<{ locked: boolean }>(client, sql`SELECT pg_try_advisory_lock(${RETENTION_LOCK}) AS locked`);
      if (!lock?.locked) throw await refusal(client);
      try {
        return await runLocked(admin, client, request, hooks);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [RETENTION_LOCK]).catch(() => undefined);
      }
    } finally {
      client.release();
    }
  });
}

async function runLocked(admin: AdminDb, client: pg.PoolClient, request: RunRequest, hooks: RunHooks): Promise<RetentionRunResult> {
  const stale = await resumableRun(client);
  let run: RunRow;
  let total: number;
  if (stale) {
    // Its cutoffs stay: the resumed run finishes what it set out to do, nothing more.
    const remaining = await countPlan(admin, daysOf(stale), cutoffsOf(stale), { totalsOnly: true });
    total = remaining.archive.events + remaining.purge.events;
    [run] = (await query<RunRow>(
      client,
      sql`UPDATE mailtrail_retention_runs SET status = 'running', finished_at = NULL, error = NULL, resumed = resumed + 1, updated_at = NOW(),
            cancel_requested_at = NULL, cancel_requested_by = NULL
          WHERE id = ${stale.id} RETURNING *`,
    )) as [RunRow];
  } else {
    const days = await effectiveDays(client, request);
    if (days.archiveAfterDays === null && days.purgeAfterDays === null) {
      throw new MailtrailError('bad_request', 'archiving and purging are both off, so a run has nothing to do; set --archive-after or --purge-after, or the policy');
    }
    const cutoffs = await computeCutoffs(client, days);
    const plan = await countPlan(admin, days, cutoffs, { totalsOnly: true });
    total = plan.archive.events + plan.purge.events;
    [run] = (await query<RunRow>(
      client,
      sql`INSERT INTO mailtrail_retention_runs
            (actor, archive_after_days, purge_after_days, archive_cutoff, purge_cutoff, time_zone, phase, id_limit,
             planned_archive_events, planned_archive_emails, planned_purge_events, held_events, held_emails)
          VALUES (${request.actor}, ${days.archiveAfterDays}, ${days.purgeAfterDays}, ${cutoffs.archive}::timestamp, ${cutoffs.purge}::timestamp,
                  ${cutoffs.timeZone}, ${firstPhase(cutoffs)},
                  GREATEST((SELECT COALESCE(MAX(id), 0) FROM email_activity_log), (SELECT COALESCE(MAX(id), 0) FROM email_activity_log_archive)),
                  ${plan.archive.events}, ${plan.archive.emails}, ${plan.purge.events}, ${plan.held.events}, ${plan.held.emails})
          RETURNING *`,
    )) as [RunRow];
  }
  hooks.onStarted?.(toRun(run), stale !== undefined);
  const progress: RunProgress = { runId: run.id, phase: run.phase, done: 0, total, startedMs: Date.now() };
  try {
    run = await work(admin, client, run, progress, hooks);
  } catch (error) {
    const failure = toMailtrailError(error);
    // Best effort: when the connection itself is gone the row stays 'running' and the next run resumes it.
    await query(
      client,
      sql`UPDATE mailtrail_retention_runs SET status = 'failed', error = ${failure.message}, finished_at = NOW(), updated_at = NOW() WHERE id = ${run.id}`,
    ).catch(() => undefined);
    throw new MailtrailError(failure.code, `retention run ${run.id} failed: ${failure.message}`);
  }
  return runResult(run, stale !== undefined);
}

/** A partitioned archive without the month of an event being archived (dropped, or never created): say what to do. */
function withPartitionHint(error: unknown): unknown {
  if (!(error instanceof Error) || !/no partition of relation/.test(error.message)) return error;
  return new MailtrailError(
    'conflict',
    `${error.message}: the partitioned table has no partition for some events' month; create it, or give the table a DEFAULT partition (docs/partitioning.md), and run again`,
  );
}

/** The phases from where the run stands, batch by batch, until done or cancelled. */
async function work(admin: AdminDb, client: pg.PoolClient, start: RunRow, progress: RunProgress, hooks: RunHooks): Promise<RunRow> {
  let run = start;
  let size = hooks.batchSize ?? DEFAULT_BATCH_SIZE;
  const lockTimeout = Math.trunc(hooks.lockTimeoutMs ?? 5_000);
  const statementTimeout = Math.trunc(hooks.statementTimeoutMs ?? 120_000);
  const limits: BatchLimits = { lockTimeout, statementTimeout };
  let sweeps = 0;
  let partitionsPurged: Phase | null = null;
  let streamed = (hooks.streams ?? DEFAULT_STREAMS) < 2;
  while (run.phase !== 'done') {
    // A cancel from this process (Ctrl-C, shutdown) or from another one (cancelRun sets the row's request).
    if (hooks.signal?.aborted || run.cancel_requested_at) {
      const [cancelled] = await query<RunRow>(
        client,
        sql`UPDATE mailtrail_retention_runs SET status = 'cancelled', finished_at = NOW(), updated_at = NOW() WHERE id = ${run.id} RETURNING *`,
      );
      return cancelled as RunRow;
    }
    const phase = run.phase;
    if ((phase === 'purge_archive' || phase === 'purge_log') && partitionsPurged !== phase) {
      // Whole months first where the table is partitioned by month; the row path below takes the rest.
      partitionsPurged = phase;
      const table = phase === 'purge_archive' ? 'email_activity_log_archive' : 'email_activity_log';
      const counter = COUNTER_COLUMN[phase];
      await purgePartitions(client, admin, table, run.purge_cutoff as string, {
        runId: run.id,
        actor: run.actor,
        counter,
        lockTimeoutMs: lockTimeout,
        statementTimeoutMs: statementTimeout,
        signal: hooks.signal,
        onDropped: (dropped) => {
          progress.done += dropped.events;
          hooks.onProgress?.({ ...progress });
        },
      });
      continue;
    }
    if (phase === 'archive' && !streamed) {
      streamed = true;
      run = await archiveInTwoStreams(admin, client, run, progress, hooks, limits);
      continue;
    }
    const began = Date.now();
    let batch: Batch;
    await client.query('BEGIN');
    try {
      batch = await runBatch(client, phase, run, size, limits);
      const finishedPass = batch.events < size;
      if (!finishedPass) {
        [run] = (await query<RunRow>(
          client,
          sql`UPDATE mailtrail_retention_runs SET watermark_created_at = ${batch.last_created_at}::timestamp, watermark = ${batch.last_id}, ${COUNTER[phase]} = ${COUNTER[phase]} + ${batch.events}, updated_at = NOW()
              WHERE id = ${run.id} RETURNING *`,
        )) as [RunRow];
      } else {
        // The pass reached id_limit. Rows another transaction held were skipped: look again from the start, a few times.
        // This transaction's own deletes are already invisible here: whatever the check finds was left behind.
        const [left] = await query<{ events: number }>(client, leftoverStatement(phase, run));
        const leftBehind = (left?.events ?? 0) > 0;
        const again = leftBehind && sweeps < MAX_SWEEPS;
        if (leftBehind && !again) {
          throw new MailtrailError('conflict', `events older than the ${phase === 'archive' ? 'archive' : 'purge'} cutoff stayed locked by another transaction; run again later to finish`);
        }
        sweeps = again ? sweeps + 1 : 0;
        const next = again ? phase : nextPhase(phase, cutoffsOf(run));
        [run] = (await query<RunRow>(
          client,
          sql`UPDATE mailtrail_retention_runs SET watermark_created_at = '-infinity', watermark = 0, phase = ${next}, ${COUNTER[phase]} = ${COUNTER[phase]} + ${batch.events},
                status = CASE WHEN ${next}::text = 'done' THEN 'succeeded' ELSE status END,
                finished_at = CASE WHEN ${next}::text = 'done' THEN NOW() ELSE finished_at END, updated_at = NOW()
              WHERE id = ${run.id} RETURNING *`,
        )) as [RunRow];
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw withPartitionHint(error);
    }
    progress.done += batch.events;
    progress.phase = run.phase;
    hooks.onProgress?.({ ...progress });
    size = nextSize(size, began, hooks);
  }
  return run;
}

/** The adaptive batch size after a batch that began at `began` (see GROW_BELOW_MS); a fixed one stays. */
function nextSize(size: number, began: number, hooks: RunHooks): number {
  if (hooks.batchSize !== undefined) return size;
  const ms = Date.now() - began;
  if (ms < GROW_BELOW_MS) return Math.min(MAX_BATCH_SIZE, size * 2);
  if (ms > SHRINK_ABOVE_MS) return Math.max(MIN_BATCH_SIZE, Math.floor(size / 2));
  return size;
}

interface BatchLimits {
  lockTimeout: number;
  statementTimeout: number;
}

interface Batch {
  events: number;
  last_id: number | null;
  last_created_at: string | null;
}

/** One batch's statement in the transaction the caller began, under the batch's settings. */
async function runBatch(client: pg.PoolClient, phase: Exclude<Phase, 'done'>, run: RunRow, size: number, limits: BatchLimits, stretch?: Stretch): Promise<Batch> {
  // SET LOCAL: the limits end with the batch's transaction. The shared hold lock: see HOLD_LOCK.
  // synchronous_commit off: a server crash can lose the last batches only whole (rows back in the log, the
  // watermark before them), so a batch need not wait for its WAL flush.
  // RETENTION_MOVE_SETTING: the archive's insert trigger counts the moved rows out of the log's rollups and into
  // the archive's from one aggregate, and the log's delete trigger stands aside (an older trigger ignores it).
  const moving = phase === 'archive' ? ` SET LOCAL ${RETENTION_MOVE_SETTING} = on;` : '';
  await client.query(
    `SET LOCAL lock_timeout = ${limits.lockTimeout}; SET LOCAL statement_timeout = ${limits.statementTimeout}; SET LOCAL synchronous_commit = off;${moving} SELECT pg_advisory_xact_lock_shared(${HOLD_LOCK})`,
  );
  const moved = await client.query<Batch>(batchStatement(phase, run, size, stretch).toQuery());
  return moved.rows[0] ?? { events: 0, last_id: null, last_created_at: null };
}

/**
 * The archive phase from the run's watermark in two streams at once, each on its own connection
 * (a batch keeps one core busy; with a core to spare two streams double the rate, on a saturated
 * server one does better: bench/results-2026-11-28-issue13-rate.md). The split is halfway in time,
 * not in events. The earlier stretch, up to that midnight, advances the run's watermark; the later one only its count, and
 * a killed run redoes it from its start (what it moved is gone from the log, so nothing is moved
 * twice). Split at midnight, the two never write the same hourly or daily rollup row. The single
 * stream then finishes the phase as before: the rows either skipped (locked) are looked for again.
 * Returns the run row, its watermark at the end of the later stretch when both finished.
 */
async function archiveInTwoStreams(admin: AdminDb, client: pg.PoolClient, run: RunRow, progress: RunProgress, hooks: RunHooks, limits: BatchLimits): Promise<RunRow> {
  const cutoff = run.archive_cutoff as string;
  const [found] = await query<{ split: string | null }>(
    client,
    sql`SELECT CASE WHEN split > first AND split < ${cutoff}::timestamp THEN split::text END AS split
        FROM (SELECT first, date_trunc('day', first + (${cutoff}::timestamp - first) / 2) AS split
              FROM (SELECT MIN(created_at) AS first FROM email_activity_log
                    WHERE created_at < ${cutoff}::timestamp AND (created_at, id) > (${run.watermark_created_at}::timestamp, ${run.watermark})) f) s`,
  );
  const split = found?.split;
  if (!split) return run;
  const later = await connect(admin);
  let failed = false;
  let latest = run;
  const stream = async (conn: pg.PoolClient, start: Stretch, advancesWatermark: boolean): Promise<Stretch | null> => {
    let stretch = start;
    let size = hooks.batchSize ?? DEFAULT_BATCH_SIZE;
    while (!failed && !hooks.signal?.aborted && !latest.cancel_requested_at) {
      const began = Date.now();
      let batch: Batch;
      await conn.query('BEGIN');
      try {
        batch = await runBatch(conn, 'archive', run, size, limits, stretch);
        const watermark = advancesWatermark && batch.events > 0
          ? sql`watermark_created_at = ${batch.last_created_at}::timestamp, watermark = ${batch.last_id},`
          : sql``;
        [latest] = (await query<RunRow>(
          conn,
          sql`UPDATE mailtrail_retention_runs SET ${watermark} archived_events = archived_events + ${batch.events}, updated_at = NOW()
              WHERE id = ${run.id} RETURNING *`,
        )) as [RunRow];
        await conn.query('COMMIT');
      } catch (error) {
        failed = true;
        await conn.query('ROLLBACK').catch(() => undefined);
        throw withPartitionHint(error);
      }
      progress.done += batch.events;
      hooks.onProgress?.({ ...progress, streams: 2 });
      if (batch.events > 0) stretch = { ...stretch, afterCreatedAt: batch.last_created_at as string, afterId: batch.last_id as number };
      if (batch.events < size) return stretch;
      size = nextSize(size, began, hooks);
    }
    return null;
  };
  let ends: PromiseSettledResult<Stretch | null>[];
  try {
    ends = await Promise.allSettled([
      stream(client, { before: split, afterCreatedAt: run.watermark_created_at, afterId: run.watermark }, true),
      stream(later, { before: cutoff, afterCreatedAt: split, afterId: 0 }, false),
    ]);
  } finally {
    later.release();
  }
  const failure = ends.find((end): end is PromiseRejectedResult => end.status === 'rejected');
  if (failure) throw failure.reason;
  const [earlier, last] = ends.map((end) => (end as PromiseFulfilledResult<Stretch | null>).value);
  if (!earlier || !last) return latest;
  // Both stretches are done up to rows skipped as locked, which the phase's last pass looks for from the start.
  const [moved] = (await query<RunRow>(
    client,
    sql`UPDATE mailtrail_retention_runs SET watermark_created_at = ${last.afterCreatedAt}::timestamp, watermark = ${last.afterId}, updated_at = NOW()
        WHERE id = ${run.id} RETURNING *`,
  )) as [RunRow];
  return moved;
}
