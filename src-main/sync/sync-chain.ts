import type pg from 'pg';
import { query } from '../db/query';
import { sql, type Sql } from '../db/sql';
import { SEALED_COLUMNS_SQL } from '../integrity/event-hash';
import { seamOf, type Seam } from '../integrity/verify';
import { readCacheInfo, writeCacheInfo, type CacheDb } from '../store/sqlite/cache-file';
import { copyOut, CopyStatement, parseCopyLines, zoneless } from './copy-text';

/** What the chain's copy did: copied up to the source's snapshot, found no chain there, or kept the cache's own. */
export interface ChainCopy {
  state: 'copied' | 'absent' | 'diverged';
  /** Entries and checkpoints copied by this run. */
  entries: number;
  checkpoints: number;
  /** The chain the cache now holds consistently: its last seq and checkpoint (0 when nothing is sealed). */
  chainSeq: number | null;
  chainCheckpoint: number | null;
  /** Events the chain names that this run's event copy had not seen (committed since), fetched in the chain's snapshot. */
  caughtUp: number;
  /** How long the chain's copy took. */
  seconds: number;
}

/** Where the cache puts the events a chain's snapshot adds, with its rollups and search tables; called inside the chain's last transaction. */
export interface SealedEventSink {
  addLogEvents(lines: Buffer[]): void;
  addArchivedEvents(lines: Buffer[]): void;
}

const FETCH_IDS_PER_COPY = 5_000;

/**
 * Copies the sealed chain into the cache (docs/integrity.md, "Offline"), after the events: in one
 * REPEATABLE READ snapshot of the source, the entries and checkpoints past what the cache holds
 * (appended in batches, so a killed copy resumes where it stopped), then the keys, purge seams and
 * retention runs whole, and the events the chain names that the cache lacks. The last of it and the
 * marks chain_seq/chain_checkpoint commit together: verify reads the chain up to the marks only, so
 * every entry it reads has its event in the cache, or the source had lost it too. A source whose
 * chain no longer continues the cache's (rewritten or cut short since the last sync) is not copied:
 * the cache keeps the chain it had, and verify checks the events just synced against it.
 */
