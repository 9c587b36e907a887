import type pg from 'pg';
import {
  INTEGRITY_FAILURES_MAX,
  type CheckpointBody,
  type IntegrityFailure,
  type IntegrityProgress,
  type IntegrityReport,
  type KeySource,
} from '../contract/integrity';
import { MailtrailError } from '../contract/errors';
import { toMailtrailError, type ReadableDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import { checkpointHash, parseCheckpointBody, type ReadHead } from './checkpoint';
import { CopyRows, CopyRuns, destroyClient, guardClients, WALK_TIMEOUTS, type OrderedRows } from './copy-rows';
import { ChainLink, CopyEntryRows, CopyEventRows, type EntryRows, type EventRows } from './event-bytes';
import { requireIntegrityTables } from './seal';
import { CHAIN_START, changedColumns, SEALED_COLUMNS, SEALED_COLUMNS_SQL } from './event-hash';
import { parsePublicKey, signatureHolds, type PublicKey } from './keys';
import { MerkleTree } from './merkle';
import { toFullXid } from './xid';

export interface VerifyOptions {
  /** The trusted head (`--head FILE`, read and checked by readHeadFile). */
  head?: ReadHead | null;
  /** The trusted public key (`--key-pub FILE`). */
  publicKey?: PublicKey | null;
  onProgress?: (progress: IntegrityProgress) => void;
  signal?: AbortSignal;
}

interface CheckpointRow {
  checkpoint: number;
  body: string;
  checkpoint_hash: Buffer;
  signature: Buffer;
}

export interface Seam {
  run_id: number;
  first_seq: number;
  last_seq: number;
}

export interface RunClaim {
  id: number;
  purge_cutoff: string | null;
}

// Progress at most this often, in entries.
const PROGRESS_EVERY = 100_000;

/** The list of failures, bounded; what is past the bound is counted. */
export class Failures {
  readonly list: IntegrityFailure[] = [];
  omitted = 0;

  add(failure: Partial<IntegrityFailure> & Pick<IntegrityFailure, 'kind' | 'message'>): void {
    if (this.list.length >= INTEGRITY_FAILURES_MAX) {
      this.omitted += 1;
      return;
    }
    this.list.push({ event_id: null, seq: null, seq_to: null, checkpoint: null, columns: [], ...failure });
  }
}

/**
 * Where a verification reads the sealed log: PostgreSQL through five connections of one snapshot
 * (below), or the offline cache in one read transaction (src-main/store/sqlite/integrity.query.ts).
 * Each ordered result is walked beside the others, row by row, as text fields.
 */
export interface ChainSource {
  /** The public keys the seals stored: trusted only when nothing better is given. */
  storedKeys(): Promise<{ key_id: string; public_key: string }[]>;
  /** The highest seq, and the newest checkpoint's body as stored (what unsealed events are judged against). */
  extent(): Promise<{ entries: number; newestBody: string | null }>;
  /** checkpoint, body, checkpoint_hash and signature as hex; by checkpoint. */
  checkpoints(): OrderedRows;
  /** seq, event_id, leaf_hash and chain_hash as hex; by seq. */
  entriesBySeq(): EntryRows;
  /** The purge seams by first_seq, and the retention runs they name. Read before the walks by event id begin. */
  seams(): Promise<Seam[]>;
  runs(ids: number[]): Promise<RunClaim[]>;
  /** event_id, seq, created_at, leaf_hash and column_prints as hex; by event_id. */
  entriesByEventId(): EntryRows;
  /** SEALED_COLUMNS (then, in PostgreSQL, xmin); by id. */
  log(): EventRows;
  archive(): EventRows;
  /**
   * The full transaction id that wrote an unsealed event, read from its fields; null where the
   * source keeps none (the cache), and an unsealed event is judged by its date alone.
   */
  xidOf: ((fields: readonly (string | null)[]) => number) | null;
  /** Whether an entry's event lies outside what the source holds (a cache synced with --since/--until). */
  outsideRange?: (createdAt: string | null) => boolean;
}

/**
 * Checks the sealed log (docs/integrity.md, "Verification"): in one snapshot shared by its
 * connections, walks the entries in seq order (the chain, each checkpoint's Merkle root, hash link
 * and signature, the head) and, at the same time, the entries, the log and the archive side by side in id order
 * (each sealed event's content, deleted and purged events, unsealed events dated inside a sealed
 * period). Streams both walks: memory stays flat whatever the log's size.
 */
export async function verifyIntegrity(db: ReadableDb, options: VerifyOptions = {}): Promise<IntegrityReport> {
  const began = Date.now();
  const clients: pg.PoolClient[] = [];
  try {
    for (let i = 0; i < 5; i++) clients.push(await db.connect());
  } catch (error) {
    for (const client of clients) client.release();
    throw toMailtrailError(error);
  }
  const [main, ...others] = clients as [pg.PoolClient, ...pg.PoolClient[]];
  const unguard = guardClients(clients);
  let failed = false;
  try {
    // One snapshot for all five connections: an event archived meanwhile is neither lost nor seen twice.
    // Verification streams for as long as the log takes, past the viewer's statement timeout.
    await main.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; ${WALK_TIMEOUTS}`);
    const [exported] = await query<{ snapshot: string }>(main, sql`SELECT pg_export_snapshot() AS snapshot`);
    for (const client of others) {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET TRANSACTION SNAPSHOT '${(exported as { snapshot: string }).snapshot.replace(/[^0-9A-F-]/gi, '')}'`);
      await client.query(WALK_TIMEOUTS);
    }
    await requireIntegrityTables(main);
    const report = await verifyChain(await postgresSource(clients as Walkers), options);
    return { ...report, elapsed_ms: Date.now() - began };
  } catch (error) {
    failed = true;
    throw error instanceof MailtrailError ? error : toMailtrailError(error);
  } finally {
    for (const client of clients) {
      // A stream stopped midway would keep its connection busy: such connections go (the server rolls back).
      if (failed) destroyClient(client);
      else {
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
      }
    }
    unguard();
  }
}

