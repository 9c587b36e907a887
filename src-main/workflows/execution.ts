import { MailtrailError } from '../contract/errors';
import { toMailtrailError, type AdminDb, type WritableClient } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { inWriteTransaction } from '../db/transaction';
import { createEmailActivityLogger } from '../logger/email-activity-logger';
import { isPermanent, readEmailForAction, type ActionRegistry, type NotifySettings } from './actions/action';
import { describeStepError, logExecutionEnd, performSteps, stepsOf, type ExecutionEnd } from './steps';

/** What running an execution needs: the admin connection, the actions and notify's transports. */
export interface ExecutionDeps {
  admin: AdminDb;
  actions: ActionRegistry;
  notify: NotifySettings;
}

export interface ExecutionOutcome {
  execution_id: number;
  workflow_id: number;
  workflow_name: string;
  email_id: number;
  /** skipped: another worker finished it already (a re-delivered job). */
  status: 'completed' | 'failed' | 'skipped';
  steps_completed: number;
  execution_time_ms: number;
  error_message: string | null;
}

interface ExecutionRow {
  id: number;
  workflow_id: number;
  email_id: number;
  status: string;
  steps_completed: number;
  workflow_name: string | null;
  workflow_steps: unknown;
}

interface StepRow {
  step_index: number;
  action: string;
  params: unknown;
  outcome: string;
}

/**
 * Marks the execution running (the first attempt also records its steps from the workflow, so a
 * workflow edited later does not change a run under way); null when it has already ended.
 */
async function begin(admin: AdminDb, executionId: number): Promise<{ execution: ExecutionRow; steps: StepRow[] } | null> {
  return inWriteTransaction(admin, async (client) => {
    const [execution] = await query<ExecutionRow>(
      client,
      sql`SELECT e.id, e.workflow_id, e.email_id, e.status, e.steps_completed, w.name AS workflow_name, w.workflow_steps
          FROM email_workflow_executions e LEFT JOIN email_workflows w ON w.id = e.workflow_id
          WHERE e.id = ${executionId} FOR UPDATE OF e`,
    );
    if (!execution) throw new MailtrailError('not_found', `there is no workflow execution ${executionId}`);
    if (execution.status !== 'pending' && execution.status !== 'running') return null;
    if (execution.status === 'pending') {
      if (execution.workflow_name === null) throw new MailtrailError('not_found', `workflow ${execution.workflow_id} was deleted before this execution started`);
      const steps = stepsOf(execution.workflow_steps);
      for (const [index, step] of steps.entries()) {
        await query(
          client,
          sql`INSERT INTO email_workflow_execution_steps (execution_id, step_index, action, params, outcome)
              VALUES (${executionId}, ${index}, ${step.action}, ${JSON.stringify(step.params)}::jsonb, 'pending')
              ON CONFLICT (execution_id, step_index) DO NOTHING`,
        );
      }
      await query(
        client,
        sql`UPDATE email_workflow_executions SET status = 'running', started_at = clock_timestamp()::timestamp, steps_total = ${steps.length}
            WHERE id = ${executionId}`,
      );
    }
    const steps = await query<StepRow>(
      client,
      sql`SELECT step_index, action, params, outcome FROM email_workflow_execution_steps WHERE execution_id = ${executionId} ORDER BY step_index`,
    );
    return { execution, steps };
  });
}

/**
 * One step in one transaction with its record: the action's writes, its event and the step's
 * `succeeded` commit together. The execution row is locked first, so a second worker holding the
 * same job (one taken over after expiry) waits and then finds the step done.
 */
async function runStep(deps: ExecutionDeps, execution: ExecutionRow, step: StepRow): Promise<void> {
  await query(
    deps.admin,
    sql`UPDATE email_workflow_execution_steps
        SET outcome = 'running', started_at = clock_timestamp()::timestamp, finished_at = NULL, error_message = NULL, attempts = attempts + 1
        WHERE execution_id = ${execution.id} AND step_index = ${step.step_index} AND outcome <> 'succeeded'`,
  );
  await inWriteTransaction(deps.admin, async (client) => {
    const [current] = await query<{ outcome: string }>(
      client,
      sql`SELECT s.outcome FROM email_workflow_executions e
          JOIN email_workflow_execution_steps s ON s.execution_id = e.id AND s.step_index = ${step.step_index}
          WHERE e.id = ${execution.id} FOR UPDATE OF e`,
    );
    if (current?.outcome === 'succeeded') return;
    const email = await readEmailForAction(client, execution.email_id);
    const [answer] = await performSteps(deps.actions, step.action, [
      {
        rawParams: step.params,
        email,
        db: client,
        logger: createEmailActivityLogger(client),
        execution: { id: execution.id, workflow_id: execution.workflow_id, workflow_name: workflowName(execution), step_index: step.step_index },
        idempotencyId: stepIdempotencyId(execution.id, step.step_index),
        notify: deps.notify,
      },
    ]);
    if (!answer!.ok) throw answer!.error;
    const result = answer!.result;
    await query(
      client,
      sql`WITH step AS (
            UPDATE email_workflow_execution_steps
            SET outcome = 'succeeded', finished_at = clock_timestamp()::timestamp, result_json = ${JSON.stringify(result)}::jsonb
            WHERE execution_id = ${execution.id} AND step_index = ${step.step_index}
          )
          UPDATE email_workflow_executions SET steps_completed = steps_completed + 1 WHERE id = ${execution.id}`,
    );
  });
}

