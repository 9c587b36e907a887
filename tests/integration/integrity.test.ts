import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { CheckpointBody, IntegrityReport } from '../../src-main/contract/integrity';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { checkpointBodyText, checkpointHash, latestCheckpointRef, readHeadFile } from '../../src-main/integrity/checkpoint';
import { CHAIN_START, chainHash, eventFromCopy, sealEvent } from '../../src-main/integrity/event-hash';
import { generateSigningKey, loadPublicKey, loadSigningKey, signBody, type SigningKey } from '../../src-main/integrity/keys';
import { MerkleTree } from '../../src-main/integrity/merkle';
import { sealLog } from '../../src-main/integrity/seal';
import { reportOriginOf } from '../../src-main/reports/report-origin';
import { verifyReportFile } from '../../src-main/reports/verify';
import { writeReport } from '../../src-main/reports/write-report';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { runRetention } from '../../src-main/retention/run';
import { seal, verify } from '../../src-main/service/integrity-service';
import { runMailtrail } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventsSql } from '../support/retention-checks';

const dir = mkdtempSync(join(tmpdir(), 'mailtrail-integrity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let keyCount = 0;
function newKey(): { key: SigningKey; file: string } {
  const file = join(dir, `key-${(keyCount += 1)}`);
  generateSigningKey(file);
  return { key: loadSigningKey(file), file };
}

interface SealedLog {
  db: TestDatabase;
  admin: AdminDb;
  key: SigningKey;
  keyFile: string;
  headFile: string;
  /** Runs SQL as the database's owner: the tamperer, who can write anything. */
  tamper(statement: string, values?: unknown[]): Promise<pg.QueryResult>;
  sealAgain(): Promise<void>;
  verify(withHead?: boolean): Promise<IntegrityReport>;
  close(): Promise<void>;
}

const open: SealedLog[] = [];
afterAll(async () => {
  for (const log of open) await log.close();
});

/** A fresh database with `events` events over the last 150 days, sealed, its head written. */
async function sealedLog(events = 600): Promise<SealedLog> {
  const db = await createTestDatabase();
  await db.writable.query(eventsSql(events, 40, 150));
  const admin = openAdminDb(db.url);
  const { key, file } = newKey();
  const headFile = join(dir, `head-${keyCount}.json`);
  const log: SealedLog = {
    db,
    admin,
    key,
    keyFile: file,
    headFile,
    tamper: (statement, values) => db.writable.query(statement, values),
    sealAgain: async () => {
      await seal(admin, { key, headFile, actor: 'test' });
    },
    verify: (withHead = false) => verify(db.readable, { publicKey: loadPublicKey(`${file}.pub`), head: withHead ? readHeadFile(headFile) : null }),
    close: async () => {
      await admin.end();
      await db.drop();
    },
  };
  await log.sealAgain();
  open.push(log);
  return log;
}

const kinds = (report: IntegrityReport) => report.failures.map((failure) => failure.kind);

describe('sealing and verifying the log (issue 15)', () => {
  it('verifies an untouched log, with and without the head, and journals each seal', async () => {
    const log = await sealedLog();
    const report = await log.verify(true);
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ intact: true, events_checked: 600, unsealed: 0, key_source: 'key_pub', checkpoints: 1, head: { checkpoint: 1, last_seq: 600 } });
    const { rows } = await log.db.writable.query(`SELECT action, outcome, parameters->>'key_id' AS key_id FROM mailtrail_admin_journal`);
    expect(rows).toEqual([{ action: 'integrity.seal', outcome: 'succeeded', key_id: log.key.keyId }]);
    // Without a key given, only the database's own keys: it verifies, and says how little that proves.
    // What a report made now carries as its checkpoint: the newest one's number and hash.
    const { rows: [newest] } = await log.tamper(`SELECT encode(checkpoint_hash, 'hex') AS hash FROM mailtrail_integrity_checkpoints WHERE checkpoint = 1`);
    expect(await latestCheckpointRef(log.db.readable)).toBe(`1:${newest.hash}`);
    const weak = await verify(log.db.readable);
    expect(weak).toMatchObject({ intact: true, key_source: 'database' });
    expect(weak.notes.join(' ')).toMatch(/--key-pub FILE or --head FILE/);
  });

  it('puts the newest checkpoint in the provenance of a report made after a seal', async () => {
    const log = await sealedLog(50);
    const store = createPostgresLogStore(log.db.readable, { kind: 'postgres', label: 'test' });
    const service = createLogService(store);
    const origin = await reportOriginOf({ service, store, databaseUrl: log.db.url, admin: null }, { env: { MAILTRAIL_DATA_DIR: dir }, record: false });
    const file = join(dir, 'sealed.jsonl');
    await writeReport(service, origin, { scope: { kind: 'activity' }, format: 'jsonl' }, file);
    const first = JSON.parse(readFileSync(file, 'utf8').split('\n')[0]!) as { report: { checkpoint: string | null } };
    expect(first.report.checkpoint).toBe(await latestCheckpointRef(log.db.readable));
    expect(first.report.checkpoint).toMatch(/^1:[0-9a-f]{64}$/);
    expect((await verifyReportFile(file)).verified).toBe(true);
  });

  it('names no checkpoint for a report, and says to migrate, where 0013 never ran', async () => {
    const bare = await createTestDatabase({ migrated: false });
    try {
      expect(await latestCheckpointRef(bare.readable)).toBeNull();
      await expect(verify(bare.readable)).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/no integrity tables yet \(migrations\/0013\); run `mailtrail migrate`/) });
    } finally {
      await bare.drop();
    }
  });

  it('seals only what is new, into the next checkpoint linked to the last', async () => {
    const log = await sealedLog(300);
    await log.tamper(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) SELECT 5, 'read', 'user', 'new ' || g FROM generate_series(1, 25) g`);
    // Checkpoints of at most 10 entries: one seal writes three, each linked to the one before.
    const result = await sealLog(log.admin, { key: log.key, checkpointMaxEntries: 10 });
    expect(result).toMatchObject({ sealed: 25, checkpoints: [2, 3, 4], latest: { checkpoint: 4, last_seq: 325 } });
    expect((await sealLog(log.admin, { key: log.key })).sealed).toBe(0);
    const { rows } = await log.tamper(`SELECT body FROM mailtrail_integrity_checkpoints ORDER BY checkpoint`);
    const bodies = rows.map((row: { body: string }) => JSON.parse(row.body) as CheckpointBody);
    expect(bodies.map((body) => [body.first_seq, body.last_seq])).toEqual([[1, 300], [301, 310], [311, 320], [321, 325]]);
    expect(bodies[0]?.previous).toBeNull();
    bodies.slice(1).forEach((body, index) => expect(body.previous).toBe(checkpointHash(rows[index].body).toString('hex')));
    expect((await log.verify()).intact).toBe(true);
    // A cancelled seal keeps nothing and leaves the next one free to run.
    await log.tamper(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (5, 'read', 'user', 'after')`);
    const controller = new AbortController();
    controller.abort();
    await expect(sealLog(log.admin, { key: log.key, signal: controller.signal })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/cancelled; nothing of it was kept/) });
    expect((await sealLog(log.admin, { key: log.key })).sealed).toBe(1);
    expect((await log.verify()).intact).toBe(true);
  });

  it('names an edited description, edited metadata and a changed created_at, with their columns', async () => {
    const log = await sealedLog();
    await log.tamper(`UPDATE email_activity_log SET description = 'nothing happened' WHERE id = 101`);
    await log.tamper(`UPDATE email_activity_log SET metadata = '{"error_type": "none"}' WHERE id = 204`);
    await log.tamper(`UPDATE email_activity_log SET created_at = created_at - INTERVAL '1 day' WHERE id = 305`);
    const report = await log.verify();
    expect(report.intact).toBe(false);
    expect(report.failures.map((failure) => [failure.kind, failure.event_id, failure.columns])).toEqual([
      ['edited', 101, ['description']],
      ['edited', 204, ['metadata']],
      ['edited', 305, ['created_at']],
    ]);
    expect(report.failures[0]?.message).toBe('edited event 101 (seq 101): description');
  });

  it('names a deleted event by seq and id, and a deleted run of events as one range', async () => {
    const log = await sealedLog();
    await log.tamper(`DELETE FROM email_activity_log WHERE id = 250`);
    await log.tamper(`DELETE FROM email_activity_log WHERE id BETWEEN 400 AND 449`);
    const report = await log.verify();
    expect(report.failures.map((failure) => failure.message)).toEqual(['deleted event 250 (seq 250)', 'deleted 50 events: seq 400–449 (ids 400–449)']);
    expect(kinds(report)).toEqual(['deleted', 'deleted']);
  });

  it('names an event inserted with a date inside the sealed period, and not one written since', async () => {
    const log = await sealedLog();
    await log.tamper(`INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_at) VALUES (3, 'read', 'user', 'backdated', LOCALTIMESTAMP - INTERVAL '20 days')`);
    await log.tamper(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (3, 'read', 'user', 'written now')`);
    const report = await log.verify();
    expect(kinds(report)).toEqual(['inserted']);
    expect(report.failures[0]).toMatchObject({ event_id: 601, message: expect.stringMatching(/^inserted event 601: dated .* inside the sealed period, but written after checkpoint 1/) });
    expect(report.unsealed).toBe(1);
  });

  it('names two events whose contents were swapped', async () => {
    const log = await sealedLog();
    await log.tamper(`
      UPDATE email_activity_log a SET email_id = b.email_id, event_type = b.event_type, event_category = b.event_category,
             description = b.description, metadata = b.metadata, user_id = b.user_id, created_at = b.created_at, created_by = b.created_by
      FROM (SELECT * FROM email_activity_log WHERE id IN (120, 121)) b WHERE a.id IN (120, 121) AND b.id <> a.id`);
    const report = await log.verify();
    expect(kinds(report)).toEqual(['swapped']);
    expect(report.failures[0]?.message).toMatch(/^events 120 \(seq 120\) and 121 \(seq 121\) swapped contents/);
  });

  it('names entries put out of their sealed order', async () => {
    const log = await sealedLog();
    // The tamperer swaps two entries whole, hashes and all, leaving only their seq in place.
    await log.tamper(`
      UPDATE mailtrail_integrity_entries a SET event_id = -b.event_id, created_at = b.created_at, leaf_hash = b.leaf_hash, column_prints = b.column_prints, chain_hash = b.chain_hash
      FROM (SELECT * FROM mailtrail_integrity_entries WHERE seq IN (50, 51)) b WHERE a.seq IN (50, 51) AND b.seq <> a.seq`);
    await log.tamper(`UPDATE mailtrail_integrity_entries SET event_id = -event_id WHERE seq IN (50, 51)`);
    const report = await log.verify();
    expect(kinds(report)).toContain('reordered');
    expect(kinds(report)).toContain('merkle_mismatch');
    expect(report.failures.find((failure) => failure.kind === 'reordered')?.message).toMatch(/out of their sealed order at seq 51: event 50 comes after event 51/);
  });

  it('catches a deleted tail (the newest events, their entries and checkpoint) only with the head', async () => {
    const log = await sealedLog(300);
    await log.tamper(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) SELECT 9, 'read', 'user', 'late ' || g FROM generate_series(1, 40) g`);
    await log.sealAgain();
    await log.tamper(`DELETE FROM email_activity_log WHERE id > 300`);
    await log.tamper(`DELETE FROM mailtrail_integrity_entries WHERE seq > 300`);
    await log.tamper(`DELETE FROM mailtrail_integrity_checkpoints WHERE checkpoint = 2`);
    expect((await log.verify()).intact).toBe(true);
    const report = await log.verify(true);
    expect(kinds(report)).toEqual(['truncated']);
    expect(report.failures[0]?.message).toMatch(/ends at checkpoint 1 \(seq 300\), short of the trusted head's checkpoint 2 \(seq 340\)/);
  });

  it('names a checkpoint forged without the key, and one edited after signing', async () => {
    const log = await sealedLog(200);
    // The tamperer edits an event and makes the chain and the checkpoint agree, signed with a key of their own.
    await log.tamper(`UPDATE email_activity_log SET description = 'forged' WHERE id = 150`);
    const { rows } = await log.tamper(`SELECT id, email_id, event_type, event_category, description, metadata::text, user_id, created_at::text, created_by FROM email_activity_log ORDER BY id`);
    const tree = new MerkleTree();
    let chain = CHAIN_START;
    for (const row of rows as Record<string, unknown>[]) {
      const { leaf, prints } = sealEvent(eventFromCopy(Object.values(row).map((value) => (value === null ? null : String(value)))));
      chain = chainHash(chain, leaf);
      tree.add(leaf);
      await log.tamper(`UPDATE mailtrail_integrity_entries SET leaf_hash = $1, column_prints = $2, chain_hash = $3 WHERE event_id = $4`, [leaf, Buffer.from(prints, 'hex'), chain, row.id]);
    }
    const forger = newKey().key;
    const { rows: bodies } = await log.tamper(`SELECT body FROM mailtrail_integrity_checkpoints WHERE checkpoint = 1`);
    const body = { ...(JSON.parse(bodies[0].body) as CheckpointBody), merkle_root: tree.root().toString('hex'), chain_hash: chain.toString('hex'), key_id: forger.keyId };
    const text = checkpointBodyText(body);
    await log.tamper(`UPDATE mailtrail_integrity_checkpoints SET body = $1, checkpoint_hash = $2, signature = $3, key_id = $4`, [text, checkpointHash(text), signBody(text, forger), forger.keyId]);
    await log.tamper(`INSERT INTO mailtrail_integrity_keys (key_id, public_key) VALUES ($1, $2)`, [forger.keyId, forger.publicKeyPem]);
    const report = await log.verify();
    expect(kinds(report)).toEqual(['bad_signature']);
    expect(report.failures[0]?.message).toBe(`checkpoint 1 is signed by key ${forger.keyId}, which is not the trusted key: forged`);
    // Signed by the right key but edited since: the signature no longer holds.
    const edited = checkpointBodyText({ ...body, key_id: log.key.keyId, sealed_at: '2020-01-01T00:00:00.000000Z' });
    await log.tamper(`UPDATE mailtrail_integrity_checkpoints SET body = $1, checkpoint_hash = $2, key_id = $3`, [edited, checkpointHash(edited), log.key.keyId]);
    expect((await log.verify()).failures.map((failure) => failure.message)).toEqual([`checkpoint 1's signature does not hold for key ${log.key.keyId}: forged or edited`]);
  });

  it('seals the log and the archive together in id order, their ids interleaved, and verifies them', async () => {
    // The seal reads each table in id order on its own connection and merges them: every third event archived first.
    const db = await createTestDatabase();
    await db.writable.query(eventsSql(900, 30, 60));
    await db.writable.query(`WITH moved AS (DELETE FROM email_activity_log WHERE id % 3 = 0 RETURNING *) INSERT INTO email_activity_log_archive SELECT * FROM moved`);
    const admin = openAdminDb(db.url);
    onTestFinished(async () => {
      await admin.end();
      await db.drop();
    });
    const { key, file } = newKey();
    const sealed = await sealLog(admin, { key });
    expect(sealed.sealed).toBe(900);
    const { rows } = await db.writable.query<{ seq: number; event_id: number }>(`SELECT seq::int, event_id FROM mailtrail_integrity_entries ORDER BY seq`);
    expect(rows.map((row) => row.event_id)).toEqual([...rows.map((row) => row.event_id)].sort((a, b) => a - b));
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(900);
    const report = await verify(db.readable, { publicKey: loadPublicKey(`${file}.pub`) });
    expect(report.failures).toEqual([]);
    expect(report.events_checked).toBe(900);
    expect(report.archived).toBe(300);
  });

  it('verifies a log after an archive-and-purge run, and reports the purge as that run\'s', async () => {
    const log = await sealedLog(3_000);
    const run = await runRetention(log.admin, { archiveAfterDays: 30, purgeAfterDays: 90, actor: 'test' });
    expect(run.status).toBe('succeeded');
    const report = await log.verify(true);
    expect(report.failures).toEqual([]);
    const { rows } = await log.tamper(`SELECT (SELECT COUNT(*) FROM email_activity_log)::int AS live, (SELECT COUNT(*) FROM email_activity_log_archive)::int AS archived`);
    expect(report.archived).toBe(rows[0].archived);
    expect(report.archived).toBeGreaterThan(0);
    expect(report.purged).toBe(3_000 - rows[0].live - rows[0].archived);
    expect(report.purged).toBeGreaterThan(0);
    expect(report.events_checked + report.purged).toBe(3_000);
    // A seam claiming an event the run could not have purged (dated after its cutoff) is named, not trusted.
    const { rows: recent } = await log.tamper(`SELECT s.seq, s.event_id FROM mailtrail_integrity_entries s JOIN email_activity_log e ON e.id = s.event_id WHERE e.created_at > LOCALTIMESTAMP - INTERVAL '5 days' LIMIT 1`);
    await log.tamper(`DELETE FROM email_activity_log WHERE id = $1`, [recent[0].event_id]);
    await log.tamper(`INSERT INTO mailtrail_integrity_purged (run_id, first_seq, last_seq) VALUES ($1, $2, $2)`, [run.run_id, recent[0].seq]);
    const claimed = await log.verify();
    expect(kinds(claimed)).toEqual(['bad_purge_claim']);
  });

  it('verifies a log partitioned by month after retention dropped whole months: their seams are the run\'s', async () => {
    const db = await createTestDatabase();
    await db.writable.query(eventsSql(3_000, 100, 200, { undated: false }));
    const conversion = readFileSync(new URL('../../docs/partition-by-month.sql', import.meta.url), 'utf8');
    await db.writable.query(`SET mailtrail.partition_table = 'email_activity_log'; SET mailtrail.partition_default = on; ${conversion}`);
    const admin = openAdminDb(db.url);
    try {
      const { key, file } = newKey();
      expect((await seal(admin, { key, actor: 'test' })).sealed).toBe(3_000);
      const run = await runRetention(admin, { archiveAfterDays: null, purgeAfterDays: 60, actor: 'test' });
      expect(run.status).toBe('succeeded');
      const { rows: dropped } = await db.writable.query(`SELECT COUNT(*)::int AS n FROM mailtrail_admin_journal WHERE action = 'retention.drop-partition' AND outcome = 'succeeded'`);
      expect(dropped[0].n).toBeGreaterThanOrEqual(2);
      const report = await verify(db.readable, { publicKey: loadPublicKey(`${file}.pub`) });
      expect(report.failures).toEqual([]);
      expect(report.purged).toBe(run.purge.events);
      expect(report.events_checked + report.purged).toBe(3_000);
    } finally {
      await admin.end();
      await db.drop();
    }
  });

  it('gives no false alarm for writers whose transactions span the seal, and seals them next time', async () => {
    const log = await sealedLog(100);
    const writers: pg.Client[] = [];
    onTestFinished(() => Promise.all(writers.map((client) => client.end().catch(() => undefined))).then(() => undefined));
    const writer = (): Promise<pg.Client> => {
      const client = new pg.Client({ connectionString: log.db.url });
      // The database is dropped after the test: a client still open then must not fail the run.
      client.on('error', () => undefined);
      writers.push(client);
      return client.connect().then(() => client);
    };
    // Each writer its own event type: the rollup triggers (0003) lock the row of their hour and type until commit.
    const insert = (client: pg.Client, type: string) =>
      client.query(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (1, $1::varchar, 'system', $1::text)`, [type]);
    // a: inserted before the seal, commits after it (its row is invisible to the seal).
    const a = await writer();
    await a.query('BEGIN');
    await insert(a, 'fetched');
    // b: began before the seal, inserts only after it (its created_at is older than the seal).
    const b = await writer();
    await b.query('BEGIN');
    await b.query('SELECT 1');
    // c: commits before the seal, but after a began: visible, yet past the horizon, so deferred.
    const c = await writer();
    await insert(c, 'classified');
    const first = await sealLog(log.admin, { key: log.key });
    expect(first).toMatchObject({ sealed: 0, deferred: 1 });
    await a.query('COMMIT');
    await insert(b, 'linked');
    await b.query('COMMIT');
    await insert(c, 'read');
    const between = await log.verify();
    expect(between.failures).toEqual([]);
    expect(between.unsealed).toBe(4);
    const second = await sealLog(log.admin, { key: log.key });
    expect(second.sealed).toBe(4);
    expect((await log.verify()).failures).toEqual([]);
  });
});

describe('mailtrail keygen, seal and verify', () => {
  let log: SealedLog;
  const mailtrail = (args: string[]) => runMailtrail(args);

  beforeAll(async () => {
    log = await sealedLog(50);
  });

  it('makes a key pair once, the private key readable by its owner only', async () => {
    const file = join(dir, 'cli-key');
    const made = await mailtrail(['keygen', '--out', file]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/key id [0-9a-f]{16}/);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await mailtrail(['keygen', '--out', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; keygen never overwrites a key/);
  });

  it('seals, writes the head, and verifies: exit 0 intact, 1 naming what fails', async () => {
    const head = join(dir, 'cli-head.json');
    await log.tamper(`INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (2, 'read', 'user', 'one more')`);
    const sealed = await mailtrail(['seal', '--db', log.db.url, '--key', log.keyFile, '--head', head]);
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(sealed.stdout).toMatch(/^sealed 1 events into checkpoint 2 \(up to seq 51\)/);
    expect(sealed.stdout).toContain(`head written to ${head}: checkpoint 2`);
    const intact = await mailtrail(['verify', '--db', log.db.url, '--head', head, '--key-pub', `${log.keyFile}.pub`]);
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toMatch(/^verified: intact; checkpoint 2 \(seq 51, sealed [0-9T:.-]+Z\): 51 sealed events checked \(0 in the archive\), 0 purged by retention, 0 not sealed yet$/m);
    await log.tamper(`UPDATE email_activity_log SET description = 'changed' WHERE id = 7`);
    const failed = await mailtrail(['verify', '--db', log.db.url, '--head', head]);
    expect(failed.code).toBe(1);
    expect(failed.stdout.split('\n')[0]).toBe('FAILED edited: edited event 7 (seq 7): description');
    expect(failed.stdout).toMatch(/NOT intact: 1 failures/);
    const json = await mailtrail(['verify', '--db', log.db.url, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ intact: false, failures: [{ kind: 'edited', event_id: 7, columns: ['description'] }] });
  });

  it('refuses a cache that is not there, a head that is not one, and a seal without a key', async () => {
    const cache = await mailtrail(['verify', '--cache', join(dir, 'none.sqlite')]);
    expect(cache.code).toBe(1);
    expect(cache.stderr).toMatch(/none\.sqlite does not exist or is empty; run `mailtrail sync --db URL --cache FILE` first/);
    const noHead = await mailtrail(['verify', '--db', log.db.url, '--head', join(dir, 'missing.json')]);
    expect(noHead.code).toBe(1);
    expect(noHead.stderr).toMatch(/cannot read the head file .*missing\.json: no such file/);
    const noKey = await mailtrail(['seal', '--db', log.db.url]);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/seal needs --key FILE/);
  });
});
