/**
 * `npx tsx bench/cache-bench.ts --db URL [--runs R]`: the offline cache's figures over the log at URL
 * (filled beforehand, e.g. `mailtrail demo --emails 150000` for about a million events): a full
 * `mailtrail sync` (events/s), 10,000 new events synced incrementally (s), then p50 and p95 of every
 * screen's operation through the service from the cache. Adds about 10,000 demo events to that database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { OperationName } from '../src-main/contract/operations';
import { openWritableDb } from '../src-main/db/connection';
import { fillDemo } from '../src-main/demo/demo';
import { invoke } from '../src-main/service/invoke';
import { createLogService } from '../src-main/service/log-service';
import { openSqliteLogStore } from '../src-main/store/sqlite/sqlite-log-store';
import { syncCache } from '../src-main/sync/sync-cache';

const { values: args } = parseArgs({ options: { db: { type: 'string' }, runs: { type: 'string', default: '50' } } });
if (!args.db) throw new Error('--db URL is required');
const runs = Number(args.runs);
const dir = mkdtempSync(join(tmpdir(), 'mailtrail-cache-bench-'));
const cacheFile = join(dir, 'bench.mailtrail');

const full = await syncCache({ sourceUrl: args.db, cacheFile });
console.log(`full sync: ${full.fetched} events in ${full.seconds.toFixed(2)} s = ${Math.round(full.rate)} events/s`);

const writable = openWritableDb(args.db);
const added = await fillDemo(writable, { emails: 1_500, seed: Date.now() % 100_000 });
await writable.end();
const incremental = await syncCache({ sourceUrl: args.db, cacheFile });
console.log(`incremental sync: ${incremental.fetched} new events (${added.events} written) in ${incremental.seconds.toFixed(2)} s`);

const store = openSqliteLogStore(cacheFile);
const service = createLogService(store);
const percentile = (samples: number[], p: number) => [...samples].sort((a, b) => a - b)[Math.min(samples.length - 1, Math.floor(p * samples.length))]!;
const cases: [string, OperationName, () => Record<string, unknown>][] = [
  ['timeline (100 events)', 'emails/timeline', () => ({ emailId: 1 + Math.floor(Math.random() * 150_000), limit: 100 })],
  ['recent activity', 'activity/recent', () => ({ limit: 50 })],
  ['recent, rare type', 'activity/recent', () => ({ eventTypes: ['ticket_created'], limit: 50 })],
  ['recent, two types', 'activity/recent', () => ({ eventTypes: ['error', 'linked'], limit: 50 })],
  ['recent, user with no events', 'activity/recent', () => ({ userIds: [999_999], limit: 50 })],
  ['recent, text', 'activity/recent', () => ({ text: 'faktura', limit: 50 })],
  ['metadata keys', 'activity/metadata-keys', () => ({})],
  ['statistics, whole year', 'activity/stats', () => ({ from: '2025-01-01', to: '2025-12-31' })],
  ['statistics, partial days', 'activity/stats', () => ({ from: '2025-02-10T10:30', to: '2025-11-20T16:00' })],
  ['events over time, by week', 'analytics/timeseries', () => ({ bucket: 'week' })],
  ['error analysis, whole year', 'analytics/errors', () => ({ from: '2025-01-01', to: '2025-12-31' })],
  ['workflow success, whole year', 'analytics/workflows', () => ({ from: '2025-01-01', to: '2025-12-31' })],
  ['slowest executions', 'analytics/slowest', () => ({ limit: 10 })],
  ['user activity', 'users/activity', () => ({ userId: 1 + Math.floor(Math.random() * 12), limit: 100 })],
  ['email search', 'emails/search', () => ({ query: 'invoice', limit: 50 })],
];
console.log('operation (from the cache)        p50 ms   p95 ms');
for (const [name, operation, payload] of cases) {
  const samples: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now();
    const result = await invoke(service, operation, payload());
    if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
    if (i >= 3) samples.push(performance.now() - started);
  }
  console.log(`${name.padEnd(34)} ${percentile(samples, 0.5).toFixed(3).padStart(7)}  ${percentile(samples, 0.95).toFixed(3).padStart(7)}`);
}
await store.close();
rmSync(dir, { recursive: true, force: true });
