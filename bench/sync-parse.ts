// Times a first `mailtrail sync` of the same log with COPY rows parsed in C (native/copy-text.c)
// and in JavaScript: `npx tsx bench/sync-parse.ts [emails] [runs] [dir]` (MODE=C or MODE=JavaScript
// runs one). The PostgreSQL cluster in `dir` is kept, so later runs reuse its data. Mailtrail's CPU
// time is printed beside the wall time, which a busy machine makes noisy.
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWritableDb } from '../src-main/db/connection';
import { startEmbeddedPostgres } from '../src-main/db/embedded';
import { migrate } from '../src-main/db/migrate';
import { fillDemo } from '../src-main/demo/demo';
import { loadCopyText } from '../src-main/sync/copy-text';
import { syncCache } from '../src-main/sync/sync-cache';
import Database from 'better-sqlite3';

const emails = Number(process.argv[2] ?? 150_000);
const runs = Number(process.argv[3] ?? 2);
const root = process.argv[4] ?? join(tmpdir(), 'mailtrail-sync-bench');
mkdirSync(root, { recursive: true });
const server = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), persistent: true, throwaway: true });
try {
  const db = openWritableDb(server.url());
  await migrate(db);
  const { rows } = await db.query('SELECT count(*)::int AS n FROM email_activity_log');
  if (rows[0].n === 0) {
    const started = performance.now();
    const filled = await fillDemo(db, { emails, seed: 1 });
    console.log(`filled ${filled.emails} emails, ${filled.events} events in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  await db.end();
  const probe = new Database(':memory:');
  const built = loadCopyText(probe);
  probe.close();
  const modes = (built ? ['C', 'JavaScript'] : ['JavaScript']).filter((mode) => !process.env.MODE || mode === process.env.MODE);
  for (let run = 0; run < runs; run++) {
    for (const mode of modes) {
      const cacheFile = join(root, `cache-${mode}.mailtrail`);
      for (const suffix of ['', '-wal', '-shm']) rmSync(cacheFile + suffix, { force: true });
      const cpu = process.cpuUsage();
      const result = await syncCache({ sourceUrl: server.url(), cacheFile, parseInJavaScript: mode === 'JavaScript' });
      const { user, system } = process.cpuUsage(cpu);
      console.log(
        `${mode.padEnd(10)} ${result.fetched} events in ${result.seconds.toFixed(2)} s (${Math.round(result.rate)} events/s), ` +
          `Mailtrail's CPU ${((user + system) / 1e6).toFixed(2)} s`,
      );
    }
  }
} finally {
  await server.stop();
}