export type ChainReport = Omit<IntegrityReport, 'elapsed_ms'>;

/** The five connections of one snapshot: one per ordered stream, and `main` for small queries first. */
type Walkers = [main: pg.PoolClient, log: pg.PoolClient, archive: pg.PoolClient, chain: pg.PoolClient, checkpoints: pg.PoolClient];

/** PostgreSQL as a ChainSource: each ordered result a COPY on its own connection; `main` answers the small queries, then streams the entries by event id. */
async function postgresSource([main, log, archive, chainClient, checkpointClient]: Walkers): Promise<ChainSource> {
  const [snapshot] = await query<{ xmax: string }>(main, sql`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`);
  const nowXmax = Number(snapshot?.xmax);
  return {
    storedKeys: () => query<{ key_id: string; public_key: string }>(main, sql`SELECT key_id, public_key FROM mailtrail_integrity_keys`),
    extent: async () => {
      const [row] = await query<{ entries: number | null; body: string | null }>(
        main,
        sql`SELECT (SELECT MAX(seq) FROM mailtrail_integrity_entries) AS entries,
                   (SELECT body FROM mailtrail_integrity_checkpoints ORDER BY checkpoint DESC LIMIT 1) AS body`,
      );
      return { entries: Number(row?.entries ?? 0), newestBody: row?.body ?? null };
    },
    checkpoints: () =>
      new CopyRows(checkpointClient, sql`SELECT checkpoint, body, encode(checkpoint_hash, 'hex'), encode(signature, 'hex') FROM mailtrail_integrity_checkpoints ORDER BY checkpoint`),
    entriesBySeq: () =>
      new CopyEntryRows(new CopyRuns(chainClient, sql`SELECT seq, event_id, encode(leaf_hash, 'hex'), encode(chain_hash, 'hex') FROM mailtrail_integrity_entries ORDER BY seq`)),
    seams: () => query<Seam>(main, sql`SELECT run_id, first_seq, last_seq FROM mailtrail_integrity_purged ORDER BY first_seq`),
    runs: (ids) => query<RunClaim>(main, sql`SELECT id, purge_cutoff FROM mailtrail_retention_runs WHERE id = ANY (${ids}::bigint[])`),
    entriesByEventId: () =>
      new CopyEntryRows(
        new CopyRuns(main, sql`SELECT event_id, seq, created_at, encode(leaf_hash, 'hex'), encode(column_prints, 'hex') FROM mailtrail_integrity_entries ORDER BY event_id`),
      ),
    // The events are sealed from COPY's bytes (event-bytes.ts), as the seal does.
    log: () => new CopyEventRows(new CopyRuns(log, sql`SELECT ${sql.raw(SEALED_COLUMNS_SQL)}, xmin FROM email_activity_log ORDER BY id`)),
    archive: () => new CopyEventRows(new CopyRuns(archive, sql`SELECT ${sql.raw(SEALED_COLUMNS_SQL)}, xmin FROM email_activity_log_archive ORDER BY id`)),
    xidOf: (fields) => toFullXid(Number(fields[SEALED_COLUMNS.length]), nowXmax),
  };
}

