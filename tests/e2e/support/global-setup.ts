import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describeTarget, openAdminDb, openReadableDb, openWritableDb } from '../../../src-main/db/connection';
import { fillDemo } from '../../../src-main/demo/demo';
import { generateSigningKey, loadSigningKey } from '../../../src-main/integrity/keys';
import { seal } from '../../../src-main/service/integrity-service';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../../src-main/db/embedded';
import { migrate } from '../../../src-main/db/migrate';
import { SERVE_ACTOR } from '../../../src-main/admin/journal';
import { reportRegisterPath } from '../../../src-main/reports/register';
import { reportOriginOf } from '../../../src-main/reports/report-origin';
import { openLogSource } from '../../../src-main/source/open-source';
import { startHttpServer } from '../../../src-main/server/http-server';
import { createLogService } from '../../../src-main/service/log-service';
import { createRetentionService } from '../../../src-main/service/retention-service';
import { createWorkflowsService } from '../../../src-main/service/workflows-service';
import { createBackupsService } from '../../../src-main/service/backups-service';
import { startBackupRunner } from '../../../src-main/backup/backup-runner';
import { createPostgresLogStore } from '../../../src-main/store/postgres/postgres-log-store';
import { openSqliteLogStore } from '../../../src-main/store/sqlite/sqlite-log-store';
import { syncCache } from '../../../src-main/sync/sync-cache';
import { startWorkflowEngine } from '../../../src-main/workflows/engine';
import { fillE2eDatabase, fillRetentionDatabase } from './e2e-data';
import { FIXTURE_FILE, type E2eFixture } from './fixture-file';

const RENDERER_DIR = 'out/renderer';

/**
 * Browser mode against real parts: a throwaway PostgreSQL filled through the logger, and the
 * HTTP server serving the built renderer and the RPC routes, exactly as `mailtrail serve` does.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`${RENDERER_DIR}/index.html is missing: run \`npm run build:renderer\` before the end-to-end tests`);
  }
  const root = mkdtempSync(join(tmpdir(), 'mailtrail-e2e-'));
  const server = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), persistent: false, throwaway: true });
  const stops: (() => Promise<unknown>)[] = [() => server.stop(), async () => rmSync(root, { recursive: true, force: true })];
  try {
    await server.createDatabase('mailtrail_e2e');
    const url = server.url('mailtrail_e2e');
    const writable = openWritableDb(url);
    const started = Date.now();
    let data;
    try {
      await migrate(writable);
      data = await fillE2eDatabase(writable);
    } finally {
      await writable.end();
    }
    console.log(`e2e: database filled through the logger in ${Date.now() - started} ms (${data.emailCount} emails)`);
    const readable = openReadableDb(url);
    stops.unshift(() => readable.end());
    // As `serve` without --admin: the journal, retention and workflows are read through the viewer's connection, nothing writes.
    const retentionReads = createRetentionService({ viewer: readable, admin: null, actor: () => 'e2e' });
    stops.unshift(() => retentionReads.close());
    // The reports made on "this machine" are kept in the run's own folder, never the user's data folder.
    const reportsDataDir = join(root, 'data');
    const store = createPostgresLogStore(readable, { kind: 'postgres', label: describeTarget(url) });
    const service = createLogService(
      store,
      {
        db: null,
        actor: 'e2e',
        journalDb: readable,
        retention: retentionReads,
        workflows: createWorkflowsService({ viewer: readable, admin: null, actor: () => 'e2e' }),
        backups: createBackupsService({ viewer: readable, admin: null, actor: () => 'e2e' }),
      },
      { registerPath: reportRegisterPath({ MAILTRAIL_DATA_DIR: reportsDataDir }) },
    );
    const http = await startHttpServer({
      service,
      host: '127.0.0.1',
      port: 0,
      rendererDir: RENDERER_DIR,
      // As `serve` does: a download is journaled where there is an admin connection, never registered.
      reportOrigin: () => reportOriginOf({ service, store, databaseUrl: url, admin: null }, { record: false }),
    });
    stops.unshift(() => http.close());
    // The same data synced into an offline cache, served as `mailtrail serve --cache` does.
    const cacheFile = join(root, 'offline.mailtrail-cache');
    await syncCache({ sourceUrl: url, cacheFile });
    const cacheStore = openSqliteLogStore(cacheFile);
    stops.unshift(() => cacheStore.close());
    const offline = await startHttpServer({ service: createLogService(cacheStore), host: '127.0.0.1', port: 0, rendererDir: RENDERER_DIR });
    stops.unshift(() => offline.close());
    const retention = await startRetentionServer(server);
    stops.unshift(retention.stop);
    const integrity = await startIntegrityServer(server, join(root, 'integrity'));
    stops.unshift(integrity.stop);
    const workflows = await startWorkflowsServer(server);
    stops.unshift(workflows.stop);
    const backups = await startBackupsServer(server, join(root, 'backups'));
    stops.unshift(backups.stop);
    const fixture: E2eFixture = {
      ...data,
      baseUrl: http.url,
      offlineUrl: offline.url,
      retention: retention.fixture,
      integrity: integrity.fixture,
      workflows: workflows.fixture,
      backups: backups.fixture,
      reportsDataDir,
    };
    mkdirSync(dirname(FIXTURE_FILE), { recursive: true });
    writeFileSync(FIXTURE_FILE, JSON.stringify(fixture, null, 2));
  } catch (error) {
    for (const stop of stops) await stop().catch(() => undefined);
    throw error;
  }
  return async () => {
    for (const stop of stops) await stop().catch((error: unknown) => console.error(`e2e teardown: ${String(error)}`));
    rmSync(FIXTURE_FILE, { force: true });
  };
}

const RETENTION_ADMIN_TOKEN = 'e2e-admin-token-4f1c9a7e2b6d8305';

/**
 * Issue 13: `MAILTRAIL_ADMIN_TOKEN=… mailtrail serve --admin` over a database of its own, so that
 * retention.spec.ts can archive and purge without changing what every other spec counts.
 */
