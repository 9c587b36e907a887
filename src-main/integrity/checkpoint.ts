import type pg from 'pg';
import { hash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CheckpointBody, TrustedHead, type CheckpointSummary } from '../contract/integrity';
import { MailtrailError } from '../contract/errors';
import { canonicalJson } from '../reports/digest';
import { parsePublicKey, signatureHolds, type PublicKey } from './keys';

/** The text a checkpoint's signature covers: its body as canonical JSON. */
export const checkpointBodyText = (body: CheckpointBody): string => canonicalJson(body);

/** A checkpoint's hash, which the next one names as `previous`: SHA-256 of its body's text. */
/** What the screens show of a checkpoint. */
export const checkpointSummary = (body: CheckpointBody): CheckpointSummary => ({ checkpoint: body.checkpoint, last_seq: body.last_seq, sealed_at: body.sealed_at, key_id: body.key_id });

export const checkpointHash = (bodyText: string): Buffer => hash('sha256', Buffer.from(bodyText, 'utf8'), 'buffer');

/** A body as stored, checked against the contract; null when it is not one (verify names that as forged). */
export function parseCheckpointBody(text: string): CheckpointBody | null {
  try {
    const parsed = CheckpointBody.safeParse(JSON.parse(text));
    return parsed.success && canonicalJson(parsed.data) === text ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Writes the trusted head beside its final name and renames it over: a reader sees the old head or the new, whole. */
export function writeHeadFile(file: string, head: TrustedHead): void {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const fd = openSync(temporary, 'w', 0o644);
    try {
      writeSync(fd, `${JSON.stringify(head, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new MailtrailError('bad_request', `cannot write the head file ${file}: ${(error as Error).message}`);
  }
}

export interface ReadHead {
  body: CheckpointBody;
  bodyText: string;
  key: PublicKey;
}

/** Reads and checks a head file: its form, its key, and its own signature. */
export function readHeadFile(file: string): ReadHead {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new MailtrailError('bad_request', `cannot read the head file ${file}: ${reason}`);
  }
  let head: TrustedHead;
  try {
    head = TrustedHead.parse(JSON.parse(text));
  } catch {
    throw new MailtrailError('bad_request', `${file} is not a head file written by \`mailtrail seal --head FILE\``);
  }
  const body = parseCheckpointBody(head.body);
  if (!body) throw new MailtrailError('bad_request', `the head file ${file} holds no valid checkpoint body`);
  const key = parsePublicKey(head.public_key, `the public key in ${file}`);
  if (key.keyId !== body.key_id) throw new MailtrailError('bad_request', `the head file ${file} names key ${body.key_id} but holds key ${key.keyId}`);
  if (!signatureHolds(head.body, Buffer.from(head.signature, 'base64'), key)) {
    throw new MailtrailError('bad_request', `the head file ${file} is not signed by its key: it was edited`);
  }
  return { body, bodyText: head.body, key };
}

/**
 * The checkpoint a report is made under (its provenance's `checkpoint`, issue 14): `N:HASH`, the
 * newest checkpoint's number and the SHA-256 of its body, so the report names exactly one signed
 * state of the log. Null where nothing is sealed or the database has no integrity tables (0013).
 */
export async function latestCheckpointRef(db: pg.Pool | pg.PoolClient): Promise<string | null> {
  // Two statements: a statement naming a table that does not exist fails as it is parsed.
  const { rows: present } = await db.query<{ found: boolean }>(`SELECT to_regclass('mailtrail_integrity_checkpoints') IS NOT NULL AS found`);
  if (!present[0]?.found) return null;
  const { rows } = await db.query<{ ref: string }>(
    `SELECT checkpoint || ':' || encode(checkpoint_hash, 'hex') AS ref FROM mailtrail_integrity_checkpoints ORDER BY checkpoint DESC LIMIT 1`,
  );
  return rows[0]?.ref ?? null;
}
