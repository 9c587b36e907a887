/**
 * The reports' rows of the benchmark (issue 14): CSV and JSONL export of a million events against
 * PostgreSQL's own `COPY (SELECT …) TO STDOUT (FORMAT csv)` of the same rows in the same order,
 * timed in the same run (alternating, medians); each export's peak memory in a process of its own
 * at a quarter of the rows and at all of them (flat: it streams); a 5,000-row PDF and one email's PDF.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { DOCUMENT_MAX_EVENTS, type ReportFormat, type ReportScope } from '../src-main/contract/reports';
import { MailtrailError } from '../src-main/contract/errors';
import { openReadableDb, openWritableDb } from '../src-main/db/connection';
import type { EmbeddedServer } from '../src-main/db/embedded';
import { migrate } from '../src-main/db/migrate';
import { fillDemo } from '../src-main/demo/demo';
import type { ReportOrigin } from '../src-main/reports/report-origin';
import { writeReport } from '../src-main/reports/write-report';
import { createLogService } from '../src-main/service/log-service';
import { createPostgresLogStore } from '../src-main/store/postgres/postgres-log-store';

const EVENTS_PER_EMAIL = 6.67;
const run = promisify(execFile);

// The rows and order of an activity report of the whole log (newest first), as COPY writes them.
const COPY_SQL = `COPY (SELECT a.id, a.email_id, a.created_at, a.event_type, a.event_category, a.description, a.metadata, a.user_id,
  COALESCE(u.full_name, u.username) AS user_name, a.created_by
  FROM email_activity_log a LEFT JOIN users u ON u.id = a.user_id ORDER BY a.created_at DESC, a.id DESC) TO STDOUT (FORMAT csv)`;

export interface ReportsBenchOptions {
  /** Events loaded by fillDemo (about a million). */
  events: number;
  /** Timed rounds of COPY, CSV and JSONL, alternating; medians are reported. */
  repeat: number;
  say: (line: string) => void;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const seconds = async (work: () => Promise<unknown>) => {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
};

