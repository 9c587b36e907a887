import type { Transporter } from 'nodemailer';
import type { z } from 'zod';
import { MailtrailError } from '../../contract/errors';
import type { StepPreview } from '../../contract/workflow-actions';
import type { ReadableDb, WritableClient } from '../../db/connection';
import { query } from '../../db/query';
import { sql } from '../../db/sql';
import type { ActivityEntry } from '../../logger/events';
import type { EmailActivityLogger } from '../../logger/email-activity-logger';

/** The email a step works on: email_messages' row, and its body where the hub's table has one. */
export interface EmailForAction {
  id: number;
  subject: string | null;
  sender_email: string | null;
  sender_name: string | null;
  status: string | null;
  classification: string | null;
  /** The seed's email_messages has no body column; a hub table with body_text, body or body_plain gives it here. */
  body: string | null;
}

/** Where notify sends: from the worker's settings, never from a workflow's params (no secrets there). */
export interface NotifySettings {
  /** nodemailer's SMTP URL, e.g. smtp://user:pass@host:587; MAILTRAIL_SMTP_URL. */
  smtpUrl?: string | undefined;
  /** The From of notification mail; MAILTRAIL_MAIL_FROM. */
  mailFrom: string;
  /** A webhook that has not answered by then is retried. */
  webhookTimeoutMs: number;
  /** A nodemailer transport to use instead of smtpUrl's (the demo's in-process receiver). */
  mailer?: Transporter | undefined;
}

export interface ActionContext<Params> {
  params: Params;
  email: EmailForAction;
  /** The step's transaction: what the action writes commits with the step's success, or not at all. */
  db: WritableClient;
  /** The logger on that transaction. */
  logger: EmailActivityLogger;
  execution: { id: number; workflow_id: number; workflow_name: string; step_index: number };
  /** The same for every attempt of this step: for receivers that de-duplicate (webhooks, Message-ID). */
  idempotencyId: string;
  notify: NotifySettings;
  /** When the step runs, for the rows it writes: the demo's simulated clock; absent, the database's now. */
  at?: Date | undefined;
}

/** What preview() is given: the viewer's read-only connection, never a transaction that could write. */
export interface PreviewContext<Params> {
  params: Params;
  email: EmailForAction;
  db: ReadableDb;
  workflow: { name: string };
}

/** What a step would do: its outcome, a sentence, and the values it would write. */
export type ActionPreview = Omit<StepPreview, 'step_index' | 'action'> & {
  /** What the email would look like to the next step (set_status's new status). */
  email?: Partial<EmailForAction>;
};

/** What one step came to: the result to store, or the error it failed with. */
export type StepAnswer = { ok: true; result: Record<string, unknown> } | { ok: false; error: MailtrailError };

/** A step's action: the hub may register its own beside the built-ins (ActionRegistry). */
export interface WorkflowAction<Params = unknown> {
  code: string;
  /** The params checked and with defaults, or a bad_request naming the field. */
  validate(params: unknown): Params;
  /** Does the work and logs its event; what it returns is stored as the step's result. */
  run(context: ActionContext<Params>): Promise<Record<string, unknown>>;
  /** The params' zod, for the catalogue's form fields (actionFieldsOf); without it the editor takes JSON. */
  params?: z.ZodType;
  /**
   * What run() would do on this email, reading only ("try on an email"). Optional: without it, try says
   * "would run <code> with params …". It must not write: it is given the viewer's read-only pool.
   */
  preview?(context: PreviewContext<Params>): Promise<ActionPreview>;

  /**
   * The same work for many steps at once, one statement per table (src-main/workflows/steps.ts):
   * contexts on distinct emails and one transaction (the same `db`), one answer each, in order. A
   * database error throws for all of them. Optional: without it each context goes through run().
   */
  runBatch?(contexts: ActionContext<Params>[]): Promise<StepAnswer[]>;
}

/**
 * A failure that another attempt cannot mend (bad params, a missing email, a 4xx from a webhook):
 * the execution fails at once instead of being retried.
 */
