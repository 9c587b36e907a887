import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { AdminDb } from '../db/connection';
import { sql } from '../db/sql';
import { mailTransport } from '../notify/mail-transport';

// Backup notifications (issue 17, item 4): a webhook (JSON with an idempotency id, the same id in an
// Idempotency-Key header, retried with exponential backoff and jitter, or when a busy receiver's
// Retry-After says), e-mail through nodemailer, and the desktop app's own. Each delivery is logged in
// mailtrail_backup_notifications when the database answers.

export type NoticeKind = 'success' | 'failure' | 'silence';

/** What happened, the same in a webhook's JSON, an e-mail's text and a desktop notification. */
export interface BackupNotice {
  kind: NoticeKind;
  /** The same on every attempt and in every process that sends this notice: receivers de-duplicate by it. */
  idempotencyId: string;
  job: { id: number; name: string } | null;
  historyId: number | null;
  /** One line for people: "Backup "nightly" failed: cannot connect …". */
  title: string;
  message: string;
  /** What a receiver may act on: file, bytes, rows, error, last success… */
  details: Record<string, unknown>;
  at: string;
}

export interface NotifySettings {
  /** nodemailer's SMTP URL (MAILTRAIL_SMTP_URL); without it e-mail notifications fail and say so. */
  smtpUrl?: string | undefined;
  mailFrom: string;
  webhookTimeoutMs: number;
  /** Attempts per channel, the first included. */
  attempts: number;
  /** The longest wait before the second attempt (half of it, plus up to half at random); each later one doubles it. */
  backoffMs: number;
}

export const DEFAULT_BACKUP_NOTIFY: NotifySettings = { mailFrom: 'mailtrail@localhost', webhookTimeoutMs: 10_000, attempts: 5, backoffMs: 1_000 };

/** The settings from the environment: the SMTP server is the process's, never a job's (no secrets in the table). */
export function backupNotifySettingsFromEnv(env: NodeJS.ProcessEnv = process.env): NotifySettings {
  const backoff = Number(env.MAILTRAIL_NOTIFY_BACKOFF_MS);
  const attempts = Number(env.MAILTRAIL_NOTIFY_ATTEMPTS);
  return {
    ...DEFAULT_BACKUP_NOTIFY,
    smtpUrl: env.MAILTRAIL_SMTP_URL || undefined,
    ...(env.MAILTRAIL_MAIL_FROM ? { mailFrom: env.MAILTRAIL_MAIL_FROM } : {}),
    ...(Number.isInteger(backoff) && backoff >= 0 && backoff <= 600_000 ? { backoffMs: backoff } : {}),
    ...(Number.isInteger(attempts) && attempts >= 1 && attempts <= 20 ? { attempts } : {}),
  };
}

export interface NoticeChannels {
  webhookUrls: readonly string[];
  emails: readonly string[];
  /** The desktop app's notification (Electron's Notification in main); absent elsewhere. */
  desktop?: ((notice: BackupNotice) => void) | undefined;
}

export interface Delivery {
  channel: 'webhook' | 'email' | 'desktop';
  target: string;
  delivered: boolean;
  attempts: number;
  error: string | null;
  /** Another process (or an earlier round) delivered it already: not sent again. */
  duplicate?: true;
}

/** A failure that another attempt would repeat: a 4xx answer other than 408 and 429, an SMTP 5xx. */
class PermanentFailure extends Error {}

/** A busy receiver that said when to come back (429 or 503 with Retry-After). */
class RetryLater extends Error {
  constructor(
    message: string,
    readonly afterMs: number,
  ) {
    super(message);
  }
}

/** The longest a Retry-After is honoured: a receiver cannot hold a backup runner for longer. */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** An HTTP date as senders write it (RFC 9110's IMF-fixdate): Date.parse alone takes "1.5" for a date. */
const HTTP_DATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** Retry-After's wait, in seconds or as an HTTP date (RFC 9110, 10.2.3); null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  const value = header?.trim();
  if (!value) return null;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = HTTP_DATE.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** The wait before attempt n + 1: what the receiver asked for, or exponential backoff with jitter. */
function retryWaitMs(error: unknown, attempts: number, backoffMs: number): number {
  if (error instanceof RetryLater) return Math.min(error.afterMs, MAX_RETRY_AFTER_MS);
  // Half of it at random: runners that failed together do not all come back at the same instant.
  const backoff = backoffMs * 2 ** (attempts - 1);
  return Math.round(backoff / 2 + (Math.random() * backoff) / 2);
}

export function webhookBody(notice: BackupNotice): Record<string, unknown> {
  return {
    idempotency_id: notice.idempotencyId,
    event: `backup.${notice.kind}`,
    kind: notice.kind,
    job_id: notice.job?.id ?? null,
    job_name: notice.job?.name ?? null,
    history_id: notice.historyId,
    title: notice.title,
    message: notice.message,
    at: notice.at,
    ...notice.details,
  };
}

async function postWebhook(url: string, notice: BackupNotice, settings: NotifySettings): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': notice.idempotencyId, 'user-agent': 'mailtrail-backup' },
      body: JSON.stringify(webhookBody(notice)),
      signal: AbortSignal.timeout(settings.webhookTimeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new Error(`the webhook ${url} could not be reached (${cause ?? (error as Error).message})`);
  }
  await response.body?.cancel().catch(() => undefined);
  if (response.ok) return;
  const message = `the webhook ${url} answered ${response.status} ${response.statusText}`.trim();
  // The request itself is wrong: another attempt would send the same. 408 and 429 may pass later.
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) throw new PermanentFailure(message);
  const after = response.status === 429 || response.status === 503 ? retryAfterMs(response.headers.get('retry-after')) : null;
  throw after === null ? new Error(message) : new RetryLater(message, after);
}

