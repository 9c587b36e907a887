import type { ParamSpecs } from './query-params';
import type { Route } from './retention-routes';
import { DATE_RANGE } from './rest-routes';

export const WORKFLOWS_PATH = '/api/v1/workflows';
export const EXECUTIONS_PATH = '/api/v1/workflow-executions';
export const ACTIONS_PATH = '/api/v1/workflow-actions';
export const CLASSIFICATIONS_PATH = '/api/v1/workflow-classifications';

export const isWorkflowPath = (path: string): boolean =>
  path === WORKFLOWS_PATH ||
  path.startsWith(`${WORKFLOWS_PATH}/`) ||
  path === EXECUTIONS_PATH ||
  path.startsWith(`${EXECUTIONS_PATH}/`) ||
  path === ACTIONS_PATH ||
  path === CLASSIFICATIONS_PATH;

/** A workflow's fields in the body are its columns, as the answer's are. */
const WORKFLOW_BODY = Object.fromEntries(
  ['name', 'description', 'classification_trigger', 'confidence_threshold', 'workflow_steps', 'priority', 'enabled'].map((column) => [column, column]),
);

const EXECUTION_FILTER: ParamSpecs = {
  status: { field: 'status', kind: 'text' },
  email_id: { field: 'emailId', kind: 'integer' },
  ...DATE_RANGE,
  limit: { field: 'limit', kind: 'integer' },
  cursor: { field: 'cursor', kind: 'text' },
};

const WORKFLOW_ID = { field: 'workflowId', name: 'workflow id in the path' };
const EXECUTION_ID = { field: 'executionId', name: 'execution id in the path' };
const items = (value: unknown) => (value as { items: unknown[] }).items;

/** DESIGN.md's /workflows and /workflow-executions, plus re-running a failed execution. Lists are bare JSON arrays. */
export const WORKFLOW_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    template: '/api/v1/workflows',
    path: /^\/api\/v1\/workflows$/,
    operation: 'workflows/list',
    query: { include_disabled: { field: 'includeDisabled', kind: 'boolean' } },
    answer: items,
  },
  { method: 'POST', template: '/api/v1/workflows', path: /^\/api\/v1\/workflows$/, operation: 'workflows/create', body: WORKFLOW_BODY, status: () => 201 },
  // Before /workflows/{id}: a dry run of a draft (create's body plus email_id) on one email; reads only.
  { method: 'POST', template: '/api/v1/workflows/try', path: /^\/api\/v1\/workflows\/try$/, operation: 'workflows/try', body: { ...WORKFLOW_BODY, email_id: 'emailId' } },
  { method: 'GET', template: '/api/v1/workflow-actions', path: /^\/api\/v1\/workflow-actions$/, operation: 'workflows/actions', query: {}, answer: items },
  { method: 'GET', template: '/api/v1/workflow-classifications', path: /^\/api\/v1\/workflow-classifications$/, operation: 'workflows/classifications', query: {}, answer: items },
  { method: 'GET', template: '/api/v1/workflows/{id}', path: /^\/api\/v1\/workflows\/([^/]+)$/, operation: 'workflows/get', query: {}, pathField: WORKFLOW_ID },
  { method: 'PUT', template: '/api/v1/workflows/{id}', path: /^\/api\/v1\/workflows\/([^/]+)$/, operation: 'workflows/update', body: WORKFLOW_BODY, pathField: WORKFLOW_ID },
  { method: 'DELETE', template: '/api/v1/workflows/{id}', path: /^\/api\/v1\/workflows\/([^/]+)$/, operation: 'workflows/delete', pathField: WORKFLOW_ID },
  {
    method: 'GET',
    template: '/api/v1/workflows/{id}/executions',
    path: /^\/api\/v1\/workflows\/([^/]+)\/executions$/,
    operation: 'workflows/executions',
    query: EXECUTION_FILTER,
    pathField: WORKFLOW_ID,
    paged: true,
  },
  {
    method: 'GET',
    template: '/api/v1/workflow-executions',
    path: /^\/api\/v1\/workflow-executions$/,
    operation: 'workflows/executions',
    query: { workflow_id: { field: 'workflowId', kind: 'integer' }, ...EXECUTION_FILTER },
    paged: true,
  },
  {
    method: 'GET',
    template: '/api/v1/workflow-executions/{id}',
    path: /^\/api\/v1\/workflow-executions\/([^/]+)$/,
    operation: 'workflows/execution',
    query: {},
    pathField: EXECUTION_ID,
  },
  {
    method: 'POST',
    template: '/api/v1/workflow-executions/{id}/rerun',
    path: /^\/api\/v1\/workflow-executions\/([^/]+)\/rerun$/,
    operation: 'workflows/rerun',
    pathField: EXECUTION_ID,
    // Queued: it runs in a worker after the answer.
    status: () => 202,
  },
];
