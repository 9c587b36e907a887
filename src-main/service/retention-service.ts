import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import type { RetentionRunResult } from '../contract/retention';
import { journaled } from '../admin/journal';
import { toMailtrailError, type AdminDb, type ReadableDb } from '../db/connection';
import { listHolds, placeHold, releaseHold } from '../retention/holds';
import { readPolicy, writePolicy } from '../retention/policy';
import { previewRetention } from '../retention/preview';
import { cancelRun, listRuns, planRun, runRetention, type RunHooks } from '../retention/run';

export interface RetentionServiceOptions {
  /** Reads (policy, preview, dry runs, holds, history): the viewer's read-only pool, or the admin's. */
  viewer: ReadableDb;
  /** The admin connection for writes, each journaled in mailtrail_admin_journal; null where this process has none, and writes are refused (403). */
  admin: AdminDb | null;
  /** Who writes: the runs row, the hold and the journal name them. */
  actor: () => string;
  /** What a refused write says: how to get an admin connection here. */
  noAdminMessage?: string;
}

export const RETENTION_OPERATIONS = [
  'retention/policy',
  'retention/set-policy',
  'retention/preview',
  'retention/runs',
  'retention/run',
  'retention/cancel',
  'retention/holds',
  'retention/hold',
  'retention/release',
] as const;

export type RetentionOperations = Pick<MailtrailService, (typeof RETENTION_OPERATIONS)[number]>;

export interface RetentionApi extends RetentionOperations {
  readonly canWrite: boolean;
  /** A run to its end in this call, with progress and cancel (the CLI); `retention/run` starts one and answers at once. */
  runToEnd(request: { archiveAfterDays?: number | null | undefined; purgeAfterDays?: number | null | undefined }, hooks?: RunHooks): Promise<RetentionRunResult>;
  /** Cancels a run this service started (it stays resumable) and waits for it to stop. */
  close(): Promise<void>;
}

/** The journal's parameters in the REST API's names (snake_case), so its readers see one vocabulary. */
function snakeCaseDays(request: { archiveAfterDays?: number | null | undefined; purgeAfterDays?: number | null | undefined }) {
  return {
    ...(request.archiveAfterDays !== undefined && { archive_after_days: request.archiveAfterDays }),
    ...(request.purgeAfterDays !== undefined && { purge_after_days: request.purgeAfterDays }),
  };
}

const NO_ADMIN =
  'retention writes need the admin connection: start `mailtrail serve --admin` with MAILTRAIL_ADMIN_TOKEN set and send Authorization: Bearer <that token>';

/** Retention's operations, implemented once over the retention modules; the CLI and the REST routes only adapt them. */
export function createRetentionService(options: RetentionServiceOptions): RetentionApi {
  const { viewer } = options;
  const requireAdmin = (): AdminDb => {
    if (!options.admin) throw new MailtrailError('read_only', options.noAdminMessage ?? NO_ADMIN);
    return options.admin;
  };
  let background: { controller: AbortController; done: Promise<unknown> } | null = null;

  const runToEnd: RetentionApi['runToEnd'] = (request, hooks = {}) => {
    const admin = requireAdmin();
    const actor = options.actor();
    return journaled(
      admin,
      { action: 'retention.run', actor, parameters: snakeCaseDays(request) },
      () => runRetention(admin, { ...request, actor }, hooks),
      (result) => (result.status === 'cancelled' ? 'cancelled' : 'succeeded'),
    );
  };

  return {
    get canWrite() {
      return options.admin !== null;
    },

    async 'retention/policy'() {
      return readPolicy(viewer);
    },

    async 'retention/set-policy'({ archiveAfterDays, purgeAfterDays }) {
      const admin = requireAdmin();
      const actor = options.actor();
      return journaled(admin, { action: 'retention.policy', actor, parameters: snakeCaseDays({ archiveAfterDays, purgeAfterDays }) }, () =>
        writePolicy(admin, { archiveAfterDays, purgeAfterDays }, actor),
      );
    },

    async 'retention/preview'(overrides) {
      return previewRetention(viewer, overrides);
    },

    async 'retention/runs'({ limit }) {
      return { items: await listRuns(viewer, limit) };
    },

    async 'retention/run'({ dryRun, ...overrides }) {
      if (dryRun) return planRun(viewer, overrides);
      requireAdmin();
      // Answers once the run is recorded and going; it goes on in this process (GET /retention/runs shows it).
      const controller = new AbortController();
      let announce: (result: RetentionRunResult) => void = () => undefined;
      let wentOn = false;
      const started = new Promise<RetentionRunResult>((resolve) => (announce = resolve));
      const finished = runToEnd(overrides, {
        signal: controller.signal,
        onStarted: (run, resumed) => {
          wentOn = true;
          announce({
            run_id: run.id,
            status: 'running',
            cutoffs: run.cutoffs,
            archive: { events: run.planned.archive_events, emails: run.planned.archive_emails },
            purge: { events: run.planned.purge_events },
            held: run.held,
            resumed_run: resumed,
          });
        },
      });
      // A run refused before it started is the caller's answer; one that failed later is recorded on its row and said here.
      const done: Promise<unknown> = finished
        .catch((error: unknown) => {
          if (wentOn) process.stderr.write(`mailtrail: ${toMailtrailError(error).message}\n`);
        })
        .finally(() => {
          if (background?.done === done) background = null;
        });
      background = { controller, done };
      return Promise.race([started, finished]);
    },

    async 'retention/cancel'({ runId }) {
      const admin = requireAdmin();
      const actor = options.actor();
      return journaled(admin, { action: 'retention.cancel', actor, parameters: { run_id: runId } }, () => cancelRun(admin, runId, actor));
    },

    async 'retention/holds'(request) {
      return { items: await listHolds(viewer, request) };
    },

    async 'retention/hold'({ emailId, reason }) {
      const admin = requireAdmin();
      const actor = options.actor();
      return journaled(admin, { action: 'retention.hold', actor, parameters: { email_id: emailId, reason } }, () => placeHold(admin, { emailId, reason, actor }));
    },

    async 'retention/release'({ emailId }) {
      const admin = requireAdmin();
      const actor = options.actor();
      return journaled(admin, { action: 'retention.release', actor, parameters: { email_id: emailId } }, () => releaseHold(admin, { emailId, actor }));
    },

    runToEnd,

    async close() {
      const running = background;
      if (!running) return;
      running.controller.abort();
      await running.done;
    },
  };
}
