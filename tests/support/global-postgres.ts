import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src-main/db/embedded';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL of the test server; each test file creates its own database there. */
    adminUrl: string;
  }
}

/** Starts one throwaway PostgreSQL for the run, unless DATABASE_URL names one. */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) {
    project.provide('adminUrl', process.env.DATABASE_URL);
    return;
  }
  const dataDir = join(mkdtempSync(join(tmpdir(), 'mailtrail-test-')), 'pg');
  const server = await startEmbeddedPostgres({ dataDir, persistent: false, throwaway: true });
  project.provide('adminUrl', server.url());
  return () => server.stop();
}
