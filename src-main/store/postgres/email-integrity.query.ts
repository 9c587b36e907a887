import type pg from 'pg';
import type { CheckpointBody, CheckpointSummary, EmailIntegrity, IntegrityFailure, KeySource } from '../../contract/integrity';
import { toMailtrailError, type ReadableDb } from '../../db/connection';
import { query } from '../../db/query';
import { sql } from '../../db/sql';
import { inTransaction } from '../../db/transaction';
import { checkpointHash, checkpointSummary, parseCheckpointBody } from '../../integrity/checkpoint';
import { columnPrint, SEALED_COLUMNS } from '../../integrity/event-hash';
import { parsePublicKey, signatureHolds } from '../../integrity/keys';
import { checkEmailEvents, type SealedEntry } from '../../integrity/email-check';
import { toFullXid } from '../../integrity/xid';

/**
 * Deleted events are looked for among the entries whose event ids lie within the email's own, widened by
 * this many ids on each side (an email's first or last event deleted), and over at most
 * DELETED_SCAN_MAX ids: an index range over the entries, bounded whatever the log's size.
 */
const DELETED_SCAN_MARGIN = 10_000;
const DELETED_SCAN_MAX = 1_000_000;

// The email_id column's place in an entry's column prints (8 hex digits a column).
const EMAIL_ID_PRINT_AT = SEALED_COLUMNS.indexOf('email_id') * 4 + 1;

const NEVER_MIGRATED = 'this database has no integrity tables yet (migrations/0013): run `mailtrail migrate`, then `mailtrail seal --key FILE`';
const NEVER_SEALED = 'nothing is sealed yet: run `mailtrail seal --key FILE` to seal the log';
const DATABASE_KEYS =
  "the newest checkpoint's signature was checked with the public key stored in the database, which whoever can write to it could replace; `mailtrail verify --key-pub FILE` checks against a key kept elsewhere";

/** Whether migration 0013 made the integrity tables here (their function is its last part). */
async function hasIntegrityTables(db: pg.Pool | pg.PoolClient): Promise<boolean> {
  const [found] = await query<{ present: boolean }>(db, sql`SELECT to_regprocedure('mailtrail_integrity_horizon()') IS NOT NULL AS present`);
  return Boolean(found?.present);
}

/** The newest checkpoint and the number of entries (two index ends): what the Integrity screen shows before any verification. */
export async function latestSeal(db: ReadableDb): Promise<{ latest: CheckpointSummary | null; sealedEvents: number; migrated: boolean }> {
  if (!(await hasIntegrityTables(db))) return { latest: null, sealedEvents: 0, migrated: false };
  const [row] = await query<{ body: string | null; entries: string | null }>(
    db,
    sql`SELECT (SELECT body FROM mailtrail_integrity_checkpoints ORDER BY checkpoint DESC LIMIT 1) AS body,
               (SELECT MAX(seq) FROM mailtrail_integrity_entries)::text AS entries`,
  );
  const body = row?.body ? parseCheckpointBody(row.body) : null;
  return { latest: body ? checkpointSummary(body) : null, sealedEvents: Number(row?.entries ?? 0), migrated: true };
}

/**
 * One email's events (log and archive) against their entries, for the timeline's badge: each sealed
 * event's content against its leaf hash (the columns an edit changed from the prints), the email's
 * entries whose events are gone (deleted, or purged by a recorded seam) or now belong to another
 * email, the email's unsealed events judged as verify judges them (an insertion dated inside a
 * sealed period), and the newest checkpoint's own hash and signature. In one read-only snapshot,
 * bounded by the email's trail; the chain and the Merkle roots are the full verification's work.
 */
