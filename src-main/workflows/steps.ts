import { MailtrailError } from '../contract/errors';
import { toMailtrailError } from '../db/connection';
import type { EmailActivityLogger } from '../logger/email-activity-logger';
import type { ActionContext, ActionRegistry, StepAnswer } from './actions/action';

// What a step does and what an ending logs, once: the worker (execution.ts, one step per
// transaction) and the batch (batch.ts, the demo's thousands per transaction) both come here.

/** A step of workflow_steps as the seed's JSON holds it: `{action, params}`. */
export interface WorkflowStep {
  action: string;
  params: unknown;
}

export function stepsOf(workflowSteps: unknown): WorkflowStep[] {
  if (!Array.isArray(workflowSteps)) throw new MailtrailError('bad_request', 'the workflow\'s workflow_steps is not a JSON array');
  return workflowSteps.map((step, index) => {
    const action = (step as { action?: unknown } | null)?.action;
    if (typeof action !== 'string') throw new MailtrailError('bad_request', `workflow_steps[${index}] has no action code`);
    return { action, params: (step as { params?: unknown }).params ?? {} };
  });
}

/** Error text for the execution and the step: which step, which action, what went wrong. */
export const describeStepError = (stepIndex: number, action: string, error: MailtrailError) => `step ${stepIndex + 1} (${action}): ${error.message}`;

/** A step about to run: everything of its context but the params, which are checked here. */
export type PendingStep = Omit<ActionContext<unknown>, 'params'> & { rawParams: unknown };

/**
 * Runs one action for many steps (one, in the worker): unknown codes and bad params are answers,
 * not throws; the action's runBatch where it has one, else run() per step. Steps on the same email
 * go in separate rounds, since a batch takes distinct emails. A database error throws.
 */
export async function performSteps(actions: ActionRegistry, code: string, steps: PendingStep[]): Promise<StepAnswer[]> {
  const answers: StepAnswer[] = new Array(steps.length);
  let action: ReturnType<ActionRegistry['get']>;
  try {
    action = actions.get(code);
  } catch (error) {
    return steps.map(() => ({ ok: false, error: toMailtrailError(error) }));
  }
  let waiting = steps.map((step, index) => ({ step, index }));
  while (waiting.length > 0) {
    const seen = new Set<number>();
    const round: { context: ActionContext<unknown>; index: number }[] = [];
    const later: typeof waiting = [];
    for (const item of waiting) {
      if (seen.has(item.step.email.id)) {
        later.push(item);
        continue;
      }
      seen.add(item.step.email.id);
      const { rawParams, ...rest } = item.step;
      try {
        round.push({ context: { ...rest, params: action.validate(rawParams) }, index: item.index });
      } catch (error) {
        answers[item.index] = { ok: false, error: toMailtrailError(error) };
      }
    }
    waiting = later;
    if (round.length === 0) continue;
    if (action.runBatch) {
      const batch = await action.runBatch(round.map((item) => item.context));
      round.forEach((item, position) => {
        answers[item.index] = batch[position] ?? { ok: false, error: new MailtrailError('internal', `${code} gave no answer for this step`) };
      });
      continue;
    }
    for (const item of round) {
      try {
        answers[item.index] = { ok: true, result: await action.run(item.context) };
      } catch (error) {
        answers[item.index] = { ok: false, error: toMailtrailError(error) };
      }
    }
  }
  return answers;
}

export interface ExecutionEnd {
  execution_id: number;
  email_id: number;
  workflow_id: number;
  workflow_name: string;
  status: 'completed' | 'failed';
  steps_completed: number;
  execution_time_ms: number;
  error_message: string | null;
}

/** The events an execution ends with: for a failure its `error`, then the seed's `workflow_executed` with the execution's id. */
export async function logExecutionEnd(logger: EmailActivityLogger, end: ExecutionEnd): Promise<void> {
  if (end.status === 'failed') {
    await logger.logError(end.email_id, 'workflow_failed', end.error_message ?? 'the workflow failed', {
      workflow_id: end.workflow_id,
      workflow_name: end.workflow_name,
      execution_id: end.execution_id,
    });
  }
  await logger.logWorkflowExecuted(end.email_id, end.workflow_id, end.workflow_name, end.status, end.steps_completed, end.execution_time_ms, end.execution_id);
}
