import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATION_NAMES, operations } from '../../src-main/contract/operations';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import type { ParamSpec } from '../../src-main/server/query-params';
import { REST_ROUTES } from '../../src-main/server/rest-routes';
import { BACKENDS, createStoreFixture, type BackendName, type StoreFixture } from '../support/stores';

// A bounded, deterministic fuzz of every route (issue 12, item 2): hostile requests to a real server over
// a real PostgreSQL and over the SQLite cache. None may answer 5xx, hang, or refuse outside the JSON error shape.
const SEED = 0x12_2026;
const REQUESTS = 500;
const CONCURRENCY = 4;
const ANSWER_WITHIN_MS = 5_000;

let fixture: StoreFixture;
const servers = {} as Record<BackendName, HttpServer>;

beforeAll(async () => {
  fixture = await createStoreFixture({ emails: 40 });
  for (const backend of BACKENDS) servers[backend] = await startHttpServer({ service: fixture.backends[backend].service, port: 0 });
}, 120_000);

afterAll(async () => {
  for (const backend of BACKENDS) await servers[backend]?.close();
  await fixture?.close();
});

/** mulberry32: the same seed, the same requests, so a failure can be replayed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (below: number) => Math.floor(next() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Random = ReturnType<typeof random>;

const NUL = '\u0000';
const deepArray = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const deepObject = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);

// Texts a hostile client sends where a value goes (raw, before any %-encoding).
const HOSTILE_TEXTS = [
  '', ' ', '1', '0', '-1', '1.5', '1e3', '0x10', '+5', '99999999999999999999999', '-99999999999999999999', '2147483648', '9007199254740993',
  'NaN', 'Infinity', 'null', 'true', '[]', '{}', NUL, `a${NUL}b`, 'error', 'system', 'asc', 'desc', 'day', 'sideways',
  '2025-12-15', '2025-02-30', '2025-12-15T25:00:00', '0000-00-00', '9999-12-31T23:59:59.999999', '1970-01-01T00:00:00Z',
  "' OR '1'='1", '%', '_', '\\', '%00', '%E0%A4%A', '..%2F..%2Fetc%2Fpasswd', '<script>alert(1)</script>', 'Æblegrød ØL', '١٢',
  '😀'.repeat(20), '\uD800', '\uFFFF', 'a'.repeat(201), 'q'.repeat(5_000), 'error_type=extraction_failed', '=x', 'k=', 'a,b,,c',
];

/** A hostile text, NULs weighted up: the fuzz of the issue found them answered 500 by PostgreSQL. */
const hostileText = (rng: Random) => (rng.chance(0.2) ? rng.pick([NUL, `a${NUL}b`, `invoice${NUL}`, `${NUL}=${NUL}`]) : rng.pick(HOSTILE_TEXTS));

const HOSTILE_IDS = ['1', '0', '-1', 'abc', '1.5', '1e3', '99999999999999999999', '2147483648', '%00', '%E0%A4%A', '%ED%A0%80', '%2F', '%D9%A1%D9%A2', '%20', '..', 'q'.repeat(300)];

function hostileJson(rng: Random, depth = 0): unknown {
  switch (rng.int(depth > 3 ? 6 : 9)) {
    case 0:
      return rng.pick(HOSTILE_TEXTS);
    case 1:
      return rng.pick([0, -1, 1, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, -0]);
    case 2:
      return rng.pick([null, true, false]);
    case 3:
      return rng.pick(['error', 'system', 'user', 'workflow']);
    case 4:
      return rng.int(1_000) + 1;
    case 5:
      return `${rng.pick(HOSTILE_TEXTS)}${rng.pick(HOSTILE_TEXTS)}`;
    case 6:
      return Array.from({ length: rng.int(4) }, () => hostileJson(rng, depth + 1));
    case 7:
      return { key: rng.pick(HOSTILE_TEXTS), value: hostileJson(rng, depth + 1) };
    default:
      return Object.fromEntries(Array.from({ length: rng.int(4) }, () => [rng.pick(HOSTILE_TEXTS), hostileJson(rng, depth + 1)]));
  }
}

