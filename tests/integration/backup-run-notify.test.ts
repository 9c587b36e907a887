import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMailtrail } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startSmtpReceiver, startWebhookReceiver } from '../support/workflows';

// `mailtrail backup run --notify` (issue 17, item 4): the outcome goes to a local HTTP receiver and an
// in-process SMTP server, and a backup of an unreachable database fails, is told and exits non-zero.
const dir = mkdtempSync(join(tmpdir(), 'mailtrail-backup-notify-'));
let db: TestDatabase;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;
let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;

beforeAll(async () => {
  db = await createTestDatabase();
  webhook = await startWebhookReceiver(() => 204);
  smtp = await startSmtpReceiver();
});

afterAll(async () => {
  await webhook?.close();
  await smtp?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => {
  const values: NodeJS.ProcessEnv = { ...process.env, MAILTRAIL_DATA_DIR: join(dir, 'data'), MAILTRAIL_SMTP_URL: smtp.url, MAILTRAIL_NOTIFY_BACKOFF_MS: '20' };
  delete values.DATABASE_URL;
  delete values.MAILTRAIL_ADMIN_DATABASE_URL;
  return values;
};

describe('backup run --notify', () => {
  it('fails on an unreachable database, notifies by webhook and e-mail, and exits non-zero', async () => {
    const calls = webhook.calls.length;
    const mails = smtp.received.length;
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const result = await runMailtrail(['backup', 'run', '--db', 'postgres://mailtrail@127.0.0.1:1/gone', '--to', join(dir, 'out'), '--notify', webhook.url, '--notify', 'mailto:ops@example.com'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^mailtrail: .*cannot connect to PostgreSQL at mailtrail@127\.0\.0\.1:1\/gone/m);
    expect(webhook.calls.slice(calls)).toHaveLength(1);
    const call = webhook.calls[calls]!;
    expect(call.body).toMatchObject({ event: 'backup.failure', status: 'failed', error: expect.stringMatching(/connection refused/) });
    expect(call.headers['idempotency-key']).toBe(call.body.idempotency_id);
    expect(smtp.received.slice(mails)).toHaveLength(1);
    expect(smtp.received[mails]?.to).toEqual(['ops@example.com']);
  });

  it('posts the success of a backup with its file, size and rows', async () => {
    const calls = webhook.calls.length;
    const result = await runMailtrail(['backup', 'run', '--db', db.url, '--to', join(dir, 'ok'), '--notify', webhook.url], env());
    expect(result.code, result.stderr).toBe(0);
    expect(webhook.calls.slice(calls)).toHaveLength(1);
    expect(webhook.calls[calls]?.body).toMatchObject({ event: 'backup.success', status: 'succeeded', file: expect.stringContaining(join(dir, 'ok')), bytes: expect.any(Number), rows: expect.any(Number) });
  });

  it('refuses a --notify that is neither a webhook nor mailto: (exit 2)', async () => {
    const result = await runMailtrail(['backup', 'run', '--to', join(dir, 'x'), '--notify', 'ftp://example.com/'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--notify takes a webhook URL \(http:\/\/ or https:\/\/\) or mailto:ADDRESS/);
  });
});
