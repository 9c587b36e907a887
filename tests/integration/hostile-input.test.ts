import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailtrailError, type ErrorValue, type Result } from '../../src-main/contract/errors';
import type { OperationName } from '../../src-main/contract/operations';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { invoke } from '../../src-main/service/invoke';
import { BACKENDS, createStoreFixture, type BackendName, type StoreFixture } from '../support/stores';

// Findings of a fuzz of the API (issue 12, item 2), each answered the same on both backends.
let fixture: StoreFixture;
const servers = {} as Record<BackendName, HttpServer>;

beforeAll(async () => {
  fixture = await createStoreFixture({ emails: 30 });
  for (const backend of BACKENDS) servers[backend] = await startHttpServer({ service: fixture.backends[backend].service, port: 0 });
}, 120_000);

afterAll(async () => {
  for (const backend of BACKENDS) await servers[backend]?.close();
  await fixture?.close();
});

interface Answer {
  status: number;
  type: string | undefined;
  text: string;
  error: ErrorValue | undefined;
}

/** A raw request, so that the body, its bytes and its Content-Type are exactly what a hostile client sends. */
function send(backend: BackendName, path: string, options: { method?: string; type?: string; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = options.type ? { 'Content-Type': options.type } : {};
    const req = httpRequest({ host: '127.0.0.1', port: servers[backend].port, path, method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let error: ErrorValue | undefined;
        try {
          error = (JSON.parse(text) as { error?: ErrorValue }).error;
        } catch {
          error = undefined;
        }
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], text, error });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const rpc = (backend: BackendName, operation: string, body: string, type = 'application/json') =>
  send(backend, `/api/v1/rpc/${operation}`, { method: 'POST', type, body });

function expectError(result: Result<unknown>, message: RegExp) {
  expect(result.ok, JSON.stringify(result).slice(0, 300)).toBe(false);
  const { error } = result as { ok: false; error: ErrorValue };
  expect(error.code).toBe('bad_request');
  expect(error.message).toMatch(message);
  return error;
}

function expectHttpError(answer: Answer, status: number, message: RegExp) {
  expect(answer.status, answer.text.slice(0, 300)).toBe(status);
  expect(answer.type).toMatch(/^application\/json/);
  expect(answer.error?.name).toBe('MailtrailError');
  expect(answer.error?.message).toMatch(message);
  return answer.error as ErrorValue;
}

const NUL = '\u0000';
const NUL_MESSAGE = /may not contain a NUL character \(U\+0000\)/;

describe('a NUL character is a clear 400 on both backends (issue 12, item 2)', () => {
  // Every text field of every operation, and a field name.
  const requests: [OperationName, Record<string, unknown>, RegExp][] = [
    ['activity/recent', { text: NUL }, /^text: /],
    ['activity/recent', { text: `invoice${NUL}` }, /^text: /],
    ['activity/recent', { metadata: [{ key: 'error_type', value: NUL }] }, /^metadata\.0\.value: /],
    ['activity/recent', { metadata: [{ key: `error${NUL}type`, value: 'x' }] }, /^metadata\.0\.key: /],
    ['activity/recent', { eventTypes: [NUL] }, /^eventTypes\.0: /],
    ['activity/recent', { [NUL]: 1 }, /field name may not/],
    ['activity/count', { text: NUL }, /^text: /],
    ['activity/count', { metadata: [{ key: 'source', value: `imap${NUL}` }] }, /^metadata\.0\.value: /],
    ['emails/search', { query: NUL }, /^query: /],
    ['emails/count', { query: `Faktura${NUL}` }, /^query: /],
    ['analytics/slowest', { workflow: NUL }, /^workflow: /],
    ['activity/stats', { from: `2025-01-01${NUL}` }, /^from: /],
  ];

  it.each(BACKENDS)('through the contract on %s', async (backend) => {
    for (const [operation, payload, path] of requests) {
      const error = expectError(await invoke(fixture.backends[backend].service, operation, payload), NUL_MESSAGE);
      expect(error.message, `${operation} ${JSON.stringify(payload)}`).toMatch(path);
    }
  });

  it.each(BACKENDS)('over HTTP on %s, in the query string and in an RPC body', async (backend) => {
    expectHttpError(await send(backend, '/api/v1/emails/activity/recent?text=%00'), 400, /^text: .*NUL/);
    expectHttpError(await send(backend, '/api/v1/emails/activity/recent?metadata=error_type%3D%00'), 400, /^metadata value: .*NUL/);
    expectHttpError(await send(backend, '/api/v1/emails/activity/count?text=a%00b'), 400, NUL_MESSAGE);
    expectHttpError(await send(backend, '/api/v1/emails/activity/stats?from=%00'), 400, NUL_MESSAGE);
    expectHttpError(await rpc(backend, 'emails/search', '{"query":"\\u0000"}'), 400, /^query: .*NUL/);
    expectHttpError(await rpc(backend, 'activity/recent', '{"metadata":[{"key":"a","value":"\\u0000"}]}'), 400, NUL_MESSAGE);
    // The same texts without the NUL are answered.
    expect((await send(backend, '/api/v1/emails/activity/recent?text=invoice')).status).toBe(200);
    expect((await rpc(backend, 'emails/search', '{"query":"Faktura"}')).status).toBe(200);
  });

  it('is a 400, not PostgreSQL\'s own message, even for a caller that skips the contract', async () => {
    const { store } = fixture.backends.postgres;
    const refused = await store.recentActivity({ limit: 5, text: NUL }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(MailtrailError);
    expect((refused as MailtrailError).code).toBe('bad_request');
    expect((refused as MailtrailError).message).toMatch(NUL_MESSAGE);
  });
});

const nested = (levels: number, open: string, inner: string, close: string) => open.repeat(levels) + inner + close.repeat(levels);

describe('deep JSON is refused before it is validated, and errors echo only an excerpt (issue 12, item 2)', () => {
  it.each(BACKENDS)('answers 5,000 levels of nesting with 400 on %s and keeps serving', async (backend) => {
    const deep = [
      nested(5_000, '[', '', ']'),
      nested(5_000, '{"a":', '1', '}'),
      `{"query":${nested(5_000, '[', '', ']')}}`,
      // The one that overflowed the stack: zod's message for an unknown category printed the whole value.
      `{"eventCategories":[${nested(5_000, '[', '', ']')}]}`,
      `{"eventCategories":[${nested(5_000, '{"a":', '1', '}')}]}`,
      `{"metadata":[{"key":"a","value":${nested(100_000, '[', '', ']')}}]}`,
    ];
    for (const body of deep) {
      const answer = await rpc(backend, 'activity/recent', body);
      expectHttpError(answer, 400, /^the request nests deeper than 64 levels/);
      expect(answer.text.length).toBeLessThan(300);
    }
    expect((await rpc(backend, 'activity/recent', '{"limit":1}')).status).toBe(200);
  });

  it('refuses nesting and cycles from any transport, IPC included, through the contract', async () => {
    const { service } = fixture.backends.sqlite;
    const cycle: unknown[] = [];
    cycle.push(cycle);
    const self: Record<string, unknown> = {};
    self.eventCategories = [self];
    expectError(await invoke(service, 'activity/recent', { eventCategories: [cycle] }), /nests deeper than 64/);
    expectError(await invoke(service, 'activity/recent', self), /nests deeper than 64/);
    let deep: unknown = 'system';
    for (let level = 0; level < 10_000; level++) deep = [deep];
    expectError(await invoke(service, 'activity/recent', { eventCategories: [deep] }), /nests deeper than 64/);
    expectError(await invoke(service, 'emails/subjects', { emailIds: Array.from({ length: 30_000 }, () => 1) }), /more than 20000 values/);
  });

  it.each(BACKENDS)('repeats at most 100 characters of the input in any message on %s', async (backend) => {
    const long = 'q'.repeat(5_000);
    const keys = Object.fromEntries(Array.from({ length: 1_000 }, (_, index) => [`${long.slice(0, 200)}${index}`, 1]));
    const answers = [
      await rpc(backend, 'activity/recent', JSON.stringify({ eventCategories: [long] })),
      await rpc(backend, 'activity/recent', JSON.stringify({ eventCategories: Array.from({ length: 100 }, () => long) })),
      await rpc(backend, 'activity/recent', JSON.stringify({ [long]: 1 })),
      await rpc(backend, 'activity/recent', JSON.stringify(keys)),
      await rpc(backend, 'emails/subjects', JSON.stringify({ emailIds: Array.from({ length: 1_000 }, () => long.slice(0, 500)) })),
      await rpc(backend, 'activity/recent', `{"text": "${long}`),
      await rpc(backend, `${long}/x`, '{}'),
      await send(backend, `/api/v1/${long}`),
      // Past Node's 16 KB of request line and headers: a 431 in the JSON shape, not Node's bare status line.
      await send(backend, `/api/v1/emails/activity/recent?${Array.from({ length: 200 }, (_, index) => `${long.slice(0, 100)}${index}=1`).join('&')}`),
    ];
    for (const answer of answers) {
      expect(answer.status, answer.text.slice(0, 200)).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      expect(answer.error?.message).not.toMatch(/q{101}/);
      expect(answer.text.length, answer.text.slice(0, 200)).toBeLessThan(1_000);
    }
    expect(answers[0]?.error?.message).toMatch(/^eventCategories\.0: unknown event category "q{100}…" \(5000 characters\); expected one of/);
    expect(answers[4]?.error?.message).toMatch(/; and 997 more problems$/);
  });
});

describe('an RPC call must say it is JSON, even with an empty body (issue 12, item 2)', () => {
  it.each(BACKENDS)('answers 415 to an empty or JSON body without Content-Type: application/json on %s', async (backend) => {
    for (const [type, body] of [
      ['text/plain', ''],
      ['text/plain', '{}'],
      ['application/x-www-form-urlencoded', ''],
      ['multipart/form-data; boundary=x', ''],
      [undefined, ''],
      [undefined, '{}'],
    ] as const) {
      const answer = await send(backend, '/api/v1/rpc/source/status', { method: 'POST', type, body });
      expectHttpError(answer, 415, /must be JSON with Content-Type: application\/json/);
    }
    expect((await rpc(backend, 'source/status', '')).status).toBe(200);
    expect((await rpc(backend, 'source/status', '', 'application/json; charset=utf-8')).status).toBe(200);
  });
});
