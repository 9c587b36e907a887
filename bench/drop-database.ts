import pg from 'pg';
import type { EmbeddedServer } from '../src-main/db/embedded';

/** Drops a bench database once its figures are taken: at 10 million events one holds 10 GB or more. */
export async function dropDatabase(server: EmbeddedServer, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: server.url() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
