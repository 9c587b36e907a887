import type { ServerResponse } from 'node:http';
import { HTTP_STATUS, MailtrailError, type ErrorValue } from '../contract/errors';
import type { MailtrailService, OperationName } from '../contract/operations';
import { invoke } from '../service/invoke';
import { INTEGRITY_ACTION_PATHS, INTEGRITY_PATH } from './write-gate';

export { INTEGRITY_PATH };

/** How the HTTP server answers; passed in so this module holds only the integrity routes. */
export interface IntegrityHttp {
  sendJson(res: ServerResponse, status: number, body: unknown): void;
  sendError(res: ServerResponse, status: number, error: ErrorValue): void;
}

interface Route {
  method: 'GET' | 'POST';
  path: string;
  operation: OperationName & `integrity/${string}`;
  status: number;
}

/**
 * DESIGN.md's `GET /integrity` (the status: newest checkpoint, the verification going on, the last
 * one), and the verification started and stopped by POST, which reads only: no admin token. The
 * email's check is a plain GET beside its timeline (rest-routes.ts).
 */
export const INTEGRITY_ROUTES: readonly Route[] = [
  { method: 'GET', path: INTEGRITY_PATH, operation: 'integrity/status', status: 200 },
  // 202: the verification goes on after the answer; poll GET /api/v1/integrity for its progress and report.
  { method: 'POST', path: INTEGRITY_ACTION_PATHS.verify, operation: 'integrity/verify', status: 202 },
  { method: 'POST', path: INTEGRITY_ACTION_PATHS.cancel, operation: 'integrity/cancel', status: 200 },
];

export const isIntegrityPath = (path: string): boolean => INTEGRITY_ROUTES.some((route) => route.path === path);

export async function handleIntegrityRoute(
  service: MailtrailService,
  method: string | undefined,
  res: ServerResponse,
  path: string,
  search: URLSearchParams,
  http: IntegrityHttp,
): Promise<void> {
  const route = INTEGRITY_ROUTES.find((candidate) => candidate.path === path);
  if (!route) return;
  if (method !== route.method) {
    res.setHeader('Allow', route.method);
    http.sendError(res, 405, new MailtrailError('method_not_allowed', `${method ?? '?'} is not allowed on ${path}; use ${route.method}`).toValue());
    return;
  }
  const names = [...search.keys()];
  if (names.length > 0) {
    http.sendError(res, 400, new MailtrailError('bad_request', `unknown query parameter ${JSON.stringify(names[0]?.slice(0, 40))}; ${route.method} ${path} takes none`).toValue());
    return;
  }
  const result = await invoke(service, route.operation, {});
  if (!result.ok) http.sendError(res, HTTP_STATUS[result.error.code], result.error);
  else http.sendJson(res, route.status, result.value);
}
