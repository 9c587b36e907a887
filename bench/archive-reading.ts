/**
 * `npx tsx bench/archive-reading.ts --db URL [--runs R]`: what reading the archive costs (issue 13, item 5),
 * on a migrated database whose log and archive hold events (e.g. `mailtrail demo`, then `mailtrail
 * retention run --archive-after DAYS --purge-after off`). Connect as the tables' owner: the batches
 * switch the archive's triggers off inside transactions that are all rolled back, so nothing changes.
 *
 * - a retention batch (500 oldest events moved) and a purge batch (500 oldest archived deleted), with
 *   and without the archive's rollup triggers (migration 0009), alternating, median of R;
 * - an email's timeline: the log's alone planned each time (before issue 13) against the merged,
 *   prepared timeline (now), over the same sampled emails;
 * - statistics and events over time for the whole log, without and with includeArchived.
 */
import { parseArgs } from 'node:util';
import { openReadableDb, openWritableDb } from '../src-main/db/connection';
import { invoke } from '../src-main/service/invoke';
import { createLogService } from '../src-main/service/log-service';
import { timeline } from '../src-main/store/postgres/activity.query';
import { createPostgresLogStore } from '../src-main/store/postgres/postgres-log-store';

const { values: args } = parseArgs({ options: { db: { type: 'string' }, runs: { type: 'string', default: '15' } } });
if (!args.db) throw new Error('--db URL is required: a migrated database whose log and archive hold events');
const runs = Number(args.runs);
// One connection each, so the timeline's prepared statement is planned once, as in a viewer's pool.
const db = openReadableDb(args.db, { max: 1, statementTimeoutMs: 0 });
const writer = openWritableDb(args.db, { max: 1 });

const percentile = (samples: number[], p: number) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
const elapsed = async (run: () => Promise<unknown>) => {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
};
const say = (line: string) => console.log(line);

const { rows: [sizes] } = await db.query<{ log: number; archive: number }>(
  'SELECT (SELECT count(*) FROM email_activity_log)::int AS log, (SELECT count(*) FROM email_activity_log_archive)::int AS archive',
);
say(`${sizes!.log.toLocaleString('en-US')} events in the log, ${sizes!.archive.toLocaleString('en-US')} in the archive.\n`);

const MOVE = `WITH moved AS (DELETE FROM email_activity_log WHERE id IN (SELECT id FROM email_activity_log ORDER BY created_at, id LIMIT 500) RETURNING *)
  INSERT INTO email_activity_log_archive SELECT * FROM moved`;
const PURGE = `DELETE FROM email_activity_log_archive WHERE id IN (SELECT id FROM email_activity_log_archive ORDER BY created_at, id LIMIT 500)`;
const client = await writer.connect();
async function batch(statement: string, triggers: boolean): Promise<number> {
  await client.query('BEGIN');
  try {
    if (!triggers) await client.query('ALTER TABLE email_activity_log_archive DISABLE TRIGGER USER');
    return await elapsed(() => client.query(statement));
  } finally {
    await client.query('ROLLBACK');
  }
}
say('| 500 events, one statement | with 0009\'s triggers (ms) | without (ms) | added (ms) |\n|---|---:|---:|---:|');
for (const [name, statement] of [['retention batch: moved to the archive', MOVE], ['purge batch: deleted from the archive', PURGE]] as const) {
  for (let i = 0; i < 3; i++) await batch(statement, true);
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < runs; i++) {
    on.push(await batch(statement, true));
    off.push(await batch(statement, false));
  }
  const [withTriggers, without] = [percentile(on, 0.5), percentile(off, 0.5)];
  say(`| ${name} | ${withTriggers.toFixed(1)} | ${without.toFixed(1)} | +${(withTriggers - without).toFixed(1)} |`);
}
client.release();
await writer.end();

const LOG_ALONE = `SELECT id, email_id, event_type, event_category, description, metadata, user_id, user_name, created_at, created_by
  FROM email_timeline WHERE email_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`;
say('\n| an email\'s timeline (1,001 rows at most) | emails | log alone, planned (p50 / p95 ms) | merged, prepared (p50 / p95 ms) |\n|---|---:|---:|---:|');
for (const [label, table] of [['with live events', 'email_activity_log'], ['with archived events', 'email_activity_log_archive']] as const) {
  const { rows } = await db.query<{ email_id: number }>(`SELECT DISTINCT email_id FROM ${table} TABLESAMPLE SYSTEM (2) LIMIT 300`);
  const before: number[] = [];
  const after: number[] = [];
  for (const { email_id } of rows.slice(0, 20)) await timeline(db, { emailId: email_id, order: 'desc', limit: 1001 }, true);
  for (const { email_id } of rows) {
    before.push(await elapsed(() => db.query(LOG_ALONE, [email_id, 1001])));
    after.push(await elapsed(() => timeline(db, { emailId: email_id, order: 'desc', limit: 1001 }, true)));
  }
  const figure = (samples: number[]) => `${percentile(samples, 0.5).toFixed(2)} / ${percentile(samples, 0.95).toFixed(2)}`;
  say(`| ${label} | ${rows.length} | ${figure(before)} | ${figure(after)} |`);
}

const service = createLogService(createPostgresLogStore(db, { kind: 'postgres', label: 'bench' }));
say('\n| analytics, whole log | without the archive (p50 ms) | includeArchived (p50 ms) |\n|---|---:|---:|');
for (const operation of ['activity/stats', 'analytics/timeseries', 'analytics/errors', 'analytics/workflows'] as const) {
  const times = { plain: [] as number[], archived: [] as number[] };
  for (let i = 0; i < runs + 3; i++) {
    const plain = await elapsed(() => invoke(service, operation, {}));
    const archived = await elapsed(() => invoke(service, operation, { includeArchived: true }));
    if (i >= 3) times.plain.push(plain), times.archived.push(archived);
  }
  say(`| ${operation} | ${percentile(times.plain, 0.5).toFixed(2)} | ${percentile(times.archived, 0.5).toFixed(2)} |`);
}
await db.end();
