/**
 * The workflow engine's figures (issue 16): trigger-to-completion latency (p50/p95) of Invoice
 * Processing on single classified events, and executions per second for a burst, with one engine
 * and with two. `npm run bench -- --only workflows [--workflows-burst N] [--workflows-singles N]`.
 */
import pg from 'pg';
import { openAdminDb, openWritableDb, type WritableDb } from '../src-main/db/connection';
import type { EmbeddedServer } from '../src-main/db/embedded';
import { migrate } from '../src-main/db/migrate';
import { createEmailActivityLogger } from '../src-main/logger/email-activity-logger';
import { startWorkflowEngine, type WorkflowEngine } from '../src-main/workflows/engine';

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

async function emails(db: WritableDb, count: number, tag: string): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO email_messages (subject, sender_email, status)
     SELECT 'Invoice INV-' || $2 || '-' || g || ' - Acme Corp', 'billing' || (g % 50) || '@acme' || (g % 50) || '.dk', 'active'
     FROM generate_series(1, $1) g RETURNING id`,
    [count, tag],
  );
  return rows.map((row) => row.id);
}

async function finished(db: WritableDb, emailIds: number[]): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM email_workflow_executions WHERE email_id = ANY($1) AND status IN ('completed', 'failed')`,
    [emailIds],
  );
  return rows[0]!.n;
}

async function waitAll(db: WritableDb, emailIds: number[]): Promise<void> {
  while ((await finished(db, emailIds)) < emailIds.length) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function engines(url: string, count: number, concurrency: number): Promise<{ stop: () => Promise<void> }> {
  const started: { engine: WorkflowEngine; admin: pg.Pool }[] = [];
  for (let i = 0; i < count; i++) {
    const admin = openAdminDb(url, { max: 12 });
    started.push({ admin, engine: await startWorkflowEngine({ admin, concurrency }) });
  }
  return {
    stop: async () => {
      for (const { engine, admin } of started) {
        await engine.stop();
        await admin.end();
      }
    },
  };
}

export interface WorkflowsBenchOptions {
  /** Executions of the burst, per engine count. */
  burst: number;
  /** Classified events logged one at a time for the latency. */
  singles: number;
  /** Jobs at a time per engine. */
  concurrency: number;
  say: (line: string) => void;
}

export async function workflowsFigures(server: EmbeddedServer, options: WorkflowsBenchOptions): Promise<void> {
  const { burst, singles, concurrency, say } = options;
  await server.createDatabase('workflows');
  const url = server.url('workflows');
  const db = openWritableDb(url);
  await migrate(db);
  const logger = createEmailActivityLogger(db);
  try {
    // Latency: one classified event at a time, ~20 a second, as a hub classifies mail.
    const running = await engines(url, 1, concurrency);
    const single = await emails(db, singles, 'lat');
    for (const emailId of single) {
      await logger.logClassified(emailId, 'invoice', 0.9, 'ai');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitAll(db, single);
    const { rows } = await db.query<{ ms: number }>(
      `SELECT EXTRACT(EPOCH FROM (x.completed_at - l.created_at)) * 1000 AS ms
       FROM email_workflow_executions x JOIN email_activity_log l ON l.id = x.trigger_event_id WHERE x.email_id = ANY($1)`,
      [single],
    );
    const latencies = rows.map((row) => Number(row.ms));
    say(`Workflow engine (issue 16): Invoice Processing (3 steps) on classified events, engines of ${concurrency} jobs at a time.`);
    say('');
    say('| what | executions | figure |');
    say('|---|---:|---|');
    say(`| trigger to completion, one event every 50 ms, 1 engine | ${latencies.length} | p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms |`);
    await running.stop();

    for (const count of [1, 2]) {
      const ids = await emails(db, burst, `burst${count}`);
      const started = await engines(url, count, concurrency);
      const t0 = performance.now();
      await db.query(
        `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_by)
         SELECT id, 'classified', 'system', 'Classified as invoice', '{"classification": "invoice", "confidence": 0.9, "method": "ai"}', 'system'
         FROM unnest($1::int[]) AS id`,
        [ids],
      );
      await waitAll(db, ids);
      const seconds = (performance.now() - t0) / 1000;
      say(`| a burst of classified events, ${count} engine${count === 1 ? '' : 's'} | ${burst} | ${(burst / seconds).toFixed(0)} executions/s (${seconds.toFixed(1)} s) |`);
      await started.stop();
    }
  } finally {
    await db.end();
  }
}
