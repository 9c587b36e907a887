import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { MailtrailError } from '../contract/errors';

/** Whose token a request carried: `api` may read; `admin` (`serve --admin`) may read and write. */
export type TokenHolder = 'api' | 'admin';

export interface BearerToken {
  holder: TokenHolder;
  token: string;
}

export const API_TOKEN_VARIABLE = 'MAILTRAIL_API_TOKEN';
export const ADMIN_TOKEN_VARIABLE = 'MAILTRAIL_ADMIN_TOKEN';
export const MIN_TOKEN_LENGTH = 16;

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** A token a header can carry unchanged, long enough not to be guessed; the message never repeats it. */
export function checkTokenShape(variable: string, token: string): void {
  if (!/^[\x21-\x7e]+$/.test(token) || token.length < MIN_TOKEN_LENGTH) {
    throw new MailtrailError(
      'bad_request',
      `${variable} must be at least ${MIN_TOKEN_LENGTH} printable characters without spaces; generate one with \`openssl rand -hex 32\``,
    );
  }
}

/**
 * Who the request's `Authorization: Bearer …` belongs to, or null. Hashes make both sides the same
 * length for timingSafeEqual, and every token is compared, so the timing says nothing of which matched.
 */
export function createBearerCheck(tokens: readonly BearerToken[]): (req: IncomingMessage) => TokenHolder | null {
  const known = tokens.map(({ holder, token }) => ({ holder, digest: digest(token) }));
  return (req) => {
    const match = /^Bearer[ ]+([\x21-\x7e]+)[ ]*$/i.exec(req.headers.authorization ?? '');
    const presented = digest(match?.[1] ?? '');
    let holder: TokenHolder | null = null;
    for (const candidate of known) {
      if (timingSafeEqual(candidate.digest, presented) && match) holder ??= candidate.holder;
    }
    return holder;
  };
}
