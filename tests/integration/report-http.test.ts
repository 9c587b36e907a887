import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportOriginOf } from '../../src-main/reports/report-origin';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { rawRequest } from '../support/http';
import { readCsv, readJsonl, scopeEvents } from '../support/reports';
import { createStoreFixture, type StoreFixture } from '../support/stores';

// GET /api/v1/emails/activity/export and POST /api/v1/reports/verify, over the offline cache as `serve --cache` answers.
let fixture: StoreFixture;
let server: HttpServer;
const dir = mkdtempSync(join(tmpdir(), 'mailtrail-report-http-'));

beforeAll(async () => {
  fixture = await createStoreFixture({ emails: 60 });
  const { service, store } = fixture.backends.sqlite;
  server = await startHttpServer({
    service,
    port: 0,
    reportOrigin: () => reportOriginOf({ service, store, databaseUrl: null, admin: null }, { env: { MAILTRAIL_ACTOR: 'browser' }, record: false }),
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string) => rawRequest(server.port, path);

describe('GET /api/v1/emails/activity/export', () => {
  it('streams an email timeline as a CSV download with its file name, the same events as the service', async () => {
    const emailId = fixture.special.emailId;
    const response = await get(`/api/v1/emails/activity/export?format=csv&scope=email&email_id=${emailId}&title=Sag%2017`);
    expect(response.status, response.text).toBe(200);
    expect(response.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="mailtrail-email-${emailId}-\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
    const file = join(dir, 'timeline.csv');
    writeFileSync(file, response.text);
    const csv = readCsv(file);
    expect(csv.header).toMatchObject({ title: 'Sag 17', generated_by: 'browser' });
    expect(csv.events).toEqual(await scopeEvents(fixture.backends.sqlite.service, { kind: 'email', emailId }));
    const verified = await rawRequest(server.port, '/api/v1/reports/verify', { method: 'POST', body: readFileSync(file), headers: { 'Content-Type': 'text/csv' } });
    expect(verified.status).toBe(200);
    expect(verified.json).toMatchObject({ verified: true, format: 'csv', title: 'Sag 17', problems: [] });
  });

  it("takes recent activity's filters for a JSONL download, and verify names what was changed", async () => {
    const response = await get('/api/v1/emails/activity/export?format=jsonl&event_type=error&event_category=system&from=2025-01-01');
    expect(response.status, response.text).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const file = join(dir, 'errors.jsonl');
    writeFileSync(file, response.text);
    const { report, events } = readJsonl(file);
    expect(report.scope).toEqual({ kind: 'activity', eventTypes: ['error'], eventCategories: ['system'], from: '2025-01-01' });
    expect(events).toEqual(await scopeEvents(fixture.backends.sqlite.service, { kind: 'activity', eventTypes: ['error'], eventCategories: ['system'], from: '2025-01-01' }));
    const cut = response.text.split('\n').slice(0, -2).join('\n');
    const verified = await rawRequest(server.port, '/api/v1/reports/verify', { method: 'POST', body: cut });
    expect(verified.json).toMatchObject({ verified: false, problems: [expect.stringMatching(/^cut short/)] });
  });

  it('gives an empty report, not an error, for a filter that matches nothing', async () => {
    const response = await get('/api/v1/emails/activity/export?format=jsonl&text=nothing%20says%20this%20zzqq');
    expect(response.status).toBe(200);
    expect(response.text.trim().split('\n')).toHaveLength(2);
  });

  it.each([
    ['?format=docx', 400, /format: must be one of csv, jsonl, html, pdf/],
    ['', 400, /format/],
    ['?format=csv&scope=email', 400, /scope=email needs exactly one email_id/],
    ['?format=csv&scope=email&email_id=1&event_type=error', 400, /scope=email takes email_id only, not event_type/],
    ['?format=csv&scope=team', 400, /scope: must be activity, email or user/],
    ['?format=csv&event_category=nope', 400, /event_category: unknown event category/],
    ['?format=csv&from=2025-12-31&to=2025-01-01', 400, /from: must not be after "to"/],
    ['?format=csv&frobnicate=1', 400, /unknown query parameter "frobnicate"/],
    ['?format=csv&scope=email&email_id=1999999', 404, /no email with id 1999999/],
  ])('refuses %s with a JSON %i before the first byte', async (query, status, message) => {
    const response = await get(`/api/v1/emails/activity/export${query}`);
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect((response.json as { error: { message: string } }).error.message).toMatch(message);
  });
});

describe('POST /api/v1/reports/verify', () => {
  it('is not a write: a read-only server answers it', async () => {
    const response = await rawRequest(server.port, '/api/v1/reports/verify', { method: 'POST', body: 'hello' });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ verified: false, problems: [expect.stringMatching(/not a Mailtrail report/)] });
  });

  it('refuses an empty body, another method, and a declared size past 2 GiB', async () => {
    expect((await rawRequest(server.port, '/api/v1/reports/verify', { method: 'POST' })).status).toBe(400);
    expect((await rawRequest(server.port, '/api/v1/reports/verify')).status).toBe(405);
    // Only the headers of a 3 GiB upload: refused before a byte of it is read.
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () =>
        socket.write(`POST /api/v1/reports/verify HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Length: ${3 * 1024 ** 3}\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/a report to verify may be at most 2147483648 bytes/);
  });
});