async function startRetentionServer(server: Pick<EmbeddedServer, 'createDatabase' | 'url'>) {
  await server.createDatabase('mailtrail_e2e_retention');
  const url = server.url('mailtrail_e2e_retention');
  const writable = openWritableDb(url);
  let data;
  try {
    await migrate(writable);
    data = await fillRetentionDatabase(writable);
  } finally {
    await writable.end();
  }
  const source = await openLogSource({ db: url, env: {}, admin: { actor: SERVE_ACTOR } });
  try {
    const http = await startHttpServer({ service: source.service, host: '127.0.0.1', port: 0, rendererDir: RENDERER_DIR, tokens: [{ holder: 'admin', token: RETENTION_ADMIN_TOKEN }] });
    return {
      fixture: { ...data, url: http.url, adminToken: RETENTION_ADMIN_TOKEN, databaseUrl: url },
      stop: async () => {
        await http.close();
        await source.close();
      },
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/**
 * Issue 15: a sealed database of its own for integrity.spec.ts, which tampers with it: demo data, a
 * key made as `mailtrail keygen` makes it, one seal; served as `serve` (no --admin: verifying reads),
 * the last verification kept in the run's own folder.
 */
async function startIntegrityServer(server: Pick<EmbeddedServer, 'createDatabase' | 'url'>, folder: string) {
  await server.createDatabase('mailtrail_e2e_integrity');
  const url = server.url('mailtrail_e2e_integrity');
  const writable = openWritableDb(url);
  try {
    await migrate(writable);
    await fillDemo(writable, { emails: 120, seed: 15, until: new Date().toISOString().slice(0, 19) });
  } finally {
    await writable.end();
  }
  mkdirSync(folder, { recursive: true });
  const keyFile = join(folder, 'seal.key');
  generateSigningKey(keyFile);
  const admin = openAdminDb(url);
  try {
    await seal(admin, { key: loadSigningKey(keyFile), actor: 'e2e' });
  } finally {
    await admin.end();
  }
  // Synced once sealed and before the spec tampers with the database: an offline cache carrying the chain.
  const cacheFile = join(folder, 'sealed.mailtrail-cache');
  await syncCache({ sourceUrl: url, cacheFile });
  const cacheStore = openSqliteLogStore(cacheFile);
  const offline = await startHttpServer({
    service: createLogService(cacheStore, undefined, undefined, { verificationsPath: join(folder, 'integrity-verifications-offline.json') }),
    host: '127.0.0.1',
    port: 0,
    rendererDir: RENDERER_DIR,
  });
  const readable = openReadableDb(url);
  const store = createPostgresLogStore(readable, { kind: 'postgres', label: describeTarget(url) });
  const service = createLogService(store, undefined, { registerPath: join(folder, 'reports.jsonl') }, { verificationsPath: join(folder, 'integrity-verifications.json') });
  const http = await startHttpServer({ service, host: '127.0.0.1', port: 0, rendererDir: RENDERER_DIR });
  return {
    fixture: { url: http.url, offlineUrl: offline.url, databaseUrl: url },
    stop: async () => {
      await http.close();
      await offline.close();
      await cacheStore.close();
      await readable.end();
    },
  };
}

const WORKFLOWS_ADMIN_TOKEN = 'e2e-workflows-token-7d2e91c4a05b3f68';

/**
 * Issue 16: `serve --admin` with its workflow engine over a database of its own (demo data, the three
 * pre-configured workflows of migration 0015), so workflows.spec.ts can log classified events and see
 * them run without changing what every other spec counts.
 */
async function startWorkflowsServer(server: Pick<EmbeddedServer, 'createDatabase' | 'url'>) {
  await server.createDatabase('mailtrail_e2e_workflows');
  const url = server.url('mailtrail_e2e_workflows');
  const writable = openWritableDb(url);
  try {
    await migrate(writable);
    await fillDemo(writable, { emails: 40, seed: 16, until: new Date().toISOString().slice(0, 19) });
  } finally {
    await writable.end();
  }
  const source = await openLogSource({ db: url, env: {}, admin: { actor: SERVE_ACTOR, poolSize: 12 } });
  try {
    if (!source.admin) throw new Error('the workflows server has no admin connection');
    // No SMTP server is set, so Bankruptcy Alert's e-mail step fails at once: a failed execution to show.
    const engine = await startWorkflowEngine({ admin: source.admin.db, concurrency: 2, watchIntervalMs: 200 });
    const http = await startHttpServer({ service: source.service, host: '127.0.0.1', port: 0, rendererDir: RENDERER_DIR, tokens: [{ holder: 'admin', token: WORKFLOWS_ADMIN_TOKEN }] });
    return {
      fixture: { url: http.url, adminToken: WORKFLOWS_ADMIN_TOKEN, databaseUrl: url },
      stop: async () => {
        await http.close();
        await engine.stop();
        await source.close();
      },
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}

const BACKUPS_ADMIN_TOKEN = 'e2e-backups-token-91c7d3e2f40a6b85';

/**
 * Issue 17: `serve --admin` with its backup runner over a database of its own (a little demo data), so
 * backups.spec.ts can add jobs, run them into a folder of the run's own and verify what they wrote.
 */
async function startBackupsServer(server: Pick<EmbeddedServer, 'createDatabase' | 'url'>, backupDir: string) {
  await server.createDatabase('mailtrail_e2e_backups');
  const url = server.url('mailtrail_e2e_backups');
  const writable = openWritableDb(url);
  try {
    await migrate(writable);
    await fillDemo(writable, { emails: 30, seed: 17, until: new Date().toISOString().slice(0, 19) });
  } finally {
    await writable.end();
  }
  const source = await openLogSource({ db: url, env: {}, admin: { actor: SERVE_ACTOR, poolSize: 8 } });
  try {
    if (!source.admin) throw new Error('the backups server has no admin connection');
    const runner = await startBackupRunner({ admin: source.admin.db, notify: { mailFrom: 'e2e@mailtrail.test', webhookTimeoutMs: 1_000, attempts: 1, backoffMs: 10 }, tickMs: 1_000, restoreTest: false });
    const http = await startHttpServer({ service: source.service, host: '127.0.0.1', port: 0, rendererDir: RENDERER_DIR, tokens: [{ holder: 'admin', token: BACKUPS_ADMIN_TOKEN }] });
    return {
      fixture: { url: http.url, adminToken: BACKUPS_ADMIN_TOKEN, databaseUrl: url, backupDir },
      stop: async () => {
        await http.close();
        await runner.stop();
        await source.close();
      },
    };
  } catch (error) {
    await source.close();
    throw error;
  }
}
