import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../src-renderer/api/http-client';

// A real HTTP server that answers as `serve --admin` does: reads open, writes only with the admin token.
const ADMIN = 'admin-token-0123456789abcdef';
let server: Server;
let baseUrl = '';
const seen: { path: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
    const write = req.url?.endsWith('/retention/hold');
    res.setHeader('content-type', 'application/json');
    if (write && req.headers.authorization !== `Bearer ${ADMIN}`) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: { name: 'MailtrailError', code: 'unauthorized', message: 'this write needs the admin token' } }));
      return;
    }
    res.end(JSON.stringify({ items: [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the browser client and the admin token (issue 13, item 6)', () => {
  it('sends the admin token on writes only, the API token on reads, and keeps a refused write away from the API token gate', async () => {
    let adminToken: string | null = null;
    const refused: string[] = [];
    const client = createHttpClient(baseUrl, { apiToken: () => 'api-token', adminToken: () => adminToken, onUnauthorized: (error) => refused.push(error.message) });

    await expect(client['retention/hold']({ emailId: 7, reason: 'audit' })).rejects.toMatchObject({ code: 'unauthorized' });
    expect(refused).toEqual([]);
    adminToken = ADMIN;
    await client['retention/holds']({});
    await client['retention/hold']({ emailId: 7, reason: 'audit' });

    expect(seen.map(({ path, authorization }) => [path.replace('/api/v1/rpc/', ''), authorization])).toEqual([
      ['retention/hold', 'Bearer api-token'],
      ['retention/holds', 'Bearer api-token'],
      ['retention/hold', `Bearer ${ADMIN}`],
    ]);
  });
});
