import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { HTTP_STATUS, MailtrailError, type ErrorCode, type ErrorValue } from '../contract/errors';
import { MAX_ECHO } from '../contract/excerpt';
import { OPERATION_NAMES, isOperationName, type MailtrailService } from '../contract/operations';
import { toMailtrailError } from '../db/connection';
import { invoke } from '../service/invoke';
import { createBearerCheck, type BearerToken } from './bearer-auth';
import { isWriteRequest, refuseWrite, RPC_PREFIX } from './write-gate';
import { nameParameters, parseInteger, parseQuery } from './query-params';
import type { ReportOrigin } from '../reports/report-origin';
import { EXPORT_PATH, handleReportRoute, isReportPath, VERIFY_PATH } from './report-routes';
import { REST_ROUTES, type RestRoute } from './rest-routes';
import { handleRouteTable, RETENTION_PREFIX, RETENTION_ROUTES } from './retention-routes';
import { isWorkflowPath, WORKFLOW_ROUTES } from './workflow-routes';
import { BACKUP_ROUTES, isBackupPath } from './backup-routes';
import { handleIntegrityRoute, INTEGRITY_ROUTES, isIntegrityPath } from './integrity-routes';
import { serveRenderer } from './static-files';

export interface HttpServerOptions {
  service: MailtrailService;
  /** Default 127.0.0.1: without tokens the API has no authentication, so it stays on this machine unless told. */
  host?: string;
  /**
   * An `api` token makes every /api/ request need `Authorization: Bearer` with one of the tokens (the
   * static UI stays public); an `admin` token (`serve --admin`) allows writes, to its holder alone.
   * Without an admin token every write is refused (403).
   */
  tokens?: readonly BearerToken[];
  /** 0 picks any free port. */
  port?: number;
  /** The built renderer (out/renderer); served at `/` when it exists. */
  rendererDir?: string;
  /** What a report's provenance says about this server's source; without it, exports answer 503. */
  reportOrigin?: () => Promise<ReportOrigin>;
}

export interface HttpServer {
  /** `http://HOST:PORT`, with the port actually bound. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export const MAX_BODY_BYTES = 1024 * 1024;
// Past this, an oversized body is not even drained: the connection is cut.
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

const ENDPOINTS = [
  ...REST_ROUTES.map((route) => `GET ${route.template}`),
  ...INTEGRITY_ROUTES.map((route) => `${route.method} ${route.path}`),
  `GET ${EXPORT_PATH}`,
  `POST ${VERIFY_PATH}`,
  'POST /api/v1/rpc/{operation}',
].join(', ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

const urlHost = (host: string): string => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

/** The Host headers a loopback server accepts; any other name may be a DNS-rebinding page. */
function allowedHostHeaders(host: string, port: number): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]', urlHost(host).toLowerCase()];
  const allowed = new Set(names.map((name) => `${name}:${port}`));
  if (port === 80) names.forEach((name) => allowed.add(name));
  return allowed;
}

/** A server bound to a name answers only requests addressed to that name; an IP address accepts any. */
function namedHostHeaders(host: string, port: number): Set<string> {
  const name = host.toLowerCase();
  return new Set(port === 80 ? [`${name}:${port}`, name] : [`${name}:${port}`]);
}

const errorValue = (code: ErrorCode, message: string): ErrorValue => ({ name: 'MailtrailError', code, message });

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

const sendError = (res: ServerResponse, status: number, error: ErrorValue, headers: Record<string, string> = {}) =>
  sendJson(res, status, { error }, headers);

const methodNotAllowed = (res: ServerResponse, method: string | undefined, path: string, allow: string) =>
  sendError(res, 405, errorValue('method_not_allowed', `${method ?? '?'} is not allowed on ${clip(path)}; use ${allow}`), { Allow: allow });

const clip = (text: string, max = MAX_ECHO): string => (text.length > max ? `${text.slice(0, max)}…` : text);

type Body = { tooLarge: false; text: string } | { tooLarge: true };

/** Reads a request body up to MAX_BODY_BYTES; a larger one is drained (so the 413 can be read) and refused. */
function readBody(req: IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) req.destroy();
      else if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () =>
      resolve(size > MAX_BODY_BYTES ? { tooLarge: true } : { tooLarge: false, text: Buffer.concat(chunks).toString('utf8') }),
    );
    // A body cut off past the drain limit never ends; the answer goes nowhere, but the handler finishes.
    req.on('close', () => resolve({ tooLarge: true }));
    req.on('error', reject);
  });
}

/**
 * The request's JSON body, `{}` when empty; null once 413, 415 or 400 is answered. A JSON content
 * type forces a CORS preflight, which this server never grants to other origins, so it is required
 * even of an empty body (else a cross-site form could still run an operation), unless `emptyWithoutType`:
 * REST routes whose body is optional, and which write only with the admin's bearer token.
 */
