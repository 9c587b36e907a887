import { MailtrailError } from '../contract/errors';
import type { WritableClient } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import { copyLine, copyTimestamp, type CopyValue } from '../logger/batch-writer';
import { createEmailActivityLoggerOn, type LoggedEvent } from '../logger/email-activity-logger';
import { emailFromRow, isPermanent, type ActionRegistry, type NotifySettings } from './actions/action';
import { stepIdempotencyId } from './execution';
import { describeStepError, logExecutionEnd, performSteps, type ExecutionEnd, type PendingStep, type WorkflowStep } from './steps';

// Many executions in one transaction, in process (the demo's year of runs): the steps do what they
// do in the worker (performSteps, the actions' runBatch), the endings log what the worker's do
// (logExecutionEnd), and the executions and their steps land in the worker's tables, one INSERT
// each per batch. Time is the caller's: a simulated clock, so a year of history reads as it ran.

export interface BatchWorkflow {
  id: number;
  name: string;
  steps: WorkflowStep[];
}

export interface BatchRun {
  workflow: BatchWorkflow;
  email_id: number;
  /** The classified event that triggered the run: the unique key the watcher uses too. */
  trigger_event_id: number | null;
  /** When the run is picked up, in milliseconds; a later run on the same email waits for the one before. */
  start_ms: number;
}

export interface BatchClock {
  /** How long an attempt at a step takes, in milliseconds. */
  stepMs(run: BatchRun, stepIndex: number, attempt: number): number;
  /** The wait before the next attempt after `attempt` failed (the queue's backoff). */
  retryDelayMs(attempt: number): number;
}

export interface BatchOptions {
  client: WritableClient;
  actions: ActionRegistry;
  notify: NotifySettings;
  clock: BatchClock;
  /** Retries of a failing step before its execution fails, as the queue's retryLimit. */
  retryLimit: number;
  /** Stores one event at its time and returns its id: the caller batches them (the demo's COPY). */
  store: (event: LoggedEvent, atMs: number) => number;
}

export interface BatchOutcome extends ExecutionEnd {
  started_ms: number;
  completed_ms: number;
}

interface StepRecord {
  step_index: number;
  action: string;
  params: unknown;
  started_ms: number | null;
  finished_ms: number | null;
  outcome: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  result: Record<string, unknown> | null;
  error_message: string | null;
}

interface RunState {
  run: BatchRun;
  id: number;
  /** When it started: start_ms, or later where a run on the same email came first. */
  start: number;
  t: number;
  next: number;
  steps: StepRecord[];
  outcome?: BatchOutcome;
}

const at = (ms: number | null) => (ms === null ? null : copyTimestamp(new Date(ms)));

/**
 * Runs `runs` to their end in the client's transaction and returns their outcomes in the same order.
 * A failing step is retried after the clock's backoff up to retryLimit times, unless no retry can
 * mend it; then its execution fails with the error, as in the worker. A database error throws.
 */