export const isPermanent = (error: unknown): boolean =>
  error instanceof MailtrailError && (['bad_request', 'not_found', 'unauthorized', 'conflict'].includes(error.code) || PERMANENT.has(error));

const PERMANENT = new WeakSet<MailtrailError>();

/** An error of any code that no retry of this worker can mend (a setting it lacks): the execution fails at once. */
export function permanentError(code: MailtrailError['code'], message: string): MailtrailError {
  const error = new MailtrailError(code, message);
  PERMANENT.add(error);
  return error;
}

/** A validate() over a zod schema, whose error names the field: `params.status: …`. */
export function paramsOf<Schema extends z.ZodType>(code: string, schema: Schema): (params: unknown) => z.output<Schema> {
  return (params) => {
    const parsed = schema.safeParse(params ?? {});
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const field = ['params', ...(issue?.path ?? []).map(String)].join('.');
    throw new MailtrailError('bad_request', `${code}: ${field}: ${issue?.message ?? 'invalid'}`);
  };
}

/** email_messages' row as to_jsonb gives it, its body from whichever body column the hub's table has. */
export function emailFromRow(emailId: number, row: Record<string, unknown>): EmailForAction {
  const textOf = (key: string) => (typeof row[key] === 'string' ? (row[key] as string) : null);
  return {
    id: emailId,
    subject: textOf('subject'),
    sender_email: textOf('sender_email'),
    sender_name: textOf('sender_name'),
    status: textOf('status'),
    classification: textOf('classification'),
    body: textOf('body_text') ?? textOf('body_plain') ?? textOf('body'),
  };
}

/** One email for an action (to_jsonb reads the body columns a hub's table lacks as null). */
export async function readEmailForAction(db: ReadableDb | WritableClient, emailId: number): Promise<EmailForAction> {
  const [found] = await query<{ row: Record<string, unknown> }>(db, sql`SELECT to_jsonb(m) AS row FROM email_messages m WHERE m.id = ${emailId}`);
  if (!found) throw new MailtrailError('not_found', `email ${emailId} has no row in email_messages`);
  return emailFromRow(emailId, found.row);
}

/** Logs one of the seed's events with the execution named in its metadata, so a reader can find the run. */
export function logStepEvent(context: ActionContext<unknown>, entry: ActivityEntry<object>): Promise<number> {
  return context.logger.log(context.email.id, entry.event_type, entry.event_category, entry.description, {
    ...(entry.metadata as Record<string, unknown>),
    workflow_id: context.execution.workflow_id,
    execution_id: context.execution.id,
  });
}

/** run() for an action that has runBatch: a batch of one, so a worker's step and the demo's thousands take one code path. */
export function runAlone<Params>(runBatch: (contexts: ActionContext<Params>[]) => Promise<StepAnswer[]>) {
  return async (context: ActionContext<Params>): Promise<Record<string, unknown>> => {
    const [answer] = await runBatch([context]);
    if (!answer) throw new MailtrailError('internal', 'the action gave no answer for its step');
    if (!answer.ok) throw answer.error;
    return answer.result;
  };
}

export class ActionRegistry {
  private readonly actions = new Map<string, WorkflowAction<never>>();

  register<Params>(action: WorkflowAction<Params>): this {
    if (this.actions.has(action.code)) throw new MailtrailError('conflict', `an action ${action.code} is already registered`);
    this.actions.set(action.code, action as unknown as WorkflowAction<never>);
    return this;
  }

  get(code: string): WorkflowAction<unknown> {
    const action = this.actions.get(code);
    if (!action) throw new MailtrailError('bad_request', `unknown action "${code}"; the actions are ${this.codes().join(', ')}`);
    return action as unknown as WorkflowAction<unknown>;
  }

  codes(): string[] {
    return [...this.actions.keys()].sort();
  }

  has(code: string): boolean {
    return this.actions.has(code);
  }
}
