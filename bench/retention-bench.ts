/**
 * Retention's rows of the benchmark (issue 13): archiving a million events and its rate; an email's
 * timeline p50 before the run and while it goes; and the time to purge a dense month row by row and,
 * on the archive converted to monthly partitions (docs/partition-by-month.sql), by the partition path.
 */
import { readFileSync } from 'node:fs';
import { openAdminDb, openReadableDb, openWritableDb } from '../src-main/db/connection';
import type { EmbeddedServer } from '../src-main/db/embedded';
import { migrate } from '../src-main/db/migrate';
import { fillDemo } from '../src-main/demo/demo';
import { DEFAULT_STREAMS, runRetention } from '../src-main/retention/run';
import { invoke } from '../src-main/service/invoke';
import { createLogService } from '../src-main/service/log-service';
import { createPostgresLogStore } from '../src-main/store/postgres/postgres-log-store';

const EVENTS_PER_EMAIL = 6.67;
const ARCHIVED = 1_000_000;
/** Timeline samples before a run: this many, or as many as fit in a few seconds. */
const SAMPLES = 200;
const SAMPLE_MS = 5_000;
// A reader asks for a timeline every 20 ms or so (a busy screen), not back to back: a loop without a
// pause would be a second batch job on a 2-core machine, not a reader.
const PACE_MS = 20;
const pause = () => new Promise((resolve) => setTimeout(resolve, PACE_MS));
// The dense month lies before the demo's year (DEFAULT_DEMO_UNTIL minus one year), so a purge up to its end takes it alone.
const MONTH = { from: '2024-10-01', to: '2024-11-01' };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};
const p50 = median;

export interface RetentionBenchOptions {
  /** Events loaded by fillDemo: more than ARCHIVED, so that the run leaves the newest in the log. */
  events: number;
  /** Archive runs (each followed by moving the events back), and purges of the month per path. */
  repeat: number;
  monthEvents: number;
  /** Archive batches at once (runRetention's streams; default 2). */
  streams?: number;
  say: (line: string) => void;
}

