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

export const encodeId = (id: number): string => encode([id]);

export function decodeId(cursor: string): number {
  const value = decode(cursor);
  if (!Array.isArray(value) || value.length !== 1 || !isRowId(value[0])) throw badCursor();
  return value[0];
}
