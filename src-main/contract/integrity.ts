import { z } from 'zod';

/**
 * Tamper evidence (issue 15): what a checkpoint signs, the trusted head kept outside the database,
 * and what a verification answers (the CLI prints it; `GET /integrity` and the Integrity screen
 * will show it). The design: docs/integrity.md.
 */

const Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits');

/** The canonical JSON a checkpoint's Ed25519 signature covers (src-main/integrity/checkpoint.ts writes it). */
export const CheckpointBody = z.strictObject({
  mailtrail_checkpoint: z.literal(1),
  checkpoint: z.number().int().min(1),
  first_seq: z.number().int().min(1),
  last_seq: z.number().int().min(1),
  /** RFC 6962 Merkle tree hash over the leaf hashes of first_seq..last_seq. */
  merkle_root: Hex,
  /** The chain hash of the entry last_seq. */
  chain_hash: Hex,
  /** SHA-256 of the previous checkpoint's body; null for the first. */
  previous: Hex.nullable(),
  /** When it was sealed: ISO 8601 in UTC. */
  sealed_at: z.string(),
  key_id: z.string(),
  /**
   * The seal's safe horizon (docs/integrity.md): transactions below `xmin` had all ended, those from
   * `xmax` on had not begun, and none open began before `open_since` (the log's zone, like created_at).
   */
  horizon: z.strictObject({ xmin: z.number().int(), xmax: z.number().int(), open_since: z.string() }),
});
export type CheckpointBody = z.infer<typeof CheckpointBody>;

/** The file `seal --head FILE` writes: the latest signed checkpoint, to be kept where the database's writers cannot reach. */
export const TrustedHead = z.strictObject({
  mailtrail_integrity_head: z.literal(1),
  /** The checkpoint's body exactly as signed. */
  body: z.string(),
  /** Ed25519 signature of `body`, base64. */
  signature: z.string(),
  /** The signing key's public half (SPKI PEM), whose key id the body names. */
  public_key: z.string(),
});
export type TrustedHead = z.infer<typeof TrustedHead>;

export const INTEGRITY_FAILURE_KINDS = [
  'edited',
  'swapped',
  'deleted',
  'inserted',
  'reordered',
  'chain_broken',
  'merkle_mismatch',
  'uncovered',
  'truncated',
  'diverged',
  'bad_signature',
  'bad_purge_claim',
] as const;
export type IntegrityFailureKind = (typeof INTEGRITY_FAILURE_KINDS)[number];

export const IntegrityFailure = z.object({
  kind: z.enum(INTEGRITY_FAILURE_KINDS),
  /** One line in words, e.g. "edited event 5523 (seq 5523): description, metadata". */
  message: z.string(),
  event_id: z.number().nullable(),
  seq: z.number().nullable(),
  /** The last seq of a range (deleted events in a row); null for one. */
  seq_to: z.number().nullable(),
  checkpoint: z.number().nullable(),
  /** For edited events: the columns whose content changed. */
  columns: z.array(z.string()),
});
export type IntegrityFailure = z.infer<typeof IntegrityFailure>;

/** Where verify took the keys it checked signatures with: a file it was given, the head, or (weakest) the database itself. */
export const KeySource = z.enum(['key_pub', 'head', 'database', 'none']);
export type KeySource = z.infer<typeof KeySource>;

/** A checkpoint as the screens name it: its number, the last seq it covers, when it was sealed (ISO 8601, UTC) and by which key. */
export const CheckpointSummary = z.object({ checkpoint: z.number(), last_seq: z.number(), sealed_at: z.string(), key_id: z.string() });
export type CheckpointSummary = z.infer<typeof CheckpointSummary>;

export const IntegrityReport = z.object({
  intact: z.boolean(),
  /** When the verification ended: ISO 8601 in UTC. */
  checked_at: z.string(),
  /** The newest checkpoint in the database, as its body says. */
  latest: CheckpointSummary.nullable(),
  checkpoints: z.number(),
  /** Sealed events checked against their entries (in the log or the archive). */
  events_checked: z.number(),
  archived: z.number(),
  /** Entries whose events a retention run purged, the claim checked. */
  purged: z.number(),
  /** Events not sealed yet and not suspect: written after the last seal, or still in flight during it. */
  unsealed: z.number(),
  key_source: KeySource,
  /** The trusted head compared with, when one was given. */
  head: z.object({ checkpoint: z.number(), last_seq: z.number() }).nullable(),
  failures: z.array(IntegrityFailure),
  /** Failures beyond those listed (the list stops at INTEGRITY_FAILURES_MAX). */
  failures_omitted: z.number(),
  /** What the verification could not vouch for, in words (e.g. keys only from the database). */
  notes: z.array(z.string()),
  elapsed_ms: z.number(),
});
export type IntegrityReport = z.infer<typeof IntegrityReport>;

