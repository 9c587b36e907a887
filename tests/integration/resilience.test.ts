import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailtrailError } from '../../src-main/contract/errors';
import { openReadableDb, openWritableDb, type ReadableDb } from '../../src-main/db/connection';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from '../../src-main/db/embedded';
import { migrate } from '../../src-main/db/migrate';
import { query } from '../../src-main/db/query';
import { sql } from '../../src-main/db/sql';
import { startHttpServer, type HttpServer } from '../../src-main/server/http-server';
import { openLogSource, type LogSource } from '../../src-main/source/open-source';

// A PostgreSQL of its own, so that stopping it does not disturb the other test files.
const root = mkdtempSync(join(tmpdir(), 'mailtrail-resilience-'));
const dataDir = join(root, 'pg');
let port: number;
let postgres: EmbeddedServer;
let source: LogSource;
let http: HttpServer;

const start = () => startEmbeddedPostgres({ dataDir, persistent: true, throwaway: true, port });
const stats = () => fetch(`${http.url}/api/v1/emails/activity/stats`);

beforeAll(async () => {
  port = await freePort();
  postgres = await start();
  await postgres.createDatabase('mailtrail');
  const writable = openWritableDb(postgres.url('mailtrail'));
  await migrate(writable);
  await writable.query(`SELECT log_email_event(7, 'fetched', 'system', 'Email fetched from email server', '{"source": "imap"}'::jsonb)`);
  await writable.end();
  source = await openLogSource({ db: postgres.url('mailtrail') });
  http = await startHttpServer({ service: source.service, port: 0 });
});

afterAll(async () => {
  await http?.close();
  await source?.close();
  await postgres?.stop();
  rmSync(root, { recursive: true, force: true });
});

describe('the viewer across a PostgreSQL restart', () => {
  it('answers 503 JSON while the server is down, and the next request after it is back succeeds', async () => {
    expect((await stats()).status).toBe(200);

    await postgres.stop();
    const down = await stats();
    expect(down.status).toBe(503);
    const { error } = (await down.json()) as { error: { name: string; code: string; message: string } };
    expect(error.code).toBe('unavailable');
    expect(error.message).toMatch(/PostgreSQL/);
    expect(error.message).not.toContain('    at ');
    const status = await fetch(`${http.url}/api/v1/rpc/source/status`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(((await status.json()) as { state: string }).state).toBe('unreachable');

    postgres = await start();
    const back = await stats();
    expect(back.status).toBe(200);
    expect(await back.json()).toEqual([{ event_type: 'fetched', event_category: 'system', count: 1, last_occurrence: expect.any(String) }]);
  });
});

describe('the viewer pool', () => {
  let readable: ReadableDb;
  beforeAll(() => {
    readable = openReadableDb(postgres.url('mailtrail'));
  });
  afterAll(() => readable.end());

  it('cannot write: INSERT and log_email_event fail with read_only', async () => {
    const insert = query(readable, sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description) VALUES (${1}, ${'read'}, ${'user'}, ${'x'})`);
    await expect(insert).rejects.toBeInstanceOf(MailtrailError);
    await expect(insert).rejects.toMatchObject({ code: 'read_only' });
    await expect(query(readable, sql`SELECT log_email_event(${1}, ${'read'}, ${'user'}, ${'x'})`)).rejects.toMatchObject({ code: 'read_only' });
    const [row] = await query<{ n: number }>(readable, sql`SELECT count(*)::int AS n FROM email_activity_log`);
    expect(row?.n).toBe(1);
  });
});