async function readJsonBody(req: IncomingMessage, res: ServerResponse, { emptyWithoutType = false } = {}): Promise<{ payload: unknown } | null> {
  const body = await readBody(req);
  if (body.tooLarge) {
    sendError(res, 413, errorValue('too_large', `the request body is larger than ${MAX_BODY_BYTES} bytes; send a smaller request`), {
      Connection: 'close',
    });
    return null;
  }
  const empty = body.text.trim() === '';
  if (empty && emptyWithoutType) return { payload: {} };
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    const given = mediaType ? `Content-Type ${JSON.stringify(clip(mediaType, 60))}` : 'no Content-Type';
    sendError(res, 415, errorValue('bad_request', `the request body must be JSON with Content-Type: application/json (this one has ${given})`));
    return null;
  }
  if (empty) return { payload: {} };
  try {
    return { payload: JSON.parse(body.text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'malformed';
    sendError(res, 400, errorValue('bad_request', `the request body is not valid JSON (${clip(reason)}); send a JSON object`));
    return null;
  }
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new MailtrailError('bad_request', `the path has a malformed %-escape: ${clip(part, 60)}`);
  }
}

async function handleRest(
  service: MailtrailService,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: URLSearchParams,
): Promise<void> {
  let route: RestRoute | undefined;
  let match: RegExpExecArray | null = null;
  for (const candidate of REST_ROUTES) {
    match = candidate.path.exec(path);
    if (match) {
      route = candidate;
      break;
    }
  }
  if (!route || !match) {
    sendError(res, 404, errorValue('not_found', `no API endpoint at ${clip(path)}; the endpoints are ${ENDPOINTS}`));
    return;
  }
  if (req.method !== 'GET') {
    methodNotAllowed(res, req.method, path, 'GET');
    return;
  }
  const found = match;
  const pathNames = Object.fromEntries(route.pathParams.map((param) => [param.field, param.name]));
  let request: Record<string, unknown>;
  try {
    request = {};
    route.pathParams.forEach((param, index) => {
      request[param.field] = parseInteger(param.name, decodePathPart(found[index + 1] ?? ''));
    });
    request = { ...parseQuery(search, route.query), ...request };
  } catch (error) {
    sendError(res, 400, toMailtrailError(error).toValue());
    return;
  }
  const result = await invoke(service, route.operation, request);
  if (!result.ok) {
    const message = nameParameters(result.error.message, route.query, pathNames);
    sendError(res, HTTP_STATUS[result.error.code], { ...result.error, message });
    return;
  }
  const answer = route.answer(result.value);
  sendJson(res, 200, answer.body, {
    ...(answer.nextCursor ? { 'X-Next-Cursor': answer.nextCursor } : {}),
    ...(answer.searchedTo ? { 'X-Searched-To': answer.searchedTo } : {}),
  });
}

/**
 * The operations by namespace, `emails/timeline|get|search, activity/recent|…`: the whole list in an
 * error, kept short as the contract grows (an error's text stays under 1,000 characters).
 */
const OPERATION_LIST = (() => {
  const groups = new Map<string, string[]>();
  for (const name of OPERATION_NAMES) {
    const [namespace = '', ...rest] = name.split('/');
    groups.set(namespace, [...(groups.get(namespace) ?? []), rest.join('/')]);
  }
  return [...groups].map(([namespace, names]) => `${namespace}/${names.join('|')}`).join(', ');
})();

/** POST /api/v1/rpc/{operation}: every contract operation, with no per-operation code. */
async function handleRpc(service: MailtrailService, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const operation = decodePathPart(path.slice(RPC_PREFIX.length));
  if (!isOperationName(operation)) {
    sendError(
      res,
      404,
      errorValue('not_found', `unknown operation ${JSON.stringify(clip(operation, 80))}; the operations are ${OPERATION_LIST}`),
    );
    return;
  }
  if (req.method !== 'POST') {
    methodNotAllowed(res, req.method, path, 'POST');
    return;
  }
  const read = await readJsonBody(req, res);
  if (!read) return;
  const payload = read.payload;
  const result = await invoke(service, operation, payload);
  if (result.ok) sendJson(res, 200, result.value);
  else sendError(res, HTTP_STATUS[result.error.code], result.error);
}

