import type { Statement } from 'better-sqlite3';
import { MailtrailError } from '../../contract/errors';
import type { CheckpointSummary, EmailIntegrity, IntegrityFailure, IntegrityReport, KeySource } from '../../contract/integrity';
import { checkpointSummary, parseCheckpointBody } from '../../integrity/checkpoint';
import type { OrderedRows } from '../../integrity/copy-rows';
import { checkEmailEvents, type SealedEntry } from '../../integrity/email-check';
import { FieldEntryRows, FieldEventRows } from '../../integrity/event-bytes';
import { parsePublicKey, signatureHolds } from '../../integrity/keys';
import { verifyChain, type ChainSource, type RunClaim, type Seam, type VerifyOptions } from '../../integrity/verify';
import { addDays } from '../range-plan';
import { readCacheInfo, type CacheDb, type CacheInfo } from './cache-file';
import { isDateOnly } from './cache-text';

// A verification of the cache runs on the main thread: it hands the event loop back this often, so a
// screen stays responsive and a cancel is seen.
const ROWS_BETWEEN_YIELDS = 20_000;

type Row = (string | null)[];

/** created_at as COPY writes it, which the walks turn into the cache's form themselves: only ` BC` has a second space to keep. */
const copyTimestamp = (column: string) => `iif(${column} GLOB '* BC', replace(${column}, 'T', ' '), ${column})`;

/** One ordered result of the cache's read transaction, as the walks of verify.ts read PostgreSQL's COPY rows. */
class CacheRows implements OrderedRows {
  private readonly rows: IterableIterator<Row>;
  current: Row | null = null;
  needsFill = false;
  private untilYield = ROWS_BETWEEN_YIELDS;

  constructor(statement: Statement, params: unknown[]) {
    this.rows = statement.raw().iterate(...params) as IterableIterator<Row>;
    this.advance();
  }

  advance(): void {
    const next = this.rows.next();
    this.current = next.done ? null : next.value;
    if (--this.untilYield <= 0) this.needsFill = true;
  }

  async fill(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.untilYield = ROWS_BETWEEN_YIELDS;
    this.needsFill = false;
  }

  /** Ends the statement early (a failed walk), so the read transaction can end. */
  close(): void {
    this.rows.return?.();
  }
}

// An event's columns as COPY gives them from PostgreSQL (integers as text), so the same hashing reads both.
const EVENT_FIELDS = `CAST(id AS TEXT), CAST(email_id AS TEXT), event_type, event_category, description, metadata, CAST(user_id AS TEXT), ${copyTimestamp('created_at')}, created_by`;

/** Says what to do with a cache that carries no chain: one from a database never migrated to 0013, or synced before format 5. */
export function requireCachedChain(info: CacheInfo): { chainSeq: number; chainCheckpoint: number } {
  if (info.chainSeq === null || info.chainCheckpoint === null) {
    throw new MailtrailError(
      'unavailable',
      'this cache carries no sealed chain: the database it was synced from has no integrity tables (migrations/0013), or no sync has copied them yet; run `mailtrail migrate` and `mailtrail seal` there, then `mailtrail sync` again',
    );
  }
  return { chainSeq: info.chainSeq, chainCheckpoint: info.chainCheckpoint };
}

/** Whether a sealed event's created_at lies outside the --since/--until the cache was synced for (compared as cache-text.ts orders timestamps). */
function rangeTest(info: CacheInfo): ((createdAt: string | null) => boolean) | undefined {
  const { since, until } = info;
  if (since === null && until === null) return undefined;
  // A date-only --until takes that whole day.
  const [bound, inclusive] = until === null ? [null, true] : isDateOnly(until) ? [`${addDays(until, 1)}T00:00:00`, false] : [until, true];
  return (createdAt) => createdAt === null || (since !== null && createdAt < since) || (bound !== null && (inclusive ? createdAt > bound : createdAt >= bound));
}

/**
 * Verifies the chain the cache carries (docs/integrity.md, "Offline"), with the walks `verify --db`
 * uses: every result is read in one read transaction of a connection of its own, so a sync writing
 * meanwhile changes nothing of what is checked. Only what the last complete chain copy holds counts.
 */
