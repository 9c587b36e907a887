import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckpointBody, IntegrityReport } from '../../src-main/contract/integrity';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { checkpointBodyText, checkpointHash, latestCheckpointRef, readHeadFile } from '../../src-main/integrity/checkpoint';
import { generateSigningKey, loadPublicKey, loadSigningKey, signBody, type SigningKey } from '../../src-main/integrity/keys';
import { runRetention } from '../../src-main/retention/run';
import { seal, verify } from '../../src-main/service/integrity-service';
import { openSqliteLogStore } from '../../src-main/store/sqlite/sqlite-log-store';
import { openCacheForWriting, readCacheInfo } from '../../src-main/store/sqlite/cache-file';
import { registerCacheFunctions } from '../../src-main/store/sqlite/cache-text';
import { copyChain } from '../../src-main/sync/sync-chain';
import { syncCache } from '../../src-main/sync/sync-cache';
import { runMailtrail } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventsSql } from '../support/retention-checks';
import { temporaryDirectory } from '../support/stores';

const { dir, remove } = temporaryDirectory('mailtrail-integrity-cache-');
afterAll(remove);

let files = 0;
const newFile = (name: string) => join(dir, `${(files += 1)}-${name}`);

// Events whose text form is easy to lose on the way into SQLite: microseconds, jsonb's spacing and
// key order, numbers beyond a double, escapes, and no created_at at all.
const AWKWARD_EVENTS = `
  INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, user_id, created_at, created_by) VALUES
    (1, 'read', 'user', E'tab\\there, newline\\nthere, back\\\\slash', '{"z": 1.50, "a": [1, 2.0, {"b": null}], "big": 123456789012345678901234567890, "huge": 1e400}', 7, LOCALTIMESTAMP - INTERVAL '3 days 0.123456 seconds', 'kasper@example.dk'),
    (2, 'error', 'system', 'æøå ÆØÅ — ünïcödé', '{"error_type": "imap_timeout", "nested": {"deep": {"er": "ja"}}}', NULL, LOCALTIMESTAMP - INTERVAL '2 days 0.5 seconds', NULL),
    (3, 'linked', 'integration', '', '{}', NULL, NULL, 'hub')`;
// A year before Christ: PostgreSQL writes it with a second space (\` BC\`), which the cache keeps.
const BC_EVENT = `INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at) VALUES (4, 'read', 'user', 'Ides of March', '0044-03-15 12:00:00.5 BC')`;

interface SealedSource {
  db: TestDatabase;
  admin: AdminDb;
  key: SigningKey;
  keyFile: string;
  headFile: string;
  sealAgain(): Promise<void>;
  close(): Promise<void>;
}

const sources: SealedSource[] = [];
afterAll(async () => {
  for (const source of sources) await source.close();
});

/** A fresh database with `events` events over the last 150 days and the awkward ones (the one before Christ too if asked), sealed (unless `sealed` is false), its head written. */
async function sealedSource(events = 600, { sealed = true, beforeChrist = false } = {}): Promise<SealedSource> {
  const db = await createTestDatabase();
  await db.writable.query(eventsSql(events, 40, 150));
  await db.writable.query(AWKWARD_EVENTS);
  if (beforeChrist) await db.writable.query(BC_EVENT);
  const admin = openAdminDb(db.url);
  const keyFile = newFile('key');
  generateSigningKey(keyFile);
  const key = loadSigningKey(keyFile);
  const headFile = newFile('head.json');
  const source: SealedSource = {
    db,
    admin,
    key,
    keyFile,
    headFile,
    sealAgain: async () => {
      await seal(admin, { key, headFile, actor: 'test' });
    },
    close: async () => {
      await admin.end();
      await db.drop();
    },
  };
  sources.push(source);
  if (sealed) await source.sealAgain();
  return source;
}

/** Verifies a cache file as `verify --cache` does: through the SQLite store, with no database. */
async function verifyCache(file: string, source: SealedSource, withHead = false): Promise<IntegrityReport> {
  const store = openSqliteLogStore(file);
  try {
    return await store.verifyIntegrity({ publicKey: loadPublicKey(`${source.keyFile}.pub`), head: withHead ? readHeadFile(source.headFile) : null });
  } finally {
    await store.close();
  }
}