export async function executeBatch(options: BatchOptions, runs: readonly BatchRun[]): Promise<BatchOutcome[]> {
  if (runs.length === 0) return [];
  const { client } = options;
  const ids = await query<{ id: number }>(
    client,
    sql`SELECT nextval(pg_get_serial_sequence('email_workflow_executions', 'id'))::int AS id FROM generate_series(1, ${runs.length}::int) ORDER BY 1`,
  );
  const states: RunState[] = runs.map((run, index) => ({
    run,
    id: ids[index]!.id,
    start: run.start_ms,
    t: run.start_ms,
    next: 0,
    steps: run.workflow.steps.map((step, stepIndex) => ({
      step_index: stepIndex,
      action: step.action,
      params: step.params,
      started_ms: null,
      finished_ms: null,
      outcome: 'pending',
      attempts: 0,
      result: null,
      error_message: null,
    })),
  }));

  // Waves: an email's second run starts once its first has ended, as the priority order has it.
  const waves: RunState[][] = [];
  const seen = new Map<number, number>();
  for (const state of states) {
    const wave = seen.get(state.run.email_id) ?? 0;
    seen.set(state.run.email_id, wave + 1);
    (waves[wave] ??= []).push(state);
  }
  const endOf = new Map<number, number>();
  const loggerAt = (ms: number) => createEmailActivityLoggerOn(async (event) => options.store(event, ms));

  const end = async (state: RunState, status: 'completed' | 'failed', errorMessage: string | null) => {
    const outcome: BatchOutcome = {
      execution_id: state.id,
      email_id: state.run.email_id,
      workflow_id: state.run.workflow.id,
      workflow_name: state.run.workflow.name,
      status,
      steps_completed: state.steps.filter((step) => step.outcome === 'succeeded').length,
      execution_time_ms: Math.max(0, Math.round(state.t - state.start)),
      error_message: errorMessage,
      started_ms: state.start,
      completed_ms: state.t,
    };
    state.outcome = outcome;
    endOf.set(state.run.email_id, state.t);
    await logExecutionEnd(loggerAt(state.t), outcome);
  };

  for (const wave of waves) {
    for (const state of wave) {
      state.start = state.t = Math.max(state.run.start_ms, endOf.get(state.run.email_id) ?? -Infinity);
    }
    let active: RunState[] = [];
    for (const state of wave) {
      if (state.steps.length === 0) await end(state, 'completed', null);
      else active.push(state);
    }
    // The emails once per wave (an email is in a wave once): a step that changes its row reads it itself.
    const emails = await query<{ id: number; row: Record<string, unknown> }>(
      client,
      sql`SELECT m.id, to_jsonb(m) AS row FROM email_messages m WHERE m.id = ANY(${active.map((state) => state.run.email_id)}::int[])`,
    );
    const emailOf = new Map(emails.map((email) => [email.id, email.row]));
    while (active.length > 0) {
      const byAction = new Map<string, RunState[]>();
      for (const state of active) {
        const code = state.steps[state.next]!.action;
        const group = byAction.get(code);
        if (group) group.push(state);
        else byAction.set(code, [state]);
      }
      for (const [code, group] of byAction) {
        const pending: { state: RunState; step: PendingStep }[] = [];
        const missing: RunState[] = [];
        for (const state of group) {
          const record = state.steps[state.next]!;
          record.attempts++;
          record.started_ms = state.t;
          record.error_message = null;
          state.t += Math.max(0, Math.round(options.clock.stepMs(state.run, record.step_index, record.attempts)));
          record.finished_ms = state.t;
          const row = emailOf.get(state.run.email_id);
          if (!row) {
            missing.push(state);
            continue;
          }
          pending.push({
            state,
            step: {
              rawParams: record.params,
              email: emailFromRow(state.run.email_id, row),
              db: client,
              logger: loggerAt(state.t),
              execution: { id: state.id, workflow_id: state.run.workflow.id, workflow_name: state.run.workflow.name, step_index: record.step_index },
              idempotencyId: stepIdempotencyId(state.id, record.step_index),
              notify: options.notify,
              at: new Date(state.t),
            },
          });
        }
        const answers = await performSteps(
          options.actions,
          code,
          pending.map((item) => item.step),
        );
        const settled = [
          ...pending.map((item, index) => ({ state: item.state, answer: answers[index]! })),
          ...missing.map((state) => ({
            state,
            answer: { ok: false as const, error: new MailtrailError('not_found', `email ${state.run.email_id} has no row in email_messages`) },
          })),
        ];
        for (const { state, answer } of settled) {
          const record = state.steps[state.next]!;
          if (answer.ok) {
            record.outcome = 'succeeded';
            record.result = answer.result;
            state.next++;
            if (state.next === state.steps.length) await end(state, 'completed', null);
            continue;
          }
          const message = describeStepError(record.step_index, record.action, answer.error);
          record.outcome = 'failed';
          record.error_message = message;
          if (isPermanent(answer.error) || record.attempts > options.retryLimit) await end(state, 'failed', message);
          else state.t += Math.max(0, Math.round(options.clock.retryDelayMs(record.attempts)));
        }
      }
      active = active.filter((state) => !state.outcome);
    }
  }

  await writeRecords(client, states);
  return states.map((state) => state.outcome!);
}

/** Rows into a table by COPY on the transaction's client: the batch's records, thousands at a time. */
async function copyInto(client: WritableClient, table: string, columns: readonly string[], rows: readonly (readonly CopyValue[])[]): Promise<void> {
  if (rows.length === 0) return;
  let text = '';
  for (const row of rows) text += copyLine(row);
  const statement = sql`COPY ${sql.id(table)} (${sql.join(columns.map(sql.id), ', ')}) FROM STDIN`.toQuery().text;
  const stream: Writable = client.query(copyFrom(statement));
  stream.end(text);
  await finished(stream);
}

/** The executions and their steps as the worker leaves them, one COPY each. */
async function writeRecords(client: WritableClient, states: RunState[]): Promise<void> {
  await copyInto(
    client,
    'email_workflow_executions',
    ['id', 'workflow_id', 'email_id', 'status', 'steps_completed', 'steps_total', 'result_json', 'error_message', 'started_at', 'completed_at', 'execution_time_ms', 'trigger_event_id'],
    states.map((state) => {
      const outcome = state.outcome!;
      const result = state.steps.length === 0 ? null : state.steps.map((step) => ({ step_index: step.step_index, action: step.action, outcome: step.outcome, result: step.result }));
      return [
        state.id,
        outcome.workflow_id,
        outcome.email_id,
        outcome.status,
        outcome.steps_completed,
        state.steps.length,
        result,
        outcome.error_message,
        at(outcome.started_ms),
        at(outcome.completed_ms),
        outcome.execution_time_ms,
        state.run.trigger_event_id,
      ];
    }),
  );
  await copyInto(
    client,
    'email_workflow_execution_steps',
    ['execution_id', 'step_index', 'action', 'params', 'started_at', 'finished_at', 'outcome', 'attempts', 'result_json', 'error_message'],
    states.flatMap((state) =>
      state.steps.map((step) => [
        state.id,
        step.step_index,
        step.action,
        step.params ?? {},
        at(step.started_ms),
        at(step.outcome === 'pending' ? null : step.finished_ms),
        step.outcome,
        step.attempts,
        step.result,
        step.error_message,
      ]),
    ),
  );
}
