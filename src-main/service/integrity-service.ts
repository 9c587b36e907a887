import { journaled } from '../admin/journal';
import type { IntegrityProgress, IntegrityReport, SealResult } from '../contract/integrity';
import type { AdminDb, ReadableDb } from '../db/connection';
import { writeHeadFile, type ReadHead } from '../integrity/checkpoint';
import type { PublicKey, SigningKey } from '../integrity/keys';
import { sealLog } from '../integrity/seal';
import { verifyIntegrity } from '../integrity/verify';

export interface SealRequest {
  key: SigningKey;
  /** Where to write the trusted head (`--head FILE`); none when undefined. */
  headFile?: string | undefined;
  actor: string;
  onProgress?: (progress: { sealed: number; scanned: number; total: number }) => void;
  signal?: AbortSignal;
}

/**
 * Sealing is an admin write: journaled in mailtrail_admin_journal as `integrity.seal`, like a
 * retention run, with the key id and the head file as its parameters. The head is written once the
 * seal has committed, so it never names a checkpoint the database does not have.
 */
export function seal(admin: AdminDb, request: SealRequest): Promise<SealResult> {
  return journaled(admin, { actor: request.actor, action: 'integrity.seal', parameters: { key_id: request.key.keyId, head: request.headFile ?? null } }, async () => {
    const { head, ...result } = await sealLog(admin, { key: request.key, onProgress: request.onProgress, signal: request.signal });
    if (request.headFile !== undefined && head !== null) writeHeadFile(request.headFile, head);
    return result;
  });
}

export interface VerifyRequest {
  head?: ReadHead | null;
  publicKey?: PublicKey | null;
  onProgress?: (progress: IntegrityProgress) => void;
  signal?: AbortSignal;
}

/** Verification reads only: the viewer's connection is enough. What `GET /integrity` and the Integrity screen will call. */
export function verify(db: ReadableDb, request: VerifyRequest = {}): Promise<IntegrityReport> {
  return verifyIntegrity(db, request);
}
