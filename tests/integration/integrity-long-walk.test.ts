import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openAdminDb, openReadableDb } from '../../src-main/db/connection';
import { generateSigningKey, loadSigningKey } from '../../src-main/integrity/keys';
import { sealLog } from '../../src-main/integrity/seal';
import { verifyIntegrity } from '../../src-main/integrity/verify';
import { createTestDatabase } from '../support/database';
import { eventsSql } from '../support/retention-checks';

// Seal and verify hold one snapshot on several connections; one whose result ends first (an empty
// archive, the checkpoints) waits in its transaction while the others stream, for minutes at 10 million
// events. The admin pool and the viewer role end a transaction idle for 60 s: that ended the walker, and
// the unlistened error took the process down. Here the idle timeout is 1 s and the walk is held 1.5 s.
const dir = mkdtempSync(join(tmpdir(), 'mailtrail-long-walk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Holds the thread (and so the walk) long enough for an idle walker to pass its timeout. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

it('seals and verifies a log whose archive is empty though a walker idles past the idle timeout', async () => {
  const db = await createTestDatabase();
  const admin = openAdminDb(db.url, { idleInTransactionMs: 1_000 });
  await db.writable.query(`ALTER DATABASE ${new URL(db.url).pathname.slice(1)} SET idle_in_transaction_session_timeout = '1s'`);
  const viewer = openReadableDb(db.url);
  try {
    await db.writable.query(eventsSql(30_000, 400, 60));
    const keyFile = join(dir, 'key');
    generateSigningKey(keyFile);
    let stalled = 0;
    const sealed = await sealLog(admin, { key: loadSigningKey(keyFile), onProgress: () => stalled++ === 0 && stall(1_500) });
    expect(stalled).toBeGreaterThan(1);
    expect(sealed.sealed).toBe(30_000);

    stalled = 0;
    const report = await verifyIntegrity(viewer, { onProgress: () => stalled++ === 0 && stall(1_500) });
    expect(stalled).toBeGreaterThan(0);
    expect(report.failures).toEqual([]);
    expect(report.intact).toBe(true);
    expect(report.events_checked).toBe(30_000);
  } finally {
    await viewer.end();
    await admin.end();
    await db.drop();
  }
});
