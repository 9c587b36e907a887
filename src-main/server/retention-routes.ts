import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_STATUS, MailtrailError, type ErrorValue } from '../contract/errors';
import type { MailtrailService, OperationName } from '../contract/operations';
import { toMailtrailError } from '../db/connection';
import { invoke } from '../service/invoke';
import { nameParameters, parseInteger, parseQuery, type ParamSpecs } from './query-params';

/** How the HTTP server reads and answers; passed in so this module holds only the routes. */
export interface RouteHttp {
  sendJson(res: ServerResponse, status: number, body: unknown): void;
  sendError(res: ServerResponse, status: number, error: ErrorValue): void;
  /** The request's JSON body (see http-server.ts); null once it answered 413, 415 or 400. */
  readJsonBody(req: IncomingMessage, res: ServerResponse, options: { emptyWithoutType: boolean }): Promise<{ payload: unknown } | null>;
}

export const RETENTION_PREFIX = '/api/v1/retention/';

/** A route of an admin capability's table (retention's here, workflows' in workflow-routes.ts). */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  template: string;
  path: RegExp;
  operation: OperationName;
  query?: ParamSpecs;
  /** snake_case body field -> request field. */
  body?: Readonly<Record<string, string>>;
  /** The path's capture: the email id of DELETE /holds/{email_id}, the run id of POST /runs/{id}/cancel. */
  pathField?: { field: string; name: string };
  status?: (value: unknown) => number;
  answer?: (value: unknown) => unknown;
  /** A keyset page: the items as a bare array, the next page's cursor in X-Next-Cursor (as the seed's lists). */
  paged?: true;
}

const DAYS: ParamSpecs = { archive_after_days: { field: 'archiveAfterDays', kind: 'text' }, purge_after_days: { field: 'purgeAfterDays', kind: 'text' } };
const DAYS_BODY = { archive_after_days: 'archiveAfterDays', purge_after_days: 'purgeAfterDays' } as const;
const items = (value: unknown) => (value as { items: unknown[] }).items;

/** DESIGN.md's /retention/… endpoints, plus the policy. Lists are bare JSON arrays, as the seed's are. */
export const RETENTION_ROUTES: readonly Route[] = [
  { method: 'GET', template: '/api/v1/retention/policy', path: /^\/api\/v1\/retention\/policy$/, operation: 'retention/policy', query: {} },
  { method: 'PUT', template: '/api/v1/retention/policy', path: /^\/api\/v1\/retention\/policy$/, operation: 'retention/set-policy', body: DAYS_BODY },
  { method: 'GET', template: '/api/v1/retention/preview', path: /^\/api\/v1\/retention\/preview$/, operation: 'retention/preview', query: DAYS },
  {
    method: 'GET',
    template: '/api/v1/retention/runs',
    path: /^\/api\/v1\/retention\/runs$/,
    operation: 'retention/runs',
    query: { limit: { field: 'limit', kind: 'integer' } },
    answer: items,
  },
  {
    method: 'POST',
    template: '/api/v1/retention/runs',
    path: /^\/api\/v1\/retention\/runs$/,
    operation: 'retention/run',
    body: { ...DAYS_BODY, dry_run: 'dryRun' },
    // A run goes on after the answer: 202 with its id; a dry run's plan is complete at once.
    status: (value) => ((value as { status: string }).status === 'dry_run' ? 200 : 202),
  },
  {
    method: 'POST',
    template: '/api/v1/retention/runs/{id}/cancel',
    path: /^\/api\/v1\/retention\/runs\/([^/]+)\/cancel$/,
    operation: 'retention/cancel',
    pathField: { field: 'runId', name: 'run id in the path' },
  },
  {
    method: 'GET',
    template: '/api/v1/retention/holds',
    path: /^\/api\/v1\/retention\/holds$/,
    operation: 'retention/holds',
    query: {
      search: { field: 'search', kind: 'text' },
      include_released: { field: 'includeReleased', kind: 'text' },
      limit: { field: 'limit', kind: 'integer' },
      email_id: { field: 'emailId', kind: 'integer' },
    },
    answer: items,
  },
  {
    method: 'POST',
    template: '/api/v1/retention/holds',
    path: /^\/api\/v1\/retention\/holds$/,
    operation: 'retention/hold',
    body: { email_id: 'emailId', reason: 'reason' },
    status: () => 201,
  },
  {
    method: 'DELETE',
    template: '/api/v1/retention/holds/{email_id}',
    path: /^\/api\/v1\/retention\/holds\/([^/]+)$/,
    operation: 'retention/release',
    pathField: { field: 'emailId', name: 'email id in the path' },
  },
];