export function emailIntegrity(db: ReadableDb, emailId: number): Promise<EmailIntegrity> {
  return inTransaction(db, (client) => checkEmail(client, emailId), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
}

async function checkEmail(client: pg.PoolClient, emailId: number): Promise<EmailIntegrity> {
  const failures: IntegrityFailure[] = [];
  const notes: string[] = [];
  const fail = (failure: Partial<IntegrityFailure> & Pick<IntegrityFailure, 'kind' | 'message'>) =>
    failures.push({ event_id: null, seq: null, seq_to: null, checkpoint: null, columns: [], ...failure });
  const answer = (fields: Omit<EmailIntegrity, 'email_id' | 'failures' | 'notes' | 'checked_at'>): EmailIntegrity => ({
    email_id: emailId,
    ...fields,
    failures,
    notes,
    checked_at: new Date().toISOString(),
  });

  if (!(await hasIntegrityTables(client))) {
    const [count] = await query<{ events: string }>(client, sql`SELECT COUNT(*)::text AS events FROM email_activity_log WHERE email_id = ${emailId}`);
    notes.push(NEVER_MIGRATED);
    return answer({ latest: null, sealed: 0, unsealed: Number(count?.events ?? 0), purged: 0, key_source: 'none' });
  }

  const [checkpoint] = await query<{ checkpoint: string; body: string; checkpoint_hash: string; signature: Buffer; public_key: string | null }>(
    client,
    sql`SELECT c.checkpoint::text, c.body, encode(c.checkpoint_hash, 'hex') AS checkpoint_hash, c.signature, k.public_key
        FROM mailtrail_integrity_checkpoints c LEFT JOIN mailtrail_integrity_keys k ON k.key_id = c.key_id
        ORDER BY c.checkpoint DESC LIMIT 1`,
  );
  const latest = checkpoint ? parseCheckpointBody(checkpoint.body) : null;
  let keySource: KeySource = 'none';
  if (checkpoint) keySource = checkNewestCheckpoint(checkpoint, latest, fail, notes);
  else notes.push(NEVER_SEALED);

  const [snapshot] = await query<{ xmax: string }>(client, sql`SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xmax`);
  const nowXmax = Number(snapshot?.xmax);
  // The text each column has in COPY's output, which eventFromCopy reads as the seal and verify do.
  const columns = sql`id::text, email_id::text, event_type, event_category, description, metadata::text, user_id::text, created_at::text, created_by, xmin::text AS xmin`;
  const eventsQuery = sql`SELECT ${columns} FROM email_activity_log WHERE email_id = ${emailId}
                           UNION ALL SELECT ${columns} FROM email_activity_log_archive WHERE email_id = ${emailId}`.toQuery();
  let events: (string | null)[][];
  try {
    events = (await client.query<(string | null)[]>({ ...eventsQuery, rowMode: 'array' })).rows;
  } catch (error) {
    throw toMailtrailError(error);
  }
  events.sort((a, b) => Number(a[0]) - Number(b[0]));
  const ids = events.map((fields) => Number(fields[0]));

  const entries = new Map<number, SealedEntry>();
  if (ids.length > 0) {
    const found = await query<{ event_id: number; seq: string; leaf: string; prints: string }>(
      client,
      sql`SELECT event_id, seq::text, encode(leaf_hash, 'hex') AS leaf, encode(column_prints, 'hex') AS prints
          FROM mailtrail_integrity_entries WHERE event_id = ANY (${ids}::int[])`,
    );
    for (const entry of found) entries.set(Number(entry.event_id), { seq: Number(entry.seq), leaf: entry.leaf, prints: entry.prints });
  }
  // Each event judged as a full verification judges it (email-check.ts); xmin follows the sealed columns.
  const checked = checkEmailEvents(events, (eventId) => entries.get(eventId), latest, (fields) => toFullXid(Number(fields[SEALED_COLUMNS.length]), nowXmax));
  failures.push(...checked.failures);
  const { sealed, unsealed } = checked;

  const purged = ids.length > 0 ? await goneEvents(client, emailId, ids, fail, notes) : 0;
  if (ids.length === 0 && latest) notes.push('this email has no events in the log or the archive: a full verification on the Integrity screen finds events deleted from it');
  return answer({ latest: latest ? checkpointSummary(latest) : null, sealed, unsealed, purged, key_source: keySource });
}

/** The newest checkpoint's own checks: its body, its stored hash, its signature with the key the database holds for it. */
function checkNewestCheckpoint(
  row: { checkpoint: string; body: string; checkpoint_hash: string; signature: Buffer; public_key: string | null },
  body: CheckpointBody | null,
  fail: (failure: Partial<IntegrityFailure> & Pick<IntegrityFailure, 'kind' | 'message'>) => void,
  notes: string[],
): KeySource {
  const number = Number(row.checkpoint);
  if (!body || body.checkpoint !== number) {
    fail({ kind: 'bad_signature', message: `checkpoint ${number} does not hold a checkpoint body as seal writes it: forged or edited`, checkpoint: number });
    return 'none';
  }
  if (checkpointHash(row.body).toString('hex') !== row.checkpoint_hash) {
    fail({ kind: 'bad_signature', message: `checkpoint ${number}'s stored hash is not its body's: edited`, checkpoint: number });
  }
  if (row.public_key === null) {
    fail({ kind: 'bad_signature', message: `checkpoint ${number} is signed by key ${body.key_id}, which is not in mailtrail_integrity_keys: forged`, checkpoint: number });
    return 'none';
  }
  let holds = false;
  try {
    const key = parsePublicKey(row.public_key, `the public key ${body.key_id} in mailtrail_integrity_keys`);
    holds = key.keyId === body.key_id && signatureHolds(row.body, row.signature, key);
  } catch {
    holds = false;
  }
  if (!holds) fail({ kind: 'bad_signature', message: `checkpoint ${number}'s signature does not hold for key ${body.key_id}: forged or edited`, checkpoint: number });
  notes.push(DATABASE_KEYS);
  return 'database';
}

/**
 * The email's entries whose events are no longer its own: gone from log and archive (deleted, or
 * purged where a seam covers the seq) or now in another email (its email_id edited). Entries carry no
 * email id, only each column's print, so they are found by the print of this email's id among the
 * entries near its events; another email's id with the same 32-bit print is told apart by the event's own id.
 */
async function goneEvents(
  client: pg.PoolClient,
  emailId: number,
  ids: number[],
  fail: (failure: Partial<IntegrityFailure> & Pick<IntegrityFailure, 'kind' | 'message'>) => void,
  notes: string[],
): Promise<number> {
  // A loop, not Math.min(...ids): a long trail's ids would overflow the call's arguments.
  let lowest = Infinity;
  let highest = -Infinity;
  for (const id of ids) {
    if (id < lowest) lowest = id;
    if (id > highest) highest = id;
  }
  const first = Math.max(0, lowest - DELETED_SCAN_MARGIN);
  let last = highest + DELETED_SCAN_MARGIN;
  if (last - first > DELETED_SCAN_MAX) {
    last = first + DELETED_SCAN_MAX;
    notes.push(`this email's events span more than ${DELETED_SCAN_MAX.toLocaleString('en')} event ids: deleted events were looked for up to id ${last.toLocaleString('en')}; a full verification on the Integrity screen looks everywhere`);
  }
  const print = Buffer.from(columnPrint(String(emailId)), 'hex');
  // The email's own events match too: the lateral lookup (two primary keys) keeps only those no longer its own.
  // A purge claim is checked as verify checks it: the run exists and its purge cutoff is later than the event.
  const gone = await query<{ event_id: number; seq: string; created_at: string | null; now_email_id: string | null; purged_by: string | null; run_cutoff: string | null; claim_holds: boolean | null }>(
    client,
    sql`SELECT e.event_id, e.seq::text, e.created_at::text, now.email_id::text AS now_email_id,
               seam.run_id::text AS purged_by, run.purge_cutoff::text AS run_cutoff, e.created_at < run.purge_cutoff AS claim_holds
        FROM mailtrail_integrity_entries e
        LEFT JOIN LATERAL (
          SELECT l.email_id FROM email_activity_log l WHERE l.id = e.event_id
          UNION ALL SELECT a.email_id FROM email_activity_log_archive a WHERE a.id = e.event_id
          LIMIT 1
        ) now ON TRUE
        LEFT JOIN LATERAL (SELECT p.run_id FROM mailtrail_integrity_purged p WHERE p.first_seq <= e.seq AND p.last_seq >= e.seq LIMIT 1) seam ON TRUE
        LEFT JOIN mailtrail_retention_runs run ON run.id = seam.run_id
        WHERE e.event_id BETWEEN ${first} AND ${last}
          AND substring(e.column_prints FROM ${EMAIL_ID_PRINT_AT} FOR 4) = ${print}
          AND now.email_id IS DISTINCT FROM ${emailId}
        ORDER BY e.seq`,
  );
  let purged = 0;
  for (const entry of gone) {
    const seq = Number(entry.seq);
    const id = Number(entry.event_id);
    if (entry.now_email_id === null) {
      if (entry.purged_by === null) fail({ kind: 'deleted', message: `deleted event ${id} (seq ${seq})`, event_id: id, seq });
      else if (entry.claim_holds) purged += 1;
      else if (entry.run_cutoff === null && !(await runExists(client, entry.purged_by))) {
        fail({ kind: 'bad_purge_claim', message: `event ${id} (seq ${seq}) is said purged by retention run ${entry.purged_by}, which does not exist`, event_id: id, seq });
      } else {
        fail({
          kind: 'bad_purge_claim',
          message: `event ${id} (seq ${seq}, created ${entry.created_at?.replace(' ', 'T') ?? 'never'}) is said purged by run ${entry.purged_by}, whose purge cutoff ${entry.run_cutoff ?? '(none)'} is not later`,
          event_id: id,
          seq,
        });
      }
    } else if (columnPrint(entry.now_email_id) !== columnPrint(String(emailId))) {
      fail({ kind: 'edited', message: `edited event ${id} (seq ${seq}): email_id, now in email ${entry.now_email_id}`, event_id: id, seq, columns: ['email_id'] });
    }
  }
  return purged;
}

async function runExists(client: pg.PoolClient, runId: string): Promise<boolean> {
  return (await query(client, sql`SELECT 1 FROM mailtrail_retention_runs WHERE id = ${Number(runId)}`)).length > 0;
}

/** The email of each event id found in the log or the archive, by their primary keys. */
export async function emailsOfEvents(db: ReadableDb, eventIds: number[]): Promise<Map<number, number>> {
  const emails = new Map<number, number>();
  if (eventIds.length === 0) return emails;
  const rows = await query<{ id: number; email_id: number }>(
    db,
    sql`SELECT id, email_id FROM email_activity_log WHERE id = ANY (${eventIds}::int[])
        UNION ALL SELECT id, email_id FROM email_activity_log_archive WHERE id = ANY (${eventIds}::int[])`,
  );
  for (const row of rows) emails.set(Number(row.id), Number(row.email_id));
  return emails;
}
