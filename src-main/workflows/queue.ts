import type pg from 'pg';
import PgBoss from 'pg-boss';
import { MailtrailError } from '../contract/errors';
import type { AdminDb } from '../db/connection';

/** pg-boss keeps its jobs in a schema of its own, beside the seed's tables. */
export const QUEUE_SCHEMA = 'pgboss';
/** One job per (workflow, triggering event): runs that execution. */
export const EXECUTION_QUEUE = 'mailtrail_workflow_execution';
/** Where pg-boss moves a job that failed its last retry (a worker killed on the last attempt too). */
export const DEAD_EXECUTION_QUEUE = 'mailtrail_workflow_execution_dead';

/** What one execution job carries: the execution row holds everything else. */
export interface ExecutionJob {
  execution_id: number;
}

/** pg-boss's schema without its own BEGIN/COMMIT, so the migration runner's transaction holds it. */
function constructionStatements(): string {
  const plan = PgBoss.getConstructionPlans(QUEUE_SCHEMA).trim();
  const inner = plan.replace(/^BEGIN;/, '').replace(/COMMIT;$/, '').trim();
  if (inner === plan || inner.includes('$pgboss$')) {
    throw new MailtrailError('internal', 'this pg-boss version writes its schema differently than Mailtrail expects; see src-main/workflows/queue.ts');
  }
  return inner;
}

/**
 * The code migration 0015_workflow_queue: pg-boss's schema where absent, then the two queues, as
 * the owner, so the worker's admin role needs only rights on rows (roles.ts), never CREATE.
 * Repeatable: a newer pg-boss changes the text; its schema upgrade is then pg-boss's to make (see
 * docs/workflows.md), this only creates what is missing.
 */
export function workflowQueueMigrationSql(): string {
  return `
DO $mailtrail$
BEGIN
  IF to_regclass('${QUEUE_SCHEMA}.version') IS NULL THEN
    IF to_regnamespace('${QUEUE_SCHEMA}') IS NULL AND NOT has_database_privilege(current_database(), 'CREATE') THEN
      RAISE NOTICE '${QUEUE_MISSING}';
      RETURN;
    END IF;
    EXECUTE $pgboss$ ${constructionStatements()} $pgboss$;
  END IF;
  PERFORM ${QUEUE_SCHEMA}.create_queue('${DEAD_EXECUTION_QUEUE}', '{"policy": "standard"}');
  PERFORM ${QUEUE_SCHEMA}.create_queue('${EXECUTION_QUEUE}', '{"policy": "stately", "deadLetter": "${DEAD_EXECUTION_QUEUE}"}');
END
$mailtrail$;
`;
}

/** Whether `migrate` should apply the queue migration again: it was skipped for want of the right to create the schema. */
export const WORKFLOW_QUEUE_MISSING_SQL = `SELECT to_regclass('${QUEUE_SCHEMA}.queue') IS NULL AS missing`;

/** What a role without CREATE on the database is told, by migrate and by the worker. */
export const QUEUE_MISSING = `the job queue of the workflow engine (schema ${QUEUE_SCHEMA}) is not installed: the role that ran migrate may not create a schema in this database; have a superuser run CREATE SCHEMA ${QUEUE_SCHEMA} AUTHORIZATION <that role>, then run mailtrail migrate again`;

/** Timing of the queue; the defaults suit a hub, tests shorten them. */
export interface QueueSettings {
  /** Retries of a failed execution before it fails for good. */
  retryLimit: number;
  /** Seconds before the first retry; doubled each time with retryBackoff. */
  retryDelaySeconds: number;
  retryBackoff: boolean;
  /** A job active longer than this is taken as crashed and handed to another worker. */
  expireInSeconds: number;
  /** How often a worker looks for expired jobs (pg-boss's maintenance). */
  maintenanceIntervalSeconds: number;
  /** How often an idle worker asks for jobs. */
  pollingIntervalSeconds: number;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  retryLimit: 3,
  retryDelaySeconds: 2,
  retryBackoff: true,
  expireInSeconds: 300,
  maintenanceIntervalSeconds: 30,
  pollingIntervalSeconds: 0.5,
};

/** pg-boss's `db` option: its statements on the given pool or transaction client. */
export function queueDb(db: Pick<pg.ClientBase, 'query'>): PgBoss.Db {
  return { executeSql: (text: string, values: unknown[]) => db.query(text, values) };
}

/** A pg-boss over the admin pool: no schema changes (the migration made them), no cron. */
export function openQueue(admin: AdminDb, settings: QueueSettings): PgBoss {
  return new PgBoss({
    db: queueDb(admin),
    schema: QUEUE_SCHEMA,
    migrate: false,
    schedule: false,
    supervise: true,
    maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds,
    // Completed jobs are history the executions table keeps; pg-boss drops its copies after a day.
    archiveCompletedAfterSeconds: 3600,
    deleteAfterDays: 1,
  } as PgBoss.ConstructorOptions);
}

/** The job for one execution, its retries and expiry from the settings. */
export function executionJob(executionId: number, singletonKey: string, priority: number, settings: QueueSettings): PgBoss.JobInsert<ExecutionJob> {
  return {
    name: EXECUTION_QUEUE,
    data: { execution_id: executionId },
    singletonKey,
    priority,
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: settings.retryBackoff,
    expireInSeconds: settings.expireInSeconds,
  };
}