/** The whole verification over a source, both walks at once; the report without its time. */
export async function verifyChain(source: ChainSource, options: VerifyOptions): Promise<ChainReport> {
  // Each walk lists its own failures (they run at once); the chain's come first.
  const failures = new Failures();
  const eventFailures = new Failures();
  const notes: string[] = [];
  const { keys, keySource } = await trustedKeys(source, options, notes);
  const { entries: total, newestBody } = await source.extent();

  // The newest checkpoint as stored: what unsealed events are judged against (walkChain checks it like the others).
  const latestStored = newestBody === null ? null : parseCheckpointBody(newestBody);
  // The two walks side by side: PostgreSQL streams all four results while this thread hashes.
  const [chain, events] = await Promise.all([
    walkChain(source, { keys, keySource, failures, total, options }),
    walkEvents(source, { latest: latestStored, failures: eventFailures, total, options }),
  ]);
  if (options.head) checkHead(options.head, chain.headBody, chain.latest, failures);
  for (const failure of eventFailures.list) failures.add(failure);
  failures.omitted += eventFailures.omitted;
  if (chain.latest === null) notes.push('nothing is sealed yet: run `mailtrail seal --key FILE` first');
  if (events.outside > 0) {
    notes.push(`${events.outside.toLocaleString('en-US')} sealed events lie outside the range this cache was synced for (--since/--until) and were not checked`);
  }
  return {
    intact: failures.list.length === 0,
    checked_at: new Date().toISOString(),
    latest: chain.latest
      ? { checkpoint: chain.latest.checkpoint, last_seq: chain.latest.last_seq, sealed_at: chain.latest.sealed_at, key_id: chain.latest.key_id }
      : null,
    checkpoints: chain.checkpoints,
    events_checked: events.checked,
    archived: events.archived,
    purged: events.purged,
    unsealed: events.unsealed,
    key_source: keySource,
    head: options.head ? { checkpoint: options.head.body.checkpoint, last_seq: options.head.body.last_seq } : null,
    failures: failures.list,
    failures_omitted: failures.omitted,
    notes,
  };
}

/** The keys signatures are checked with: --key-pub and the head's key when given, else (weakest) the database's own table. */
async function trustedKeys(source: ChainSource, options: VerifyOptions, notes: string[]): Promise<{ keys: Map<string, PublicKey>; keySource: KeySource }> {
  const keys = new Map<string, PublicKey>();
  if (options.publicKey) keys.set(options.publicKey.keyId, options.publicKey);
  if (options.head) keys.set(options.head.key.keyId, options.head.key);
  if (keys.size > 0) return { keys, keySource: options.publicKey ? 'key_pub' : 'head' };
  const rows = await source.storedKeys();
  for (const row of rows) {
    const key = parsePublicKey(row.public_key, `the public key ${row.key_id} in mailtrail_integrity_keys`);
    if (key.keyId === row.key_id) keys.set(key.keyId, key);
  }
  notes.push(
    rows.length > 0
      ? 'signatures were checked with the public keys stored in the database, which whoever can write to it could replace: give --key-pub FILE or --head FILE to check against a key kept elsewhere'
      : 'no public key to check signatures with: give --key-pub FILE or --head FILE',
  );
  return { keys, keySource: rows.length > 0 ? 'database' : 'none' };
}

interface ChainWalk {
  checkpoints: number;
  /** The newest checkpoint whose body is well formed. */
  latest: CheckpointBody | null;
  /** The stored body of the trusted head's checkpoint, when the database has it. */
  headBody: string | null;
}

