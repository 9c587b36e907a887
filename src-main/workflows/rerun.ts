import { journaled } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import type { AdminDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { inWriteTransaction } from '../db/transaction';
import { executionJob, openQueue, queueDb, type QueueSettings, DEFAULT_QUEUE_SETTINGS } from './queue';

export interface RerunResult {
  execution_id: number;
  /** Steps the re-run does again: the failed one and those after it; succeeded steps stay done. */
  steps_to_run: number;
}

/**
 * Queues a failed execution again (issue 16, item 4: "re-run a failed execution"), journaled: its
 * failed and pending steps go back to pending, the execution to pending, and a job is sent in the same
 * transaction. The steps that succeeded are not done twice; the re-run ends with its own
 * `workflow_executed`. For the CRUD API and the app to call through the admin connection.
 */
export async function rerunExecution(admin: AdminDb, executionId: number, actor: string, settings: QueueSettings = DEFAULT_QUEUE_SETTINGS): Promise<RerunResult> {
  return journaled(admin, { actor, action: 'workflows.rerun', parameters: { execution_id: executionId } }, () =>
    inWriteTransaction(admin, async (client) => {
      const [execution] = await query<{ status: string; workflow_id: number; trigger_event_id: number | null; priority: number | null }>(
        client,
        sql`SELECT e.status, e.workflow_id, e.trigger_event_id, w.priority
            FROM email_workflow_executions e LEFT JOIN email_workflows w ON w.id = e.workflow_id
            WHERE e.id = ${executionId} FOR UPDATE OF e`,
      );
      if (!execution) throw new MailtrailError('not_found', `there is no workflow execution ${executionId}`);
      if (execution.status !== 'failed') {
        throw new MailtrailError('conflict', `execution ${executionId} is ${execution.status}; only a failed execution can be run again`);
      }
      const steps = await query<{ step_index: number }>(
        client,
        sql`UPDATE email_workflow_execution_steps SET outcome = 'pending', error_message = NULL, finished_at = NULL
            WHERE execution_id = ${executionId} AND outcome <> 'succeeded' RETURNING step_index`,
      );
      // Back to running, not pending: its steps are recorded already and must not be copied again.
      await query(
        client,
        sql`UPDATE email_workflow_executions SET status = 'running', error_message = NULL, completed_at = NULL, execution_time_ms = NULL,
                started_at = clock_timestamp()::timestamp
            WHERE id = ${executionId}`,
      );
      const key = `${execution.workflow_id}:${execution.trigger_event_id ?? `rerun-${executionId}`}`;
      await openQueue(admin, settings).insert([executionJob(executionId, key, -(execution.priority ?? 100), settings)], { db: queueDb(client) });
      return { execution_id: executionId, steps_to_run: steps.length };
    }),
  );
}