export async function verifyCacheIntegrity(openReader: () => CacheDb, options: VerifyOptions = {}): Promise<IntegrityReport> {
  const began = Date.now();
  const db = openReader();
  const open: CacheRows[] = [];
  const rows = (statement: string, ...params: unknown[]) => {
    const reader = new CacheRows(db.prepare(statement), params);
    open.push(reader);
    return reader;
  };
  try {
    db.exec('BEGIN');
    const info = readCacheInfo(db);
    const { chainSeq, chainCheckpoint } = requireCachedChain(info);
    const fieldEntries = (statement: string, ...params: unknown[]) => new FieldEntryRows(rows(statement, ...params));
    const eventRows = (table: string) => rows(`SELECT ${EVENT_FIELDS} FROM ${table} ORDER BY id`);
    const source: ChainSource = {
      storedKeys: async () => db.prepare('SELECT key_id, public_key FROM mailtrail_integrity_keys').all() as { key_id: string; public_key: string }[],
      extent: async () => {
        const row = db
          .prepare(
            `SELECT (SELECT MAX(seq) FROM mailtrail_integrity_entries WHERE seq <= ?) AS entries,
                    (SELECT body FROM mailtrail_integrity_checkpoints WHERE checkpoint <= ? ORDER BY checkpoint DESC LIMIT 1) AS body`,
          )
          .get(chainSeq, chainCheckpoint) as { entries: number | null; body: string | null };
        return { entries: row.entries ?? 0, newestBody: row.body };
      },
      checkpoints: () =>
        rows(
          `SELECT CAST(checkpoint AS TEXT), body, lower(hex(checkpoint_hash)), lower(hex(signature)) FROM mailtrail_integrity_checkpoints
           WHERE checkpoint <= ? ORDER BY checkpoint`,
          chainCheckpoint,
        ),
      entriesBySeq: () =>
        fieldEntries(
          `SELECT CAST(seq AS TEXT), CAST(event_id AS TEXT), lower(hex(leaf_hash)), lower(hex(chain_hash)) FROM mailtrail_integrity_entries
           WHERE seq <= ? ORDER BY seq`,
          chainSeq,
        ),
      seams: async () => db.prepare('SELECT run_id, first_seq, last_seq FROM mailtrail_integrity_purged ORDER BY first_seq').all() as Seam[],
      runs: async (ids) => db.prepare('SELECT id, purge_cutoff FROM mailtrail_retention_runs WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as RunClaim[],
      entriesByEventId: () =>
        fieldEntries(
          `SELECT CAST(event_id AS TEXT), CAST(seq AS TEXT), ${copyTimestamp('created_at')}, lower(hex(leaf_hash)), lower(hex(column_prints)) FROM mailtrail_integrity_entries
           WHERE seq <= ? ORDER BY event_id`,
          chainSeq,
        ),
      log: () => new FieldEventRows(eventRows('email_activity_log')),
      archive: () => new FieldEventRows(eventRows('email_activity_log_archive')),
      xidOf: null,
      outsideRange: rangeTest(info),
    };
    const report = await verifyChain(source, options);
    return { ...report, elapsed_ms: Date.now() - began };
  } finally {
    for (const reader of open) reader.close();
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

/** The checkpoint a report made from the cache is made under: `N:HASH` of the newest checkpoint the cache's chain holds (checkpoint.ts's latestCheckpointRef). */
export function cacheLatestCheckpoint(db: CacheDb): string | null {
  const { chainCheckpoint } = readCacheInfo(db);
  if (chainCheckpoint === null) return null;
  const ref = db
    .prepare(`SELECT checkpoint || ':' || lower(hex(checkpoint_hash)) FROM mailtrail_integrity_checkpoints WHERE checkpoint <= ? ORDER BY checkpoint DESC LIMIT 1`)
    .pluck()
    .get(chainCheckpoint) as string | undefined;
  return ref ?? null;
}

const CACHE_KEYS =
  "the newest checkpoint's signature was checked with the public key the cache holds, copied from the database; `mailtrail verify --cache FILE --key-pub FILE` checks against a key kept elsewhere";

/** The newest checkpoint the cache's chain holds and its entries, for the Integrity screen; 'unavailable' where the cache carries no chain. */
export function cacheLatestSeal(db: CacheDb): { latest: CheckpointSummary | null; sealedEvents: number; migrated: boolean } {
  const { chainSeq, chainCheckpoint } = requireCachedChain(readCacheInfo(db));
  const body = db.prepare('SELECT body FROM mailtrail_integrity_checkpoints WHERE checkpoint <= ? ORDER BY checkpoint DESC LIMIT 1').pluck().get(chainCheckpoint) as string | undefined;
  const latest = body ? parseCheckpointBody(body) : null;
  return {
    latest: latest ? checkpointSummary(latest) : null,
    sealedEvents: chainSeq,
    migrated: true,
  };
}

/**
 * One email's events in the cache against the entries its chain holds (the timeline's badge on an
 * offline cache; email-check.ts), and the newest checkpoint's signature with the keys the cache
 * holds. Read in one transaction, so a sync writing meanwhile mixes no two states.
 */
export function cacheEmailIntegrity(db: CacheDb, emailId: number): EmailIntegrity {
  return db.transaction(() => {
    const { chainSeq, chainCheckpoint } = requireCachedChain(readCacheInfo(db));
    const events = (
      db
        .prepare(`SELECT ${EVENT_FIELDS} FROM email_activity_log WHERE email_id = ? UNION ALL SELECT ${EVENT_FIELDS} FROM email_activity_log_archive WHERE email_id = ?`)
        .raw()
        .all(emailId, emailId) as Row[]
    ).sort((a, b) => Number(a[0]) - Number(b[0]));
    const entries = new Map<number, SealedEntry>();
    const entryRows = db
      .prepare(
        `SELECT event_id, seq, lower(hex(leaf_hash)), lower(hex(column_prints)) FROM mailtrail_integrity_entries
         WHERE seq <= ? AND event_id IN (SELECT id FROM email_activity_log WHERE email_id = ? UNION ALL SELECT id FROM email_activity_log_archive WHERE email_id = ?)`,
      )
      .raw()
      .all(chainSeq, emailId, emailId) as [number, number, string, string][];
    for (const [eventId, seq, leaf, prints] of entryRows) entries.set(eventId, { seq, leaf, prints });
    const newest = db
      .prepare(
        `SELECT c.body, c.signature, k.public_key FROM mailtrail_integrity_checkpoints c LEFT JOIN mailtrail_integrity_keys k ON k.key_id = json_extract(c.body, '$.key_id')
         WHERE c.checkpoint <= ? ORDER BY c.checkpoint DESC LIMIT 1`,
      )
      .get(chainCheckpoint) as { body: string; signature: Buffer; public_key: string | null } | undefined;
    const latest = newest ? parseCheckpointBody(newest.body) : null;
    const checked = checkEmailEvents(events, (eventId) => entries.get(eventId), latest, null);
    const failures: IntegrityFailure[] = [];
    if (newest && !(latest && newest.public_key !== null && signatureHolds(newest.body, newest.signature, parsePublicKey(newest.public_key, 'a public key in the cache')))) {
      const number = latest?.checkpoint ?? null;
      failures.push({ kind: 'bad_signature', message: `the newest checkpoint${number === null ? '' : ` (${number})`} is not signed by a key the cache holds: forged or edited`, event_id: null, seq: null, seq_to: null, checkpoint: number, columns: [] });
    }
    return {
      email_id: emailId,
      latest: latest ? checkpointSummary(latest) : null,
      sealed: checked.sealed,
      unsealed: checked.unsealed,
      // An entry does not name its email: the events deleted from this one are found by a full verify --cache.
      purged: 0,
      key_source: (newest ? 'database' : 'none') as KeySource,
      failures: [...failures, ...checked.failures],
      notes: newest ? [CACHE_KEYS] : [],
      checked_at: new Date().toISOString(),
    };
  })();
}
