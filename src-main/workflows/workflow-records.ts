import { MailtrailError } from '../contract/errors';
import type { Workflow, WorkflowChanges, WorkflowExecution } from '../contract/workflows';
import type { AdminDb, ReadableDb, WritableClient } from '../db/connection';
import { query } from '../db/query';
import { sql, type Sql } from '../db/sql';
import { inWriteTransaction } from '../db/transaction';
import { dateRangeConditions } from '../store/postgres/filters';

// The CRUD API's queries over the seed's workflow tables (issue 16, item 4): reads on the viewer's
// pool, writes on the admin connection. Free functions, the handle first.

/** Creating and renaming take it, so two writers cannot both find a name free (the seed's table has no unique name). */
const NAME_LOCK = 7_411_916;

const WORKFLOW_COLUMNS = sql`id, name, description, classification_trigger, confidence_threshold, workflow_steps, priority,
  COALESCE(enabled, FALSE) AS enabled, created_at`;
const EXECUTION_COLUMNS = sql`e.id, e.workflow_id, w.name AS workflow_name, e.email_id, e.status, e.steps_completed, e.steps_total,
  e.result_json, e.error_message, e.started_at, e.completed_at, e.execution_time_ms, e.trigger_event_id`;

const notFound = (workflowId: number) =>
  new MailtrailError('not_found', `there is no workflow ${workflowId}; GET /api/v1/workflows lists them`);

export async function listWorkflows(db: ReadableDb, includeDisabled: boolean): Promise<Workflow[]> {
  const where = includeDisabled ? sql`` : sql`WHERE enabled`;
  return query<Workflow>(db, sql`SELECT ${WORKFLOW_COLUMNS} FROM email_workflows ${where} ORDER BY priority NULLS LAST, id`);
}

export async function getWorkflow(db: ReadableDb, workflowId: number): Promise<Workflow> {
  const [workflow] = await query<Workflow>(db, sql`SELECT ${WORKFLOW_COLUMNS} FROM email_workflows WHERE id = ${workflowId}`);
  if (!workflow) throw notFound(workflowId);
  return workflow;
}

/** Names compare as people read them: trimmed, case-insensitive. */
async function refuseTakenName(client: WritableClient, name: string, exceptId: number | null): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [NAME_LOCK]);
  const [taken] = await query<{ id: number }>(
    client,
    sql`SELECT id FROM email_workflows WHERE lower(btrim(name)) = lower(${name}) AND id IS DISTINCT FROM ${exceptId} LIMIT 1`,
  );
  if (taken) throw new MailtrailError('bad_request', `name: a workflow named ${JSON.stringify(name)} exists already (id ${taken.id}); choose another name`);
}

export async function createWorkflow(admin: AdminDb, workflow: Required<WorkflowChanges>): Promise<Workflow> {
  return inWriteTransaction(admin, async (client) => {
    await refuseTakenName(client, workflow.name, null);
    const [created] = await query<Workflow>(
      client,
      sql`INSERT INTO email_workflows (name, description, classification_trigger, confidence_threshold, workflow_steps, priority, enabled)
          VALUES (${workflow.name}, ${workflow.description}, ${workflow.classification_trigger}, ${workflow.confidence_threshold},
                  ${JSON.stringify(workflow.workflow_steps)}::jsonb, ${workflow.priority}, ${workflow.enabled})
          RETURNING ${WORKFLOW_COLUMNS}`,
    );
    return created as Workflow;
  });
}

