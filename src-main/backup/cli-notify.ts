import { randomUUID } from 'node:crypto';
import type { AdminDb } from '../db/connection';
import { backupNotifySettingsFromEnv, sendNotice, type Delivery, type NoticeKind } from './notifier';

// `mailtrail backup run --notify TARGET`: the outcome of one run, to a webhook (http:// or https://)
// or an e-mail address (mailto:ADDRESS, through MAILTRAIL_SMTP_URL), with the jobs' notifier.

/** Why a --notify value is no target, or null. */
export function notifyTargetProblem(target: string): string | null {
  if (/^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$/i.test(target)) return null;
  try {
    const url = new URL(target);
    if (url.protocol === 'http:' || url.protocol === 'https:') return null;
  } catch {
    // Said below.
  }
  return `--notify takes a webhook URL (http:// or https://) or mailto:ADDRESS, not ${JSON.stringify(target.slice(0, 80))}`;
}

export interface RunOutcomeNotice {
  kind: Extract<NoticeKind, 'success' | 'failure'>;
  /** What was backed up, for people: the database's description. */
  source: string;
  message: string;
  details: Record<string, unknown>;
}

/** Sends the outcome to every target; answers the deliveries that failed, each as one line. */
export async function notifyRunOutcome(targets: readonly string[], outcome: RunOutcomeNotice, log: AdminDb | null, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  if (targets.length === 0) return [];
  const notice = {
    kind: outcome.kind,
    idempotencyId: `mailtrail-backup-run-${randomUUID()}`,
    job: null,
    historyId: null,
    title: `Backup of ${outcome.source} ${outcome.kind === 'success' ? 'succeeded' : 'failed'}`,
    message: outcome.message,
    details: { source: outcome.source, status: outcome.kind === 'success' ? 'succeeded' : 'failed', ...outcome.details },
    at: new Date().toISOString(),
  };
  const channels = {
    webhookUrls: targets.filter((target) => !/^mailto:/i.test(target)),
    emails: targets.filter((target) => /^mailto:/i.test(target)).map((target) => target.slice('mailto:'.length)),
  };
  const deliveries: Delivery[] = await sendNotice(notice, channels, backupNotifySettingsFromEnv(env), { log });
  return deliveries.filter((delivery) => !delivery.delivered).map((delivery) => `the ${notice.kind} notification to ${delivery.target} failed after ${delivery.attempts} attempts: ${delivery.error}`);
}
