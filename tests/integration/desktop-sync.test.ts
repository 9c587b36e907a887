import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_PHASES, measureSyncProgress, type SyncCounts } from '../../src-main/contract/sync-progress';
import { query } from '../../src-main/db/query';
import { sql } from '../../src-main/db/sql';
import { startSyncWorker, type SyncOutcome } from '../../src-main/electron/offline/sync-runner';
import { openLogSource } from '../../src-main/source/open-source';
import { openCacheForReading, readCacheInfo } from '../../src-main/store/sqlite/cache-file';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { mixedEventsSql } from '../support/mixed-events';
import { temporaryDirectory } from '../support/stores';

// The worker module the desktop app runs (bundled as out/main/sync-worker.js); here through tsx.
const WORKER_URL = new URL('../../src-main/electron/offline/sync.worker.ts', import.meta.url);
const EVENTS = 300_000;

let database: TestDatabase;
let dir: string;
let removeDir: () => void;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ dir, remove: removeDir } = temporaryDirectory('mailtrail-desktop-sync-'));
  await database.writable.query(mixedEventsSql({ count: EVENTS, minutesApart: 2, untypedErrorEvery: 5 }));
}, 120_000);
afterAll(async () => {
  await database?.drop();
  removeDir?.();
});

const sourceCount = async () => (await query<{ n: number }>(database.readable, sql`SELECT count(*) AS n FROM email_activity_log`))[0]!.n;

function runSync(cacheFile: string, onProgress: (progress: SyncCounts) => void = () => undefined) {
  return startSyncWorker({ workerUrl: WORKER_URL, sourceUrl: database.url, cacheFile, onProgress });
}

function cachedRows(file: string): { rowCount: number; counted: number; state: string; integrity: unknown } {
  const db = openCacheForReading(file);
  try {
    const info = readCacheInfo(db);
    const counted = db.prepare('SELECT count(*) FROM email_activity_log').pluck().get() as number;
    return { rowCount: info.rowCount, counted, state: info.state, integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

async function statsTotal(file: string): Promise<number> {
  const source = await openLogSource({ cache: file });
  try {
    const stats = await source.service['activity/stats']({});
    return stats.reduce((sum, row) => sum + row.count, 0);
  } finally {
    await source.close();
  }
}

describe('the desktop app\'s sync, in a worker thread against real PostgreSQL and SQLite', () => {
  it('reports progress in order with a sensible rate and time left, and leaves a cache that answers', async () => {
    const file = join(dir, 'whole.sqlite');
    const updates: SyncCounts[] = [];
    const outcome = await runSync(file, (progress) => updates.push(progress)).outcome;
    expect(outcome).toMatchObject({ state: 'done', result: { fetched: EVENTS, events: EVENTS } });

    const phases = updates.map((update) => SYNC_PHASES.indexOf(update.phase));
    expect(phases).toEqual([...phases].sort((a, b) => a - b));
    expect(new Set(updates.map((update) => update.phase))).toEqual(new Set(['users', 'messages', 'events', 'indexes']));
    const events = updates.filter((update) => update.phase === 'events');
    expect(events.map((update) => update.rows)).toEqual(events.map((update) => update.rows).sort((a, b) => a - b));
    expect(events.every((update) => update.total === EVENTS)).toBe(true);
    expect(updates.map((update) => update.elapsedMs)).toEqual(updates.map((update) => update.elapsedMs).sort((a, b) => a - b));

    const midway = events.filter((update) => update.rows > 0 && update.rows < update.total);
    expect(midway.length).toBeGreaterThan(0);
    for (const update of midway) {
      const { rate, secondsLeft, fraction } = measureSyncProgress(update);
      expect(rate).toBeGreaterThan(1_000);
      expect(fraction).toBeCloseTo(update.rows / EVENTS, 6);
      // Time left at the current rate: positive, and no longer than the whole run would take at that rate.
      expect(secondsLeft).toBeGreaterThan(0);
      expect(secondsLeft!).toBeLessThanOrEqual(EVENTS / rate);
    }
    const last = events.at(-1)!;
    expect(last.rows).toBe(EVENTS);
    expect(measureSyncProgress(last).secondsLeft).toBe(0);

    expect(await statsTotal(file)).toBe(await sourceCount());
  });

  it('cancelled mid-way leaves a sound, partial file that the next sync completes', async () => {
    const file = join(dir, 'cancelled.sqlite');
    let running: ReturnType<typeof runSync> | undefined;
    let cancelling: Promise<void> | undefined;
    let cancelledAt = 0;
    running = runSync(file, (progress) => {
      if (!cancelling && progress.phase === 'events' && progress.rows > 0) {
        cancelledAt = progress.rows;
        cancelling = running!.cancel();
      }
    });
    const outcome: SyncOutcome = await running.outcome;
    await cancelling;
    expect(outcome).toEqual({ state: 'cancelled' });
    const partial = cachedRows(file);
    expect(partial).toMatchObject({ state: 'syncing', integrity: 'ok' });
    expect(partial.rowCount).toBe(partial.counted);
    expect(partial.counted).toBeGreaterThanOrEqual(cancelledAt);
    expect(partial.counted).toBeLessThan(EVENTS);

    const resumed = await runSync(file).outcome;
    expect(resumed).toMatchObject({ state: 'done', result: { events: EVENTS, fetched: EVENTS - partial.counted } });
    expect(cachedRows(file)).toEqual({ rowCount: EVENTS, counted: EVENTS, state: 'complete', integrity: 'ok' });
    expect(await statsTotal(file)).toBe(EVENTS);
  });

  it('says clearly when the database is gone or the chosen file is not a cache, and touches nothing', async () => {
    const gone = new URL(database.url);
    gone.port = '1';
    const unreachable = await startSyncWorker({ workerUrl: WORKER_URL, sourceUrl: gone.toString(), cacheFile: join(dir, 'never.sqlite'), onProgress: () => undefined }).outcome;
    expect(unreachable.state).toBe('failed');
    const message = (unreachable as { error: Error }).error.message;
    expect(message).toMatch(/cannot connect to PostgreSQL at .*connection refused/);
    expect(message).not.toContain(new URL(database.url).password);

    const foreign = join(dir, 'notes.db');
    writeFileSync(foreign, 'my notes, not a cache\n'.repeat(100));
    const refused = await runSync(foreign).outcome;
    expect(refused.state).toBe('failed');
    expect((refused as { error: Error }).error.message).toMatch(/not a Mailtrail (offline )?cache/i);
    expect(readFileSync(foreign, 'utf8')).toBe('my notes, not a cache\n'.repeat(100));
  });
});
