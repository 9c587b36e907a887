import { accessSync, constants } from 'node:fs';
import pg from 'pg';
import { MailtrailError } from '../contract/errors';

declare const readableBrand: unique symbol;
declare const writableBrand: unique symbol;
declare const adminBrand: unique symbol;

/** A pool that can only read: every transaction is read-only and bounded by a statement timeout. */
export type ReadableDb = pg.Pool & { readonly [readableBrand]: true };
/** A pool that may write; only migration, demo data and retention code take one. */
export type WritableDb = ReadableDb & { readonly [writableBrand]: true };
/** The admin connection: writable, every statement bounded by a lock and a statement timeout; what retention, holds and later admin features take. */
export type AdminDb = WritableDb & { readonly [adminBrand]: true };
/** One client of a writable pool, in a transaction its holder opened (inWriteTransaction). */
export type WritableClient = pg.PoolClient & { readonly [writableBrand]: true };

const TIMESTAMP_OID = 1114;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** The seed's TIMESTAMP has no zone, so it stays a string: `2025-12-15 10:30:00` -> `2025-12-15T10:30:00`. */
const timestampToIso = (text: string): string => text.replace(' ', 'T');

const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TIMESTAMP_OID) return timestampToIso;
    // Counts and sums fit in a double long before they reach 2^53.
    if (oid === INT8_OID || oid === NUMERIC_OID) return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PoolOptions {
  /** Milliseconds a viewer query may run before PostgreSQL cancels it. */
  statementTimeoutMs?: number;
  /** Milliseconds a viewer query may wait for a lock (a migration's or a hub's DDL) before giving up. */
  lockTimeoutMs?: number;
  /** Milliseconds an admin connection may sit idle inside a transaction before PostgreSQL ends it. */
  idleInTransactionMs?: number;
  max?: number;
  applicationName?: string;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;
// Shorter than the statement timeout: a viewer stuck behind DDL says so at once instead of hanging 15 s.
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000;

function createPool(url: string, settings: string[], options: PoolOptions): pg.Pool {
  checkConnectionString(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 8,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: options.applicationName ?? 'mailtrail',
    options: ['-c datestyle=ISO', ...settings].join(' '),
    types,
  });
  // An idle client whose server went away emits here; without a listener the process would die.
  // The pool drops that client and the next query opens a fresh connection.
  pool.on('error', () => undefined);
  return pool;
}

export function openReadableDb(url: string, options: PoolOptions = {}): ReadableDb {
  const timeout = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  const lockTimeout = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  return createPool(
    url,
    ['-c default_transaction_read_only=on', `-c statement_timeout=${Math.trunc(timeout)}`, `-c lock_timeout=${Math.trunc(lockTimeout)}`],
    { applicationName: 'mailtrail-viewer', ...options },
  ) as ReadableDb;
}

export function openWritableDb(url: string, options: PoolOptions = {}): WritableDb {
  return createPool(url, [], { applicationName: 'mailtrail-writer', max: 4, ...options }) as WritableDb;
}

// An admin write gives up after 5 s waiting for a lock: behind a hub's DDL or a long transaction, a
// waiting lock request would queue every later one on that table (the hub's writers too) behind it.
export const ADMIN_LOCK_TIMEOUT_MS = 5_000;
// One admin statement (a retention batch, a hold) should take well under a second; 60 s leaves room for
// a slow disk yet stops a runaway one (a missing index, a batch far too large) before it holds its locks for minutes.
export const ADMIN_STATEMENT_TIMEOUT_MS = 60_000;
// A transaction left open by a failed admin step would hold its row locks; the server ends it.
const ADMIN_IDLE_IN_TRANSACTION_MS = 60_000;

/** The admin connection's pool: writable, for admin work only, with its timeouts set on every connection. */
export function openAdminDb(url: string, options: PoolOptions = {}): AdminDb {
  const timeout = options.statementTimeoutMs ?? ADMIN_STATEMENT_TIMEOUT_MS;
  const lockTimeout = options.lockTimeoutMs ?? ADMIN_LOCK_TIMEOUT_MS;
  return createPool(
    url,
    [
      `-c statement_timeout=${Math.trunc(timeout)}`,
      `-c lock_timeout=${Math.trunc(lockTimeout)}`,
      `-c idle_in_transaction_session_timeout=${Math.trunc(options.idleInTransactionMs ?? ADMIN_IDLE_IN_TRANSACTION_MS)}`,
    ],
    { applicationName: 'mailtrail-admin', max: 4, ...options },
  ) as AdminDb;
}

export function checkConnectionString(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MailtrailError('bad_request', `the database URL is not a URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE`);
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new MailtrailError(
      'bad_request',
      `the database URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`,
    );
  }
  // The driver reads these files at each connection; a wrong path should fail now, saying which.
  for (const parameter of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = parsed.searchParams.get(parameter);
    if (file === null) continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'not readable';
      throw new MailtrailError('bad_request', `the database URL's ${parameter}=${file} cannot be read (${reason}); give the path of the PEM file`);
    }
  }
}

