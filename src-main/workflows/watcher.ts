import type PgBoss from 'pg-boss';
import type { AdminDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { inWriteTransaction } from '../db/transaction';
import { executionJob, queueDb, type QueueSettings } from './queue';

// Any constant works; one watcher at a time reads the log, the others skip that round.
const WATCHER_LOCK = 7_411_916;

/** How far one round reads: classified events matched per transaction at most. */
export const WATCH_BATCH = 5_000;

export interface WatchRound {
  /** Executions created (and jobs sent) this round. */
  enqueued: number;
  /** Classified events read this round, re-reads of the open window included. */
  eventsRead: number;
  watermark: number;
  /** false when another process's round held the watcher. */
  ran: boolean;
}

interface WatcherState {
  watermark: string;
  pending_max_id: string | null;
  pending_next_xid: string | null;
}

/**
 * One round of the watcher (docs/workflows.md, "Picking up events"): reads the classified events
 * above the watermark through the log's primary key, creates one execution per matching enabled
 * workflow (the unique (workflow_id, trigger_event_id) drops those made before) and sends their jobs,
 * all in one transaction with the new watermark. The watermark only rises past ids whose writers
 * have all ended (the integrity horizon, 0013), since ids commit out of order; below it nothing can
 * still appear, above it the next round reads again.
 */
export async function watchOnce(admin: AdminDb, boss: PgBoss, settings: QueueSettings, batch = WATCH_BATCH): Promise<WatchRound> {
  return inWriteTransaction(admin, async (client) => {
    const [locked] = await query<{ locked: boolean }>(client, sql`SELECT pg_try_advisory_xact_lock(${WATCHER_LOCK}) AS locked`);
    if (!locked?.locked) return { enqueued: 0, eventsRead: 0, watermark: 0, ran: false };
    // Read before this transaction writes anything, so its own transaction id is not in the horizon.
    const [horizon] = await query<{ xmin: string; xmax: string; max_id: string | null }>(
      client,
      sql`SELECT h.xmin, h.xmax, (SELECT MAX(id) FROM email_activity_log) AS max_id FROM mailtrail_integrity_horizon() AS h`,
    );
    const [state] = await query<WatcherState>(client, sql`SELECT watermark, pending_max_id, pending_next_xid FROM mailtrail_workflow_watcher`);
    const watermark = Number(state?.watermark ?? 0);
    const maxId = Number(horizon?.max_id ?? 0);
    const xmin = Number(horizon?.xmin);
    const xmax = Number(horizon?.xmax);

    const events = await query<{ id: number }>(
      client,
      sql`SELECT id FROM email_activity_log
          WHERE id > ${watermark} AND id <= ${maxId} AND event_type = 'classified'
          ORDER BY id LIMIT ${batch}`,
    );
    const full = events.length === batch;
    // Every row up to here that this snapshot sees has now been matched.
    const readTo = full ? events.at(-1)!.id : maxId;
    const created =
      events.length === 0
        ? []
        : await query<{ id: number; workflow_id: number; trigger_event_id: number; priority: number }>(
            client,
            sql`WITH classified AS (
                  SELECT id, email_id, metadata->>'classification' AS classification,
                         CASE WHEN jsonb_typeof(metadata->'confidence') = 'number' THEN (metadata->>'confidence')::numeric END AS confidence
                  FROM email_activity_log
                  WHERE id > ${watermark} AND id <= ${readTo} AND event_type = 'classified'
                )
                INSERT INTO email_workflow_executions (workflow_id, email_id, status, steps_total, trigger_event_id)
                SELECT w.id, c.email_id, 'pending', CASE WHEN jsonb_typeof(w.workflow_steps) = 'array' THEN jsonb_array_length(w.workflow_steps) END, c.id
                FROM classified c
                JOIN email_workflows w ON w.enabled AND w.classification_trigger = c.classification
                  AND (w.confidence_threshold IS NULL OR c.confidence >= w.confidence_threshold)
                ORDER BY c.id, w.priority, w.id
                ON CONFLICT (workflow_id, trigger_event_id) DO NOTHING
                RETURNING id, workflow_id, trigger_event_id,
                          (SELECT COALESCE(priority, 100) FROM email_workflows WHERE id = workflow_id) AS priority`,
          );
    if (created.length > 0) {
      // pg-boss runs a higher number first; a workflow's lower priority number runs first.
      const jobs = created.map((execution) => executionJob(execution.id, `${execution.workflow_id}:${execution.trigger_event_id}`, -execution.priority, settings));
      await boss.insert(jobs, { db: queueDb(client) });
    }

    let next = watermark;
    let pendingId = state?.pending_max_id === null || state?.pending_max_id === undefined ? null : Number(state.pending_max_id);
    let pendingXid = state?.pending_next_xid === null || state?.pending_next_xid === undefined ? null : Number(state.pending_next_xid);
    if (xmin === xmax) {
      // No transaction open in this database: every id up to readTo is visible, and was read.
      next = Math.max(watermark, readTo);
      pendingId = pendingXid = null;
    } else {
      if (pendingId !== null && pendingXid !== null && pendingXid <= xmin) {
        // Every writer open when pendingId was read has ended, so no id below it can still appear.
        next = Math.max(watermark, Math.min(pendingId, readTo));
        pendingId = pendingXid = null;
      }
      if (pendingId === null && readTo > next) {
        pendingId = readTo;
        pendingXid = xmax;
      }
    }
    await query(
      client,
      sql`UPDATE mailtrail_workflow_watcher
          SET watermark = ${next}, pending_max_id = ${pendingId}, pending_next_xid = ${pendingXid}, updated_at = NOW()`,
    );
    return { enqueued: created.length, eventsRead: events.length, watermark: next, ran: true };
  });
}
