import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertJob, listHistory } from '../../src-main/backup/job-records';
import { CreateBackupJobRequest } from '../../src-main/contract/backups';
import { openAdminDb } from '../../src-main/db/connection';
import { fillDemo } from '../../src-main/demo/demo';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { startWebhookReceiver, waitFor } from '../support/workflows';

// `mailtrail worker` as a hub runs it: separate processes on one database (the built CLI, bin/mailtrail.js).

interface Worker {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startWorker(url: string, extraEnv: NodeJS.ProcessEnv = {}): Worker {
  const env = {
    ...process.env,
    ...extraEnv,
    MAILTRAIL_WORKER_EXPIRE_SECONDS: '3',
    MAILTRAIL_WORKER_MAINTENANCE_SECONDS: '1',
    MAILTRAIL_WORKER_RETRY_DELAY_SECONDS: '0',
  };
  const child = spawn(process.execPath, ['bin/mailtrail.js', 'worker', '--db', url], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function running(worker: Worker): Promise<void> {
  await waitFor(async () => worker.stderr().includes('worker running on'), 30_000, `the worker to start (stderr: ${worker.stderr()})`);
}

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

async function addWorkflow(name: string, trigger: string, steps: unknown[]): Promise<number> {
  const { rows } = await db.writable.query<{ id: number }>(
    `INSERT INTO email_workflows (name, classification_trigger, confidence_threshold, workflow_steps) VALUES ($1, $2, 0.5, $3::jsonb) RETURNING id`,
    [name, trigger, JSON.stringify(steps)],
  );
  return rows[0]!.id;
}

/** `count` emails, each classified `classification` in one statement (the hub's bulk insert). */
async function classifyEmails(count: number, classification: string): Promise<number[]> {
  const { rows } = await db.writable.query<{ id: number }>(
    `INSERT INTO email_messages (subject, sender_email, status) SELECT 'Load ' || g, 'load' || g || '@example.com', 'active' FROM generate_series(1, $1) g RETURNING id`,
    [count],
  );
  const ids = rows.map((row) => row.id);
  await db.writable.query(
    `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_by)
     SELECT id, 'classified', 'system', 'Classified as ' || $2, jsonb_build_object('classification', $2::text, 'confidence', 0.9, 'method', 'ai'), 'system'
     FROM unnest($1::int[]) AS id`,
    [ids, classification],
  );
  return ids;
}

describe('mailtrail worker, several at once', () => {
  it('two workers in two processes run each (workflow, event) exactly once', async () => {
    const workflowId = await addWorkflow('Load ticket', 'load', [
      { action: 'create_ticket', params: { priority: 'low' } },
      { action: 'set_status', params: { status: 'ticketed' } },
    ]);
    const workers = [startWorker(db.url), startWorker(db.url)];
    try {
      await Promise.all(workers.map(running));
      const emails = await classifyEmails(80, 'load');
      await waitFor(
        async () => {
          const { rows } = await db.writable.query<{ n: number }>(`SELECT count(*)::int AS n FROM email_workflow_executions WHERE workflow_id = $1 AND status = 'completed'`, [workflowId]);
          return rows[0]!.n === emails.length;
        },
        60_000,
        'every execution to complete',
      );
      const { rows } = await db.writable.query<{ executions: number; distinct_events: number; tickets: number; executed_events: number; changed: number }>(
        `SELECT (SELECT count(*)::int FROM email_workflow_executions WHERE workflow_id = $1) AS executions,
                (SELECT count(DISTINCT trigger_event_id)::int FROM email_workflow_executions WHERE workflow_id = $1) AS distinct_events,
                (SELECT count(*)::int FROM email_tickets WHERE email_id = ANY($2)) AS tickets,
                (SELECT count(*)::int FROM email_activity_log WHERE event_type = 'workflow_executed' AND email_id = ANY($2)) AS executed_events,
                (SELECT count(*)::int FROM email_activity_log WHERE event_type = 'status_changed' AND email_id = ANY($2)) AS changed`,
        [workflowId, emails],
      );
      expect(rows[0]).toEqual({ executions: 80, distinct_events: 80, tickets: 80, executed_events: 80, changed: 80 });
      // Both did work: the executions each reported on its stderr add up to all of them, none twice.
      const reported = workers.map((worker) => [...worker.stderr().matchAll(/execution (\d+): Load ticket on email \d+ completed/g)].map((match) => Number(match[1])));
      expect(reported.flat().sort((a, b) => a - b)).toEqual([...new Set(reported.flat())].sort((a, b) => a - b));
      expect(reported.flat()).toHaveLength(80);
    } finally {
      for (const worker of workers) worker.child.kill('SIGTERM');
    }
    const codes = await Promise.all(workers.map((worker) => worker.exited));
    expect(codes).toEqual([0, 0]);
    for (const worker of workers) expect(worker.stderr()).toMatch(/SIGTERM: stopping after the jobs in flight\n.*worker stopped\n$/);
  });

  it('takes over the job of a SIGKILLed worker: one execution, finished steps not done again', async () => {
    // The first call never answers: the worker is killed with the notify step in flight.
    const hook = await startWebhookReceiver((call) => (call === 1 ? 0 : 204));
    const first = startWorker(db.url);
    let second: Worker | undefined;
    try {
      const workflowId = await addWorkflow('Killed midway', 'killed', [
        { action: 'create_ticket', params: {} },
        { action: 'notify', params: { channel: 'webhook', url: hook.url } },
        { action: 'set_status', params: { status: 'done' } },
      ]);
      await running(first);
      const [emailId] = await classifyEmails(1, 'killed');
      await waitFor(async () => hook.calls.length === 1, 20_000, 'the webhook call of the first worker');
      first.child.kill('SIGKILL');
      expect(await first.exited).toBeNull();

      second = startWorker(db.url);
      await running(second);
      const execution = await waitFor(
        async () => {
          const { rows } = await db.writable.query<{ id: number; status: string; steps_completed: number }>(
            `SELECT id, status, steps_completed FROM email_workflow_executions WHERE workflow_id = $1`,
            [workflowId],
          );
          return rows.length === 1 && rows[0]!.status === 'completed' ? rows[0] : null;
        },
        30_000,
        'the second worker to finish the execution',
      );
      expect(execution.steps_completed).toBe(3);
      const { rows: steps } = await db.writable.query('SELECT action, attempts, outcome FROM email_workflow_execution_steps WHERE execution_id = $1 ORDER BY step_index', [execution.id]);
      expect(steps).toEqual([
        { action: 'create_ticket', attempts: 1, outcome: 'succeeded' },
        { action: 'notify', attempts: 2, outcome: 'succeeded' },
        { action: 'set_status', attempts: 1, outcome: 'succeeded' },
      ]);
      // The receiver saw the same idempotency id twice: the retried call, recognisably the same.
      expect(hook.calls.map((call) => call.headers['idempotency-key'])).toEqual([`mailtrail-execution-${execution.id}-step-1`, `mailtrail-execution-${execution.id}-step-1`]);
      const { rows: events } = await db.writable.query<{ event_type: string }>('SELECT event_type FROM email_activity_log WHERE email_id = $1 ORDER BY id', [emailId]);
      expect(events.map((event) => event.event_type)).toEqual(['classified', 'ticket_created', 'notification_sent', 'status_changed', 'workflow_executed']);
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      await second?.exited;
      await hook.close();
    }
  });

  it('two workers in two processes start a due backup slot once', async () => {
    const admin = openAdminDb(db.url, { max: 2 });
    const destination = mkdtempSync(join(tmpdir(), 'mailtrail-workers-backup-'));
    // Once a year: after the due slot below, the next is months away, so one run is all there may be.
    const job = await insertJob(admin, CreateBackupJobRequest.parse({ name: 'two workers', schedule: '0 3 1 1 *', destination, verify_after: false }));
    // Both look every 100 ms: the slot comes due while both are running.
    const workers = [startWorker(db.url, { MAILTRAIL_BACKUP_TICK_MS: '100' }), startWorker(db.url, { MAILTRAIL_BACKUP_TICK_MS: '100' })];
    try {
      await Promise.all(workers.map(running));
      await db.writable.query(`UPDATE mailtrail_backup_jobs SET next_run_at = NOW() - interval '1 minute' WHERE id = $1`, [job.id]);
      const history = () => listHistory(db.readable, { jobId: job.id, limit: 5 });
      await waitFor(async () => (await history()).some((run) => run.status !== 'running'), 30_000, 'the due slot to run');
      // Claimed: the slot is in the future now, so neither runner can start it again.
      const { rows } = await db.writable.query<{ next_run_at: Date }>('SELECT next_run_at FROM mailtrail_backup_jobs WHERE id = $1', [job.id]);
      expect(rows[0]!.next_run_at.getTime()).toBeGreaterThan(Date.now() + 24 * 3_600_000);
      const runs = await history();
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ trigger: 'schedule', actor: 'backup scheduler', status: 'succeeded' });
      await waitFor(async () => workers.some((worker) => worker.stderr().includes(`backup job ${job.id}: succeeded`)), 10_000, 'the run to be reported');
      expect(workers.filter((worker) => worker.stderr().includes(`backup job ${job.id}: `)), 'one worker ran it and the other said nothing of it').toHaveLength(1);
    } finally {
      for (const worker of workers) worker.child.kill('SIGTERM');
      await Promise.all(workers.map((worker) => worker.exited));
      await admin.end();
      rmSync(destination, { recursive: true, force: true });
    }
  }, 60_000);

  it('leaves the demo\'s history alone: a worker started after `demo` runs none of its classified events', async () => {
    await fillDemo(db.writable, { emails: 40, seed: 3 });
    const { rows } = await db.writable.query<{ watermark: string; max_id: number; classified: number }>(
      `SELECT watermark, (SELECT max(id) FROM email_activity_log) AS max_id,
              (SELECT count(*)::int FROM email_activity_log WHERE event_type = 'classified' AND metadata->>'classification' = 'invoice') AS classified
       FROM mailtrail_workflow_watcher`,
    );
    expect(rows[0]!.classified).toBeGreaterThan(0);
    expect(Number(rows[0]!.watermark)).toBe(rows[0]!.max_id);
  });
});