/**
 * A request Node cannot parse (a URL or headers past 16 KB, a malformed request line) gets the
 * same JSON error shape as every other refusal, instead of Node's bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? 431 : 400;
  const value = tooLarge
    ? errorValue('too_large', 'the request line and headers are larger than this server reads (16 KB); send a shorter URL')
    : errorValue('bad_request', 'the request is not valid HTTP/1.1 and cannot be read');
  const text = JSON.stringify({ error: value });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${text}`,
  );
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const where = `${urlHost(host)}:${port}`;
      switch (error.code) {
        case 'EADDRINUSE':
          return reject(new MailtrailError('unavailable', `port ${port} on ${host} is already in use; choose another with --port`));
        case 'EACCES':
          return reject(new MailtrailError('unavailable', `no permission to listen on ${where}; ports below 1024 need root, choose another with --port`));
        case 'EADDRNOTAVAIL':
        case 'ENOTFOUND':
        case 'EAI_AGAIN':
          return reject(new MailtrailError('unavailable', `cannot listen on ${host}: no such address on this machine; check --host`));
        default:
          return reject(new MailtrailError('unavailable', `cannot listen on ${where}: ${error.message}`));
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/**
 * The REST API of DESIGN.md's external contract, the RPC route that browser mode uses, and the
 * built renderer. Routes only adapt HTTP to `invoke`; the service holds every rule.
 */
export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { service, rendererDir } = options;
  const host = options.host ?? '127.0.0.1';
  let allowedHosts: Set<string> | null = null;
  const tokens = options.tokens ?? [];
  const bearerHolder = tokens.length > 0 ? createBearerCheck(tokens) : null;
  const everyRequestNeedsToken = tokens.some((token) => token.holder === 'api');
  const writesEnabled = tokens.some((token) => token.holder === 'admin');

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (allowedHosts) {
      const hostHeader = (req.headers.host ?? '').toLowerCase();
      if (!allowedHosts.has(hostHeader)) {
        const expected = [...allowedHosts][0] ?? host;
        sendError(
          res,
          421,
          errorValue('bad_request', `this server answers only requests addressed to ${expected} (this one named ${JSON.stringify(clip(hostHeader, 80))}); open http://${expected}`),
        );
        return;
      }
    }
    const target = req.url ?? '/';
    const queryAt = target.indexOf('?');
    const path = queryAt === -1 ? target : target.slice(0, queryAt);
    const search = new URLSearchParams(queryAt === -1 ? '' : target.slice(queryAt + 1));
    if (path === '/api' || path.startsWith('/api/')) {
      const holder = bearerHolder ? bearerHolder(req) : null;
      const given = req.headers.authorization !== undefined;
      if (everyRequestNeedsToken && holder === null) {
        const message = given
          ? 'the API token in Authorization is wrong; send Authorization: Bearer <the MAILTRAIL_API_TOKEN this server was started with>'
          : 'this server needs its API token; send Authorization: Bearer <the MAILTRAIL_API_TOKEN this server was started with>';
        sendError(res, 401, errorValue('unauthorized', message), {
          'WWW-Authenticate': given ? 'Bearer realm="mailtrail", error="invalid_token"' : 'Bearer realm="mailtrail"',
        });
        return;
      }
      // Before routing: a write is refused the same whether or not its route exists (403/401 before 404/405).
      const refusal = isWriteRequest(req.method, path) ? refuseWrite(writesEnabled, holder, given) : null;
      if (refusal) {
        sendError(res, refusal.status, errorValue(refusal.code, refusal.message), refusal.headers);
        return;
      }
      try {
        if (path.startsWith(RPC_PREFIX)) await handleRpc(service, req, res, path);
        else if (isReportPath(path)) await handleReportRoute(service, options.reportOrigin, req, res, path, search, { sendJson, sendError });
        else if (isIntegrityPath(path)) await handleIntegrityRoute(service, req.method, res, path, search, { sendJson, sendError });
        else if (path.startsWith(RETENTION_PREFIX)) await handleRouteTable(RETENTION_ROUTES, 'retention', service, req, res, path, search, { sendJson, sendError, readJsonBody });
        else if (isWorkflowPath(path)) await handleRouteTable(WORKFLOW_ROUTES, 'workflow', service, req, res, path, search, { sendJson, sendError, readJsonBody });
        else if (isBackupPath(path)) await handleRouteTable(BACKUP_ROUTES, 'backup', service, req, res, path, search, { sendJson, sendError, readJsonBody });
        else await handleRest(service, req, res, path, search);
      } catch (error) {
        const mailtrailError = toMailtrailError(error);
        if (res.headersSent) res.destroy();
        else sendError(res, HTTP_STATUS[mailtrailError.code], mailtrailError.toValue());
      }
      return;
    }
    await serveRenderer(req, res, path, rendererDir);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      process.stderr.write(`mailtrail: unexpected error answering ${req.method} ${clip(req.url ?? '', 100)}: ${error instanceof Error ? error.message : String(error)}\n`);
      if (res.headersSent) res.destroy();
      else sendError(res, 500, errorValue('internal', 'unexpected server error; see the server log'));
    });
  });
  server.on('clientError', answerClientError);
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  if (isLoopbackHost(host)) allowedHosts = allowedHostHeaders(host, port);
  else if (isIP(host.replace(/^\[|\]$/g, '')) === 0) allowedHosts = namedHostHeaders(host, port);
  return {
    url: `http://${urlHost(host)}:${port}`,
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
