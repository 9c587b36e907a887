import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSilence } from '../../src-main/backup/backup-runner';
import { retryAfterMs, sendNotice, type BackupNotice, type NotifySettings } from '../../src-main/backup/notifier';
import { insertJob } from '../../src-main/backup/job-records';
import { CreateBackupJobRequest } from '../../src-main/contract/backups';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startSmtpReceiver, startWebhookReceiver } from '../support/workflows';

// Backup notifications (issue 17, item 4) against a local HTTP receiver, an in-process SMTP server
// and real PostgreSQL: retries with backoff and one idempotency id, and the dead-man's switch.
let db: TestDatabase;
let admin: AdminDb;

beforeAll(async () => {
  db = await createTestDatabase();
  admin = openAdminDb(db.url, { max: 4 });
});

afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

const settings = (fields: Partial<NotifySettings> = {}): NotifySettings => ({ mailFrom: 'backups@mailtrail.test', webhookTimeoutMs: 2_000, attempts: 4, backoffMs: 50, ...fields });

const notice = (id: string): BackupNotice => ({
  kind: 'failure',
  idempotencyId: id,
  job: { id: 1, name: 'Nightly' },
  historyId: 7,
  title: 'Backup "Nightly" failed',
  message: 'Backup "Nightly" failed: cannot connect',
  details: { error: 'cannot connect' },
  at: new Date().toISOString(),
});

/** Each wait is between half of its backoff and all of it. */
function expectBackoff(waits: number[], backoffs: number[]) {
  expect(waits).toHaveLength(backoffs.length);
  waits.forEach((wait, index) => {
    expect(wait).toBeGreaterThanOrEqual(backoffs[index]! / 2);
    expect(wait).toBeLessThanOrEqual(backoffs[index]!);
  });
}

