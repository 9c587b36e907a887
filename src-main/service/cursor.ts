import { MailtrailError } from '../contract/errors';
import { isValidTimestamp } from '../contract/schemas';
import type { Keyset } from '../store/log-store';

// Cursors are opaque to callers: base64url of the keyset, checked again when it comes back.
const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

const badCursor = () => new MailtrailError('bad_request', 'cursor: is not a cursor that Mailtrail handed out; start again without it');
const isRowId = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0 && (value as number) <= 2_147_483_647;

export const encodeKeyset = (keyset: Keyset): string => encode([keyset.createdAt, keyset.id]);

export function decodeKeyset(cursor: string): Keyset {
  const value = decode(cursor);
  if (!Array.isArray(value) || value.length !== 2) throw badCursor();
  const [createdAt, id] = value as [unknown, unknown];
  if (typeof createdAt !== 'string' || !isValidTimestamp(createdAt) || !isRowId(id)) throw badCursor();
  return { createdAt, id };
}

/** A continuing search's cursor: where it stopped, and how many rows its next page may examine. */
export const encodeSearchCursor = (keyset: Keyset, scan: number): string => encode([keyset.createdAt, keyset.id, scan]);

/** A keyset cursor, or a continuing search's (with its widened budget, checked against the limits). */
export function decodeRecentCursor(cursor: string, scanLimits: { min: number; max: number }): { before: Keyset; scan: number | undefined } {
  const value = decode(cursor);
  if (!Array.isArray(value) || value.length !== 3) return { before: decodeKeyset(cursor), scan: undefined };
  const [createdAt, id, scan] = value as [unknown, unknown, unknown];
  if (typeof createdAt !== 'string' || !isValidTimestamp(createdAt) || !isRowId(id)) throw badCursor();
  if (!Number.isInteger(scan) || (scan as number) < scanLimits.min || (scan as number) > scanLimits.max) throw badCursor();
  return { before: { createdAt, id }, scan: scan as number };
}

export const encodeId = (id: number): string => encode([id]);

export function decodeId(cursor: string): number {
  const value = decode(cursor);
  if (!Array.isArray(value) || value.length !== 1 || !isRowId(value[0])) throw badCursor();
  return value[0];
}
