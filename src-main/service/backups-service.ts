import { journaled } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import type { AdminDb, ReadableDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { deleteJob, describeJobs, getHistory, getJobRow, insertJob, listHistory, listJobRows, updateJob } from '../backup/job-records';
import { noticeOf, startJobRun, verifyHistoryFile } from '../backup/job-run';
import { backupNotifySettingsFromEnv, sendNotice, type BackupNotice, type NotifySettings } from '../backup/notifier';
import { decodeId, encodeId } from './cursor';

export interface BackupsServiceOptions {
  /** Reads (jobs, history): the viewer's read-only pool. */
  viewer: ReadableDb;
  /** The admin connection for writes and runs, each journaled; null where this process has none, and writes are refused (403). */
  admin: AdminDb | null;
  actor: () => string;
  notify?: NotifySettings | undefined;
  /** The desktop app's notification for the runs this service starts. */
  desktop?: ((notice: BackupNotice) => void) | undefined;
  noAdminMessage?: string | undefined;
}

export const BACKUP_OPERATIONS = [
  'backups/overview',
  'backups/run',
  'backups/jobs',
  'backups/job',
  'backups/create-job',
  'backups/update-job',
  'backups/delete-job',
  'backups/history',
  'backups/verify',
] as const;

export type BackupOperations = Pick<MailtrailService, (typeof BACKUP_OPERATIONS)[number]>;
export type BackupsApi = BackupOperations & { close(): Promise<void> };

const NO_ADMIN =
  'backup jobs need the admin connection: start `mailtrail serve --admin` with MAILTRAIL_ADMIN_TOKEN set and send Authorization: Bearer <that token>';

/** Backup jobs (issue 17), implemented once; REST, IPC and the app only adapt it. Runs and verifications go on after the answer. */
export function createBackupsService(options: BackupsServiceOptions): BackupsApi {
  const { viewer } = options;
  const notify = options.notify ?? backupNotifySettingsFromEnv();
  const stopping = new AbortController();
  const work = new Set<Promise<unknown>>();
  const track = (promise: Promise<unknown>) => {
    work.add(promise);
    void promise.finally(() => work.delete(promise));
  };
  const requireAdmin = (): AdminDb => {
    if (!options.admin) throw new MailtrailError('read_only', options.noAdminMessage ?? NO_ADMIN);
    return options.admin;
  };
  const deps = (admin: AdminDb) => ({ admin, notify, desktop: options.desktop });

  return {
    async 'backups/overview'({ recent }) {
      const jobs = await describeJobs(viewer, await listJobRows(viewer));
      return { jobs, recent: recent > 0 ? await listHistory(viewer, { limit: recent }) : [], writable: options.admin !== null };
    },

    async 'backups/jobs'() {
      return { items: await describeJobs(viewer, await listJobRows(viewer)) };
    },

    async 'backups/job'({ jobId }) {
      const [job] = await describeJobs(viewer, [await getJobRow(viewer, jobId)]);
      return job!;
    },

    async 'backups/create-job'(job) {
      const admin = requireAdmin();
      const row = await journaled(admin, { action: 'backups.create-job', actor: options.actor(), parameters: { ...job } }, () => insertJob(admin, job));
      const [described] = await describeJobs(admin, [row]);
      return described!;
    },

    async 'backups/update-job'({ jobId, ...changes }) {
      const admin = requireAdmin();
      const row = await journaled(admin, { action: 'backups.update-job', actor: options.actor(), parameters: { job_id: jobId, ...changes } }, () =>
        updateJob(admin, jobId, changes),
      );
      const [described] = await describeJobs(admin, [row]);
      return described!;
    },

    async 'backups/delete-job'({ jobId }) {
      const admin = requireAdmin();
      await journaled(admin, { action: 'backups.delete-job', actor: options.actor(), parameters: { job_id: jobId } }, () => deleteJob(admin, jobId));
      return { id: jobId, deleted: true as const };
    },

    async 'backups/history'({ limit, cursor, jobId, status }) {
      const rows = await listHistory(viewer, { jobId, status, limit: limit + 1, beforeId: cursor ? decodeId(cursor) : undefined });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeId(last.id) : null };
    },

    async 'backups/run'({ jobId }) {
      const admin = requireAdmin();
      // startJobRun journals the run itself (backups.run), from its start to its outcome.
      const run = await startJobRun(deps(admin), { jobId, trigger: 'manual', actor: options.actor(), signal: stopping.signal });
      track(run.done);
      return run.entry;
    },

    async 'backups/verify'({ historyId, restoreTest }) {
      const admin = requireAdmin();
      const parameters = { history_id: historyId, restore_test: restoreTest };
      const entry = await journaled(admin, { action: 'backups.verify', actor: options.actor(), parameters }, async () => {
        const current = await getHistory(admin, historyId);
        if (!current.file) throw new MailtrailError('conflict', `backup ${historyId} has no file to verify (${current.status === 'running' ? 'it is still running' : 'its run wrote none'})`);
        if (current.pruned_at) throw new MailtrailError('conflict', `backup ${historyId} was pruned on ${current.pruned_at}; its file is gone`);
        const claimed = await query(
          admin,
          sql`UPDATE mailtrail_backup_history SET verification = 'running' WHERE id = ${historyId} AND verification IS DISTINCT FROM 'running' AND status <> 'running' RETURNING id`,
        );
        if (claimed.length === 0) throw new MailtrailError('conflict', `backup ${historyId} is being verified or written now; wait for it to end`);
        return getHistory(admin, historyId);
      });
      const file = entry.file as string;
      const verifying = verifyHistoryFile(deps(admin), historyId, file, restoreTest, stopping.signal).then(async (problems) => {
        if (problems.length === 0 || entry.job_id === null) return;
        const job = await getJobRow(admin, entry.job_id).catch(() => null);
        if (!job) return;
        const notice = noticeOf('failure', job, historyId, `Backup "${job.name}" (${file}) failed its verification: ${problems.join('; ')}`, { file, problems, verified_again: true });
        notice.idempotencyId = `${notice.idempotencyId}-verify-${Date.now()}`;
        await sendNotice(notice, { webhookUrls: job.notify_webhook_url ? [job.notify_webhook_url] : [], emails: job.notify_emails, desktop: options.desktop }, notify, { log: admin });
      });
      track(verifying.catch(() => undefined));
      return entry;
    },

    async close() {
      stopping.abort();
      await Promise.all([...work]);
    },
  };
}