/** Walks the entries in seq order against the checkpoints: links, Merkle roots, the chain, signatures. */
async function walkChain(
  source: ChainSource,
  context: { keys: Map<string, PublicKey>; keySource: KeySource; failures: Failures; total: number; options: VerifyOptions },
): Promise<ChainWalk> {
  const { failures, keys } = context;
  let headBody: string | null = null;
  let latest: CheckpointBody | null = null;
  let checkpoints = 0;
  let previousHash: Buffer | null = null;
  let expectedFirst = 1;
  const stored = source.checkpoints();

  /** The next checkpoint, its own checks done (body, hash, link, signature); null after the last. */
  const nextCheckpoint = async (): Promise<CheckpointBody | null> => {
    for (;;) {
      if (stored.needsFill) await stored.fill();
      const fields = stored.current;
      if (fields === null) return null;
      stored.advance();
      const row: CheckpointRow = { checkpoint: Number(fields[0]), body: fields[1] ?? '', checkpoint_hash: Buffer.from(fields[2] ?? '', 'hex'), signature: Buffer.from(fields[3] ?? '', 'hex') };
      const number = row.checkpoint;
      checkpoints += 1;
      const body = parseCheckpointBody(row.body);
      if (!body || body.checkpoint !== number) {
        failures.add({ kind: 'bad_signature', message: `checkpoint ${number} does not hold a checkpoint body as seal writes it: forged or edited`, checkpoint: number });
        continue;
      }
      const bodyHash = checkpointHash(row.body);
      if (!bodyHash.equals(row.checkpoint_hash)) {
        failures.add({ kind: 'bad_signature', message: `checkpoint ${number}'s stored hash is not its body's: edited`, checkpoint: number });
      }
      const key = keys.get(body.key_id);
      if (!key) {
        if (context.keySource !== 'none') {
          failures.add({ kind: 'bad_signature', message: `checkpoint ${number} is signed by key ${body.key_id}, which is not ${context.keySource === 'database' ? 'in mailtrail_integrity_keys' : 'the trusted key'}: forged`, checkpoint: number });
        }
      } else if (!signatureHolds(row.body, row.signature, key)) {
        failures.add({ kind: 'bad_signature', message: `checkpoint ${number}'s signature does not hold for key ${body.key_id}: forged or edited`, checkpoint: number });
      }
      if (body.previous !== (previousHash?.toString('hex') ?? null)) {
        failures.add({ kind: 'bad_signature', message: `checkpoint ${number} does not name checkpoint ${number - 1} as its previous one: a checkpoint was removed, replaced or forged`, checkpoint: number });
      }
      if (body.first_seq !== expectedFirst) {
        failures.add({ kind: 'chain_broken', message: `checkpoint ${number} starts at seq ${body.first_seq}, not ${expectedFirst} where checkpoint ${number - 1} ended`, checkpoint: number, seq: body.first_seq });
      }
      previousHash = bodyHash;
      expectedFirst = body.last_seq + 1;
      latest = body;
      if (number === context.options.head?.body.checkpoint) headBody = row.body;
      return body;
    }
  };

  let checkpoint = await nextCheckpoint();
  let tree = new MerkleTree();
  // The previous entry's chain hash (as stored) and this entry's leaf, in bytes: hashes as latin1 strings, no Buffer an entry.
  const link = new ChainLink(CHAIN_START);
  let expectedSeq = 1;
  let previousEventId = 0;
  let rows = 0;
  const entries = source.entriesBySeq();

  const closeCheckpoint = (cp: CheckpointBody, lastChain: string) => {
    if (tree.root().toString('hex') !== cp.merkle_root) {
      failures.add({ kind: 'merkle_mismatch', message: `checkpoint ${cp.checkpoint}'s Merkle root does not match its entries (seq ${cp.first_seq}–${cp.last_seq})`, checkpoint: cp.checkpoint, seq: cp.first_seq, seq_to: cp.last_seq });
    } else if (lastChain !== cp.chain_hash) {
      failures.add({ kind: 'chain_broken', message: `checkpoint ${cp.checkpoint}'s chain hash does not match its entries' (seq ${cp.last_seq})`, checkpoint: cp.checkpoint, seq: cp.last_seq });
    }
    tree = new MerkleTree();
  };

  for (;;) {
    if (entries.needsFill) {
      if (context.options.signal?.aborted) throw new MailtrailError('conflict', 'the verification was cancelled');
      await entries.fill();
    }
    if (!entries.present) break;
    // seq, event_id, leaf_hash, chain_hash (hex).
    const seq = entries.integer(0);
    const eventId = entries.integer(1);
    entries.hashInto(2, link.bytes, 32);
    const leaf = link.bytes.toString('latin1', 32, 64);
    if (seq !== expectedSeq) {
      failures.add({
        kind: 'deleted',
        message: seq - expectedSeq === 1 ? `the entry of seq ${expectedSeq} is missing from the chain` : `the entries of seq ${expectedSeq}–${seq - 1} are missing from the chain`,
        seq: expectedSeq,
        seq_to: seq - 1 === expectedSeq ? null : seq - 1,
      });
    }
    const computed = link.link(leaf);
    const intact = entries.hashIs(3, computed);
    if (seq === expectedSeq && !intact) {
      if (eventId < previousEventId) {
        failures.add({ kind: 'reordered', message: `entries out of their sealed order at seq ${seq}: event ${eventId} comes after event ${previousEventId}`, seq, event_id: eventId });
      } else {
        failures.add({ kind: 'chain_broken', message: `the chain breaks at seq ${seq} (event ${eventId}): its chain hash is not the previous one's and its leaf's`, seq, event_id: eventId });
      }
    }
    // Carry on from what is stored, so one break is reported once, not at every later entry.
    if (!intact) entries.hashInto(3, link.bytes, 0);
    expectedSeq = seq + 1;
    previousEventId = eventId;
    while (checkpoint && seq > checkpoint.last_seq) {
      closeCheckpoint(checkpoint, entries.text(3) ?? '');
      checkpoint = await nextCheckpoint();
    }
    if (checkpoint && seq >= checkpoint.first_seq) {
      tree.add(leaf);
      if (seq === checkpoint.last_seq) {
        closeCheckpoint(checkpoint, Buffer.from(computed, 'latin1').toString('hex'));
        checkpoint = await nextCheckpoint();
      }
    } else if (!checkpoint) {
      failures.add({ kind: 'uncovered', message: `the entry of seq ${seq} (event ${eventId}) is not covered by any checkpoint: forged`, seq, event_id: eventId });
    }
    entries.advance();
    rows += 1;
    if (rows % PROGRESS_EVERY === 0) context.options.onProgress?.({ phase: 'chain', done: rows, total: context.total });
  }
  // Checkpoints past the last entry: their entries were deleted.
  while (checkpoint) {
    const from = Math.max(expectedSeq, checkpoint.first_seq);
    failures.add({ kind: 'deleted', message: `the entries of seq ${from}–${checkpoint.last_seq}, sealed by checkpoint ${checkpoint.checkpoint}, are missing`, seq: from, seq_to: checkpoint.last_seq, checkpoint: checkpoint.checkpoint });
    expectedSeq = checkpoint.last_seq + 1;
    tree = new MerkleTree();
    checkpoint = await nextCheckpoint();
  }
  context.options.onProgress?.({ phase: 'chain', done: rows, total: context.total });
  return { checkpoints, latest, headBody };
}