export async function retentionFigures(server: EmbeddedServer, options: RetentionBenchOptions): Promise<void> {
  const { say } = options;
  await server.createDatabase('retention');
  const url = server.url('retention');
  const writable = openWritableDb(url);
  await migrate(writable);
  const loaded = await fillDemo(writable, { emails: Math.round(options.events / EVENTS_PER_EMAIL), seed: 4 });
  await writable.query('VACUUM ANALYZE');
  const admin = openAdminDb(url, { statementTimeoutMs: 600_000 });
  const readable = openReadableDb(url, { max: 4 });
  const service = createLogService(createPostgresLogStore(readable, { kind: 'postgres', label: 'bench' }));
  try {
    // Whole days back from now: the oldest ARCHIVED events and the rest of their last day.
    const { rows: [cut] } = await writable.query<{ days: number }>(
      `SELECT floor(extract(epoch FROM LOCALTIMESTAMP - created_at) / 86400)::int AS days FROM email_activity_log ORDER BY created_at, id OFFSET $1 LIMIT 1`,
      [Math.min(ARCHIVED, loaded.events - 1) - 1],
    );
    // Timelines of emails the run does not touch (the newest fifth), as the main bench asks for them.
    const { rows: [range] } = await writable.query<{ max: number }>('SELECT max(id)::int AS max FROM email_messages');
    const newest = Math.floor(range!.max * 0.8);
    let cursor = 0;
    const timeline = async () => {
      await pause();
      const began = performance.now();
      await invoke(service, 'emails/timeline', { emailId: newest + 1 + ((cursor++ * 7919) % (range!.max - newest)) });
      return performance.now() - began;
    };
    for (let i = 0; i < 20; i++) await timeline();

    say(`${loaded.events.toLocaleString('en')} events for ${loaded.emails.toLocaleString('en')} emails (fillDemo); archiving those older than ${cut!.days} days in ${options.streams ?? DEFAULT_STREAMS} streams, then moving them back, ${options.repeat} times.`);
    say('');
    say('| archive run | events | seconds | events/s | timeline p50 before (ms) | during (ms) | ratio | samples during |');
    say('|---|---:|---:|---:|---:|---:|---:|---:|');
    const rates: number[] = [];
    const ratios: number[] = [];
    for (let round = 1; round <= options.repeat; round++) {
      const before: number[] = [];
      const beforeStarted = performance.now();
      while (before.length < SAMPLES && performance.now() - beforeStarted < SAMPLE_MS) before.push(await timeline());
      const during: number[] = [];
      let running = true;
      const started = performance.now();
      const run = runRetention(admin, { archiveAfterDays: cut!.days, purgeAfterDays: null, actor: 'bench' }, { streams: options.streams }).finally(() => (running = false));
      while (running) during.push(await timeline());
      const result = await run;
      const seconds = (performance.now() - started) / 1000;
      const rate = result.archive.events / seconds;
      const ratio = p50(during) / p50(before);
      rates.push(rate);
      ratios.push(ratio);
      say(
        `| ${round} | ${result.archive.events.toLocaleString('en')} | ${seconds.toFixed(1)} | ${Math.round(rate).toLocaleString('en')} | ${p50(before).toFixed(2)} | ${p50(during).toFixed(2)} | ${ratio.toFixed(2)} | ${during.length} |`,
      );
      await writable.query(`WITH moved AS (DELETE FROM email_activity_log_archive RETURNING *) INSERT INTO email_activity_log SELECT * FROM moved`);
      // The rollups too: moving a million events back left their groups deleted in the archive's rollups and
      // written again in the log's, dead rows every upsert of the next run would step over (49,000 events/s
      // instead of 110,000 in the next round), which no hub's daily run meets after autovacuum.
      await writable.query('VACUUM ANALYZE');
    }
    say(`| median | | | ${Math.round(median(rates)).toLocaleString('en')} | | | ${median(ratios).toFixed(2)} | |`);
    say('');

    // A dense month in the archive, purged row by row, then again on the archive partitioned by month.
    const monthSql = `
      INSERT INTO email_activity_log_archive (id, email_id, event_type, event_category, description, metadata, created_at, created_by)
      SELECT nextval('email_activity_log_id_seq'), 1 + g % 50000,
             (ARRAY['fetched','classified','workflow_executed','error','read','linked'])[1 + g % 6],
             (ARRAY['system','system','workflow','system','user','integration'])[1 + g % 6],
             'old event ' || g, CASE WHEN g % 6 = 3 THEN '{"error_type": "imap_timeout"}'::jsonb END,
             '${MONTH.from}'::timestamp + (INTERVAL '1 month' - INTERVAL '1 second') * ((g::bigint * 7919) % ${options.monthEvents}) / ${options.monthEvents},
             'system'
      FROM generate_series(1, ${options.monthEvents}) g`;
    const { rows: [purge] } = await writable.query<{ days: number }>(`SELECT floor(extract(epoch FROM LOCALTIMESTAMP - $1::timestamp) / 86400)::int AS days`, [MONTH.to]);
    const purgeMonth = async () => {
      await writable.query('VACUUM ANALYZE email_activity_log_archive');
      const started = performance.now();
      const result = await runRetention(admin, { archiveAfterDays: null, purgeAfterDays: purge!.days, actor: 'bench' });
      return { events: result.purge.events, seconds: (performance.now() - started) / 1000 };
    };
    say(`| purging a month (${MONTH.from.slice(0, 7)}) of the archive | events | seconds (median of ${options.repeat}) | events/s |`);
    say('|---|---:|---:|---:|');
    for (const path of ['row by row', 'partition path (detach, drop)'] as const) {
      if (path !== 'row by row') {
        await writable.query(`SET mailtrail.partition_table = 'email_activity_log_archive'; ${readFileSync(new URL('../docs/partition-by-month.sql', import.meta.url), 'utf8')}`);
      }
      const runs: { events: number; seconds: number }[] = [];
      for (let round = 0; round < options.repeat; round++) {
        // The partition path dropped the month's partition: make it again for the next round.
        if (path !== 'row by row') {
          await writable.query(
            `CREATE TABLE IF NOT EXISTS email_activity_log_archive_${MONTH.from.slice(0, 7).replace('-', '_')} PARTITION OF email_activity_log_archive FOR VALUES FROM ('${MONTH.from}') TO ('${MONTH.to}')`,
          );
        }
        await writable.query(monthSql);
        runs.push(await purgeMonth());
      }
      const seconds = median(runs.map((run) => run.seconds));
      say(`| ${path} | ${runs[0]!.events.toLocaleString('en')} | ${seconds.toFixed(2)} | ${Math.round(runs[0]!.events / seconds).toLocaleString('en')} |`);
    }
  } finally {
    await Promise.all([writable.end(), admin.end(), readable.end()]);
  }
}
