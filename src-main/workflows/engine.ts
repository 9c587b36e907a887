import type PgBoss from 'pg-boss';
import { MailtrailError } from '../contract/errors';
import { toMailtrailError, type AdminDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import type { ActionRegistry, NotifySettings } from './actions/action';
import { builtInActions } from './actions/built-in-actions';
import { finishExecution, runExecution, type ExecutionOutcome } from './execution';
import { DEAD_EXECUTION_QUEUE, DEFAULT_QUEUE_SETTINGS, EXECUTION_QUEUE, QUEUE_MISSING, openQueue, type ExecutionJob, type QueueSettings } from './queue';
import { watchOnce } from './watcher';

export interface WorkflowEngineOptions {
  admin: AdminDb;
  queue?: Partial<QueueSettings>;
  /** Milliseconds between two watcher rounds; a new classified event waits at most about this long. */
  watchIntervalMs?: number;
  /** Jobs one worker runs at once. */
  concurrency?: number;
  /** The built-ins unless given: a hub registers its own actions on builtInActions(). */
  actions?: ActionRegistry;
  notify?: Partial<NotifySettings>;
  /** Each execution that ended, for progress lines. */
  onExecution?: (outcome: ExecutionOutcome) => void;
  /** Problems the engine survives (a round that failed, a job left for retry), one line each. */
  onNote?: (line: string) => void;
}

export interface WorkflowEngine {
  /** Stops watching and taking jobs, waits for the jobs in flight (up to timeoutMs), then returns. */
  stop(timeoutMs?: number): Promise<void>;
}

export const DEFAULT_NOTIFY_SETTINGS: NotifySettings = { mailFrom: 'mailtrail@localhost', webhookTimeoutMs: 10_000 };

/** The engine's tables (0015) and pg-boss's queue, or an error that says how to get them. */
async function checkInstalled(admin: AdminDb): Promise<void> {
  const [found] = await query<{ engine: boolean; queue: boolean }>(
    admin,
    sql`SELECT to_regclass('mailtrail_workflow_watcher') IS NOT NULL AS engine, to_regclass('pgboss.queue') IS NOT NULL AS queue`,
  );
  if (!found?.engine) throw new MailtrailError('unavailable', 'this database has no workflow engine tables yet (migration 0015); run `mailtrail migrate` on it');
  if (!found.queue) throw new MailtrailError('unavailable', QUEUE_MISSING);
}

/**
 * The workflow engine in this process: the watcher (new classified events -> executions and jobs)
 * and a pg-boss worker running them. `mailtrail worker` runs it; `serve` and the desktop app can too.
 * Several engines on one database share the work: one watcher round at a time, each job to one worker.
 */
export async function startWorkflowEngine(options: WorkflowEngineOptions): Promise<WorkflowEngine> {
  const settings: QueueSettings = { ...DEFAULT_QUEUE_SETTINGS, ...options.queue };
  const deps = { admin: options.admin, actions: options.actions ?? builtInActions(), notify: { ...DEFAULT_NOTIFY_SETTINGS, ...options.notify } };
  const note = options.onNote ?? (() => undefined);
  await checkInstalled(options.admin);
  const boss = openQueue(options.admin, settings);
  boss.on('error', (error: Error) => note(`job queue: ${toMailtrailError(error).message}`));
  await boss.start();
  try {
    return await runEngine(boss, options, settings, deps, note);
  } catch (error) {
    await boss.stop({ graceful: false, close: false }).catch(() => undefined);
    throw error;
  }
}

/** The workers and the watcher on a started queue; startWorkflowEngine stops the queue if this fails. */
async function runEngine(
  boss: PgBoss,
  options: WorkflowEngineOptions,
  settings: QueueSettings,
  deps: Parameters<typeof runExecution>[0],
  note: (line: string) => void,
): Promise<WorkflowEngine> {
  const runJob = async (job: PgBoss.JobWithMetadata<ExecutionJob>) => {
    const lastAttempt = job.retryCount >= job.retryLimit;
    try {
      const outcome = await runExecution(deps, job.data.execution_id, lastAttempt);
      if (outcome.status !== 'skipped') options.onExecution?.(outcome);
    } catch (error) {
      const reason = toMailtrailError(error);
      note(`execution ${job.data.execution_id}: ${reason.message}; retry ${job.retryCount + 1} of ${job.retryLimit} follows`);
      // pg-boss fails the job for its retry. Not boss.fail() here: pg-boss would then also complete the
      // job after this handler, and with no retry delay that could land on the retry already running.
      throw reason;
    }
  };
  // `concurrency` workers of one job each, so a slow step (a webhook taking its time) holds up no other job.
  const workerIds: string[] = [];
  for (let i = 0; i < (options.concurrency ?? 4); i++) {
    const workerId: string = await boss.work<ExecutionJob>(
      EXECUTION_QUEUE,
      { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: settings.pollingIntervalSeconds },
      async ([job]) => {
        if (!job) return;
        await runJob(job);
        // There may be more: fetch again at once instead of sleeping out the polling interval.
        boss.notifyWorker(workerId);
      },
    );
    workerIds.push(workerId);
  }
  // A job that failed its last attempt without ending its execution (its worker was killed): fail the execution.
  await boss.work<ExecutionJob>(DEAD_EXECUTION_QUEUE, { pollingIntervalSeconds: Math.max(settings.pollingIntervalSeconds, 1) }, async (jobs) => {
    for (const job of jobs) {
      const outcome = await finishExecution(
        options.admin,
        job.data.execution_id,
        'failed',
        `the execution's worker stopped on its last attempt (killed, or past its ${settings.expireInSeconds} s expiry); no retry was left`,
      );
      if (outcome) options.onExecution?.(outcome);
    }
  });

  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const interval = options.watchIntervalMs ?? 250;
  const watch = async () => {
    try {
      const result = await watchOnce(options.admin, boss, settings);
      // Jobs this round sent start now rather than at the worker's next poll.
      if (result.enqueued > 0) for (const workerId of workerIds) boss.notifyWorker(workerId);
    } catch (error) {
      note(`watching for classified events: ${toMailtrailError(error).message}; trying again`);
    }
  };
  const schedule = () => {
    if (stopping) return;
    timer = setTimeout(() => {
      round = watch().finally(schedule);
    }, interval);
  };
  round = watch().finally(schedule);

  return {
    async stop(timeoutMs = 30_000) {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      await round;
      await boss.stop({ graceful: true, wait: true, close: false, timeout: timeoutMs });
    },
  };
}
