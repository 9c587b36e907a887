/**
 * Backups' rows of the benchmark (issue 17): `backup run` of a sealed demo log, as an audit database
 * is (the chain's entries are a second row of hashes for each event), with its size, time, events/s
 * and peak memory, `backup verify` with and without its test restore, and `backup restore` into an empty
 * database, each in a process of its own as the CLI runs it; then the backup of a quarter of the
 * events, whose peak memory beside the whole one's shows whether memory stays flat in the row count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { openAdminDb, openWritableDb } from '../src-main/db/connection';
import type { EmbeddedServer } from '../src-main/db/embedded';
import { migrate } from '../src-main/db/migrate';
import { fillDemo } from '../src-main/demo/demo';
import { generateSigningKey, loadSigningKey } from '../src-main/integrity/keys';
import { sealLog } from '../src-main/integrity/seal';
import { dropDatabase } from './drop-database';
import { timedChild } from './timed-child';

const EVENTS_PER_EMAIL = 6.67;
const GOAL_EVENTS_PER_SECOND = 300_000;

export interface BackupBenchOptions {
  /** Events loaded by fillDemo and backed up. */
  events: number;
  say: (line: string) => void;
}

interface ChildFigures {
  cpuSeconds: number;
  peakRssMb: number;
  file?: string;
  bytes?: number;
  events?: number;
  rows?: number;
}

/** One backup operation in its own process (bench/backup-child.ts), as `mailtrail backup …` runs. */
const inChild = (...args: string[]) => timedChild<ChildFigures>('backup-child.ts', args);

/** A demo log of about `events` events, sealed whole with a new key. */
async function demoDatabase(server: EmbeddedServer, name: string, events: number, keyFile: string): Promise<{ url: string; events: number }> {
  await server.createDatabase(name);
  const url = server.url(name);
  const writable = openWritableDb(url);
  const admin = openAdminDb(url, { statementTimeoutMs: 600_000 });
  try {
    await migrate(writable);
    const loaded = await fillDemo(writable, { emails: Math.max(1, Math.round(events / EVENTS_PER_EMAIL)), seed: 5 });
    await sealLog(admin, { key: loadSigningKey(keyFile) });
    await writable.query('VACUUM ANALYZE');
    return { url, events: loaded.events };
  } finally {
    await Promise.all([writable.end(), admin.end()]);
  }
}

export async function backupFigures(server: EmbeddedServer, options: BackupBenchOptions): Promise<void> {
  const { say } = options;
  const load = () => loadavg().map((value) => value.toFixed(1)).join(' / ');
  const dir = mkdtempSync(join(tmpdir(), 'mailtrail-backup-bench-'));
  try {
    const keyFile = join(dir, 'seal-key');
    generateSigningKey(keyFile);
    const whole = await demoDatabase(server, 'backup_whole', options.events, keyFile);
    process.stderr.write(`backup: loaded and sealed ${whole.events} events\n`);
    say(`${whole.events.toLocaleString('en')} events (fillDemo, then sealed: the backup also carries a chain entry for each), each operation in a process of its own as the CLI runs it.`);
    say(`Load average (1 / 5 / 15 min) before: ${load()}.`);
    say('');
    // PostgreSQL's own COPY of the log to nowhere, timed in the same run: what this machine allows.
    const client = new pg.Client({ connectionString: whole.url });
    await client.connect();
    const copyStarted = performance.now();
    await pipeline(client.query(copyTo('COPY email_activity_log TO STDOUT')), new Writable({ write: (_chunk, _encoding, done) => done() }));
    const copySeconds = (performance.now() - copyStarted) / 1000;
    await client.end();
    const backup = await inChild('run', whole.url, join(dir, 'whole'));
    const file = backup.file as string;
    const checksums = await inChild('verify', file, '--no-restore');
    const verified = await inChild('verify', file);
    await server.createDatabase('backup_restored');
    const restored = await inChild('restore', file, server.url('backup_restored'));
    const rate = whole.events / backup.seconds;
    say('| operation | seconds | events/s | file MB | Node CPU s | peak RSS (MB) |');
    say('|---|---:|---:|---:|---:|---:|');
    say(`| (reference) PostgreSQL's COPY email_activity_log TO STDOUT, discarded | ${copySeconds.toFixed(1)} | ${Math.round(whole.events / copySeconds).toLocaleString('en')} | | | |`);
    say(`| backup run | ${backup.seconds.toFixed(1)} | ${Math.round(rate).toLocaleString('en')} | ${((backup.bytes ?? 0) / 1e6).toFixed(1)} | ${backup.cpuSeconds.toFixed(1)} | ${backup.peakRssMb.toFixed(0)} |`);
    say(`| backup verify --no-restore (checksums) | ${checksums.seconds.toFixed(1)} | ${Math.round(whole.events / checksums.seconds).toLocaleString('en')} | | ${checksums.cpuSeconds.toFixed(1)} | ${checksums.peakRssMb.toFixed(0)} |`);
    say(`| backup verify (checksums, scratch PostgreSQL, test restore) | ${verified.seconds.toFixed(1)} | ${Math.round(whole.events / verified.seconds).toLocaleString('en')} | | ${verified.cpuSeconds.toFixed(1)} | ${verified.peakRssMb.toFixed(0)} |`);
    say(`| backup restore into an empty database | ${restored.seconds.toFixed(1)} | ${Math.round(whole.events / restored.seconds).toLocaleString('en')} | | ${restored.cpuSeconds.toFixed(1)} | ${restored.peakRssMb.toFixed(0)} |`);
    say('');
    say(
      `Backup rate ${Math.round(rate).toLocaleString('en')} events/s (${(backup.rows ?? 0).toLocaleString('en')} rows of every table, ${Math.round((backup.rows ?? 0) / backup.seconds).toLocaleString('en')} rows/s) ` +
        `against the goal of ${GOAL_EVENTS_PER_SECOND.toLocaleString('en')}: ${rate >= GOAL_EVENTS_PER_SECOND ? 'met' : 'NOT met'}. Load average after: ${load()}.`,
    );

    const quarter = await demoDatabase(server, 'backup_quarter', Math.round(options.events / 4), keyFile);
    const small = await inChild('run', quarter.url, join(dir, 'quarter'));
    say('');
    say('| peak memory of backup run (own process) | events | peak RSS (MB) |');
    say('|---|---:|---:|');
    say(`| a quarter of the events | ${quarter.events.toLocaleString('en')} | ${small.peakRssMb.toFixed(0)} |`);
    say(`| all of them | ${whole.events.toLocaleString('en')} | ${backup.peakRssMb.toFixed(0)} |`);
    say('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
    for (const name of ['backup_whole', 'backup_restored', 'backup_quarter']) await dropDatabase(server, name);
  }
}
