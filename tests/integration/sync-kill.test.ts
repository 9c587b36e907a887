import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../src-main/db/query';
import { sql } from '../../src-main/db/sql';
import { fillDemo } from '../../src-main/demo/demo';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { expectCacheEqualsSource, inspectCache, temporaryDirectory } from '../support/stores';

const KILLS = 20;
const MAX_ATTEMPTS = 45;

let database: TestDatabase;
let dir: string;
let removeDir: () => void;

beforeAll(async () => {
  database = await createTestDatabase();
  ({ dir, remove: removeDir } = temporaryDirectory());
  await fillDemo(database.writable, { emails: 30_000, seed: 11 });
}, 120_000);
afterAll(async () => {
  await database?.drop();
  removeDir?.();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  /** From the first progress line to the exit. */
  workMs: number;
}

/** `mailtrail sync` as a child process; killed with SIGKILL `killAfterMs` after its first progress line. */
function sync(file: string, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/mailtrail.js', 'sync', '--db', database.url, '--cache', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let firstLineAt: number | undefined;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      stderr += text;
      if (firstLineAt === undefined && stderr.includes('\n')) {
        firstLineAt = Date.now();
        if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stderr, workMs: Date.now() - (firstLineAt ?? Date.now()) }));
  });
}

describe('killing mailtrail sync at random moments', () => {
  it('never leaves a damaged cache or one that reports rows it does not hold; the next sync completes it', async () => {
    const file = join(dir, 'killed.mailtrail');
    let killed = 0;
    // Kill within the time a whole run takes: long while the first load runs, short once runs are incremental.
    let runMs = 2_000;
    for (let attempt = 0; killed < KILLS && attempt < MAX_ATTEMPTS; attempt++) {
      // New events and retention deletes now and then, so later runs have work to be killed in.
      if (attempt > 0 && attempt % 3 === 0) {
        await fillDemo(database.writable, { emails: 400, seed: 100 + attempt });
        await query(database.writable, sql`DELETE FROM email_activity_log WHERE id IN (SELECT id FROM email_activity_log ORDER BY created_at LIMIT 500)`);
      }
      const delay = Math.floor(Math.random() * runMs);
      const run = await sync(file, delay);
      if (run.signal === 'SIGKILL') killed++;
      else {
        expect(run.code, `run ${attempt} (${run.stderr})`).toBe(0);
        runMs = Math.max(50, run.workMs);
      }
      if (!existsSync(file)) continue;
      const cache = inspectCache(file);
      expect(cache.integrity, `after the kill at ${delay} ms`).toBe('ok');
      expect(cache.rowCount, `after the kill at ${delay} ms`).toBe(cache.rows);
    }
    expect(killed).toBe(KILLS);
    const last = await sync(file);
    expect(last.code, last.stderr).toBe(0);
    expect(inspectCache(file)).toMatchObject({ integrity: 'ok', state: 'complete' });
    await expectCacheEqualsSource(database, file);
  }, 150_000);
});
