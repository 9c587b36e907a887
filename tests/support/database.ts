import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openReadableDb, openWritableDb, type ReadableDb, type WritableDb } from '../../src-main/db/connection';
import { migrate } from '../../src-main/db/migrate';

export interface TestDatabase {
  url: string;
  writable: WritableDb;
  readable: ReadableDb;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject('adminUrl') });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database on the test server; `migrated` applies migrations/ to it. */
export async function createTestDatabase({ migrated = true } = {}): Promise<TestDatabase> {
  const name = `mailtrail_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = withDatabase(inject('adminUrl'), name);
  const writable = openWritableDb(url);
  if (migrated) await migrate(writable);
  const readable = openReadableDb(url);
  return {
    url,
    writable,
    readable,
    async drop() {
      await Promise.all([writable.end(), readable.end()]);
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
