import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CheckpointBody, SealResult, TrustedHead } from '../contract/integrity';
import { MailtrailError } from '../contract/errors';
import { toMailtrailError, type AdminDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { checkpointBodyText, checkpointHash } from './checkpoint';
import { ascii, Output, putBytes } from '../reports/copy-event-lines';
import { CopyRuns, destroyClient, guardClients } from './copy-rows';
import { ChainLink, CopyEventRows, putDecimal, putLatin1Hex, putPrintHex } from './event-bytes';
import { CHAIN_START, SEALED_COLUMNS, SEALED_COLUMNS_SQL } from './event-hash';
import { signBody, type SigningKey } from './keys';
import { MerkleTree } from './merkle';
import { toFullXid } from './xid';

/** A checkpoint covers at most this many entries; a larger seal writes several. */
export const CHECKPOINT_MAX_ENTRIES = 1_000_000;
/** A seal's two long statements (the events read, the entries written) may run this long. */
const SEAL_STATEMENT_TIMEOUT_MS = 30 * 60_000;
// The events' COPY rows: SEALED_COLUMNS, then xmin.
const XMIN_FIELD = SEALED_COLUMNS.length;
const CREATED_AT_FIELD = SEALED_COLUMNS.indexOf('created_at');
const TAB = 0x09;
const LF = 0x0a;
const BYTEA_HEX = ascii('\t\\\\x');
/** An entry's line beside its event's id and created_at: seq, three hashes in hex, separators. */
const ENTRY_ROOM = 320;
const LINES_ROOM = 1 << 21;
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
 * Seals what is new up to the safe horizon (docs/integrity.md). Three connections share one snapshot:
 * the sealing transaction (repeatable read, on the admin connection) takes it, and two readers stream
 * the log's and the archive's events above the scan floor in id order through it while the sealer
 * streams their entries back in one COPY, so reading, hashing and writing overlap. Events whose inserting transaction does not
 * precede the oldest one still open are left for a later seal. The checkpoints are signed and
 * written at the end; either all of it commits or none.
 */
export async function sealLog(admin: AdminDb, options: SealOptions): Promise<SealOutcome> {
  const began = Date.now();
  const checkpointMax = options.checkpointMaxEntries ?? CHECKPOINT_MAX_ENTRIES;
  const clients: pg.PoolClient[] = [];
  try {
    for (let i = 0; i < 3; i++) clients.push(await admin.connect());
  } catch (error) {
    for (const client of clients) client.release();
    throw toMailtrailError(error);
  }
  const [sealer, reader, archiveReader] = clients as [pg.PoolClient, pg.PoolClient, pg.PoolClient];
  const unguard = guardClients(clients);
  let locked = false;
  let failed = false;
  try {
    const [lock] = await query<{ locked: boolean }>(sealer, sql`SELECT pg_try_advisory_lock(${SEAL_LOCK}) AS locked`);
    locked = lock?.locked === true;
    if (!locked) throw new MailtrailError('conflict', 'another seal is running on this database; it seals what this one would');
    await requireIntegrityTables(sealer);
    // The lock first, then the snapshot: a seal that waited would otherwise not see the entries of the one before.
    // One COPY writes every entry of a large seal: past the admin connection's 60 s statement timeout.
    await sealer.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL statement_timeout = ${SEAL_STATEMENT_TIMEOUT_MS}`);
    const result = await sealInTransaction(sealer, [reader, archiveReader], options, checkpointMax);
    await sealer.query('COMMIT');
    const head = await headOf(sealer, options.key);
    return { ...result, head, elapsed_ms: Date.now() - began };
  } catch (error) {
    failed = true;
    throw error instanceof MailtrailError ? error : toMailtrailError(error);
  } finally {
    if (failed) {
      // A COPY left midway would queue a ROLLBACK behind it forever: the connections go, and the
      // server rolls back and lets go of the lock.
      for (const client of clients) destroyClient(client);
    } else {
      for (const client of [reader, archiveReader]) await client.query('ROLLBACK').catch(() => undefined);
      if (locked) await sealer.query(sql`SELECT pg_advisory_unlock(${SEAL_LOCK})`.toQuery()).catch(() => undefined);
      for (const client of clients) client.release();
    }
    unguard();
  }
}

/** Says what to do where migration 0013 has not run (a hub database migrated by an older Mailtrail). */
export async function requireIntegrityTables(client: pg.PoolClient): Promise<void> {
  const [found] = await query<{ present: boolean }>(client, sql`SELECT to_regprocedure('mailtrail_integrity_horizon()') IS NOT NULL AS present`);
  if (!found?.present) {
    throw new MailtrailError('unavailable', 'this database has no integrity tables yet (migrations/0013); run `mailtrail migrate` on it, then `mailtrail seal`');
  }
}

/** The entries' COPY, written at the stream's pace. */
class EntryWriter {
  private readonly stream: Writable;
  private failure: unknown = null;

  constructor(client: pg.PoolClient) {
    this.stream = client.query(copyFrom('COPY mailtrail_integrity_entries (seq, event_id, created_at, leaf_hash, column_prints, chain_hash) FROM STDIN'));
    this.stream.on('error', (error) => (this.failure ??= error));
  }

  async write(text: string | Buffer): Promise<void> {
    if (this.failure) throw toMailtrailError(this.failure);
    if (!this.stream.write(text)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    this.stream.end();
    try {
      await finished(this.stream);
    } catch (error) {
      throw toMailtrailError(this.failure ?? error);
    }
  }
}

async function sealInTransaction(
  sealer: pg.PoolClient,
  [reader, archiveReader]: [pg.PoolClient, pg.PoolClient],
  options: SealOptions,
  checkpointMax: number,
): Promise<Omit<SealResult, 'elapsed_ms'>> {
  // The first statement takes the transaction's snapshot; the horizon is read in it, and the reader shares it.
  const [horizon] = (await query<Horizon & { snapshot: string }>(
    sealer,
    sql`SELECT h.xmin, h.xmax, h.open_since, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sealed_at,
               GREATEST((SELECT MAX(id) FROM email_activity_log), (SELECT MAX(id) FROM email_activity_log_archive)) AS max_id,
               (SELECT MAX(event_id) FROM mailtrail_integrity_entries) AS sealed_max_id, pg_export_snapshot() AS snapshot
        FROM mailtrail_integrity_horizon() AS h`,
  )) as [Horizon & { snapshot: string }];
  for (const client of [reader, archiveReader]) {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT '${horizon.snapshot.replace(/[^0-9A-F-]/gi, '')}'`);
    await client.query(`SET LOCAL statement_timeout = ${SEAL_STATEMENT_TIMEOUT_MS}`);
    // A reader whose table ended first (an empty archive) waits in its transaction while the other streams.
    await client.query('SET LOCAL idle_in_transaction_session_timeout = 0');
  }
  const xmin = Number(horizon.xmin);
  const xmax = Number(horizon.xmax);
  const [last] = await query<LastCheckpoint>(
    sealer,
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
    sealer,
    sql`SELECT max_event_id FROM mailtrail_integrity_checkpoints WHERE next_xid <= ${xmin} ORDER BY checkpoint DESC LIMIT 1`,
  );
  let nextFloor = Math.max(floor, xmin === xmax ? maxId : Number(settled?.max_event_id ?? 0));

  const bodies: CheckpointBody[] = [];
  let tree = new MerkleTree();
  let firstSeq = chain.seq + 1;
  let sealed = 0;
  let deferred = 0;
  const closeCheckpoint = () => {
    if (tree.size === 0) return;
    bodies.push({
      mailtrail_checkpoint: 1,
      checkpoint: chain.checkpoint + bodies.length + 1,
      first_seq: firstSeq,
      last_seq: chain.seq,
      merkle_root: tree.root().toString('hex'),
      chain_hash: chain.chain.toString('hex'),
      previous: null,
      sealed_at: horizon.sealed_at,
      key_id: options.key.keyId,
      horizon: { xmin, xmax, open_since: horizon.open_since },
    });
    firstSeq = chain.seq + 1;
    tree = new MerkleTree();
  };

  // Above the newest sealed id no entry can exist: the anti-join is needed only below it.
  const unsealed = (alias: string) => sql`AND (${sql.raw(alias)}.id > ${sealedMaxId} OR NOT EXISTS (SELECT 1 FROM mailtrail_integrity_entries s WHERE s.event_id = ${sql.raw(alias)}.id))`;
  // The log and the archive each in id order on a connection of its own (an index scan each: one query over
  // both sorted them whole before the first row came), merged here by id.
  const eventsOf = (client: pg.PoolClient, table: string) =>
    new CopyEventRows(
      new CopyRuns(
        client,
        sql`SELECT ${sql.raw(SEALED_COLUMNS_SQL)}, xmin FROM ${sql.raw(table)} e WHERE e.id > ${floor} AND e.id <= ${maxId} ${unsealed('e')} ORDER BY e.id`,
      ),
    );
  const log = eventsOf(reader, 'email_activity_log');
  const archive = eventsOf(archiveReader, 'email_activity_log_archive');
  const entries = new EntryWriter(sealer);
  // Each event's seal straight from COPY's bytes (event-bytes.ts), the chain carried as bytes too.
  const link = new ChainLink(chain.chain);
  // The entries' COPY lines, written whenever a reader needs more rows (about a megabyte of events).
  let lines = new Output(LINES_ROOM);
  let scanned = 0;
  for (;;) {
    if (log.needsFill || archive.needsFill) {
      if (lines.length > 0) {
        await entries.write(lines.take());
        lines = new Output(LINES_ROOM);
        options.onProgress?.({ sealed, scanned, total: maxId - floor });
      }
      if (options.signal?.aborted) throw new MailtrailError('conflict', 'the seal was cancelled; nothing of it was kept');
      if (log.needsFill) await log.fill();
      if (archive.needsFill) await archive.fill();
    }
    const events = log.id <= archive.id ? log : archive;
    const id = events.id;
    if (id === Infinity) break;
    const { sealer: event } = events;
    const run = events.run as Buffer;
    scanned += 1;
    const xid = toFullXid(event.integer(run, XMIN_FIELD), xmax);
    if (xid >= xmin) {
      // Its transaction may have been open when this one began: a later seal takes it, and no floor passes it.
      deferred += 1;
      nextFloor = Math.min(nextFloor, id - 1);
      events.advance();
      continue;
    }
    if (tree.size >= checkpointMax) {
      chain.chain = link.chain;
      closeCheckpoint();
    }
    events.seal();
    const chainHash = link.link(event.leaf);
    chain.seq += 1;
    tree.add(event.leaf);
    sealed += 1;
    // seq, event_id, created_at (COPY's text as it came), then leaf_hash, column_prints and chain_hash as bytea's \\x hex.
    const { starts, ends } = event;
    lines.room(ENTRY_ROOM + ends[0]! - starts[0]! + ends[CREATED_AT_FIELD]! - starts[CREATED_AT_FIELD]!);
    putDecimal(chain.seq, lines);
    lines.bytes[lines.length++] = TAB;
    putBytes(run, starts[0]!, ends[0]!, lines);
    lines.bytes[lines.length++] = TAB;
    putBytes(run, starts[CREATED_AT_FIELD]!, ends[CREATED_AT_FIELD]!, lines);
    lines.put(BYTEA_HEX);
    putLatin1Hex(event.leaf, lines);
    lines.put(BYTEA_HEX);
    for (const print of event.prints) putPrintHex(print, lines);
    lines.put(BYTEA_HEX);
    putLatin1Hex(chainHash, lines);
    lines.bytes[lines.length++] = LF;
    events.advance();
  }
  if (lines.length > 0) await entries.write(lines.take());
  await entries.end();
  chain.chain = link.chain;
  closeCheckpoint();

  // Signed in order, each naming the one before; the last is written after the scan, so its floor is final.
  for (const body of bodies) {
    body.previous = chain.previous?.toString('hex') ?? null;
    const text = checkpointBodyText(body);
    const bodyHash = checkpointHash(text);
    await query(
      sealer,
      sql`INSERT INTO mailtrail_integrity_checkpoints
            (checkpoint, first_seq, last_seq, sealed_at, key_id, body, checkpoint_hash, signature, max_event_id, next_xid, scan_floor)
          VALUES (${body.checkpoint}, ${body.first_seq}, ${body.last_seq}, ${horizon.sealed_at}::timestamptz, ${body.key_id}, ${text},
                  ${bodyHash}, ${signBody(text, options.key)}, ${maxId}, ${xmax}, ${nextFloor})`,
    );
    chain.previous = bodyHash;
  }
  await query(
    sealer,
    sql`INSERT INTO mailtrail_integrity_keys (key_id, public_key) VALUES (${options.key.keyId}, ${options.key.publicKeyPem}) ON CONFLICT (key_id) DO NOTHING`,
  );
  const [latest] = await query<{ checkpoint: number; last_seq: number; sealed_at: string; key_id: string }>(
    sealer,
    sql`SELECT checkpoint, last_seq, to_char(sealed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS sealed_at, key_id
        FROM mailtrail_integrity_checkpoints ORDER BY checkpoint DESC LIMIT 1`,
  );
  return {
    sealed,
    checkpoints: bodies.map((body) => body.checkpoint),
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
