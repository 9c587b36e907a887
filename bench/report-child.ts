/**
 * One export in a process of its own, for the reports bench's memory figure: prints its time and
 * its CPU time and the process's peak resident memory (what `mailtrail report` would use) as one JSON line.
 * Arguments: DATABASE_URL FORMAT SCOPE_JSON OUT_FILE.
 */
import { openReadableDb } from '../src-main/db/connection';
import { writeReport } from '../src-main/reports/write-report';
import { createLogService } from '../src-main/service/log-service';
import { createPostgresLogStore } from '../src-main/store/postgres/postgres-log-store';

const [url, format, scope, out] = process.argv.slice(2) as [string, 'csv' | 'jsonl', string, string];
const readable = openReadableDb(url, { statementTimeoutMs: 600_000 });
const store = createPostgresLogStore(readable, { kind: 'postgres', label: 'bench' });
const service = createLogService(store);
const origin = { source: { kind: 'postgres' as const, host: 'bench', database: 'reports' }, actor: 'bench', timeZone: 'UTC', registerPath: null, journalDb: null, checkpoint: null, store };
const started = performance.now();
const cpu = process.cpuUsage();
const record = await writeReport(service, origin, { scope: JSON.parse(scope), format }, out);
const seconds = (performance.now() - started) / 1000;
// Node's own work (its threads, the file's writes included), beside PostgreSQL's in another process.
const used = process.cpuUsage(cpu);
await readable.end();
console.log(JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, events: record.events, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
