import { hash } from 'node:crypto';
import { ACTIVITY_COLUMNS } from '../logger/batch-writer';
import { canonicalJson } from '../reports/digest';

/**
 * What a seal hashes of an event: every column of the seed's email_activity_log, in the form a
 * report carries it (metadata as the JSON object, created_at as ISO 8601 without zone), written as
 * canonical JSON (src-main/reports/digest.ts). So an event read from a report hashes as it did here.
 */
export const SEALED_COLUMNS = ACTIVITY_COLUMNS;
export type SealedColumn = (typeof SEALED_COLUMNS)[number];

export interface SealedEvent {
  id: number;
  email_id: number;
  event_type: string;
  event_category: string;
  description: string;
  metadata: unknown;
  user_id: number | null;
  created_at: string | null;
  created_by: string | null;
}

/** The columns as SQL selects them for COPY, in SEALED_COLUMNS' order (COPY writes text; see eventFromCopy). */
export const SEALED_COLUMNS_SQL = SEALED_COLUMNS.join(', ');

/** An event from COPY's text fields in SEALED_COLUMNS' order: `2025-12-15 10:30:00` becomes `2025-12-15T10:30:00`, metadata is parsed. */
export function eventFromCopy(fields: readonly (string | null)[]): SealedEvent {
  const metadata = fields[5] ?? null;
  return {
    id: Number(fields[0]),
    email_id: Number(fields[1]),
    event_type: fields[2] ?? '',
    event_category: fields[3] ?? '',
    description: fields[4] ?? '',
    metadata: metadata === null ? null : parseMetadata(metadata),
    user_id: fields[6] === null || fields[6] === undefined ? null : Number(fields[6]),
    created_at: fields[7] === null || fields[7] === undefined ? null : fields[7].replace(' ', 'T'),
    created_by: fields[8] ?? null,
  };
}

// Only an exponent of three digits or more, or 309 digits in a row (jsonb prints 1e400 in full), can overflow a double: JSON.parse makes it Infinity.
const HUGE_EXPONENT = /\d[eE]\+?\d{3}|\d{309}/;

/** metadata's canonical JSON from jsonb's text, as a seal hashes it (event-bytes.ts's way where its byte path is not certain). */
export const canonicalMetadata = (text: string): string => canonicalJson(parseMetadata(text));

/** jsonb as JSON; a number JSON cannot carry keeps jsonb's own text, so the event still hashes. */
function parseMetadata(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!HUGE_EXPONENT.test(text)) return value;
  try {
    canonicalJson(value);
    return value;
  } catch {
    return { $jsonb: text };
  }
}

/** Each column's canonical JSON, in SEALED_COLUMNS' order (the scalars written directly: this runs once per event sealed or verified). */
export function canonicalColumns(event: SealedEvent): string[] {
  return [
    String(event.id),
    String(event.email_id),
    JSON.stringify(event.event_type),
    JSON.stringify(event.event_category),
    JSON.stringify(event.description),
    event.metadata === null ? 'null' : canonicalJson(event.metadata),
    event.user_id === null ? 'null' : String(event.user_id),
    event.created_at === null ? 'null' : JSON.stringify(event.created_at),
    event.created_by === null ? 'null' : JSON.stringify(event.created_by),
  ];
}

// RFC 6962: leaves are hashed with a 0x00 prefix, inner nodes with 0x01 (merkle.ts), so one cannot pass for the other.
/**
 * canonicalJson(event), put together from its columns' canonical JSON in SEALED_COLUMNS' order: the
 * same text (a unit test holds them equal), written as one template, as this runs once per event.
 */
export function canonicalEvent(c: readonly string[]): string {
  return `{"created_at":${c[7]},"created_by":${c[8]},"description":${c[4]},"email_id":${c[1]},"event_category":${c[3]},"event_type":${c[2]},"id":${c[0]},"metadata":${c[5]},"user_id":${c[6]}}`;
}

export interface EventSeal {
  /** SHA-256(0x00 || canonical JSON of the event): the Merkle tree's leaf and the chain's link. */
  leaf: Buffer;
  /**
   * 4 bytes per column, as hex (FNV-1a over the column's canonical JSON): enough to name the columns an edit
   * changed. Not what detects the edit (the leaf hash does), so it need not be a cryptographic hash.
   */
  prints: string;
}

export function sealEvent(event: SealedEvent): EventSeal {
  const columns = canonicalColumns(event);
  let prints = '';
  for (const text of columns) prints += columnPrint(text);
  // The prefix as a character: U+0000 is the one byte 0x00 in UTF-8, and hashing a string spares a copy.
  const leaf = hash('sha256', `\u0000${canonicalEvent(columns)}`, 'buffer');
  return { leaf, prints };
}

/** One column's print as an entry keeps it: FNV-1a of the column's canonical JSON, 8 hex digits. */
export const columnPrint = (canonical: string): string => fnv1a(canonical).toString(16).padStart(8, '0');

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The columns whose prints (hex, 8 digits a column) differ between what an entry recorded and the event now. */
export function changedColumns(recorded: string, now: string): SealedColumn[] {
  return SEALED_COLUMNS.filter((_, index) => recorded.slice(index * 8, index * 8 + 8) !== now.slice(index * 8, index * 8 + 8));
}

/** The chain's first link hangs from 32 zero bytes. */
export const CHAIN_START: Buffer = Buffer.alloc(32);

const chainInput = Buffer.alloc(64);
/** The chain hash of an entry: SHA-256(previous entry's chain hash || this entry's leaf hash). */
export function chainHash(previous: Buffer, leaf: Buffer): Buffer {
  previous.copy(chainInput, 0);
  leaf.copy(chainInput, 32);
  return hash('sha256', chainInput, 'buffer');
}
