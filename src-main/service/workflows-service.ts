import { journaled } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import type { AdminDb, ReadableDb } from '../db/connection';
import type { ActionRegistry } from '../workflows/actions/action';
import { builtInActions } from '../workflows/actions/built-in-actions';
import { listActionCatalogue, listClassifications, tryWorkflow } from '../workflows/dry-run';
import { rerunExecution } from '../workflows/rerun';
import { createWorkflow, deleteWorkflow, getExecution, getWorkflow, listExecutions, listWorkflows, updateWorkflow } from '../workflows/workflow-records';
import { decodeId, encodeId } from './cursor';

export interface WorkflowsServiceOptions {
  /** Reads (workflows, executions): the viewer's read-only pool. */
  viewer: ReadableDb;
  /** The admin connection for writes, each journaled; null where this process has none, and writes are refused (403). */
  admin: AdminDb | null;
  actor: () => string;
  /** The actions a step may name: the engine's registry (the built-ins, plus the hub's own). */
  actions?: ActionRegistry;
  noAdminMessage?: string | undefined;
}

export const WORKFLOW_OPERATIONS = [
  'workflows/list',
  'workflows/get',
  'workflows/create',
  'workflows/update',
  'workflows/delete',
  'workflows/executions',
  'workflows/execution',
  'workflows/rerun',
  'workflows/actions',
  'workflows/classifications',
  'workflows/try',
] as const;

export type WorkflowOperations = Pick<MailtrailService, (typeof WORKFLOW_OPERATIONS)[number]>;

const NO_ADMIN =
  'workflow changes need the admin connection: start `mailtrail serve --admin` with MAILTRAIL_ADMIN_TOKEN set and send Authorization: Bearer <that token>';

type Steps = { action: string; params: Record<string, unknown> }[];

/**
 * Each step's action must be one the engine can run, with params its own zod accepts: checked here, so a
 * workflow that would fail on its first email is a 400 naming the step (`workflow_steps.1.params.status: …`).
 * The params are stored as given (defaults are filled when the step runs).
 */
function checkSteps(actions: ActionRegistry, steps: Steps): void {
  steps.forEach((step, index) => {
    const at = `workflow_steps.${index}`;
    if (!actions.codes().includes(step.action)) {
      throw new MailtrailError('bad_request', `${at}.action: unknown action ${JSON.stringify(step.action.slice(0, 100))}; the actions are ${actions.codes().join(', ')}`);
    }
    try {
      actions.get(step.action).validate(step.params);
    } catch (error) {
      // The action says `set_status: params.status: …`; the caller wrote the step at `index`.
      const message = error instanceof Error ? error.message.replace(`${step.action}: params`, `${at}.params`) : String(error);
      throw new MailtrailError('bad_request', message.startsWith(at) ? message : `${at}.params: ${message}`);
    }
  });
}

/** The workflows CRUD API (issue 16, item 4), implemented once; REST, IPC and the app only adapt it. */
export function createWorkflowsService(options: WorkflowsServiceOptions): WorkflowOperations {
  const { viewer } = options;
  const actions = options.actions ?? builtInActions();
  const requireAdmin = (): AdminDb => {
    if (!options.admin) throw new MailtrailError('read_only', options.noAdminMessage ?? NO_ADMIN);
    return options.admin;
  };

  return {
    async 'workflows/list'({ includeDisabled }) {
      return { items: await listWorkflows(viewer, includeDisabled) };
    },

    'workflows/get': ({ workflowId }) => getWorkflow(viewer, workflowId),

    async 'workflows/create'(workflow) {
      const admin = requireAdmin();
      // Journaled before it is checked, so a refused attempt is on record too, as retention's are.
      return journaled(admin, { action: 'workflows.create', actor: options.actor(), parameters: { ...workflow } }, async () => {
        checkSteps(actions, workflow.workflow_steps);
        return createWorkflow(admin, workflow);
      });
    },

    async 'workflows/update'({ workflowId, ...changes }) {
      const admin = requireAdmin();
      return journaled(admin, { action: 'workflows.update', actor: options.actor(), parameters: { workflow_id: workflowId, ...changes } }, async () => {
        if (changes.workflow_steps) checkSteps(actions, changes.workflow_steps);
        return updateWorkflow(admin, workflowId, changes);
      });
    },

    async 'workflows/delete'({ workflowId }) {
      const admin = requireAdmin();
      return journaled(admin, { action: 'workflows.delete', actor: options.actor(), parameters: { workflow_id: workflowId } }, () => deleteWorkflow(admin, workflowId));
    },

    async 'workflows/executions'({ limit, cursor, ...filter }) {
      const rows = await listExecutions(viewer, { ...filter, limit: limit + 1, beforeId: cursor ? decodeId(cursor) : undefined });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeId(last.id) : null };
    },

    'workflows/execution': ({ executionId }) => getExecution(viewer, executionId),

    async 'workflows/rerun'({ executionId }) {
      // rerunExecution journals itself as workflows.rerun.
      return rerunExecution(requireAdmin(), executionId, options.actor());
    },

    async 'workflows/actions'() {
      return { items: await listActionCatalogue(viewer, actions) };
    },

    async 'workflows/classifications'() {
      return { items: await listClassifications(viewer) };
    },

    // Reads only, on the viewer's pool: a draft can be tried without the admin connection.
    'workflows/try': ({ emailId, ...draft }) => tryWorkflow(viewer, actions, draft, emailId),
  };
}