describe('a webhook notification', () => {
  it('is retried with exponential backoff, every attempt with the same idempotency id', async () => {
    const receiver = await startWebhookReceiver((call) => (call < 3 ? 503 : 204));
    const waits: number[] = [];
    try {
      const [delivery] = await sendNotice(notice('retry-1'), { webhookUrls: [receiver.url], emails: [] }, settings(), {
        log: admin,
        sleep: async (ms) => waits.push(ms),
      });
      expect(delivery).toMatchObject({ channel: 'webhook', delivered: true, attempts: 3, error: null });
      // 50 then 100 ms, each between half of it and all of it: runners that failed together spread out.
      expectBackoff(waits, [50, 100]);
      expect(receiver.calls).toHaveLength(3);
      for (const call of receiver.calls) {
        expect(call.headers['idempotency-key']).toBe('retry-1');
        expect(call.body).toMatchObject({ idempotency_id: 'retry-1', event: 'backup.failure', job_id: 1, job_name: 'Nightly', history_id: 7, error: 'cannot connect' });
      }
      const { rows } = await db.writable.query('SELECT channel, attempts, delivered FROM mailtrail_backup_notifications WHERE idempotency_id = $1', ['retry-1']);
      expect(rows).toEqual([{ channel: 'webhook', attempts: 3, delivered: true }]);
    } finally {
      await receiver.close();
    }
  });

  it('is not retried after a 4xx other than 408 and 429, and says what the receiver answered', async () => {
    const receiver = await startWebhookReceiver(() => 400);
    try {
      const [delivery] = await sendNotice(notice('bad-1'), { webhookUrls: [receiver.url], emails: [] }, settings(), { sleep: async () => undefined });
      expect(delivery).toMatchObject({ delivered: false, attempts: 1, error: expect.stringMatching(/answered 400/) });
      expect(receiver.calls).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it('retries a 429 and gives up after its attempts, saying so', async () => {
    const receiver = await startWebhookReceiver(() => 429);
    const waits: number[] = [];
    try {
      const [delivery] = await sendNotice(notice('busy-1'), { webhookUrls: [receiver.url], emails: [] }, settings({ attempts: 3 }), { sleep: async (ms) => waits.push(ms) });
      expect(delivery).toMatchObject({ delivered: false, attempts: 3, error: expect.stringMatching(/answered 429/) });
      expectBackoff(waits, [50, 100]);
    } finally {
      await receiver.close();
    }
  });

  it('waits as long as a busy receiver\'s Retry-After says, within five minutes', async () => {
    const receiver = await startWebhookReceiver((call) =>
      call === 1 ? { status: 503, headers: { 'retry-after': '7' } } : call === 2 ? { status: 429, headers: { 'retry-after': '86400' } } : 204,
    );
    const waits: number[] = [];
    try {
      const [delivery] = await sendNotice(notice('later-1'), { webhookUrls: [receiver.url], emails: [] }, settings(), { sleep: async (ms) => waits.push(ms) });
      expect(delivery).toMatchObject({ delivered: true, attempts: 3 });
      expect(waits).toEqual([7_000, 300_000]);
    } finally {
      await receiver.close();
    }
  });

  it('goes out once per idempotency id, though two runners send it', async () => {
    const receiver = await startWebhookReceiver(() => 204);
    const other = openAdminDb(db.url, { max: 2 });
    try {
      const channels = { webhookUrls: [receiver.url], emails: [] };
      const [first, second] = await Promise.all([sendNotice(notice('once-1'), channels, settings(), { log: admin }), sendNotice(notice('once-1'), channels, settings(), { log: other })]);
      expect([first?.[0]?.duplicate, second?.[0]?.duplicate].filter(Boolean)).toHaveLength(1);
      expect(receiver.calls).toHaveLength(1);
    } finally {
      await other.end();
      await receiver.close();
    }
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, and nothing from what is neither', () => {
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Sat, 28 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Sat, 28 Nov 2026 11:00:00 GMT', now)).toBe(0);
    for (const header of [null, '', 'soon', '-5', '1.5', '2026-11-28']) expect(retryAfterMs(header, now), String(header)).toBeNull();
  });
});

describe('an e-mail notification', () => {
  it('goes through the SMTP server of MAILTRAIL_SMTP_URL with the idempotency id as its Message-ID', async () => {
    const smtp = await startSmtpReceiver();
    try {
      const [delivery] = await sendNotice(notice('mail-1'), { webhookUrls: [], emails: ['ops@example.com'] }, settings({ smtpUrl: smtp.url }));
      expect(delivery).toMatchObject({ channel: 'email', delivered: true });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]?.to).toEqual(['ops@example.com']);
      expect(smtp.received[0]?.data).toMatch(/X-Mailtrail-Idempotency-Key: mail-1/);
      expect(smtp.received[0]?.data).toMatch(/Message-ID: <mail-1@mailtrail>/i);
    } finally {
      await smtp.close();
    }
  });

  it('fails at once, saying what to set, without an SMTP server', async () => {
    const [delivery] = await sendNotice(notice('mail-2'), { webhookUrls: [], emails: ['ops@example.com'] }, settings());
    expect(delivery).toMatchObject({ delivered: false, attempts: 1, error: expect.stringMatching(/set MAILTRAIL_SMTP_URL/) });
  });
});

describe("the dead-man's switch", () => {
  it('notifies once when a job has had no successful backup within its window, even when nothing ran', async () => {
    const receiver = await startWebhookReceiver(() => 204);
    const smtp = await startSmtpReceiver();
    try {
      const job = await insertJob(
        admin,
        CreateBackupJobRequest.parse({ name: 'Silent', schedule: '0 3 * * *', destination: '/srv/none', dead_man_hours: 2, notify_webhook_url: receiver.url, notify_emails: ['ops@example.com'] }),
      );
      const deps = { admin, notify: settings({ smtpUrl: smtp.url }) };
      // Made an hour ago: within its two hours, nothing to say.
      await db.writable.query(`UPDATE mailtrail_backup_jobs SET created_at = NOW() - interval '1 hour' WHERE id = $1`, [job.id]);
      expect(await checkSilence(deps)).toEqual([]);
      // Three hours without a success: told once, however often the runner looks.
      await db.writable.query(`UPDATE mailtrail_backup_jobs SET created_at = NOW() - interval '3 hours' WHERE id = $1`, [job.id]);
      expect(await checkSilence(deps)).toEqual([job.id]);
      expect(await checkSilence(deps)).toEqual([]);
      expect(receiver.calls).toHaveLength(1);
      expect(receiver.calls[0]?.body).toMatchObject({ event: 'backup.silence', job_id: job.id, dead_man_hours: 2 });
      expect(smtp.received).toHaveLength(1);
      expect(smtp.received[0]?.data).toMatch(/no successful backup for more than 2/);
      // A success, then silence again: a new silence, told again; a failed run does not end one.
      await db.writable.query(
        `INSERT INTO mailtrail_backup_history (job_id, trigger, actor, destination, status, started_at, finished_at) VALUES
           ($1, 'schedule', 'test', '/srv/none', 'succeeded', NOW() - interval '5 hours', NOW() - interval '5 hours'),
           ($1, 'schedule', 'test', '/srv/none', 'failed', NOW() - interval '1 hour', NOW() - interval '1 hour')`,
        [job.id],
      );
      expect(await checkSilence(deps)).toEqual([job.id]);
      expect(await checkSilence(deps)).toEqual([]);
      expect(receiver.calls).toHaveLength(2);
      // Two runners looking at once tell it once.
      await db.writable.query(`UPDATE mailtrail_backup_history SET finished_at = NOW() - interval '4 hours' WHERE job_id = $1 AND status = 'succeeded'`, [job.id]);
      const other = openAdminDb(db.url, { max: 2 });
      try {
        const told = await Promise.all([checkSilence(deps), checkSilence({ ...deps, admin: other })]);
        expect(told.flat()).toEqual([job.id]);
      } finally {
        await other.end();
      }
      expect(receiver.calls).toHaveLength(3);
    } finally {
      await receiver.close();
      await smtp.close();
    }
  });

  it('says nothing of a disabled job or one without a window', async () => {
    const quiet = await insertJob(admin, CreateBackupJobRequest.parse({ name: 'No window', schedule: '0 3 * * *', destination: '/srv/none' }));
    const off = await insertJob(admin, CreateBackupJobRequest.parse({ name: 'Off', schedule: '0 3 * * *', destination: '/srv/none', dead_man_hours: 1, enabled: false }));
    await db.writable.query(`UPDATE mailtrail_backup_jobs SET created_at = NOW() - interval '30 days' WHERE id = ANY($1)`, [[quiet.id, off.id]]);
    expect(await checkSilence({ admin, notify: settings() })).toEqual([]);
  });
});
