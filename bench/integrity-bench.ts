/**
 * Tamper evidence's rows of the benchmark (issue 15): sealing a log from scratch and verifying it
 * whole, each in a process of its own as `mailtrail seal` and `mailtrail verify` run (not beside the
 * gigabytes this process holds after loading the demo), sealing 10,000 new events on top of it, syncing it with its chain into an offline cache and
 * verifying that, and what the chain costs the hub's inserts (nothing is on their path: the
 * logger's insert time with and without a sealed chain present).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAdminDb, openWritableDb, type WritableDb } from '../src-main/db/connection';
import type { EmbeddedServer } from '../src-main/db/embedded';
import { migrate } from '../src-main/db/migrate';
import { fillDemo } from '../src-main/demo/demo';
import { generateSigningKey, loadSigningKey } from '../src-main/integrity/keys';
import { sealLog } from '../src-main/integrity/seal';
import { createEmailActivityLogger } from '../src-main/logger/email-activity-logger';
import { openCacheReader } from '../src-main/store/sqlite/cache-file';
import { verifyCacheIntegrity } from '../src-main/store/sqlite/integrity.query';
import { syncCache } from '../src-main/sync/sync-cache';
import { dropDatabase } from './drop-database';
import { timedChild } from './timed-child';

const EVENTS_PER_EMAIL = 6.67;
const NEW_EVENTS = 10_000;
const LOGGED = 2_000;
const GOAL_EVENTS = 10_000_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

export interface IntegrityBenchOptions {
  /** Events loaded by fillDemo and sealed from scratch. */
  events: number;
  /** Incremental seals and logger measurements; medians are reported. */
  repeat: number;
  say: (line: string) => void;
}

interface ChildFigures {
  cpuSeconds: number;
  peakRssMb: number;
  said: string;
  eventsChecked?: number;
  intact?: boolean;
}

/** `mailtrail seal` or `mailtrail verify --db` in its own process (bench/integrity-child.ts). */
const inChild = (...args: string[]) => timedChild<ChildFigures>('integrity-child.ts', args);

/** The mean time of one event written through the seed's logger (one INSERT each, as the hub writes). */
async function loggerInsertMs(db: WritableDb, round: number): Promise<number> {
  const logger = createEmailActivityLogger(db);
  const started = performance.now();
  for (let i = 0; i < LOGGED; i++) {
    await logger.log(1 + i, 'note', 'user', `Bench note ${round}-${i}`, { note: `n-${i}`, context: { endpoint: '/bench' } });
  }
  return (performance.now() - started) / LOGGED;
}

