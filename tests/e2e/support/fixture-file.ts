import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { E2eData, RetentionE2eData } from './e2e-data';

export interface E2eFixture extends E2eData {
  /** Where the global setup's `mailtrail serve`-equivalent listens, e.g. http://127.0.0.1:41234. */
  baseUrl: string;
  /** The same server over an offline SQLite cache synced from that database after it was filled. */
  offlineUrl: string;
  /** Issue 13: `serve --admin` over a database of its own (retention.spec.ts archives it), its admin token and data. */
  retention: RetentionE2eData & { url: string; adminToken: string; databaseUrl: string };
  /**
   * Issue 15: `serve` over a sealed database of its own (integrity.spec.ts tampers with it), the same
   * server over an offline cache synced from it once sealed, and that database's owner URL.
   */
  integrity: { url: string; offlineUrl: string; databaseUrl: string };
  /** Issue 16: `serve --admin` running the workflow engine over a database of its own (workflows.spec.ts logs events in it). */
  workflows: { url: string; adminToken: string; databaseUrl: string };
  /** Issue 17: `serve --admin` running the backup jobs over a database of its own, and a folder for its backups. */
  backups: { url: string; adminToken: string; databaseUrl: string; backupDir: string };
  /** Issue 14: the data folder whose register (reports.jsonl) the server lists on the Reports screen. */
  reportsDataDir: string;
}

export const FIXTURE_FILE = join(process.cwd(), '.tmp', 'e2e-fixture.json');

export function readFixture(): E2eFixture {
  try {
    return JSON.parse(readFileSync(FIXTURE_FILE, 'utf8')) as E2eFixture;
  } catch {
    throw new Error(`${FIXTURE_FILE} is missing: run the tests with \`npx playwright test\`, whose global setup writes it`);
  }
}