// Node's codes for a server certificate that no CA of the connection vouches for.
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** A failed TLS handshake with PostgreSQL, said in the words of the URL's sslmode and sslrootcert; null for other errors. */
function tlsFailure(code: string | undefined, message: string | undefined, target: string): MailtrailError | null {
  const cannot = `cannot connect to PostgreSQL at ${target} over TLS`;
  if (code && UNTRUSTED_CERTIFICATE.has(code)) {
    return new MailtrailError('unavailable', `${cannot}: its certificate is not signed by a CA this connection trusts (${code}); set sslrootcert in the URL to the CA file that signed the server's certificate`);
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new MailtrailError('unavailable', `${cannot}: the server's certificate is outside its validity dates (${code}); renew it on the server`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new MailtrailError('unavailable', `${cannot}: the server's certificate is not for this host name (${message ?? code}); connect by a name the certificate lists`);
  }
  if (message && /server does not support SSL/i.test(message)) {
    return new MailtrailError('unavailable', `${cannot}: the server does not accept TLS; turn ssl on in its postgresql.conf, or remove sslmode from the URL on a trusted network`);
  }
  return null;
}

/** The URL as it may be shown: the password replaced by ***. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable database URL)';
  }
}

/** Where a URL points, for messages: `user@host:port/database`. */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    const user = parsed.username ? `${decodeURIComponent(parsed.username)}@` : '';
    return `${user}${parsed.hostname || 'localhost'}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return '(unparseable database URL)';
  }
}

interface PgLikeError {
  code?: string;
  message?: string;
  errors?: PgLikeError[];
}

/**
 * Turns a driver or server error into a MailtrailError whose message says what went wrong and
 * what to do, without leaking SQL or stack traces. Errors that are already ours pass through.
 */
export function toMailtrailError(error: unknown, url?: string): MailtrailError {
  if (error instanceof MailtrailError) return error;
  const e = (error ?? {}) as PgLikeError;
  // AggregateError (IPv4 and IPv6 both refused) carries the useful code on its members.
  const code = e.code ?? e.errors?.[0]?.code;
  const target = url ? describeTarget(url) : 'the database';
  const tls = tlsFailure(code, e.message, target);
  if (tls) return tls;
  switch (code) {
    case 'ECONNREFUSED':
      return new MailtrailError('unavailable', `cannot connect to PostgreSQL at ${target}: connection refused; is the server running and the port right?`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new MailtrailError('unavailable', `cannot connect to PostgreSQL at ${target}: unknown host; check the host name in the URL`);
    case 'ETIMEDOUT':
      return new MailtrailError('unavailable', `cannot connect to PostgreSQL at ${target}: timed out; check the host, port and firewall`);
    case 'ECONNRESET':
    case '57P01':
    case '57P02':
    case '57P03':
      return new MailtrailError('unavailable', `the connection to PostgreSQL at ${target} was lost; try again once the server is back`);
    case '28P01':
    case '28000':
      return new MailtrailError('unavailable', `PostgreSQL at ${target} refused the login: ${e.message ?? 'authentication failed'}; check the user and password in --db or DATABASE_URL`);
    case '3D000':
      return new MailtrailError('unavailable', `PostgreSQL at ${target}: ${e.message ?? 'database does not exist'}; create it or check the database name in the URL`);
    case '57014':
      return new MailtrailError('timeout', 'the query took longer than the viewer allows and was cancelled; narrow the date range or filters');
    case '55P03':
      return new MailtrailError('timeout', 'the log is locked by another operation (a migration or schema change) and the viewer stopped waiting; try again in a moment');
    case '25006':
      return new MailtrailError('read_only', 'this connection is read-only; the operation needs a writable connection');
    case '22021':
    case '22P05':
      // A NUL character (U+0000): PostgreSQL stores none, in text or jsonb. The contract refuses it first.
      return new MailtrailError('bad_request', 'the text may not contain a NUL character (U+0000)');
    case '42P01':
      return new MailtrailError('unavailable', `the database at ${target} has no Mailtrail schema (${e.message ?? 'missing table'}); run \`mailtrail migrate\``);
  }
  if (e.message && /timeout exceeded when trying to connect|Connection terminated/i.test(e.message)) {
    return new MailtrailError('unavailable', `cannot connect to PostgreSQL at ${target}: ${e.message}`);
  }
  // A SQLSTATE is five digits or capitals; a system error (EACCES, ENOSPC…) says what it is itself.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return new MailtrailError('internal', `database error: ${e.message ?? code}`);
  if (typeof code === 'string' && e.message) return new MailtrailError('internal', e.message);
  return new MailtrailError('internal', `unexpected error in Mailtrail${e.message ? `: ${e.message}` : ''}; the details are in its log`);
}
