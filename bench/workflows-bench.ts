/**
 * The workflow engine's figures (issue 16): trigger-to-completion latency (p50/p95) of Invoice
 * Processing on single classified events, and executions per second for a burst, with one engine
 * and with two. Run alone: `npx tsx bench/workflows-bench.ts [--db URL] [--burst N] [--singles N]`
 * [--concurrency N] (jobs per engine, default 8; without --db, a throwaway embedded PostgreSQL).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openAdminDb, openWritableDb, type WritableDb } from '../src-main/db/connection';
import { startEmbeddedPostgres } from '../src-main/db/embedded';
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

async function main() {
  const { values } = parseArgs({ options: { db: { type: 'string' }, burst: { type: 'string' }, singles: { type: 'string' }, concurrency: { type: 'string' } } });
  const concurrency = Number(values.concurrency ?? 8);
  const burst = Number(values.burst ?? 2000);
  const singles = Number(values.singles ?? 200);
  let url = values.db;
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>> | undefined;
  if (!url) {
    server = await startEmbeddedPostgres({ dataDir: join(mkdtempSync(join(tmpdir(), 'mailtrail-wf-bench-')), 'pg'), persistent: false, throwaway: true });
    await server.createDatabase('workflows');
    url = server.url('workflows');
  }
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
    console.log(`latency, trigger to completion (${latencies.length} executions, 1 engine of ${concurrency}): p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms`);
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
      console.log(`throughput, ${burst} executions of Invoice Processing (3 steps) with ${count} engine${count === 1 ? '' : 's'} of ${concurrency}: ${(burst / seconds).toFixed(0)} executions/s (${seconds.toFixed(1)} s)`);
      await started.stop();
    }
  } finally {
    await db.end();
    await server?.stop();
  }
}

await main();