/** The database's chain against the trusted head: it must reach the head's checkpoint and hold the very same body. */
function checkHead(head: ReadHead, stored: string | null, latest: CheckpointBody | null, failures: Failures): void {
  const number = head.body.checkpoint;
  if (latest === null || latest.checkpoint < number) {
    failures.add({
      kind: 'truncated',
      message: `the database's chain ends at ${latest ? `checkpoint ${latest.checkpoint} (seq ${latest.last_seq})` : 'no checkpoint'}, short of the trusted head's checkpoint ${number} (seq ${head.body.last_seq}): the newest sealed events and their checkpoints were removed`,
      checkpoint: number,
      seq: (latest?.last_seq ?? 0) + 1,
      seq_to: head.body.last_seq,
    });
    return;
  }
  if (stored !== head.bodyText) {
    failures.add({ kind: 'diverged', message: `the database's checkpoint ${number} differs from the trusted head's: the chain was rewritten`, checkpoint: number });
  }
}

interface EventWalk {
  checked: number;
  archived: number;
  purged: number;
  unsealed: number;
  /** Entries whose events lie outside a cache's --since/--until. */
  outside: number;
}

export interface Edited {
  eventId: number;
  seq: number;
  /** Column prints, hex. */
  recorded: string;
  now: string;
}

