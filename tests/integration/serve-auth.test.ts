import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTokens } from '../../src-main/cli/serve.command';
import { MailtrailError } from '../../src-main/contract/errors';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createHttpClient } from '../../src-renderer/api/http-client';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { rawRequest, type RawResponse as Raw } from '../support/http';

const TOKEN = 'c0ffee-4d2b9e71a8f35c60d1e2';

type RawResponse = Raw<{ error?: { name: string; code: string; message: string } }>;

/** A request with any Host and Authorization, which fetch does not allow; to 127.0.0.1 unless `address` says. */
function raw(server: HttpServer, path: string, headers: Record<string, string> = {}, method = 'GET', body?: string, address = '127.0.0.1'): Promise<RawResponse> {
  return rawRequest(server.port, path, { method, headers, body, host: address });
}

function expectUnauthorized(response: RawResponse, challenge: RegExp, message: RegExp) {
  expect(response.status, response.text).toBe(401);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['www-authenticate']).toMatch(challenge);
  expect(response.json?.error).toEqual({ name: 'MailtrailError', code: 'unauthorized', message: expect.stringMatching(message) });
  expect(response.text).not.toContain(TOKEN);
}

const STATS = '/api/v1/emails/activity/stats';
let db: TestDatabase;
let guarded: HttpServer;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.writable.query(`SELECT log_email_event(7, 'fetched', 'system', 'Email fetched from email server', '{"source": "imap"}'::jsonb)`);
  const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
  guarded = await startHttpServer({ service: createLogService(store), port: 0, tokens: [{ holder: 'api', token: TOKEN }] });
});
afterAll(async () => {
  await guarded?.close();
  await db?.drop();
});

describe('serve with MAILTRAIL_API_TOKEN (issue 12, item 1 of 3: a locked-down serve)', () => {
  it('answers an API request without the token 401 with a Bearer challenge, and with it 200', async () => {
    expectUnauthorized(await raw(guarded, STATS), /^Bearer realm="mailtrail"$/, /needs its API token; send Authorization: Bearer/);
    const allowed = await raw(guarded, STATS, { Authorization: `Bearer ${TOKEN}` });
    expect(allowed.status, allowed.text).toBe(200);
    expect(allowed.json).toEqual([expect.objectContaining({ event_type: 'fetched', count: 1 })]);
    // The scheme is case-insensitive (RFC 7235).
    expect((await raw(guarded, STATS, { Authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });

  it('refuses a wrong, truncated or differently carried token as invalid_token, on REST and RPC alike', async () => {
    const invalid = /^Bearer realm="mailtrail", error="invalid_token"$/;
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, TOKEN, 'Bearer ']) {
      expectUnauthorized(await raw(guarded, STATS, { Authorization: authorization }), invalid, /API token in Authorization is wrong/);
    }
    const rpc = (headers: Record<string, string>) => raw(guarded, '/api/v1/rpc/source/status', { 'Content-Type': 'application/json', ...headers }, 'POST', '{}');
    expectUnauthorized(await rpc({}), /^Bearer/, /needs its API token/);
    expect((await rpc({ Authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // Unknown API paths are 401 too: without the token nothing about the API is revealed.
    expect((await raw(guarded, '/api/v1/no-such-endpoint')).status).toBe(401);
  });

  it('keeps the static UI public: it holds no data, and it is what asks for the token', async () => {
    const page = await raw(guarded, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
  });

  it('lets the browser client send the token it was given, and tells it of a 401', async () => {
    const refused: MailtrailError[] = [];
    let token: string | null = null;
    const client = createHttpClient(guarded.url, { apiToken: () => token, onUnauthorized: (error) => refused.push(error) });
    await expect(client['source/status']({})).rejects.toMatchObject({ code: 'unauthorized' });
    expect(refused.map((error) => error.code)).toEqual(['unauthorized']);
    token = TOKEN;
    await expect(client['source/status']({})).resolves.toMatchObject({ state: 'connected' });
    expect(refused).toHaveLength(1);
  });
});

describe('serve bound to a host name (issue 12, item 1 of 3)', () => {
  it('still refuses requests addressed to another name (DNS rebinding) with 421, before the token', async () => {
    const name = hostname();
    const store = createPostgresLogStore(db.readable, { kind: 'postgres', label: 'test' });
    const named = await startHttpServer({ service: createLogService(store), host: name, port: 0, tokens: [{ holder: 'api', token: TOKEN }] });
    try {
      // The address this machine's name resolves to, which the server is bound to.
      const { address } = await lookup(name);
      const to = (headers: Record<string, string>) => raw(named, STATS, headers, 'GET', undefined, address);
      const auth = { Authorization: `Bearer ${TOKEN}` };
      const rebound = await to({ ...auth, Host: `attacker.example:${named.port}` });
      expect(rebound.status).toBe(421);
      expect(rebound.json?.error?.message).toMatch(new RegExp(`addressed to ${name.toLowerCase()}:${named.port}`));
      expect((await to({ Host: `${name}:${named.port}` })).status).toBe(401);
      expect((await to({ ...auth, Host: `${name}:${named.port}` })).status).toBe(200);
    } finally {
      await named.close();
    }
  });
});

describe('which tokens serve requires (issue 12, item 1 of 3)', () => {
  it('refuses a host beyond loopback without MAILTRAIL_API_TOKEN, saying what to set', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'audit.example.com']) {
      expect(() => serveTokens(host, {})).toThrow(/needs a token: set MAILTRAIL_API_TOKEN/);
      expect(() => serveTokens(host, { MAILTRAIL_API_TOKEN: '' })).toThrow(MailtrailError);
    }
  });

  it('needs no token on loopback, but enforces one that is set; a weak token is refused without being echoed', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]']) expect(serveTokens(host, {})).toEqual([]);
    expect(serveTokens('127.0.0.1', { MAILTRAIL_API_TOKEN: TOKEN })).toEqual([{ holder: 'api', token: TOKEN }]);
    expect(serveTokens('0.0.0.0', { MAILTRAIL_API_TOKEN: TOKEN })).toEqual([{ holder: 'api', token: TOKEN }]);
    for (const weak of ['short-secret', 'has a space in it, 1234567']) {
      let message = '';
      try {
        serveTokens('0.0.0.0', { MAILTRAIL_API_TOKEN: weak });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/MAILTRAIL_API_TOKEN must be at least 16 printable characters without spaces/);
      expect(message).not.toContain(weak);
    }
  });
});