export async function copyChain(
  db: CacheDb,
  client: pg.PoolClient,
  options: { rangeConditions: Sql[]; events: SealedEventSink; onBatch?: () => void },
): Promise<ChainCopy> {
  const started = Date.now();
  const seconds = () => (Date.now() - started) / 1000;
  const info = readCacheInfo(db);
  const kept = { entries: 0, checkpoints: 0, chainSeq: info.chainSeq, chainCheckpoint: info.chainCheckpoint, caughtUp: 0 };
  await query(client, sql`BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
  try {
    const [tables] = await query<{ chain: boolean; runs: boolean }>(
      client,
      sql`SELECT to_regclass('mailtrail_integrity_entries') IS NOT NULL AND to_regclass('mailtrail_integrity_purged') IS NOT NULL AS chain,
                 to_regclass('mailtrail_retention_runs') IS NOT NULL AS runs`,
    );
    if (!tables?.chain) return { ...kept, state: 'absent', seconds: seconds() };
    // What the cache holds, an interrupted copy's rows included: they continue the source's chain or nothing does.
    const held = db
      .prepare(
        `SELECT (SELECT MAX(seq) FROM mailtrail_integrity_entries) AS seq, (SELECT MAX(checkpoint) FROM mailtrail_integrity_checkpoints) AS checkpoint`,
      )
      .get() as { seq: number | null; checkpoint: number | null };
    const heldSeq = held.seq ?? 0;
    const heldCheckpoint = held.checkpoint ?? 0;
    if (!(await continuesCache(db, client, heldSeq, heldCheckpoint))) return { ...kept, state: 'diverged', seconds: seconds() };
    const [extent] = await query<{ seq: number | null; checkpoint: number | null }>(
      client,
      sql`SELECT (SELECT MAX(seq) FROM mailtrail_integrity_entries) AS seq, (SELECT MAX(checkpoint) FROM mailtrail_integrity_checkpoints) AS checkpoint`,
    );
    const sourceSeq = Number(extent?.seq ?? 0);
    const sourceCheckpoint = Number(extent?.checkpoint ?? 0);

    const insertEntries = new CopyStatement(
      db,
      6,
      (source) =>
        `INSERT INTO mailtrail_integrity_entries SELECT CAST(c0 AS INTEGER), CAST(c1 AS INTEGER), ${zoneless('c2')}, unhex(c3), unhex(c4), unhex(c5) FROM ${source}`,
    );
    const insertCheckpoints = new CopyStatement(
      db,
      4,
      (source) => `INSERT INTO mailtrail_integrity_checkpoints SELECT CAST(c0 AS INTEGER), c1, unhex(c2), unhex(c3) FROM ${source}`,
    );
    let entries = 0;
    let checkpoints = 0;
    await copyOut(
      client,
      sql`SELECT seq, event_id, created_at, encode(leaf_hash, 'hex'), encode(column_prints, 'hex'), encode(chain_hash, 'hex')
          FROM mailtrail_integrity_entries WHERE seq > ${heldSeq} ORDER BY seq`,
      (lines) => {
        db.transaction(() => (entries += insertEntries.run(lines)))();
        options.onBatch?.();
      },
    );
    await copyOut(
      client,
      sql`SELECT checkpoint, body, encode(checkpoint_hash, 'hex'), encode(signature, 'hex')
          FROM mailtrail_integrity_checkpoints WHERE checkpoint > ${heldCheckpoint} ORDER BY checkpoint`,
      (lines) => db.transaction(() => (checkpoints += insertCheckpoints.run(lines)))(),
    );

    // Small tables, replaced whole in the last transaction.
    const keys = await gather(client, sql`SELECT key_id, public_key FROM mailtrail_integrity_keys`);
    const seamLines = await gather(client, sql`SELECT run_id, first_seq, last_seq FROM mailtrail_integrity_purged ORDER BY first_seq`);
    const runs = tables.runs ? await gather(client, sql`SELECT id, purge_cutoff FROM mailtrail_retention_runs`) : [];
    const { logLines, archiveLines, caughtUp } = await fetchMissingEvents(db, client, info.chainSeq ?? 0, seamLines, options.rangeConditions);

    const insertKeys = new CopyStatement(db, 2, (source) => `INSERT INTO mailtrail_integrity_keys SELECT c0, c1 FROM ${source}`);
    const insertSeams = new CopyStatement(
      db,
      3,
      (source) => `INSERT INTO mailtrail_integrity_purged SELECT CAST(c0 AS INTEGER), CAST(c1 AS INTEGER), CAST(c2 AS INTEGER) FROM ${source}`,
    );
    const insertRuns = new CopyStatement(db, 2, (source) => `INSERT INTO mailtrail_retention_runs SELECT CAST(c0 AS INTEGER), ${zoneless('c1')} FROM ${source}`);
    db.transaction(() => {
      db.exec('DELETE FROM mailtrail_integrity_keys; DELETE FROM mailtrail_integrity_purged; DELETE FROM mailtrail_retention_runs');
      for (const lines of keys) insertKeys.run(lines);
      for (const lines of seamLines) insertSeams.run(lines);
      for (const lines of runs) insertRuns.run(lines);
      options.events.addLogEvents(logLines);
      options.events.addArchivedEvents(archiveLines);
      writeCacheInfo(db, { chainSeq: sourceSeq, chainCheckpoint: sourceCheckpoint });
    })();
    return { state: 'copied', entries, checkpoints, chainSeq: sourceSeq, chainCheckpoint: sourceCheckpoint, caughtUp, seconds: seconds() };
  } finally {
    await query(client, sql`ROLLBACK`).catch(() => undefined);
  }
}

async function gather(client: pg.PoolClient, statement: Sql): Promise<Buffer[]> {
  const runs: Buffer[] = [];
  await copyOut(client, statement, (lines) => runs.push(lines));
  return runs;
}

/** Whether the source's chain still holds the cache's newest entry and checkpoint, unchanged. */
async function continuesCache(db: CacheDb, client: pg.PoolClient, heldSeq: number, heldCheckpoint: number): Promise<boolean> {
  if (heldSeq > 0) {
    const cached = db.prepare('SELECT lower(hex(chain_hash)) FROM mailtrail_integrity_entries WHERE seq = ?').pluck().get(heldSeq) as string;
    const [source] = await query<{ chain: string }>(client, sql`SELECT encode(chain_hash, 'hex') AS chain FROM mailtrail_integrity_entries WHERE seq = ${heldSeq}`);
    if (source?.chain !== cached) return false;
  }
  if (heldCheckpoint > 0) {
    const cached = db.prepare('SELECT body FROM mailtrail_integrity_checkpoints WHERE checkpoint = ?').pluck().get(heldCheckpoint) as string;
    const [source] = await query<{ body: string }>(client, sql`SELECT body FROM mailtrail_integrity_checkpoints WHERE checkpoint = ${heldCheckpoint}`);
    if (source?.body !== cached) return false;
  }
  return true;
}

/**
 * The events of the entries past `afterSeq` that the cache holds in neither its log nor its archive:
 * committed after this run read the events and sealed before the chain's snapshot. Fetched in that
 * snapshot (within the cache's range); those purged by a recorded seam are not looked for, and those
 * the source lacks too stay missing, for verify to name.
 */
async function fetchMissingEvents(db: CacheDb, client: pg.PoolClient, afterSeq: number, seamLines: Buffer[], rangeConditions: Sql[]) {
  const seams: Seam[] = seamLines.flatMap((lines) => parseCopyLines(lines)).map((row) => ({ run_id: Number(row[0]), first_seq: Number(row[1]), last_seq: Number(row[2]) }));
  const missing: number[] = [];
  const entries = db
    .prepare(
      `SELECT seq, event_id FROM mailtrail_integrity_entries e WHERE seq > ?
         AND NOT EXISTS (SELECT 1 FROM email_activity_log l WHERE l.id = e.event_id)
         AND NOT EXISTS (SELECT 1 FROM email_activity_log_archive a WHERE a.id = e.event_id)`,
    )
    .raw()
    .iterate(afterSeq) as IterableIterator<[number, number]>;
  for (const [seq, eventId] of entries) if (!seamOf(seams, seq)) missing.push(eventId);
  const logLines: Buffer[] = [];
  const archiveLines: Buffer[] = [];
  for (let i = 0; i < missing.length; i += FETCH_IDS_PER_COPY) {
    const ids = missing.slice(i, i + FETCH_IDS_PER_COPY);
    const where = sql.where([sql`id = ANY(${ids}::int[])`, ...rangeConditions]);
    await copyOut(client, sql`SELECT ${sql.raw(SEALED_COLUMNS_SQL)} FROM email_activity_log ${where}`, (lines) => logLines.push(lines));
    await copyOut(client, sql`SELECT ${sql.raw(SEALED_COLUMNS_SQL)} FROM email_activity_log_archive ${where}`, (lines) => archiveLines.push(lines));
  }
  const caughtUp = [...logLines, ...archiveLines].reduce((count, lines) => count + parseCopyLines(lines).length, 0);
  return { logLines, archiveLines, caughtUp };
}