/** Walks entries, log and archive side by side in id order: content, deletions, purges, insertions. */
async function walkEvents(
  source: ChainSource,
  context: { latest: CheckpointBody | null; failures: Failures; total: number; options: VerifyOptions },
): Promise<EventWalk> {
  const { failures, latest } = context;
  const seams = (await source.seams()).map((seam) => ({
    run_id: Number(seam.run_id),
    first_seq: Number(seam.first_seq),
    last_seq: Number(seam.last_seq),
  }));
  const runs = new Map<number, RunClaim>();
  if (seams.length > 0) {
    const ids = [...new Set(seams.map((seam) => seam.run_id))];
    for (const run of await source.runs(ids)) {
      runs.set(Number(run.id), run);
    }
  }
  const entries = source.entriesByEventId();
  const log = source.log();
  const archive = source.archive();
  const walk: EventWalk = { checked: 0, archived: 0, purged: 0, unsealed: 0, outside: 0 };
  const edited: Edited[] = [];
  let deleted: { seq: number; seqTo: number; eventId: number; eventIdTo: number } | null = null;
  const flushDeleted = () => {
    if (!deleted) return;
    const { seq, seqTo, eventId, eventIdTo } = deleted;
    failures.add({
      kind: 'deleted',
      message: seq === seqTo ? `deleted event ${eventId} (seq ${seq})` : `deleted ${seqTo - seq + 1} events: seq ${seq}–${seqTo} (ids ${eventId}–${eventIdTo})`,
      seq,
      seq_to: seq === seqTo ? null : seqTo,
      event_id: eventId,
    });
    deleted = null;
  };
  let rows = 0;

  /** Judges the event `id`: its entry (the current one of `entries`, or none) against the event in the log or the archive (or none). */
  const judge = (id: number, entry: EntryRows | null, event: EventRows | null, inLog: boolean) => {
    // The entry's fields: event_id, seq, created_at, leaf_hash, column_prints (hex).
    if (entry) {
      const seq = entry.integer(1);
      rows += 1;
      if (rows % PROGRESS_EVERY === 0) context.options.onProgress?.({ phase: 'events', done: rows, total: context.total });
      if (event) {
        flushDeleted();
        walk.checked += 1;
        if (!inLog) walk.archived += 1;
        event.seal();
        if (!entry.hashIs(3, event.leaf)) {
          const edit = { eventId: id, seq, recorded: entry.text(4) ?? '', now: event.prints() };
          // Past what the list shows, edits are only counted: no need to keep them for pairing.
          if (edited.length < INTEGRITY_FAILURES_MAX) edited.push(edit);
          else failures.add({ kind: 'edited', message: `edited event ${id} (seq ${seq})`, event_id: id, seq });
        }
        return;
      }
      const createdAt = entry.text(2)?.replace(' ', 'T') ?? null;
      const seam = seamOf(seams, seq);
      if (seam) {
        flushDeleted();
        const run = runs.get(seam.run_id);
        if (!run) {
          failures.add({ kind: 'bad_purge_claim', message: `event ${id} (seq ${seq}) is said purged by retention run ${seam.run_id}, which does not exist`, event_id: id, seq });
        } else if (run.purge_cutoff === null || createdAt === null || !(createdAt < run.purge_cutoff)) {
          failures.add({ kind: 'bad_purge_claim', message: `event ${id} (seq ${seq}, created ${createdAt ?? 'never'}) is said purged by run ${seam.run_id}, whose purge cutoff ${run.purge_cutoff ?? '(none)'} is not later`, event_id: id, seq });
        } else {
          walk.purged += 1;
        }
        return;
      }
      if (source.outsideRange?.(createdAt)) {
        flushDeleted();
        walk.outside += 1;
        return;
      }
      if (deleted && deleted.seqTo + 1 === seq) {
        deleted.seqTo = seq;
        deleted.eventIdTo = id;
      } else {
        flushDeleted();
        deleted = { seq, seqTo: seq, eventId: id, eventIdTo: id };
      }
      return;
    }
    if (event) {
      flushDeleted();
      classifyUnsealed(event.fields(), latest, source.xidOf, failures, walk);
    }
  };

  for (;;) {
    if (entries.needsFill) await entries.fill();
    if (log.needsFill) await log.fill();
    if (archive.needsFill) await archive.fill();
    if (context.options.signal?.aborted) throw new MailtrailError('conflict', 'the verification was cancelled');
    const entryId = entries.present ? entries.integer(0) : Infinity;
    const id = Math.min(entryId, log.id, archive.id);
    if (id === Infinity) break;
    const entry = entryId === id ? entries : null;
    const inLog = log.id === id;
    const inArchive = archive.id === id;
    if (inLog && inArchive) {
      failures.add({ kind: 'inserted', message: `event ${id} is in both the log and the archive: one of them was inserted`, event_id: id });
    }
    // The rows are read where they stand, so the readers move on only after they are judged.
    judge(id, entry, inLog ? log : inArchive ? archive : null, inLog);
    if (entry) entries.advance();
    if (inLog) log.advance();
    if (inArchive) archive.advance();
  }
  flushDeleted();
  reportEdits(edited, failures);
  context.options.onProgress?.({ phase: 'events', done: rows, total: context.total });
  return walk;
}

