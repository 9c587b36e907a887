import type { Route } from './retention-routes';

export const BACKUPS_PATH = '/api/v1/backups';

export const isBackupPath = (path: string): boolean => path === BACKUPS_PATH || path.startsWith(`${BACKUPS_PATH}/`);

/** A job's fields in the body are its columns, as the answer's are. */
const JOB_BODY = Object.fromEntries(
  ['name', 'schedule', 'time_zone', 'destination', 'keep_last', 'keep_days', 'verify_after', 'notify_webhook_url', 'notify_emails', 'notify_on_success', 'dead_man_hours', 'enabled'].map(
    (column) => [column, column],
  ),
);

const JOB_ID = { field: 'jobId', name: 'job id in the path' };
const items = (value: unknown) => (value as { items: unknown[] }).items;

/** DESIGN.md's GET|POST /backups (the overview, run now), extended with the jobs' CRUD, the history and verifying a backup again. */
export const BACKUP_ROUTES: readonly Route[] = [
  { method: 'GET', template: '/api/v1/backups', path: /^\/api\/v1\/backups$/, operation: 'backups/overview', query: { recent: { field: 'recent', kind: 'integer' } } },
  // A run goes on after the answer: 202 with its history row.
  { method: 'POST', template: '/api/v1/backups', path: /^\/api\/v1\/backups$/, operation: 'backups/run', body: { job_id: 'jobId' }, status: () => 202 },
  { method: 'GET', template: '/api/v1/backups/jobs', path: /^\/api\/v1\/backups\/jobs$/, operation: 'backups/jobs', query: {}, answer: items },
  { method: 'POST', template: '/api/v1/backups/jobs', path: /^\/api\/v1\/backups\/jobs$/, operation: 'backups/create-job', body: JOB_BODY, status: () => 201 },
  { method: 'GET', template: '/api/v1/backups/jobs/{id}', path: /^\/api\/v1\/backups\/jobs\/([^/]+)$/, operation: 'backups/job', query: {}, pathField: JOB_ID },
  { method: 'PUT', template: '/api/v1/backups/jobs/{id}', path: /^\/api\/v1\/backups\/jobs\/([^/]+)$/, operation: 'backups/update-job', body: JOB_BODY, pathField: JOB_ID },
  { method: 'DELETE', template: '/api/v1/backups/jobs/{id}', path: /^\/api\/v1\/backups\/jobs\/([^/]+)$/, operation: 'backups/delete-job', pathField: JOB_ID },
  {
    method: 'GET',
    template: '/api/v1/backups/history',
    path: /^\/api\/v1\/backups\/history$/,
    operation: 'backups/history',
    query: { job_id: { field: 'jobId', kind: 'integer' }, status: { field: 'status', kind: 'text' }, limit: { field: 'limit', kind: 'integer' }, cursor: { field: 'cursor', kind: 'text' } },
    paged: true,
  },
  {
    method: 'POST',
    template: '/api/v1/backups/{history_id}/verify',
    path: /^\/api\/v1\/backups\/([^/]+)\/verify$/,
    operation: 'backups/verify',
    body: { restore_test: 'restoreTest' },
    pathField: { field: 'historyId', name: 'history id in the path' },
    // The verification goes on after the answer; its outcome lands on the history row.
    status: () => 202,
  },
];