export const INTEGRITY_FAILURES_MAX = 1_000;

/**
 * One email's events checked against their entries (the timeline's integrity badge): each sealed
 * event's content against its leaf hash, and the newest checkpoint's signature. Not the whole chain:
 * that is a full verification's work (the Integrity screen).
 */
export const EmailIntegrity = z.object({
  email_id: z.number(),
  /** The newest checkpoint; null where the log was never sealed (or the source does not carry the chain). */
  latest: CheckpointSummary.nullable(),
  /** The email's events (log and archive) that have an entry, and those that have none yet. */
  sealed: z.number(),
  unsealed: z.number(),
  /** The email's sealed events that a retention run purged (a recorded seam covers them). */
  purged: z.number(),
  /** What does not hold for this email's events (edited, deleted, inserted), as a full verification names it. */
  failures: z.array(IntegrityFailure),
  /** Where the key that checked the newest checkpoint's signature came from (the database's own table, here). */
  key_source: KeySource,
  /** What this check could not vouch for, in words. */
  notes: z.array(z.string()),
  /** When this check ran: ISO 8601 in UTC. */
  checked_at: z.string(),
});
export type EmailIntegrity = z.infer<typeof EmailIntegrity>;

export interface IntegrityProgress {
  phase: 'chain' | 'events';
  done: number;
  total: number;
}

export const SealResult = z.object({
  /** Events sealed by this run. */
  sealed: z.number(),
  /** Checkpoints written by this run (a large seal writes one per CHECKPOINT_MAX_ENTRIES). */
  checkpoints: z.array(z.number()),
  /** The newest checkpoint after the run (this run's, or the one before when nothing was new); null when none exists. */
  latest: CheckpointSummary.nullable(),
  /** Events seen but left for a later seal: their transactions were still open when this one began. */
  deferred: z.number(),
  elapsed_ms: z.number(),
});
export type SealResult = z.infer<typeof SealResult>;

/** `integrity/email`: one email's events against the sealed chain (the timeline's badge). */
export const EmailIntegrityRequest = z.strictObject({
  emailId: z.number({ error: 'must be an email id' }).int('must be a whole number').positive('must be an email id'),
});

/** The two walks of a verification (verify.ts runs them side by side), each against the count of entries. */
export const VerificationProgress = z.object({
  /** When it began: ISO 8601 in UTC. */
  started_at: z.string(),
  elapsed_ms: z.number(),
  chain: z.object({ done: z.number(), total: z.number() }),
  events: z.object({ done: z.number(), total: z.number() }),
  /** Set once Stop was asked: the walks stop at their next batch. */
  cancelling: z.boolean(),
});
export type VerificationProgress = z.infer<typeof VerificationProgress>;

/** How the most recent verification of this source ended when it did not give a report. */
export const VerificationStop = z.object({
  outcome: z.enum(['cancelled', 'failed']),
  /** ISO 8601 in UTC. */
  at: z.string(),
  message: z.string(),
});
export type VerificationStop = z.infer<typeof VerificationStop>;

/**
 * `GET /integrity` and the Integrity screen: the newest checkpoint, the verification going on (its
 * progress), and the last one that finished on this machine (kept across restarts).
 */
export const IntegrityStatus = z.object({
  /** Whether this source carries the chain; when not, `unavailable` says why and what it needs. */
  available: z.boolean(),
  unavailable: z.string().nullable(),
  /** The newest checkpoint; null where nothing was ever sealed. */
  latest: CheckpointSummary.nullable(),
  /** Entries in the chain (the highest seq): the events sealed so far, purged ones included. */
  sealed_events: z.number(),
  running: VerificationProgress.nullable(),
  /** The last verification of this source that finished, here or before a restart. */
  last: IntegrityReport.nullable(),
  /** The email of each failure's event that still exists (event id -> email id), to link it to its timeline. */
  failure_emails: z.record(z.string(), z.number()),
  /** Set when the most recent run was stopped or failed after `last` was made. */
  stopped: VerificationStop.nullable(),
});
export type IntegrityStatus = z.infer<typeof IntegrityStatus>;