// Plausible values per request field, so that most requests get past validation and one hostile value reaches the store.
const PLAUSIBLE: Readonly<Record<string, readonly unknown[]>> = {
  emailId: [1, 2, 5, 30],
  userId: [1, 2, 3],
  emailIds: [[1, 2], [30]],
  userIds: [[1], [2, 3]],
  query: ['Faktura', 'Søren', '12', '#3', ''],
  text: ['invoice', 'ÆBLEGRØD', '100%', '_'],
  metadata: [[{ key: 'error_type', value: 'extraction_failed' }], [{ key: 'invoice.number', value: 'INV-1' }]],
  eventTypes: [['error'], ['classified', 'note']],
  eventCategories: [['system'], ['user', 'workflow']],
  limit: [1, 5, 50],
  from: ['2025-01-01', '2025-03-02T00:00:00'],
  to: ['2026-12-31', '2025-03-02 23:59:59.999999'],
  order: ['asc', 'desc'],
  bucket: ['day', 'week', 'month'],
  workflow: ['Ærgerlig flow'],
  status: ['completed', 'failed'],
};

/** A field's hostile value: a hostile text where text goes (inside the list or the condition where one is expected). */
function hostileValue(rng: Random, field: string): unknown {
  const text = hostileText(rng);
  if (rng.chance(0.3)) return hostileJson(rng);
  if (field === 'metadata') return [rng.chance(0.5) ? { key: 'error_type', value: text } : { key: text, value: 'x' }];
  if (/Ids$|^event(Types|Categories)$/.test(field)) return [text];
  return rng.chance(0.3) && /^-?\d+$/.test(text) ? Number(text) : text;
}