async function sendMail(to: string, notice: BackupNotice, settings: NotifySettings): Promise<void> {
  if (!settings.smtpUrl) throw new PermanentFailure('e-mail notifications need an SMTP server: set MAILTRAIL_SMTP_URL (smtp://user:password@host:587)');
  const text = [notice.message, '', ...Object.entries(webhookBody(notice)).map(([key, value]) => `${key}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value ?? '')}`)].join('\n');
  await mailTransport(settings.smtpUrl)
    .sendMail({
      from: settings.mailFrom,
      to,
      subject: `[Mailtrail] ${notice.title}`,
      text,
      // One Message-ID for every attempt: a second copy is recognisably the same mail.
      messageId: `<${notice.idempotencyId}@mailtrail>`,
      headers: { 'X-Mailtrail-Idempotency-Key': notice.idempotencyId },
    })
    .catch((error: Error & { responseCode?: number }) => {
      const message = `the SMTP server did not take the notification to ${to}: ${error.message}`;
      throw (error.responseCode ?? 0) >= 500 ? new PermanentFailure(message) : new Error(message);
    });
}

async function withRetries(send: () => Promise<void>, settings: NotifySettings, sleep: (ms: number) => Promise<unknown>): Promise<{ attempts: number; error: string | null }> {
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      await send();
      return { attempts, error: null };
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof PermanentFailure || attempts >= settings.attempts) return { attempts, error: message };
      await sleep(retryWaitMs(error, attempts, settings.backoffMs));
    }
  }
}

/**
 * Claims the log row of one delivery: false when another process (or an earlier round) claimed it,
 * so the notice goes out once. null when the log cannot be written (the database is the one that
 * failed): then it is sent all the same, unlogged.
 */
async function claim(log: AdminDb | null, notice: BackupNotice, channel: Delivery['channel'], target: string): Promise<number | false | null> {
  if (!log) return null;
  try {
    const { rows } = await log.query<{ id: string }>(
      sql`INSERT INTO mailtrail_backup_notifications (idempotency_id, job_id, history_id, kind, channel, target)
          VALUES (${notice.idempotencyId}, ${notice.job?.id ?? null}, ${notice.historyId}, ${notice.kind}, ${channel}, ${target})
          ON CONFLICT (idempotency_id, channel, target) DO NOTHING RETURNING id`.toQuery(),
    );
    return rows[0] ? Number(rows[0].id) : false;
  } catch {
    return null;
  }
}

async function record(log: AdminDb | null, id: number | null, delivery: Delivery): Promise<void> {
  if (!log || id === null) return;
  await log
    .query(
      sql`UPDATE mailtrail_backup_notifications SET attempts = ${delivery.attempts}, delivered = ${delivery.delivered}, error = ${delivery.error},
            delivered_at = CASE WHEN ${delivery.delivered} THEN NOW() END WHERE id = ${id}`.toQuery(),
    )
    .catch(() => undefined);
}

export interface NotifyOptions {
  /** Where deliveries are logged (and claimed, so several processes send once); null to send unlogged. */
  log?: AdminDb | null;
  /** For tests: the backoff's wait. */
  sleep?: (ms: number) => Promise<unknown>;
}

/** Sends the notice on every channel given, each with its retries; never throws, answers what happened. */
export async function sendNotice(notice: BackupNotice, channels: NoticeChannels, settings: NotifySettings, options: NotifyOptions = {}): Promise<Delivery[]> {
  const log = options.log ?? null;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const one = async (channel: Delivery['channel'], target: string, send: () => Promise<void>): Promise<Delivery> => {
    const claimed = await claim(log, notice, channel, target);
    if (claimed === false) return { channel, target, delivered: true, attempts: 0, error: null, duplicate: true };
    const outcome = await withRetries(send, settings, sleep);
    const delivery: Delivery = { channel, target, delivered: outcome.error === null, ...outcome };
    await record(log, claimed, delivery);
    return delivery;
  };
  const deliveries = [
    ...channels.webhookUrls.map((url) => one('webhook', url, () => postWebhook(url, notice, settings))),
    ...channels.emails.map((to) => one('email', to, () => sendMail(to, notice, settings))),
  ];
  const desktop = channels.desktop;
  if (desktop) {
    deliveries.push(
      one('desktop', hostname(), async () => {
        desktop(notice);
      }),
    );
  }
  return Promise.all(deliveries);
}
