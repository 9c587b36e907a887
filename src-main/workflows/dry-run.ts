import { MailtrailError } from '../contract/errors';
import type { StepPreview, TryWorkflowResult, WorkflowActionInfo } from '../contract/workflow-actions';
import { actionFieldsOf } from '../contract/workflow-actions';
import type { ReadableDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { readEmailForAction, type ActionRegistry, type EmailForAction } from './actions/action';

// The action catalogue and "try on an email" (issue 16, item 5): both only read, on the viewer's pool.

/** email_workflow_actions joined with the registry: each row with its form fields, then handlers the table lacks. */
export async function listActionCatalogue(viewer: ReadableDb, actions: ActionRegistry): Promise<WorkflowActionInfo[]> {
  const rows = await query<{ action_code: string; name: string; description: string | null; category: string | null; enabled: boolean }>(
    viewer,
    sql`SELECT action_code, name, description, category, COALESCE(enabled, TRUE) AS enabled FROM email_workflow_actions ORDER BY id`,
  );
  const info = (code: string, row?: (typeof rows)[number]): WorkflowActionInfo => {
    const action = actions.has(code) ? actions.get(code) : null;
    return {
      code,
      name: row?.name ?? code,
      description: row?.description ?? null,
      category: row?.category ?? null,
      enabled: row?.enabled ?? true,
      runnable: action !== null,
      fields: action?.params ? actionFieldsOf(action.params) : null,
      previews: typeof action?.preview === 'function',
    };
  };
  const listed = new Set(rows.map((row) => row.action_code));
  return [...rows.map((row) => info(row.action_code, row)), ...actions.codes().filter((code) => !listed.has(code)).map((code) => info(code))];
}

/** How many of the log's newest events (by id) the editor's trigger list is read from. */
const CLASSIFICATIONS_WINDOW = 50_000;

/**
 * The classifications the editor offers as triggers: those of the classified events among the log's
 * newest 50,000 (a range of its primary key, so the cost does not grow with the log), most frequent
 * first, then the workflows' own triggers.
 */
export async function listClassifications(viewer: ReadableDb): Promise<{ classification: string; events: number }[]> {
  return query<{ classification: string; events: number }>(
    viewer,
    sql`SELECT classification, sum(events)::int AS events FROM (
          SELECT metadata->>'classification' AS classification, count(*) AS events
          FROM email_activity_log
          WHERE id > (SELECT COALESCE(max(id), 0) - ${CLASSIFICATIONS_WINDOW} FROM email_activity_log) AND event_type = 'classified'
          GROUP BY 1
          UNION ALL
          SELECT classification_trigger, 0 FROM email_workflows
        ) AS seen
        WHERE classification IS NOT NULL AND btrim(classification) <> ''
        GROUP BY classification ORDER BY events DESC, classification`,
  );
}

export interface WorkflowDraft {
  name?: string | undefined;
  classification_trigger: string;
  confidence_threshold: number | null;
  enabled: boolean;
  workflow_steps: { action: string; params: Record<string, unknown> }[];
}

/** The email's latest classified event, its confidence a number only where the log wrote one (as the watcher reads it). */
async function latestClassified(viewer: ReadableDb, emailId: number) {
  const [event] = await query<{ id: number; classification: string | null; confidence: number | null }>(
    viewer,
    sql`SELECT id, metadata->>'classification' AS classification,
               CASE WHEN jsonb_typeof(metadata->'confidence') = 'number' THEN (metadata->>'confidence')::float8 END AS confidence
        FROM email_activity_log WHERE email_id = ${emailId} AND event_type = 'classified' ORDER BY id DESC LIMIT 1`,
  );
  return event ?? null;
}

/** The watcher's rule (watcher.ts): trigger equal to the classification, confidence at or above the threshold (any when there is none). */
export function triggerVerdict(draft: Pick<WorkflowDraft, 'classification_trigger' | 'confidence_threshold' | 'enabled'>, event: { classification: string | null; confidence: number | null } | null) {
  if (!event) return { matches: false, reason: 'the email has no classified event: nothing would start it' };
  if (event.classification !== draft.classification_trigger) {
    return { matches: false, reason: `its latest classified event says ${JSON.stringify(event.classification)}, not ${JSON.stringify(draft.classification_trigger)}` };
  }
  if (draft.confidence_threshold !== null && (event.confidence === null || event.confidence < draft.confidence_threshold)) {
    const said = event.confidence === null ? 'no confidence' : `confidence ${event.confidence}`;
    return { matches: false, reason: `its latest classified event has ${said}, below the threshold ${draft.confidence_threshold.toFixed(2)}` };
  }
  const confidence = event.confidence === null ? 'any confidence' : `confidence ${event.confidence}`;
  if (!draft.enabled) return { matches: false, reason: `its latest classified event matches (${event.classification}, ${confidence}), but the workflow is disabled` };
  return { matches: true, reason: `its latest classified event matches: ${event.classification}, ${confidence}` };
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * What a workflow draft would do on one email, writing nothing: whether its trigger matches the email's
 * latest classified event, and each step's preview, in order, each seeing the email as the steps
 * before it would leave it (set_status's new status). A step that would fail does not stop the others:
 * the editor shows them all.
 */
export async function tryWorkflow(viewer: ReadableDb, actions: ActionRegistry, draft: WorkflowDraft, emailId: number): Promise<TryWorkflowResult> {
  const stored = await readEmailForAction(viewer, emailId).catch((error: unknown) => {
    if (error instanceof MailtrailError && error.code === 'not_found') throw new MailtrailError('not_found', `emailId: there is no email ${emailId} in email_messages`);
    throw error;
  });
  const event = await latestClassified(viewer, emailId);
  let email: EmailForAction = stored;
  const steps: StepPreview[] = [];
  for (const [index, step] of draft.workflow_steps.entries()) {
    const base = { step_index: index, action: step.action };
    if (!actions.has(step.action)) {
      steps.push({ ...base, outcome: 'would_fail', summary: `unknown action ${JSON.stringify(step.action)}; the actions are ${actions.codes().join(', ')}`, details: {} });
      continue;
    }
    const action = actions.get(step.action);
    let params: unknown;
    try {
      params = action.validate(step.params);
    } catch (error) {
      steps.push({ ...base, outcome: 'would_fail', summary: errorText(error).replace(`${step.action}: params`, `workflow_steps.${index}.params`), details: { params: step.params } });
      continue;
    }
    if (!action.preview) {
      steps.push({ ...base, outcome: 'would_run', summary: `would run ${step.action} with params ${JSON.stringify(params)}`, details: { params } });
      continue;
    }
    try {
      const { email: after, ...preview } = await action.preview({ params, email, db: viewer, workflow: { name: draft.name ?? 'draft' } });
      steps.push({ ...base, ...preview });
      if (after) email = { ...email, ...after };
    } catch (error) {
      steps.push({ ...base, outcome: 'would_fail', summary: errorText(error), details: {} });
    }
  }
  return {
    email: { id: stored.id, subject: stored.subject, sender_email: stored.sender_email, status: stored.status },
    trigger: { ...triggerVerdict(draft, event), event_id: event ? Number(event.id) : null, classification: event?.classification ?? null, confidence: event?.confidence ?? null },
    steps,
  };
}