export async function updateWorkflow(admin: AdminDb, workflowId: number, changes: WorkflowChanges): Promise<Workflow> {
  return inWriteTransaction(admin, async (client) => {
    const [current] = await query<{ id: number }>(client, sql`SELECT id FROM email_workflows WHERE id = ${workflowId} FOR UPDATE`);
    if (!current) throw notFound(workflowId);
    if (changes.name !== undefined) await refuseTakenName(client, changes.name, workflowId);
    const sets: Sql[] = [];
    if (changes.name !== undefined) sets.push(sql`name = ${changes.name}`);
    if (changes.description !== undefined) sets.push(sql`description = ${changes.description}`);
    if (changes.classification_trigger !== undefined) sets.push(sql`classification_trigger = ${changes.classification_trigger}`);
    if (changes.confidence_threshold !== undefined) sets.push(sql`confidence_threshold = ${changes.confidence_threshold}`);
    if (changes.workflow_steps !== undefined) sets.push(sql`workflow_steps = ${JSON.stringify(changes.workflow_steps)}::jsonb`);
    if (changes.priority !== undefined) sets.push(sql`priority = ${changes.priority}`);
    if (changes.enabled !== undefined) sets.push(sql`enabled = ${changes.enabled}`);
    if (sets.length === 0) {
      const [unchanged] = await query<Workflow>(client, sql`SELECT ${WORKFLOW_COLUMNS} FROM email_workflows WHERE id = ${workflowId}`);
      return unchanged as Workflow;
    }
    const assignments = sets.reduce((list, set) => sql`${list}, ${set}`);
    const [updated] = await query<Workflow>(client, sql`UPDATE email_workflows SET ${assignments} WHERE id = ${workflowId} RETURNING ${WORKFLOW_COLUMNS}`);
    return updated as Workflow;
  });
}

/** Soft delete: a workflow its executions name is disabled, so their history keeps its name; one without is deleted. */
export async function deleteWorkflow(admin: AdminDb, workflowId: number): Promise<{ id: number; outcome: 'deleted' | 'disabled'; executions: number }> {
  return inWriteTransaction(admin, async (client) => {
    const [current] = await query<{ id: number }>(client, sql`SELECT id FROM email_workflows WHERE id = ${workflowId} FOR UPDATE`);
    if (!current) throw notFound(workflowId);
    const [counted] = await query<{ executions: number }>(client, sql`SELECT count(*) AS executions FROM email_workflow_executions WHERE workflow_id = ${workflowId}`);
    const executions = counted?.executions ?? 0;
    if (executions > 0) {
      await query(client, sql`UPDATE email_workflows SET enabled = FALSE WHERE id = ${workflowId}`);
      return { id: workflowId, outcome: 'disabled', executions };
    }
    await query(client, sql`DELETE FROM email_workflows WHERE id = ${workflowId}`);
    return { id: workflowId, outcome: 'deleted', executions };
  });
}

export interface ExecutionFilter {
  workflowId?: number | undefined;
  status?: string | undefined;
  emailId?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}

/** Newest first by id, a keyset page: the (workflow_id, id) and (email_id, id) indexes of 0015 serve the filters. */
export async function listExecutions(db: ReadableDb, filter: ExecutionFilter): Promise<WorkflowExecution[]> {
  const conditions: Sql[] = [sql`TRUE`];
  if (filter.workflowId !== undefined) conditions.push(sql`e.workflow_id = ${filter.workflowId}`);
  if (filter.status !== undefined) conditions.push(sql`e.status = ${filter.status}`);
  if (filter.emailId !== undefined) conditions.push(sql`e.email_id = ${filter.emailId}`);
  conditions.push(...dateRangeConditions(filter, sql`e.started_at`));
  if (filter.beforeId !== undefined) conditions.push(sql`e.id < ${filter.beforeId}`);
  const where = conditions.reduce((all, condition) => sql`${all} AND ${condition}`);
  return query<WorkflowExecution>(
    db,
    sql`SELECT ${EXECUTION_COLUMNS} FROM email_workflow_executions e LEFT JOIN email_workflows w ON w.id = e.workflow_id
        WHERE ${where} ORDER BY e.id DESC LIMIT ${filter.limit}`,
  );
}

export async function getExecution(db: ReadableDb, executionId: number) {
  const [execution] = await query<WorkflowExecution>(
    db,
    sql`SELECT ${EXECUTION_COLUMNS} FROM email_workflow_executions e LEFT JOIN email_workflows w ON w.id = e.workflow_id WHERE e.id = ${executionId}`,
  );
  if (!execution) throw new MailtrailError('not_found', `there is no workflow execution ${executionId}; GET /api/v1/workflow-executions lists them`);
  const steps = await query<{
    step_index: number;
    action: string;
    params: unknown;
    started_at: string | null;
    finished_at: string | null;
    outcome: string;
    attempts: number;
    result_json: unknown;
    error_message: string | null;
  }>(
    db,
    sql`SELECT step_index, action, params, started_at, finished_at, outcome, attempts, result_json, error_message
        FROM email_workflow_execution_steps WHERE execution_id = ${executionId} ORDER BY step_index`,
  );
  return { ...execution, steps };
}