export async function reportsFigures(server: EmbeddedServer, options: ReportsBenchOptions): Promise<void> {
  const { say } = options;
  await server.createDatabase('reports');
  const url = server.url('reports');
  const writable = openWritableDb(url);
  await migrate(writable);
  const loaded = await fillDemo(writable, { emails: Math.round(options.events / EVENTS_PER_EMAIL), seed: 5 });
  await writable.query('VACUUM ANALYZE');
  const { rows: [quarter] } = await writable.query<{ created_at: string }>(
    `SELECT to_char(created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US') AS created_at FROM email_activity_log ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
    [Math.floor(loaded.events / 4) - 1],
  );
  const { rows: [busiest] } = await writable.query<{ email_id: number; n: number }>(
    'SELECT email_id, count(*)::int AS n FROM email_activity_log GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1',
  );
  await writable.end();
  const readable = openReadableDb(url, { statementTimeoutMs: 600_000 });
  const store = createPostgresLogStore(readable, { kind: 'postgres', label: 'bench' });
  const service = createLogService(store);
  const origin: ReportOrigin = { source: { kind: 'postgres', host: 'bench', database: 'reports' }, actor: 'bench', timeZone: 'UTC', registerPath: null, journalDb: null, checkpoint: null, store };
  const dir = mkdtempSync(join(tmpdir(), 'mailtrail-reports-bench-'));
  const copyClient = new pg.Client({ connectionString: url });
  await copyClient.connect();
  const whole: ReportScope = { kind: 'activity' };
  try {
    say(`${loaded.events.toLocaleString('en')} events for ${loaded.emails.toLocaleString('en')} emails (fillDemo); every event newest first, to a file, ${options.repeat} rounds alternating, medians.`);
    // The machine's other work stretches every figure; COPY is timed in the same rounds, so the ratio stays fair.
    const load = () => loadavg()[0]!.toFixed(1);
    say(`Load average (1 min) before the timed rounds: ${load()}.`);
    say('');
    // Each export in a process of its own, as `mailtrail report` runs: its own heap, not the one
    // fillDemo just filled, and its peak memory on its own.
    const exportInChild = async (format: 'csv' | 'jsonl', scope: ReportScope) => {
      const file = join(dir, `child.${format}`);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'report-child.ts'), url, format, JSON.stringify(scope), file], {
        maxBuffer: 1 << 20,
      });
      const child = JSON.parse(stdout.trim().split('\n').pop()!) as { seconds: number; cpuSeconds: number; events: number; peakRssMb: number };
      return { ...child, bytes: statSync(file).size };
    };
    const times: Record<'copy' | 'csv' | 'jsonl', number[]> = { copy: [], csv: [], jsonl: [] };
    const cpu: Record<'csv' | 'jsonl', number[]> = { csv: [], jsonl: [] };
    const bytes: Record<'copy' | 'csv' | 'jsonl', number> = { copy: 0, csv: 0, jsonl: 0 };
    const peak: Record<'csv' | 'jsonl', number> = { csv: 0, jsonl: 0 };
    for (let round = 0; round < options.repeat; round++) {
      const copyFile = join(dir, 'copy.csv');
      times.copy.push(await seconds(() => pipeline(copyClient.query(copyTo(COPY_SQL)), createWriteStream(copyFile))));
      bytes.copy = statSync(copyFile).size;
      for (const format of ['csv', 'jsonl'] as const) {
        const child = await exportInChild(format, whole);
        times[format].push(child.seconds);
        cpu[format].push(child.cpuSeconds);
        bytes[format] = child.bytes;
        peak[format] = Math.max(peak[format], child.peakRssMb);
      }
    }
    const copy = median(times.copy);
    say(`Load average (1 min) after them: ${load()}.`);
    say('');
    say('| export of every event, to a file | seconds (median) | events/s | MB written | rate vs COPY csv | Node CPU s (median) |');
    say('|---|---:|---:|---:|---:|---:|');
    say(`| PostgreSQL COPY (SELECT …) TO STDOUT (FORMAT csv) | ${copy.toFixed(2)} | ${Math.round(loaded.events / copy).toLocaleString('en')} | ${(bytes.copy / 1e6).toFixed(0)} | 100% | |`);
    for (const format of ['csv', 'jsonl'] as const) {
      const time = median(times[format]);
      say(
        `| Mailtrail ${format.toUpperCase()} report (digest on every row) | ${time.toFixed(2)} | ${Math.round(loaded.events / time).toLocaleString('en')} | ${(bytes[format] / 1e6).toFixed(0)} | ${((100 * copy) / time).toFixed(0)}% | ${median(cpu[format]).toFixed(2)} |`,
      );
    }
    say('');

    say('| peak memory of one export (own process) | events | peak RSS (MB) |');
    say('|---|---:|---:|');
    for (const format of ['csv', 'jsonl'] as const) {
      const quarterRun = await exportInChild(format, { kind: 'activity', from: quarter!.created_at });
      say(`| ${format.toUpperCase()}, a quarter of the log | ${quarterRun.events.toLocaleString('en')} | ${quarterRun.peakRssMb.toFixed(0)} |`);
      say(`| ${format.toUpperCase()}, all of the log (highest of the timed runs) | ${loaded.events.toLocaleString('en')} | ${peak[format].toFixed(0)} |`);
    }
    say('');

    say('| document | events | seconds |');
    say('|---|---:|---:|');
    const documents: [string, ReportScope, ReportFormat][] = [
      [`PDF of the newest ${DOCUMENT_MAX_EVENTS.toLocaleString('en')} events (the whole log's summary)`, whole, 'pdf'],
      [`PDF of email ${busiest!.email_id}'s timeline (${busiest!.n} events, the most of any email)`, { kind: 'email', emailId: busiest!.email_id }, 'pdf'],
      [`HTML of the newest ${DOCUMENT_MAX_EVENTS.toLocaleString('en')} events`, whole, 'html'],
    ];
    for (const [label, scope, format] of documents) {
      try {
        const time = await seconds(() => writeReport(service, origin, { scope, format }, join(dir, `document.${format}`)));
        say(`| ${label} | ${scope.kind === 'email' ? busiest!.n : DOCUMENT_MAX_EVENTS} | ${time.toFixed(2)} |`);
      } catch (error) {
        // Until the document writer is merged (issue 14's PDF/HTML part), the documents have no figure.
        if (!(error instanceof MailtrailError && error.code === 'unavailable')) throw error;
        say(`| ${label} | n/a | n/a (${error.message}) |`);
      }
    }
    say('');
  } finally {
    await copyClient.end();
    await readable.end();
    rmSync(dir, { recursive: true, force: true });
  }
}
