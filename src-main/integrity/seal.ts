import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { CheckpointBody, SealResult, TrustedHead } from '../contract/integrity';
import { MailtrailError } from '../contract/errors';
import { toMailtrailError, type AdminDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { copyOut, parseCopyLines } from '../sync/copy-text';
import { checkpointBodyText, checkpointHash } from './checkpoint';
import { CHAIN_START, chainHash, eventFromCopy, SEALED_COLUMNS_SQL, sealEvent } from './event-hash';
import { signBody, type SigningKey } from './keys';
import { MerkleTree } from './merkle';
import { toFullXid } from './xid';

/** A checkpoint covers at most this many entries; a larger seal writes several. */
export const CHECKPOINT_MAX_ENTRIES = 1_000_000;
/** Ids read per statement: one COPY each, small enough for the admin connection's statement timeout. */
const IDS_PER_CHUNK = 100_000;
// Any constant works; it keeps two seals from numbering the same entries.
const SEAL_LOCK = 7_411_915;

export interface SealOptions {
  key: SigningKey;
  onProgress?: (progress: { sealed: number; scanned: number; total: number }) => void;
  signal?: AbortSignal;
  /** For tests: smaller checkpoints. */
  checkpointMaxEntries?: number;
}

export interface SealOutcome extends SealResult {
  /** The newest checkpoint as the head file holds it; null when nothing was ever sealed. */
  head: TrustedHead | null;
}

interface Horizon {
  xmin: number;
  xmax: number;
  open_since: string;
  sealed_at: string;
  max_id: number | null;
  sealed_max_id: number | null;
}

interface LastCheckpoint {
  checkpoint: number;
  last_seq: number;
  body: string;
  scan_floor: number;
}

/** What a seal carries from one entry to the next. */
interface Chain {
  seq: number;
  chain: Buffer;
  previous: Buffer | null;
  checkpoint: number;
}

/**
 * Seals what is new up to the safe horizon (docs/integrity.md): in ONE repeatable-read transaction
 * on the admin connection, reads the events above the scan floor in id order, keeps those whose
 * inserting transaction precedes the oldest one still open, appends an entry for each and signs a
 * checkpoint over them. Either all of it commits or none.
 */
export async function sealLog(admin: AdminDb, options: SealOptions): Promise<SealOutcome> {
  const began = Date.now();
  const checkpointMax = options.checkpointMaxEntries ?? CHECKPOINT_MAX_ENTRIES;
  let client: pg.PoolClient;
  try {
    client = await admin.connect();
  } catch (error) {
    throw toMailtrailError(error);
  }
  let locked = false;
  try {
    const [lock] = await query<{ locked: boolean }>(client, sql`SELECT pg_try_advisory_lock(${SEAL_LOCK}) AS locked`);
    locked = lock?.locked === true;
    if (!locked) throw new MailtrailError('conflict', 'another seal is running on this database; it seals what this one would');
    // The lock first, then the snapshot: a seal that waited would otherwise not see the entries of the one before.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    const result = await sealInTransaction(client, options, checkpointMax);
    await client.query('COMMIT');
    const head = await headOf(client, options.key);
    return { ...result, head, elapsed_ms: Date.now() - began };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error instanceof MailtrailError ? error : toMailtrailError(error);
  } finally {
    if (locked) await client.query(sql`SELECT pg_advisory_unlock(${SEAL_LOCK})`.toQuery()).catch(() => undefined);
    client.release();
  }
}

async function sealInTransaction(client: pg.PoolClient, options: SealOptions, checkpointMax: number): Promise<Omit<SealResult, 'elapsed_ms'>> {
  // The first statement takes the transaction's snapshot; pg_current_snapshot() is that snapshot.
  const [horizon] = (await query<Horizon>(
    client,
    sql`SELECT h.xmin, h.xmax, h.open_since, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sealed_at,
               GREATEST((SELECT MAX(id) FROM email_activity_log), (SELECT MAX(id) FROM email_activity_log_archive)) AS max_id,
               (SELECT MAX(event_id) FROM mailtrail_integrity_entries) AS sealed_max_id
        FROM mailtrail_integrity_horizon() AS h`,
  )) as [Horizon];
  const xmin = Number(horizon.xmin);
  const xmax = Number(horizon.xmax);
  const [last] = await query<LastCheckpoint>(
    client,
    sql`SELECT checkpoint, last_seq, body, scan_floor FROM mailtrail_integrity_checkpoints ORDER BY checkpoint DESC LIMIT 1`,
  );
  const chain: Chain = last
    ? { seq: Number(last.last_seq), chain: Buffer.from((JSON.parse(last.body) as CheckpointBody).chain_hash, 'hex'), previous: checkpointHash(last.body), checkpoint: Number(last.checkpoint) }
    : { seq: 0, chain: CHAIN_START, previous: null, checkpoint: 0 };
  const floor = last ? Number(last.scan_floor) : 0;
  const maxId = horizon.max_id ?? 0;
  const sealedMaxId = horizon.sealed_max_id ?? 0;

  // Every id at or below a checkpoint's max_event_id is settled once all transactions open at that checkpoint
  // have ended; with none open now, this snapshot's own ids are settled too.
  const [settled] = await query<{ max_event_id: number }>(
    client,
    sql`SELECT max_event_id FROM mailtrail_integrity_checkpoints WHERE next_xid <= ${xmin} ORDER BY checkpoint DESC LIMIT 1`,
  );
  let nextFloor = Math.max(floor, xmin === xmax ? maxId : Number(settled?.max_event_id ?? 0));

  const written: number[] = [];
  let tree = new MerkleTree();
  let firstSeq = chain.seq + 1;
  let sealed = 0;
  let deferred = 0;
  let pending: string[] = [];

  const flushEntries = async () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    try {
      await pipeline(Readable.from([text]), client.query(copyFrom('COPY mailtrail_integrity_entries (seq, event_id, created_at, leaf_hash, column_prints, chain_hash) FROM STDIN')));
    } catch (error) {
      throw toMailtrailError(error);
    }
  };
  const writeCheckpoint = async () => {
    if (tree.size === 0) return;
    await flushEntries();
    const body: CheckpointBody = {
      mailtrail_checkpoint: 1,
      checkpoint: chain.checkpoint + 1,
      first_seq: firstSeq,
      last_seq: chain.seq,
      merkle_root: tree.root().toString('hex'),
      chain_hash: chain.chain.toString('hex'),
      previous: chain.previous?.toString('hex') ?? null,
      sealed_at: horizon.sealed_at,
      key_id: options.key.keyId,
      horizon: { xmin, xmax, open_since: horizon.open_since },
    };
    const text = checkpointBodyText(body);
    const bodyHash = checkpointHash(text);
    await query(
      client,
      sql`INSERT INTO mailtrail_integrity_checkpoints
            (checkpoint, first_seq, last_seq, sealed_at, key_id, body, checkpoint_hash, signature, max_event_id, next_xid, scan_floor)
          VALUES (${body.checkpoint}, ${body.first_seq}, ${body.last_seq}, ${horizon.sealed_at}::timestamptz, ${body.key_id}, ${text},
                  ${bodyHash}, ${signBody(text, options.key)}, ${maxId}, ${xmax}, ${nextFloor})`,
    );
    written.push(body.checkpoint);
    chain.checkpoint = body.checkpoint;
    chain.previous = bodyHash;
    firstSeq = chain.seq + 1;
    tree = new MerkleTree();
  };

  for (let low = floor; low < maxId; low += IDS_PER_CHUNK) {
    if (options.signal?.aborted) throw new MailtrailError('conflict', 'the seal was cancelled; nothing of it was kept');
    const high = Math.min(maxId, low + IDS_PER_CHUNK);
    // Above the newest sealed id no entry can exist: the anti-join is needed only below it.
    const unsealed = low < sealedMaxId ? sql`AND NOT EXISTS (SELECT 1 FROM mailtrail_integrity_entries s WHERE s.event_id = e.id)` : sql``;
    const statement = sql`
      SELECT * FROM (
        SELECT ${sql.raw(SEALED_COLUMNS_SQL)}, xmin FROM email_activity_log e WHERE e.id > ${low} AND e.id <= ${high} ${unsealed}
        UNION ALL
        SELECT ${sql.raw(SEALED_COLUMNS_SQL)}, xmin FROM email_activity_log_archive e WHERE e.id > ${low} AND e.id <= ${high} ${unsealed}
      ) events ORDER BY id`;
    const lines: Buffer[] = [];
    await copyOut(client, statement, (chunk) => lines.push(chunk));
    for (const chunk of lines) {
      for (const fields of parseCopyLines(chunk)) {
        const xid = toFullXid(Number(fields[9]), xmax);
        if (xid >= xmin) {
          // Its transaction may have been open when this one began: a later seal takes it, and no floor passes it.
          deferred += 1;
          nextFloor = Math.min(nextFloor, Number(fields[0]) - 1);
          continue;
        }
        // A full checkpoint is written when the next entry comes, so the last one is always written after the
        // scan, with the floor every open transaction it met has lowered (the next seal reads the last one's).
        if (tree.size >= checkpointMax) await writeCheckpoint();
        const event = eventFromCopy(fields);
        const { leaf, prints } = sealEvent(event);
        chain.seq += 1;
        chain.chain = chainHash(chain.chain, leaf);
        tree.add(leaf);
        sealed += 1;
        pending.push(`${chain.seq}\t${event.id}\t${fields[7] ?? '\\N'}\t\\\\x${leaf.toString('hex')}\t\\\\x${prints.toString('hex')}\t\\\\x${chain.chain.toString('hex')}\n`);
      }
    }
    await flushEntries();
    options.onProgress?.({ sealed, scanned: high - floor, total: maxId - floor });
  }
  await writeCheckpoint();
  await query(
    client,
    sql`INSERT INTO mailtrail_integrity_keys (key_id, public_key) VALUES (${options.key.keyId}, ${options.key.publicKeyPem}) ON CONFLICT (key_id) DO NOTHING`,
  );
  const [latest] = await query<{ checkpoint: number; last_seq: number; sealed_at: string; key_id: string }>(
    client,
    sql`SELECT checkpoint, last_seq, to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sealed_at, key_id
        FROM mailtrail_integrity_checkpoints ORDER BY checkpoint DESC LIMIT 1`,
  );
  return {
    sealed,
    checkpoints: written,
    latest: latest ? { checkpoint: Number(latest.checkpoint), last_seq: Number(latest.last_seq), sealed_at: latest.sealed_at, key_id: latest.key_id } : null,
    deferred,
  };
}

/** The newest checkpoint as a head file holds it, with the public key of whichever key signed it. */
async function headOf(client: pg.PoolClient, key: SigningKey): Promise<TrustedHead | null> {
  const [row] = await query<{ body: string; signature: Buffer; key_id: string; public_key: string | null }>(
    client,
    sql`SELECT c.body, c.signature, c.key_id, k.public_key FROM mailtrail_integrity_checkpoints c
        LEFT JOIN mailtrail_integrity_keys k ON k.key_id = c.key_id ORDER BY c.checkpoint DESC LIMIT 1`,
  );
  if (!row) return null;
  const publicKey = row.key_id === key.keyId ? key.publicKeyPem : row.public_key;
  if (publicKey === null) throw new MailtrailError('internal', `checkpoint signed by key ${row.key_id}, whose public key the database does not hold`);
  return { mailtrail_integrity_head: 1, body: row.body, signature: row.signature.toString('base64'), public_key: publicKey };
}