/** The seam (a purged run of seqs) that holds `seq`, by binary search; null when none. */
export function seamOf(seams: readonly Seam[], seq: number): Seam | null {
  let low = 0;
  let high = seams.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const seam = seams[middle] as Seam;
    if (seq < seam.first_seq) high = middle - 1;
    else if (seq > seam.last_seq) low = middle + 1;
    else return seam;
  }
  return null;
}

/**
 * An event without an entry is new (written after the newest checkpoint, or in flight while it was
 * sealed) unless it could not be: committed before that seal's horizon, or written after the seal
 * yet dated before the oldest transaction then open (docs/integrity.md, "Inserted events"). Without
 * transaction ids (the cache), the date alone: an honest writer's event is never dated before the
 * horizon's open_since, whether it was in flight during the seal or written after.
 */
export function classifyUnsealed(
  fields: (string | null)[],
  latest: CheckpointBody | null,
  xidOf: ChainSource['xidOf'],
  failures: Failures,
  walk: Pick<EventWalk, 'unsealed'>,
): void {
  const id = Number(fields[0]);
  if (latest === null) {
    walk.unsealed += 1;
    return;
  }
  const xid = xidOf ? xidOf(fields) : null;
  const createdAt = fields[7]?.replace(' ', 'T') ?? null;
  if (xid !== null && xid < latest.horizon.xmin) {
    failures.add({ kind: 'inserted', message: `inserted event ${id}: committed before checkpoint ${latest.checkpoint} was sealed, yet not sealed by it`, event_id: id, checkpoint: latest.checkpoint });
  } else if ((xid === null || xid >= latest.horizon.xmax) && createdAt !== null && createdAt < latest.horizon.open_since) {
    failures.add({
      kind: 'inserted',
      message:
        xid === null
          ? `inserted event ${id}: dated ${createdAt}, inside the sealed period, but not sealed by checkpoint ${latest.checkpoint}`
          : `inserted event ${id}: dated ${createdAt}, inside the sealed period, but written after checkpoint ${latest.checkpoint} was sealed`,
      event_id: id,
      checkpoint: latest.checkpoint,
    });
  } else {
    walk.unsealed += 1;
  }
}

/** Edited events, and among them pairs whose contents were swapped (each now holds what the other's entry recorded). */
export function reportEdits(edited: Edited[], failures: Failures): void {
  // The prints of every column but id, as text, to find an event now holding another's content.
  const contentOf = (prints: string) => prints.slice(8);
  const byRecorded = new Map<string, Edited>();
  for (const event of edited) byRecorded.set(contentOf(event.recorded), event);
  const paired = new Set<number>();
  for (const event of edited) {
    if (paired.has(event.eventId)) continue;
    const other = byRecorded.get(contentOf(event.now));
    if (other && other !== event && !paired.has(other.eventId) && contentOf(other.now) === contentOf(event.recorded)) {
      paired.add(event.eventId);
      paired.add(other.eventId);
      failures.add({
        kind: 'swapped',
        message: `events ${event.eventId} (seq ${event.seq}) and ${other.eventId} (seq ${other.seq}) swapped contents: each holds what the other's entry sealed`,
        event_id: event.eventId,
        seq: event.seq,
        columns: changedColumns(event.recorded, event.now),
      });
    }
  }
  for (const event of edited) {
    if (paired.has(event.eventId)) continue;
    const columns = changedColumns(event.recorded, event.now);
    failures.add({
      kind: 'edited',
      message: `edited event ${event.eventId} (seq ${event.seq}): ${columns.length > 0 ? columns.join(', ') : `its content (the columns cannot be told apart: ${SEALED_COLUMNS.join(', ')})`}`,
      event_id: event.eventId,
      seq: event.seq,
      columns,
    });
  }
}