/** The fields an operation takes, to aim hostile values at real names as well as unknown ones. */
function fieldsOf(operation: (typeof OPERATION_NAMES)[number]): string[] {
  const shape = (operations[operation].request as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function rpcBody(rng: Random, operation: (typeof OPERATION_NAMES)[number]): string {
  switch (rng.int(9)) {
    case 0:
      return '';
    case 1: {
      // Deep JSON where the operation takes a field; an unknown category's message once printed it whole.
      const fields = fieldsOf(operation);
      const field = fields.includes('eventCategories') ? 'eventCategories' : fields.length ? rng.pick(fields) : 'a';
      return rng.pick([deepArray(5_000), deepObject(5_000), `{"${field}":[${deepArray(5_000)}]}`, `{"${field}":${deepObject(2_000)}}`]);
    }
    case 2:
      return rng.pick(['{', '{"limit": }', 'null', '[]', '"text"', '1', 'true', '{"a":1}{"b":2}', '\u0000', '\uFEFF{}', '{"__proto__": {"limit": 1}}']);
    case 3:
      return JSON.stringify({ [rng.pick(HOSTILE_TEXTS)]: hostileJson(rng) });
    case 4:
      return JSON.stringify(Array.from({ length: rng.int(3) + 1 }, () => hostileJson(rng)));
    case 5:
    case 6: {
      const body: Record<string, unknown> = {};
      const fields = fieldsOf(operation);
      for (const field of fields) if (/^(emailId|userId|emailIds)$/.test(field) || rng.chance(0.4)) body[field] = rng.pick(PLAUSIBLE[field] ?? [undefined]);
      if (fields.length > 0) {
        const target = rng.pick(fields);
        body[target] = hostileValue(rng, target);
      }
      return JSON.stringify(body);
    }
    default: {
      const fields = fieldsOf(operation);
      const body: Record<string, unknown> = {};
      for (const field of fields) if (rng.chance(0.5)) body[field] = hostileJson(rng);
      if (fields.length === 0 || rng.chance(0.1)) body[rng.pick(HOSTILE_TEXTS)] = hostileJson(rng);
      return JSON.stringify(body);
    }
  }
}

/** Every byte of the text's UTF-8 %-encoded but for the unreserved ones (a lone surrogate becomes U+FFFD). */
const percentEncode = (text: string) =>
  [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** Mostly %-encoded; sometimes sent as it stands (when Node lets it), so that `%E0%A4%A` arrives as a broken escape. */
const encode = (rng: Random, text: string) => (rng.chance(0.3) && /^[\x21-\x7e]*$/.test(text) && !/[#&=?]/.test(text) ? text : percentEncode(text));

function restRequest(rng: Random): FuzzRequest {
  const route = rng.pick(REST_ROUTES);
  let path = route.template.replace(/\{[A-Za-z]+\}/g, () => (rng.chance(0.3) ? String(rng.int(300) + 1) : rng.pick(HOSTILE_IDS)));
  if (rng.chance(0.05)) path = rng.pick([`${path}/`, path.replace('/v1/', '/v1//'), path.replace('/v1/', '/V1/'), `${path}%00`, `${path}/..`]);
  const names = [...Object.keys(route.query), 'unknown_param', 'limit', NUL, ''];
  const query: string[] = [];
  if (rng.chance(0.5)) {
    // Plausible parameters and one hostile one, so that the hostile text reaches the store.
    for (const [name, spec] of Object.entries(route.query)) {
      const value = rng.chance(0.3) ? rng.pick(PLAUSIBLE[spec.field] ?? ['']) : undefined;
      if (value === undefined) continue;
      const first = Array.isArray(value) ? value[0] : value;
      query.push(`${name}=${percentEncode(typeof first === 'object' && first ? `${(first as { key: string }).key}=${(first as { value: string }).value}` : String(first))}`);
    }
    const params: [string, ParamSpec][] = Object.entries(route.query);
    const [name, spec] = rng.pick(params.length ? params : [['limit', { field: 'limit', kind: 'integer' }]]);
    const text = hostileText(rng);
    query.push(`${name}=${encode(rng, spec.kind === 'key-value-list' && rng.chance(0.5) ? `error_type=${text}` : text)}`);
  } else {
    query.push(...Array.from({ length: rng.int(5) }, () => `${encode(rng, rng.pick(names))}=${encode(rng, rng.pick(HOSTILE_TEXTS))}`));
  }
  if (rng.chance(0.05)) query.push(`${encode(rng, rng.pick(names))}=${'x'.repeat(20_000)}`);
  const method = rng.chance(0.85) ? 'GET' : rng.pick(['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE']);
  const body = method === 'GET' || rng.chance(0.5) ? undefined : rpcBody(rng, route.operation);
  return { method, path: query.length ? `${path}?${query.join('&')}` : path, headers: body === undefined ? {} : { 'Content-Type': 'application/json' }, body };
}

function rpcRequest(rng: Random): FuzzRequest {
  const operation = rng.pick(OPERATION_NAMES);
  let path = `/api/v1/rpc/${operation}`;
  if (rng.chance(0.08)) path = rng.pick(['/api/v1/rpc/', '/api/v1/rpc/nope', `/api/v1/rpc/${percentEncode(rng.pick(HOSTILE_TEXTS))}`, `${path}/extra`, `${path}?limit=1`, `/api/v1/rpc/%E0%A4%A`]);
  const method = rng.chance(0.9) ? 'POST' : rng.pick(['GET', 'PUT', 'DELETE', 'HEAD', 'OPTIONS']);
  const type = rng.chance(0.8)
    ? rng.pick(['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON'])
    : rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '', 'application/json;;;']);
  return { method, path, headers: type ? { 'Content-Type': type } : {}, body: rpcBody(rng, operation) };
}

interface FuzzAnswer {
  status: number;
  type: string | undefined;
  text: string;
  ms: number;
}

function send(server: HttpServer, request: FuzzRequest): Promise<FuzzAnswer> {
  const started = performance.now();
  // Framed explicitly: Node's client sends a GET, HEAD or DELETE body unframed, which a server can only read as the next request.
  const headers = request.body === undefined ? request.headers : { ...request.headers, 'Content-Length': String(Buffer.byteLength(request.body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path: request.path, method: request.method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(ANSWER_WITHIN_MS, () => req.destroy(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Bytes that are not HTTP at all, written to the socket: the answer is still the JSON error shape. */
function sendRaw(server: HttpServer, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(ANSWER_WITHIN_MS, () => socket.destroy(new Error(`no answer within ${ANSWER_WITHIN_MS} ms`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.on('error', reject);
    socket.end(bytes);
  });
}

/** What every answer must be: below 500, quick, and a refusal as `{error: {name, code, message}}` with a short message. */
function check(backend: BackendName, request: FuzzRequest, answer: FuzzAnswer): string[] {
  const problems: string[] = [];
  // Retention, workflows and backups need the live database, and the cache does not carry the sealed chain (issue 15):
  // over the offline cache their operations are 503, and say so.
  const cacheRefusal = backend === 'sqlite' && answer.status === 503 && /\/(retention\/|workflows\/|backups(\/|$)|integrity(\/|$))/.test(request.path) && /"code":"unavailable"/.test(answer.text);
  if ((answer.status >= 500 && !cacheRefusal) || answer.status < 200) problems.push(`status ${answer.status}`);
  if (answer.ms > ANSWER_WITHIN_MS) problems.push(`took ${Math.round(answer.ms)} ms`);
  if (answer.status >= 400 && request.method !== 'HEAD') {
    if (!/^application\/json/.test(answer.type ?? '')) problems.push(`content type ${answer.type}`);
    try {
      const body = JSON.parse(answer.text) as { error?: Record<string, unknown> };
      const keys = Object.keys(body.error ?? {}).sort().join(',');
      if (Object.keys(body).join(',') !== 'error' || keys !== 'code,message,name') problems.push(`error shape ${answer.text.slice(0, 120)}`);
      else if (String(body.error?.message).length > 1_000) problems.push(`message of ${String(body.error?.message).length} characters`);
      // The long texts sent are runs of one letter: a message may repeat at most 100 characters of one.
      else if (/([qxa])\1{100}/.test(String(body.error?.message))) problems.push('message repeats more than 100 characters of the input');
    } catch {
      problems.push(`not JSON: ${answer.text.slice(0, 120)}`);
    }
  }
  return problems;
}

async function fuzz(backend: BackendName) {
  const rng = random(SEED);
  const requests = Array.from({ length: REQUESTS }, () => (rng.chance(0.5) ? restRequest(rng) : rpcRequest(rng)));
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  let slowest = 0;
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next++;
      const request = requests[index] as FuzzRequest;
      const label = `#${index} ${request.method} ${request.path.slice(0, 120)} ${JSON.stringify(request.headers)} ${(request.body ?? '').slice(0, 80)}`;
      try {
        const answer = await send(servers[backend], request);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        slowest = Math.max(slowest, answer.ms);
        for (const problem of check(backend, request, answer)) failures.push(`${label}: ${problem}`);
      } catch (error) {
        failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { statuses, failures, slowest };
}

describe('a bounded fuzz of every route (issue 12, item 2)', () => {
  it.each(BACKENDS)(`answers ${REQUESTS} hostile requests over %s with no 5xx, no hang and only JSON errors`, async (backend) => {
    const { statuses, failures, slowest } = await fuzz(backend);
    console.info(`fuzz over ${backend}: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, slowest ${Math.round(slowest)} ms`);
    expect(failures, `seed ${SEED}`).toEqual([]);
    // A fuzz that only ever hit one answer proves little: it reached the operations and refused around them.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);
    for (const status of [400, 404, 405, 415]) expect(statuses.has(status), `some ${status}`).toBe(true);
    expect(slowest).toBeLessThan(ANSWER_WITHIN_MS);
    // The server still answers normally afterwards.
    expect((await send(servers[backend], { method: 'GET', path: '/api/v1/emails/activity/stats', headers: {} })).status).toBe(200);
  });

  it('answers bytes that are not HTTP with the JSON error shape', async () => {
    for (const bytes of ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', `GET /${NUL} HTTP/1.1\r\nHost: x\r\n\r\n`, 'GET / HTTP/1.1\r\nBad Header\r\n\r\n', 'POST /api/v1/rpc/source/status HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n']) {
      const answer = await sendRaw(servers.postgres, bytes);
      expect(answer, JSON.stringify(bytes)).toMatch(/^HTTP\/1\.1 4\d\d /);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      expect(Object.keys((JSON.parse(body) as { error: object }).error).sort()).toEqual(['code', 'message', 'name']);
    }
  });
});