export async function integrityFigures(server: EmbeddedServer, options: IntegrityBenchOptions): Promise<void> {
  const { say } = options;
  await server.createDatabase('integrity');
  const url = server.url('integrity');
  const writable = openWritableDb(url);
  await migrate(writable);
  const loaded = await fillDemo(writable, { emails: Math.round(options.events / EVENTS_PER_EMAIL), seed: 5 });
  await writable.query('VACUUM ANALYZE');
  const admin = openAdminDb(url, { statementTimeoutMs: 600_000 });
  const keyDir = mkdtempSync(join(tmpdir(), 'mailtrail-bench-key-'));
  try {
    const keyFile = join(keyDir, 'seal');
    generateSigningKey(keyFile);
    const key = loadSigningKey(keyFile);
    const sealedCount = async () => {
      const { rows: [last] } = await writable.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM mailtrail_integrity_entries');
      return Number(last?.seq ?? 0);
    };

    const without: number[] = [];
    for (let round = 0; round < options.repeat; round++) without.push(await loggerInsertMs(writable, round));

    const sealLoad = loadavg()[0]!;
    const sealed = await inChild('seal', url, keyFile);
    const full = { sealed: await sealedCount() };
    const sealSeconds = sealed.seconds;
    process.stderr.write(`integrity: sealed ${full.sealed} events from scratch in ${sealSeconds.toFixed(1)} s (${sealed.said})\n`);

    const withChain: number[] = [];
    for (let round = 0; round < options.repeat; round++) withChain.push(await loggerInsertMs(writable, options.repeat + round));
    await sealLog(admin, { key });

    const incremental: number[] = [];
    for (let round = 0; round < options.repeat; round++) {
      await writable.query(
        `INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_by)
         SELECT 1 + g % 5000, 'read', 'user', 'Bench read ' || g, jsonb_build_object('round', $1::int), 'bench' FROM generate_series(1, $2::int) g`,
        [round, NEW_EVENTS],
      );
      const started = performance.now();
      const result = await sealLog(admin, { key });
      incremental.push(performance.now() - started);
      if (result.sealed !== NEW_EVENTS) throw new Error(`the incremental seal sealed ${result.sealed} events, not ${NEW_EVENTS}`);
    }

    const verifyLoad = loadavg()[0]!;
    const verified = await inChild('verify', url);
    const verifySeconds = verified.seconds;
    if (verified.intact !== true) throw new Error(`the benchmark's log did not verify: ${verified.said.slice(0, 500)}`);
    // Offline (issue 15, item 6): the whole log and its chain into a new cache, then the cache verified with no database.
    const cacheFile = join(keyDir, 'bench.mailtrail');
    const syncStarted = performance.now();
    const synced = await syncCache({ sourceUrl: url, cacheFile });
    const syncSeconds = (performance.now() - syncStarted) / 1000;
    const cacheStarted = performance.now();
    const offline = await verifyCacheIntegrity(() => openCacheReader(cacheFile), {});
    const cacheSeconds = (performance.now() - cacheStarted) / 1000;
    if (!offline.intact) throw new Error(`the benchmark's cache did not verify: ${offline.failures[0]?.message}`);
    const { rows: [size] } = await writable.query<{ entries: string; log: string }>(
      `SELECT pg_total_relation_size('mailtrail_integrity_entries') AS entries, pg_total_relation_size('email_activity_log') AS log`,
    );

    const perMillion = (seconds: number, count: number) => (seconds * 1_000_000) / count;
    const at10M = (seconds: number, count: number) => (seconds * GOAL_EVENTS) / count;
    const checked = verified.eventsChecked ?? 0;
    say(`Tamper evidence (issue 15): ${loaded.events.toLocaleString('en')} demo events (fillDemo), sealed with one Ed25519 key; ${options.repeat} rounds where repeated, medians.`);
    say('');
    say('| step | events | seconds | events/s | extrapolated to 10M (s) | goal at 10M |');
    say('|---|---:|---:|---:|---:|---|');
    say(`| seal from scratch | ${full.sealed.toLocaleString('en')} | ${sealSeconds.toFixed(1)} | ${Math.round(full.sealed / sealSeconds).toLocaleString('en')} | ${at10M(sealSeconds, full.sealed).toFixed(0)} | under 60 s |`);
    say(`| seal ${NEW_EVENTS.toLocaleString('en')} new events | ${NEW_EVENTS.toLocaleString('en')} | ${(median(incremental) / 1000).toFixed(2)} | ${Math.round(NEW_EVENTS / (median(incremental) / 1000)).toLocaleString('en')} | (index range, no scan) | under 1 s |`);
    say(`| verify the whole log | ${checked.toLocaleString('en')} | ${verifySeconds.toFixed(1)} | ${Math.round(checked / verifySeconds).toLocaleString('en')} | ${at10M(verifySeconds, checked).toFixed(0)} | under 60 s |`);
    say(`| sync log and chain into a new cache | ${synced.chain.entries.toLocaleString('en')} | ${syncSeconds.toFixed(1)} | ${Math.round(synced.chain.entries / syncSeconds).toLocaleString('en')} | ${at10M(syncSeconds, synced.chain.entries).toFixed(0)} | |`);
    say(`| … of which the chain | ${synced.chain.entries.toLocaleString('en')} | ${synced.chain.seconds.toFixed(1)} | ${Math.round(synced.chain.entries / synced.chain.seconds).toLocaleString('en')} | ${at10M(synced.chain.seconds, synced.chain.entries).toFixed(0)} | |`);
    say(`| verify the cache (\`verify --cache\`) | ${offline.events_checked.toLocaleString('en')} | ${cacheSeconds.toFixed(1)} | ${Math.round(offline.events_checked / cacheSeconds).toLocaleString('en')} | ${at10M(cacheSeconds, offline.events_checked).toFixed(0)} | |`);
    say('');
    say(
      `The commands' own processes (CPU: process.cpuUsage, user and system, every thread): seal ${((sealed.cpuSeconds * 1e6) / full.sealed).toFixed(2)} µs an event ` +
        `(${sealed.cpuSeconds.toFixed(1)} s, peak RSS ${sealed.peakRssMb.toFixed(0)} MB, load average ${sealLoad.toFixed(1)} at its start), verify ${((verified.cpuSeconds * 1e6) / checked).toFixed(2)} µs an event ` +
        `(${verified.cpuSeconds.toFixed(1)} s, peak RSS ${verified.peakRssMb.toFixed(0)} MB, load average ${verifyLoad.toFixed(1)}); ${cpus().length} cores.`,
    );
    say(
      `Per million events: seal ${perMillion(sealSeconds, full.sealed).toFixed(1)} s, verify ${perMillion(verifySeconds, checked).toFixed(1)} s. ` +
        `Incremental seals: ${incremental.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s. ` +
        `The chain's entries take ${(Number(size!.entries) / 1024 ** 2).toFixed(0)} MB beside the log's ${(Number(size!.log) / 1024 ** 2).toFixed(0)} MB (with indexes).`,
    );
    say(
      `The hub's inserts: one event through the logger took ${median(without).toFixed(3)} ms before any seal and ${median(withChain).toFixed(3)} ms with ` +
        `${full.sealed.toLocaleString('en')} events sealed (means of ${LOGGED.toLocaleString('en')}; rounds ${without.map((ms) => ms.toFixed(3)).join(', ')} and ${withChain.map((ms) => ms.toFixed(3)).join(', ')}): ` +
        `sealing adds no trigger, no column and no index to email_activity_log.`,
    );
  } finally {
    rmSync(keyDir, { recursive: true, force: true });
    await Promise.all([admin.end(), writable.end()]);
    await dropDatabase(server, 'integrity');
  }
}
