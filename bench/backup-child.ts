/**
 * One backup operation in a process of its own, for the backup bench: what `mailtrail backup run`,
 * `verify` and `restore` do, with the process's CPU time and peak resident memory, as one JSON line
 * (the bench times the process from outside).
 * Arguments: run DATABASE_URL DIR | verify FILE [--no-restore] | restore FILE DATABASE_URL.
 */
import { restoreBackup } from '../src-main/backup/backup-restore';
import { runBackup } from '../src-main/backup/backup-run';
import { verifyBackup } from '../src-main/backup/backup-verify';
import { openAdminDb } from '../src-main/db/connection';

const [mode, first, second] = process.argv.slice(2) as [string, string, string | undefined];
const cpu = process.cpuUsage();
let outcome: Record<string, unknown>;
if (mode === 'run') {
  const db = openAdminDb(first);
  const result = await runBackup({ db, toDir: second as string, actor: 'bench' });
  await db.end();
  outcome = {
    file: result.file,
    bytes: result.bytes,
    events: result.manifest.tables.find((table) => table.name === 'email_activity_log')?.rows ?? 0,
    rows: result.manifest.tables.reduce((sum, table) => sum + table.rows, 0),
  };
} else if (mode === 'verify') {
  const result = await verifyBackup(first, { restoreTest: second !== '--no-restore' });
  if (!result.ok) throw new Error(result.problems.join('; '));
  outcome = { restoreTested: result.restoreTested };
} else {
  const db = openAdminDb(second as string);
  const result = await restoreBackup(first, { db, actor: 'bench' });
  await db.end();
  outcome = { rows: result.tables.reduce((sum, table) => sum + table.rows, 0) };
}
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ ...outcome, cpuSeconds: (used.user + used.system) / 1e6, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
process.exit(0);