/** A copy of a synced cache, and a writable handle on it: the tamperer who has the file. */
function tamperedCopy(file: string, tamper: (db: Database.Database) => void): string {
  const copy = newFile('tampered.mailtrail');
  copyFileSync(file, copy);
  const db = new Database(copy);
  // The cache's delete trigger keeps its search tables with these.
  registerCacheFunctions(db);
  try {
    tamper(db);
  } finally {
    db.close();
  }
  return copy;
}

const kinds = (report: IntegrityReport) => report.failures.map((failure) => failure.kind);
/** The report's counts, without the times that differ between two runs. */
const counts = ({ intact, events_checked, archived, purged, unsealed, checkpoints, latest }: IntegrityReport) => ({ intact, events_checked, archived, purged, unsealed, checkpoints, latest });

describe('the offline cache carries the sealed chain (issue 15, item 6)', () => {
  let source: SealedSource;
  let cache: string;

  it('copies the chain with the events and verifies the cache as the database verifies', async () => {
    source = await sealedSource(600, { beforeChrist: true });
    cache = newFile('sealed.mailtrail');
    const synced = await syncCache({ sourceUrl: source.db.url, cacheFile: cache });
    expect(synced.chain).toMatchObject({ state: 'copied', entries: 604, checkpoints: 1, chainSeq: 604, chainCheckpoint: 1, caughtUp: 0 });
    const offline = await verifyCache(cache, source, true);
    expect(offline.failures).toEqual([]);
    expect(offline).toMatchObject({ intact: true, events_checked: 604, unsealed: 0, key_source: 'key_pub', checkpoints: 1, head: { checkpoint: 1, last_seq: 604 } });
    const online = await verify(source.db.readable, { publicKey: loadPublicKey(`${source.keyFile}.pub`), head: readHeadFile(source.headFile) });
    expect(counts(offline)).toEqual(counts(online));
    // A report made from the cache names the checkpoint a report made from the database names.
    const store = openSqliteLogStore(cache);
    try {
      expect(await store.latestCheckpoint()).toBe(await latestCheckpointRef(source.db.readable));
      expect(await store.latestCheckpoint()).toMatch(/^1:[0-9a-f]{64}$/);
    } finally {
      await store.close();
    }
    // A second sync with nothing new copies nothing and still verifies.
    const again = await syncCache({ sourceUrl: source.db.url, cacheFile: cache });
    expect(again.chain).toMatchObject({ state: 'copied', entries: 0, checkpoints: 0, chainSeq: 604 });
    expect((await verifyCache(cache, source)).intact).toBe(true);
  });

  it('names an edited description and edited metadata in the cache file, with their columns', async () => {
    const copy = tamperedCopy(cache, (db) => {
      db.prepare(`UPDATE email_activity_log SET description = 'nothing happened' WHERE id = 101`).run();
      // The same JSON without jsonb's spacing hashes the same; a changed value does not.
      db.prepare(`UPDATE email_activity_log SET metadata = json(metadata) WHERE id = 602`).run();
      db.prepare(`UPDATE email_activity_log SET metadata = '{"error_type": "none"}' WHERE id = 204`).run();
    });
    const report = await verifyCache(copy, source);
    expect(report.failures.map((failure) => [failure.kind, failure.event_id, failure.columns])).toEqual([
      ['edited', 101, ['description']],
      ['edited', 204, ['metadata']],
    ]);
    expect(report.failures[0]?.message).toBe('edited event 101 (seq 101): description');
  });

  it('checks one email\'s events in the cache for its timeline\'s badge', async () => {
    const emailIntegrity = async (file: string, emailId: number) => {
      const store = openSqliteLogStore(file);
      try {
        return await store.emailIntegrity(emailId);
      } finally {
        await store.close();
      }
    };
    // Event 101 belongs to email 22 (eventsSql: 1 + id % 40), as do 14 others of the 600.
    const intact = await emailIntegrity(cache, 22);
    expect(intact).toMatchObject({ email_id: 22, latest: { checkpoint: 1, last_seq: 604 }, sealed: 15, unsealed: 0, failures: [] });
    const copy = tamperedCopy(cache, (db) => {
      db.prepare(`UPDATE email_activity_log SET description = 'nothing happened' WHERE id = 101`).run();
      db.prepare(`INSERT INTO email_activity_log (id, email_id, event_type, event_category, description, created_at) VALUES (5000, 22, 'read', 'user', 'backdated', '2020-01-01T00:00:00')`).run();
    });
    const tampered = await emailIntegrity(copy, 22);
    expect(tampered).toMatchObject({ sealed: 15, unsealed: 0 });
    expect(tampered.failures.map((failure) => [failure.kind, failure.event_id, failure.message])).toEqual([
      ['inserted', 5000, 'inserted event 5000: dated 2020-01-01T00:00:00, inside the sealed period, but not sealed by checkpoint 1'],
      ['edited', 101, 'edited event 101 (seq 101): description'],
    ]);
    // The other emails are untouched.
    expect((await emailIntegrity(copy, 23)).failures).toEqual([]);
    // A newest checkpoint edited after signing fails every email's badge.
    const edited = tamperedCopy(cache, (db) => {
      const stored = db.prepare('SELECT body FROM mailtrail_integrity_checkpoints WHERE checkpoint = 1').pluck().get() as string;
      const text = checkpointBodyText({ ...(JSON.parse(stored) as CheckpointBody), sealed_at: '2020-01-01T00:00:00.000000Z' });
      db.prepare('UPDATE mailtrail_integrity_checkpoints SET body = ?, checkpoint_hash = ? WHERE checkpoint = 1').run(text, checkpointHash(text));
    });
    expect((await emailIntegrity(edited, 23)).failures.map((failure) => [failure.kind, failure.message])).toEqual([
      ['bad_signature', 'the newest checkpoint (1) is not signed by a key the cache holds: forged or edited'],
    ]);
  });

  it('names an event deleted from the cache, and an entry deleted from its chain', async () => {
    const deletedEvent = await verifyCache(tamperedCopy(cache, (db) => db.prepare(`DELETE FROM email_activity_log WHERE id = 250`).run()), source);
    expect(deletedEvent.failures.map((failure) => [failure.kind, failure.message])).toEqual([['deleted', 'deleted event 250 (seq 250)']]);
    const deletedEntry = await verifyCache(tamperedCopy(cache, (db) => db.prepare(`DELETE FROM mailtrail_integrity_entries WHERE seq = 300`).run()), source);
    expect(deletedEntry.intact).toBe(false);
    expect(deletedEntry.failures.find((failure) => failure.kind === 'deleted')?.message).toBe('the entry of seq 300 is missing from the chain');
    expect(kinds(deletedEntry)).toContain('merkle_mismatch');
  });

  it('names an event inserted into the cache with a date inside the sealed period', async () => {
    const copy = tamperedCopy(cache, (db) =>
      db.prepare(`INSERT INTO email_activity_log (id, email_id, event_type, event_category, description, created_at) VALUES (5000, 3, 'read', 'user', 'backdated', '2020-01-01T00:00:00')`).run(),
    );
    const report = await verifyCache(copy, source);
    expect(report.failures.map((failure) => [failure.kind, failure.event_id])).toEqual([['inserted', 5000]]);
    expect(report.failures[0]?.message).toMatch(/^inserted event 5000: dated 2020-01-01T00:00:00, inside the sealed period, but not sealed by checkpoint 1$/);
  });

  it('names a forged checkpoint in the cache, signed by a key of the forger\'s own', async () => {
    const forgerFile = newFile('forger');
    generateSigningKey(forgerFile);
    const forger = loadSigningKey(forgerFile);
    const copy = tamperedCopy(cache, (db) => {
      const stored = db.prepare('SELECT body FROM mailtrail_integrity_checkpoints WHERE checkpoint = 1').pluck().get() as string;
      const text = checkpointBodyText({ ...(JSON.parse(stored) as CheckpointBody), key_id: forger.keyId });
      db.prepare('UPDATE mailtrail_integrity_checkpoints SET body = ?, checkpoint_hash = ?, signature = ? WHERE checkpoint = 1').run(text, checkpointHash(text), signBody(text, forger));
      db.prepare('INSERT INTO mailtrail_integrity_keys (key_id, public_key) VALUES (?, ?)').run(forger.keyId, forger.publicKeyPem);
    });
    const report = await verifyCache(copy, source);
    expect(report.failures.map((failure) => failure.message)).toEqual([`checkpoint 1 is signed by key ${forger.keyId}, which is not the trusted key: forged`]);
    // With only the keys the file itself holds, the forgery passes, and the report says how little that proves.
    const store = openSqliteLogStore(copy);
    try {
      const weak = await store.verifyIntegrity();
      expect(weak).toMatchObject({ intact: true, key_source: 'database' });
      expect(weak.notes.join(' ')).toMatch(/--key-pub FILE or --head FILE/);
    } finally {
      await store.close();
    }
  });

  it('catches a cache whose newest events, entries and checkpoint were cut off, only with the head', async () => {
    const log = await sealedSource(300);
    await log.db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) SELECT 9, 'read', 'user', 'late ' || g FROM generate_series(1, 40) g`);
    await log.sealAgain();
    const file = newFile('two-seals.mailtrail');
    await syncCache({ sourceUrl: log.db.url, cacheFile: file });
    const copy = tamperedCopy(file, (db) => {
      db.prepare('DELETE FROM email_activity_log WHERE id > 303').run();
      db.prepare('DELETE FROM mailtrail_integrity_entries WHERE seq > 303').run();
      db.prepare('DELETE FROM mailtrail_integrity_checkpoints WHERE checkpoint = 2').run();
    });
    expect((await verifyCache(copy, log)).failures).toEqual([]);
    const report = await verifyCache(copy, log, true);
    expect(kinds(report)).toEqual(['truncated']);
    expect(report.failures[0]?.message).toMatch(/ends at checkpoint 1 \(seq 303\), short of the trusted head's checkpoint 2 \(seq 343\)/);
  });
});

describe('syncing the chain as the database goes on', () => {
  it('verifies a cache synced before the first seal, after it, and behind a later one', async () => {
    const source = await sealedSource(200, { sealed: false });
    const file = newFile('growing.mailtrail');
    const before = await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    expect(before.chain).toMatchObject({ state: 'copied', chainSeq: 0, chainCheckpoint: 0 });
    const unsealed = await verifyCache(file, source);
    expect(unsealed).toMatchObject({ intact: true, latest: null, events_checked: 0, unsealed: 203 });
    expect(unsealed.notes.join(' ')).toMatch(/nothing is sealed yet/);
    expect(await openSqliteLogStore(file).latestCheckpoint()).toBeNull();

    await source.sealAgain();
    await source.db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) SELECT 4, 'read', 'user', 'after the seal ' || g FROM generate_series(1, 7) g`);
    const after = await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    expect(after.chain).toMatchObject({ state: 'copied', entries: 203, checkpoints: 1, chainSeq: 203 });
    expect(counts(await verifyCache(file, source))).toMatchObject({ intact: true, events_checked: 203, unsealed: 7, checkpoints: 1 });

    // Sealed again after the cache's sync: the cache, not synced since, still verifies; its newest events are simply not sealed in it.
    await source.sealAgain();
    const behind = await verifyCache(file, source);
    expect(behind.failures).toEqual([]);
    expect(behind).toMatchObject({ events_checked: 203, unsealed: 7, latest: { checkpoint: 1 } });
    const caughtUp = await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    expect(caughtUp.chain).toMatchObject({ entries: 7, checkpoints: 1, chainCheckpoint: 2 });
    expect(await verifyCache(file, source, true)).toMatchObject({ intact: true, events_checked: 210, unsealed: 0, head: { checkpoint: 2 } });
  });

  it('fetches, in the chain\'s snapshot, the events sealed after the events were copied', async () => {
    const source = await sealedSource(100);
    const file = newFile('race.mailtrail');
    await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    // Written and sealed between a sync's copy of the events and its copy of the chain.
    await source.db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) SELECT 6, 'read', 'user', 'raced ' || g FROM generate_series(1, 5) g`);
    await source.sealAgain();
    const db = openCacheForWriting(file);
    const client = await source.db.readable.connect();
    const log: Buffer[] = [];
    try {
      const copied = await copyChain(db, client, { rangeConditions: [], events: { addLogEvents: (lines) => log.push(...lines), addArchivedEvents: () => undefined } });
      expect(copied).toMatchObject({ state: 'copied', entries: 5, caughtUp: 5, chainSeq: 108 });
      expect(Buffer.concat(log).toString().trim().split('\n').map((line) => line.split('\t')[4])).toEqual(['raced 1', 'raced 2', 'raced 3', 'raced 4', 'raced 5']);
    } finally {
      client.release();
      db.close();
    }
  });

  it('resumes a chain copy killed after its entries: verify reads up to the marks, the next sync goes on', async () => {
    const source = await sealedSource(100);
    const file = newFile('killed.mailtrail');
    await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    await source.db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) SELECT 8, 'read', 'user', 'later ' || g FROM generate_series(1, 20) g`);
    await source.sealAgain();
    const db = openCacheForWriting(file);
    const client = await source.db.readable.connect();
    try {
      const sink = { addLogEvents: () => undefined, addArchivedEvents: () => undefined };
      // The kill comes right after the first batch of entries committed.
      const killed = copyChain(db, client, { rangeConditions: [], events: sink, onBatch: () => { throw new Error('killed'); } });
      await expect(killed).rejects.toThrow('killed');
      expect(db.prepare('SELECT MAX(seq) FROM mailtrail_integrity_entries').pluck().get()).toBe(123);
      expect(readCacheInfo(db)).toMatchObject({ chainSeq: 103, chainCheckpoint: 1 });
    } finally {
      client.release();
      db.close();
    }
    expect(await verifyCache(file, source)).toMatchObject({ intact: true, events_checked: 103, latest: { checkpoint: 1 } });
    const resumed = await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    expect(resumed.chain).toMatchObject({ state: 'copied', entries: 0, checkpoints: 1, chainSeq: 123, chainCheckpoint: 2 });
    expect(await verifyCache(file, source, true)).toMatchObject({ intact: true, events_checked: 123, unsealed: 0, head: { checkpoint: 2 } });
  });

  it('verifies events archived and purged by a retention run between two syncs, the purge as that run\'s', async () => {
    const source = await sealedSource(3_000);
    const file = newFile('retention.mailtrail');
    await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    const run = await runRetention(source.admin, { archiveAfterDays: 30, purgeAfterDays: 90, actor: 'test' });
    expect(run.status).toBe('succeeded');
    await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    const offline = await verifyCache(file, source, true);
    expect(offline.failures).toEqual([]);
    expect(offline.archived).toBeGreaterThan(0);
    expect(offline.purged).toBeGreaterThan(0);
    expect(offline.events_checked + offline.purged).toBe(3_003);
    const online = await verify(source.db.readable, { publicKey: loadPublicKey(`${source.keyFile}.pub`) });
    expect(counts(offline)).toEqual(counts(online));
    // A purge claim forged in the cache for an event deleted there is checked against the run's cutoff.
    const copy = tamperedCopy(file, (db) => {
      const recent = db
        .prepare(`SELECT s.seq, s.event_id FROM mailtrail_integrity_entries s JOIN email_activity_log e ON e.id = s.event_id WHERE e.created_at > ? LIMIT 1`)
        .get(new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 19)) as { seq: number; event_id: number };
      db.prepare('DELETE FROM email_activity_log WHERE id = ?').run(recent.event_id);
      db.prepare('INSERT INTO mailtrail_integrity_purged (run_id, first_seq, last_seq) VALUES (?, ?, ?)').run(run.run_id, recent.seq, recent.seq);
    });
    expect(kinds(await verifyCache(copy, source))).toEqual(['bad_purge_claim']);
  });

  it('verifies a cache synced for a range: the sealed events outside it are noted, not named deleted', async () => {
    const source = await sealedSource(400);
    const file = newFile('range.mailtrail');
    const since = new Date(Date.now() - 60 * 86_400_000).toISOString().slice(0, 10);
    const synced = await syncCache({ sourceUrl: source.db.url, cacheFile: file, since });
    expect(synced.chain).toMatchObject({ state: 'copied', entries: 403 });
    const report = await verifyCache(file, source, true);
    expect(report.failures).toEqual([]);
    expect(report.events_checked).toBe(synced.events);
    expect(report.notes.join(' ')).toContain(`${403 - synced.events} sealed events lie outside the range this cache was synced for`);
    // An event of the range deleted from the cache is still named.
    let inRange = 0;
    const copy = tamperedCopy(file, (db) => {
      inRange = db.prepare('SELECT MIN(id) FROM email_activity_log').pluck().get() as number;
      db.prepare('DELETE FROM email_activity_log WHERE id = ?').run(inRange);
    });
    expect((await verifyCache(copy, source)).failures.map((failure) => [failure.kind, failure.event_id])).toEqual([['deleted', inRange]]);
  });

  it('keeps the chain it has when the database\'s chain no longer continues it', async () => {
    const source = await sealedSource(100);
    const file = newFile('diverged.mailtrail');
    await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    // The tamperer rewrites the database: an event deleted, its entry with it, and the chain made to agree (here, only changed).
    await source.db.writable.query(`DELETE FROM email_activity_log WHERE id = 10`);
    await source.db.writable.query(`UPDATE mailtrail_integrity_entries SET chain_hash = sha256(chain_hash) WHERE seq = 103`);
    await source.db.writable.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (6, 'read', 'user', 'new')`);
    await source.sealAgain();
    const synced = await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    expect(synced.chain).toMatchObject({ state: 'diverged', entries: 0, chainSeq: 103, chainCheckpoint: 1 });
    // The cache's own chain still holds what was sealed: the deletion synced into the cache is named; the newer event is not sealed in it.
    const report = await verifyCache(file, source);
    expect(report.failures.map((failure) => failure.message)).toEqual(['deleted event 10 (seq 10)']);
    expect(report.unsealed).toBe(1);
  });

  it('syncs a database without integrity tables: the cache carries no chain, and says so', async () => {
    const db = await createTestDatabase();
    try {
      await db.writable.query(eventsSql(50, 5, 10));
      await db.writable.query(`DROP TABLE mailtrail_integrity_entries, mailtrail_integrity_checkpoints, mailtrail_integrity_keys, mailtrail_integrity_purged CASCADE`);
      const file = newFile('no-chain.mailtrail');
      const synced = await syncCache({ sourceUrl: db.url, cacheFile: file });
      expect(synced).toMatchObject({ events: 50, chain: { state: 'absent', chainSeq: null } });
      const store = openSqliteLogStore(file);
      try {
        expect(await store.latestCheckpoint()).toBeNull();
        await expect(store.verifyIntegrity()).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/this cache carries no sealed chain/) });
        await expect(store.emailIntegrity(1)).rejects.toMatchObject({ code: 'unavailable' });
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('upgrades a cache of format 4 in place; its next sync copies the chain whole', async () => {
    const source = await sealedSource(80);
    const file = newFile('format-4.mailtrail');
    await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    const old = new Database(file);
    old.exec(`DROP TABLE mailtrail_integrity_entries; DROP TABLE mailtrail_integrity_checkpoints; DROP TABLE mailtrail_integrity_keys;
              DROP TABLE mailtrail_integrity_purged; DROP TABLE mailtrail_retention_runs; DELETE FROM cache_info WHERE key IN ('chain_seq', 'chain_checkpoint')`);
    old.pragma('user_version = 4');
    old.close();
    await expect(openSqliteLogStore(file).verifyIntegrity()).rejects.toMatchObject({ code: 'unavailable' });
    const synced = await syncCache({ sourceUrl: source.db.url, cacheFile: file });
    expect(synced.chain).toMatchObject({ state: 'copied', entries: 83, chainSeq: 83 });
    const db = new Database(file, { readonly: true });
    expect(readCacheInfo(db)).toMatchObject({ chainSeq: 83, chainCheckpoint: 1 });
    db.close();
    expect((await verifyCache(file, source)).intact).toBe(true);
  });
});

describe('mailtrail verify --cache', () => {
  const mailtrail = (args: string[]) => runMailtrail(args);

  it('syncs, then verifies the file with no database: exit 0 intact, 1 naming what fails', async () => {
    const source = await sealedSource(50);
    const file = newFile('cli.mailtrail');
    const synced = await mailtrail(['sync', '--db', source.db.url, '--cache', file]);
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(/^sealed chain: 53 new entries in [0-9.]+ s, up to checkpoint 1 \(seq 53\); `mailtrail verify --cache .*` checks it offline$/m);
    // The database is gone for this check: dropped connections cannot matter to a file.
    const intact = await mailtrail(['verify', '--cache', file, '--head', source.headFile, '--key-pub', `${source.keyFile}.pub`]);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/^verified: intact; checkpoint 1 \(seq 53, sealed [0-9T:.-]+Z\): 53 sealed events checked \(0 in the archive\), 0 purged by retention, 0 not sealed yet$/m);
    const copy = tamperedCopy(file, (db) => db.prepare(`UPDATE email_activity_log SET description = 'changed' WHERE id = 7`).run());
    const failed = await mailtrail(['verify', '--cache', copy, '--head', source.headFile]);
    expect(failed.code).toBe(1);
    expect(failed.stdout.split('\n')[0]).toBe('FAILED edited: edited event 7 (seq 7): description');
    expect(failed.stdout).toMatch(/NOT intact: 1 failures/);
    const json = await mailtrail(['verify', '--cache', copy, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ intact: false, key_source: 'database', failures: [{ kind: 'edited', event_id: 7, columns: ['description'] }] });
    const both = await mailtrail(['verify', '--db', source.db.url, '--cache', file]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give either --db or --cache, not both/);
  });
});