const badRequest = (message: string) => new MailtrailError('bad_request', message);

/** `30` or `off` (null) for a day count in a query string. */
function days(name: string, text: unknown): number | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'off') return null;
  return parseInteger(name, String(text));
}

function booleanParam(name: string, text: unknown): boolean | undefined {
  if (text === undefined) return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw badRequest(`${name}: must be true or false, not ${JSON.stringify(String(text).slice(0, 40))}`);
}

function fromQuery(route: Route, search: URLSearchParams): Record<string, unknown> {
  const request = parseQuery(search, route.query ?? {});
  if ('archiveAfterDays' in request) request.archiveAfterDays = days('archive_after_days', request.archiveAfterDays);
  if ('purgeAfterDays' in request) request.purgeAfterDays = days('purge_after_days', request.purgeAfterDays);
  if ('includeReleased' in request) request.includeReleased = booleanParam('include_released', request.includeReleased);
  return request;
}

function fromBody(route: Route, payload: unknown): Record<string, unknown> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw badRequest('the request body must be a JSON object');
  const fields = route.body ?? {};
  const unknown = Object.keys(payload).filter((key) => !Object.prototype.hasOwnProperty.call(fields, key));
  if (unknown.length > 0) {
    throw badRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}; this endpoint takes ${Object.keys(fields).join(', ') || 'none'}`);
  }
  return Object.fromEntries(Object.entries(payload).map(([key, value]) => [fields[key] as string, value]));
}

/** Answers a request by one capability's table of routes (retention's, workflows'): query or JSON body to the operation's request, its answer as JSON. */
export async function handleRouteTable(
  routes: readonly Route[],
  capability: string,
  service: MailtrailService,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: URLSearchParams,
  http: RouteHttp,
): Promise<void> {
  const matching = routes.filter((route) => route.path.test(path));
  if (matching.length === 0) {
    const endpoints = routes.map((route) => `${route.method} ${route.template}`).join(', ');
    http.sendError(res, 404, new MailtrailError('not_found', `no ${capability} endpoint at ${path.slice(0, 100)}; the endpoints are ${endpoints}`).toValue());
    return;
  }
  const route = matching.find((candidate) => candidate.method === req.method);
  if (!route) {
    const allow = matching.map((candidate) => candidate.method).join(', ');
    res.setHeader('Allow', allow);
    http.sendError(res, 405, new MailtrailError('method_not_allowed', `${req.method ?? '?'} is not allowed on ${path.slice(0, 100)}; use ${allow}`).toValue());
    return;
  }
  let request: Record<string, unknown>;
  try {
    if (route.method === 'GET') request = fromQuery(route, search);
    else {
      if ([...search.keys()].length > 0) throw badRequest(`${route.method} ${route.template} takes no query parameters; send them in the JSON body`);
      let payload: unknown = {};
      if (route.body) {
        const read = await http.readJsonBody(req, res, { emptyWithoutType: true });
        if (!read) return;
        payload = read.payload;
      }
      request = route.body ? fromBody(route, payload) : {};
    }
    if (route.pathField) {
      const part = route.path.exec(path)?.[1] ?? '';
      request[route.pathField.field] = parseInteger(route.pathField.name, decodeURIComponent(part));
    }
  } catch (error) {
    http.sendError(res, 400, toMailtrailError(error).toValue());
    return;
  }
  const result = await invoke(service, route.operation, request);
  if (!result.ok) {
    const names: Record<string, string> = Object.fromEntries(Object.entries(route.body ?? {}).map(([name, field]) => [field, name]));
    if (route.pathField) names[route.pathField.field] = route.pathField.name;
    const message = nameParameters(result.error.message, route.query ?? {}, names);
    http.sendError(res, HTTP_STATUS[result.error.code], { ...result.error, message });
    return;
  }
  if (route.paged) {
    const page = result.value as { items: unknown[]; nextCursor: string | null };
    if (page.nextCursor) res.setHeader('X-Next-Cursor', page.nextCursor);
    http.sendJson(res, 200, page.items);
    return;
  }
  http.sendJson(res, route.status?.(result.value) ?? 200, route.answer ? route.answer(result.value) : result.value);
}