/** The same for every attempt of a step: for receivers that de-duplicate (webhooks, Message-ID). */
export const stepIdempotencyId = (executionId: number, stepIndex: number) => `mailtrail-execution-${executionId}-step-${stepIndex}`;

const workflowName = (execution: ExecutionRow) => execution.workflow_name ?? `workflow ${execution.workflow_id}`;

const ELAPSED_MS = sql.raw(`GREATEST(0, ROUND(EXTRACT(EPOCH FROM (clock_timestamp()::timestamp - started_at)) * 1000))::int`);

/**
 * Ends the execution, once: the row goes from running to its final status and the seed's
 * `workflow_executed` (and for a failure its `error`) is logged in the same transaction.
 */
export async function finishExecution(
  admin: AdminDb,
  executionId: number,
  status: 'completed' | 'failed',
  errorMessage: string | null,
): Promise<ExecutionOutcome | null> {
  return inWriteTransaction(admin, async (client) => {
    const [ended] = await query<{ workflow_id: number; email_id: number; steps_completed: number; execution_time_ms: number; workflow_name: string | null }>(
      client,
      sql`UPDATE email_workflow_executions e
          SET status = ${status}, completed_at = clock_timestamp()::timestamp, execution_time_ms = ${ELAPSED_MS},
              error_message = ${errorMessage},
              result_json = (SELECT jsonb_agg(jsonb_build_object('step_index', s.step_index, 'action', s.action, 'outcome', s.outcome, 'result', s.result_json) ORDER BY s.step_index)
                             FROM email_workflow_execution_steps s WHERE s.execution_id = e.id)
          WHERE e.id = ${executionId} AND e.status IN ('pending', 'running')
          RETURNING e.workflow_id, e.email_id, e.steps_completed, e.execution_time_ms,
                    (SELECT name FROM email_workflows w WHERE w.id = e.workflow_id) AS workflow_name`,
    );
    if (!ended) return null;
    const end: ExecutionEnd = {
      execution_id: executionId,
      workflow_id: ended.workflow_id,
      workflow_name: ended.workflow_name ?? `workflow ${ended.workflow_id}`,
      email_id: ended.email_id,
      status,
      steps_completed: ended.steps_completed,
      execution_time_ms: ended.execution_time_ms,
      error_message: errorMessage,
    };
    await logExecutionEnd(createEmailActivityLogger(client), end);
    return end;
  });
}


/**
 * Runs an execution from where it stands: the steps not yet succeeded, in order. A step that fails
 * is recorded as failed; on the last attempt (or a failure no retry can mend) the execution fails
 * with that error, else the error is thrown for the queue to retry with its backoff.
 */
export async function runExecution(deps: ExecutionDeps, executionId: number, lastAttempt: boolean): Promise<ExecutionOutcome> {
  let begun: Awaited<ReturnType<typeof begin>>;
  try {
    begun = await begin(deps.admin, executionId);
  } catch (caught) {
    // A workflow gone or with unreadable steps: no attempt will find it otherwise.
    const error = toMailtrailError(caught);
    const failed = lastAttempt || isPermanent(error) ? await finishExecution(deps.admin, executionId, 'failed', error.message) : null;
    if (failed) return failed;
    throw error;
  }
  if (!begun) {
    const [row] = await query<{ workflow_id: number; email_id: number; steps_completed: number; execution_time_ms: number | null; error_message: string | null }>(
      deps.admin,
      sql`SELECT workflow_id, email_id, steps_completed, execution_time_ms, error_message FROM email_workflow_executions WHERE id = ${executionId}`,
    );
    return {
      execution_id: executionId,
      workflow_id: row?.workflow_id ?? 0,
      workflow_name: '',
      email_id: row?.email_id ?? 0,
      status: 'skipped',
      steps_completed: row?.steps_completed ?? 0,
      execution_time_ms: row?.execution_time_ms ?? 0,
      error_message: row?.error_message ?? null,
    };
  }
  const { execution, steps } = begun;
  for (const step of steps) {
    if (step.outcome === 'succeeded') continue;
    try {
      await runStep(deps, execution, step);
    } catch (caught) {
      const error = toMailtrailError(caught);
      const message = describeStepError(step.step_index, step.action, error);
      await query(
        deps.admin,
        sql`UPDATE email_workflow_execution_steps SET outcome = 'failed', finished_at = clock_timestamp()::timestamp, error_message = ${message}
            WHERE execution_id = ${executionId} AND step_index = ${step.step_index} AND outcome <> 'succeeded'`,
      );
      if (lastAttempt || isPermanent(error)) {
        const failed = await finishExecution(deps.admin, executionId, 'failed', message);
        if (failed) return failed;
      }
      throw new MailtrailError(error.code, message);
    }
  }
  const completed = await finishExecution(deps.admin, executionId, 'completed', null);
  return completed ?? (await runExecution(deps, executionId, lastAttempt));
}
