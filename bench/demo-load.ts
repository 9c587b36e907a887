// Measures `fillDemo` into a durable (fsync on) throwaway embedded PostgreSQL: `npx tsx bench/demo-load.ts [emails]`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWritableDb } from '../src-main/db/connection';
import { startEmbeddedPostgres } from '../src-main/db/embedded';
import { migrate } from '../src-main/db/migrate';
import { fillDemo } from '../src-main/demo/demo';

const emails = Number(process.argv[2] ?? 1_500_000);
const root = mkdtempSync(join(tmpdir(), 'mailtrail-demo-bench-'));
const server = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), persistent: false });
const db = openWritableDb(server.url());
try {
  await migrate(db);
  const started = performance.now();
  let lastReport = started;
  const result = await fillDemo(db, {
    emails,
    seed: 1,
    onProgress: ({ emails: done, events }) => {
      const now = performance.now();
      if (now - lastReport < 10_000) return;
      lastReport = now;
      console.log(`${((now - started) / 1000).toFixed(0)} s: ${done} emails, ${events} events`);
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.query('SELECT count(*)::int AS n FROM email_activity_log');
  console.log(
    `${result.emails} emails, ${result.events} events (${rows[0].n} rows) in ${seconds.toFixed(1)} s: ` +
      `${Math.round(result.events / seconds)} events/s`,
  );
} finally {
  await db.end();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
