import { journaled } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import type { IntegrityProgress, IntegrityReport, IntegrityStatus, SealResult, VerificationProgress } from '../contract/integrity';
import type { MailtrailService } from '../contract/operations';
import { toMailtrailError, type AdminDb, type ReadableDb } from '../db/connection';
import { keepVerification, readVerification, verificationsPath, type KeptVerification } from '../integrity/verification-state';
import type { LogStore } from '../store/log-store';
import { writeHeadFile, type ReadHead } from '../integrity/checkpoint';
import type { PublicKey, SigningKey } from '../integrity/keys';
import { sealLog } from '../integrity/seal';
import { verifyIntegrity } from '../integrity/verify';

export interface SealRequest {
  key: SigningKey;
  /** Where to write the trusted head (`--head FILE`); none when undefined. */
  headFile?: string | undefined;
  actor: string;
  onProgress?: (progress: { sealed: number; scanned: number; total: number }) => void;
  signal?: AbortSignal;
}

/**
 * Sealing is an admin write: journaled in mailtrail_admin_journal as `integrity.seal`, like a
 * retention run, with the key id and the head file as its parameters. The head is written once the
 * seal has committed, so it never names a checkpoint the database does not have.
 */
export function seal(admin: AdminDb, request: SealRequest): Promise<SealResult> {
  return journaled(admin, { actor: request.actor, action: 'integrity.seal', parameters: { key_id: request.key.keyId, head: request.headFile ?? null } }, async () => {
    const { head, ...result } = await sealLog(admin, { key: request.key, onProgress: request.onProgress, signal: request.signal });
    if (request.headFile !== undefined && head !== null) writeHeadFile(request.headFile, head);
    return result;
  });
}

export interface VerifyRequest {
  head?: ReadHead | null;
  publicKey?: PublicKey | null;
  onProgress?: (progress: IntegrityProgress) => void;
  signal?: AbortSignal;
}

/** Verification reads only: the viewer's connection is enough. What `GET /integrity` and the Integrity screen will call. */
export function verify(db: ReadableDb, request: VerifyRequest = {}): Promise<IntegrityReport> {
  return verifyIntegrity(db, request);
}

/** Where the integrity operations keep the last verification of each source (verification-state.ts). */
export interface IntegrityAccess {
  verificationsPath: string;
}

export const defaultIntegrityAccess = (env: NodeJS.ProcessEnv = process.env): IntegrityAccess => ({ verificationsPath: verificationsPath(env) });

export type IntegrityOperations = Pick<MailtrailService, 'integrity/status' | 'integrity/verify' | 'integrity/cancel' | 'integrity/email'>;

interface Running {
  progress: VerificationProgress;
  began: number;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The integrity operations over a store: the newest checkpoint, one full verification at a time in
 * the background (a second request joins it; its progress is read from integrity/status, as a
 * retention run's is polled), its report kept in the process and in a small file, and one email's check.
 */
export function createIntegrityOperations(store: LogStore, access: IntegrityAccess = defaultIntegrityAccess()): IntegrityOperations {
  const sourceKey = store.source.label;
  let running: Running | null = null;
  // What this process learnt; undefined until it ran one, and the file answers.
  let kept: KeptVerification | undefined;

  const lastKept = async (): Promise<KeptVerification> => kept ?? (await readVerification(access.verificationsPath, sourceKey)) ?? { report: null, failure_emails: {}, stopped: null };

  const remember = async (next: KeptVerification) => {
    kept = next;
    // The file only remembers across restarts: a folder that cannot be written keeps it in the process.
    await keepVerification(access.verificationsPath, sourceKey, next).catch(() => undefined);
  };

  const status = async (): Promise<IntegrityStatus> => {
    let seal: Awaited<ReturnType<LogStore['latestSeal']>>;
    try {
      seal = await store.latestSeal();
    } catch (error) {
      const mailtrailError = toMailtrailError(error);
      if (mailtrailError.code !== 'unavailable' || store.source.kind !== 'cache') throw mailtrailError;
      return { available: false, unavailable: mailtrailError.message, latest: null, sealed_events: 0, running: null, last: null, failure_emails: {}, stopped: null };
    }
    const last = await lastKept();
    return {
      available: seal.migrated,
      unavailable: seal.migrated ? null : 'this database has no integrity tables yet (migrations/0013): run `mailtrail migrate` on it, then `mailtrail seal --key FILE`',
      latest: seal.latest,
      sealed_events: seal.sealedEvents,
      running: running ? { ...running.progress, elapsed_ms: Date.now() - running.began } : null,
      last: last.report,
      failure_emails: last.failure_emails,
      stopped: last.stopped,
    };
  };

  const start = (total: number) => {
    const controller = new AbortController();
    const began = Date.now();
    const progress: VerificationProgress = {
      started_at: new Date(began).toISOString(),
      elapsed_ms: 0,
      chain: { done: 0, total },
      events: { done: 0, total },
      cancelling: false,
    };
    const run: Running = { progress, began, controller, done: Promise.resolve() };
    run.done = store
      .verifyIntegrity({
        signal: controller.signal,
        onProgress: ({ phase, done, total: entries }) => {
          progress[phase] = { done, total: entries };
        },
      })
      .then(
        async (report) => {
          const eventIds = [...new Set(report.failures.flatMap((failure) => (failure.event_id === null ? [] : [failure.event_id])))];
          const emails = await store.emailsOfEvents(eventIds).catch(() => new Map<number, number>());
          await remember({ report, failure_emails: Object.fromEntries([...emails].map(([eventId, emailId]) => [String(eventId), emailId])), stopped: null });
        },
        async (error: unknown) => {
          const message = toMailtrailError(error).message;
          const last = await lastKept();
          await remember({ ...last, stopped: { outcome: controller.signal.aborted ? 'cancelled' : 'failed', at: new Date().toISOString(), message } });
        },
      )
      .finally(() => {
        if (running === run) running = null;
      });
    running = run;
  };

  return {
    'integrity/status': () => status(),
    async 'integrity/verify'() {
      if (!running) {
        const before = await status();
        if (!before.available) throw new MailtrailError('unavailable', before.unavailable ?? 'this source does not carry the sealed chain');
        // Another request may have started one while this one looked.
        if (!running) start(before.sealed_events);
      }
      return status();
    },
    async 'integrity/cancel'() {
      if (running) {
        running.progress.cancelling = true;
        running.controller.abort();
      }
      return status();
    },
    async 'integrity/email'({ emailId }) {
      const answer = await store.emailIntegrity(emailId);
      if (answer.sealed + answer.unsealed + answer.purged === 0 && answer.failures.length === 0 && !(await store.email(emailId))) {
        throw new MailtrailError('not_found', `no email with id ${emailId} in the log; check the id or search by subject`);
      }
      return answer;
    },
  };
}
