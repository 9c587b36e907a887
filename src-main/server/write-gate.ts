import { isWriteOperation } from '../contract/operations';
import type { TokenHolder } from './bearer-auth';

export const RPC_PREFIX = '/api/v1/rpc/';
/** POST /api/v1/reports/verify (report-routes.ts), kept here so the gate loads nothing of the reports. */
export const VERIFY_PATH = '/api/v1/reports/verify';

/** DESIGN.md's GET /integrity, and the verification it reports on, started and stopped by POST (integrity-routes.ts). */
export const INTEGRITY_PATH = '/api/v1/integrity';
export const INTEGRITY_ACTION_PATHS = { verify: `${INTEGRITY_PATH}/verify`, cancel: `${INTEGRITY_PATH}/cancel` } as const;
/** "Try on an email" (workflow-routes.ts): a workflow draft in the body, answered with what it would do; it writes nothing. */
export const WORKFLOW_TRY_PATH = '/api/v1/workflows/try';
const READING_POSTS = new Set<string>([VERIFY_PATH, INTEGRITY_ACTION_PATHS.verify, INTEGRITY_ACTION_PATHS.cancel, WORKFLOW_TRY_PATH]);

// RFC 9110's safe methods: they ask, they change nothing.
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether an API request is a write, decided before routing so that the answer to a write never
 * depends on whether its route exists: over RPC, an operation flagged `write: true` in the contract;
 * anywhere else under /api/, any method but GET, HEAD and OPTIONS.
 */
export function isWriteRequest(method: string | undefined, path: string, writes: (operation: string) => boolean = isWriteOperation): boolean {
  if (path.startsWith(RPC_PREFIX)) {
    try {
      return writes(decodeURIComponent(path.slice(RPC_PREFIX.length)));
    } catch {
      // A malformed %-escape names no operation; the RPC route says so.
      return false;
    }
  }
  // Verifying an uploaded report, or the sealed log, reads and changes nothing: a POST only because it
  // carries a file, or starts (and stops) a verification that goes on after the answer. Trying a
  // workflow draft on an email is a POST for its body and writes nothing either.
  if (READING_POSTS.has(path)) return false;
  return !SAFE_METHODS.has((method ?? 'GET').toUpperCase());
}

export interface WriteRefusal {
  status: 401 | 403;
  code: 'read_only' | 'unauthorized';
  message: string;
  headers: Record<string, string>;
}

/**
 * DESIGN.md's rule for writes through `serve`: without --admin, 403 saying how to enable them; with
 * it, the admin token or 401. `holder` is whose token the request carried (null for none or an unknown one).
 */
export function refuseWrite(writesEnabled: boolean, holder: TokenHolder | null, authorizationGiven: boolean): WriteRefusal | null {
  if (!writesEnabled) {
    return {
      status: 403,
      code: 'read_only',
      message:
        'this server is read-only; to allow writes, start it with `mailtrail serve --admin` and MAILTRAIL_ADMIN_TOKEN set, and send Authorization: Bearer <that token>',
      headers: {},
    };
  }
  if (holder === 'admin') return null;
  return {
    status: 401,
    code: 'unauthorized',
    message: authorizationGiven
      ? 'this write needs the admin token, and the token in Authorization is not it; send Authorization: Bearer <the MAILTRAIL_ADMIN_TOKEN this server was started with>'
      : 'this write needs the admin token; send Authorization: Bearer <the MAILTRAIL_ADMIN_TOKEN this server was started with>',
    headers: { 'WWW-Authenticate': authorizationGiven ? 'Bearer realm="mailtrail", error="invalid_token"' : 'Bearer realm="mailtrail"' },
  };
}
