import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { MailtrailError } from '../contract/errors';
import { defaultDataDir } from '../paths';
import { databaseNow, fillDemo } from '../demo/demo';
import { openWritableDb, toMailtrailError } from './connection';
import { freePort, startEmbeddedPostgres, type EmbeddedServer } from './embedded';
import { migrate } from './migrate';
import { ADMIN_ROLE, ensureRoles, generatePassword, roleUrl, VIEWER_ROLE } from './roles';

export { VIEWER_ROLE };

/** The embedded default's database; the cluster's `postgres` database stays for administration. */
export const EMBEDDED_DATABASE = 'mailtrail';
export const PREFERRED_PORT = 54329;
export const DEFAULT_DEMO_EMAILS = 5_000;
const DEMO_SEED = 1;
const LOCK_WAIT_MS = 10 * 60_000;

export { defaultDataDir };

export function demoEmailsFrom(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.MAILTRAIL_DEMO_EMAILS;
  if (text === undefined || text === '') return DEFAULT_DEMO_EMAILS;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new MailtrailError('bad_request', `MAILTRAIL_DEMO_EMAILS must be a whole number of emails, e.g. 5000 (got ${JSON.stringify(text)})`);
  }
  return Number(text);
}

interface EmbeddedState {
  port?: number;
  /** The Mailtrail process that started the server and will stop it. */
  ownerPid?: number;
  /** `filling` while the first run writes demo data: a run that finds it was interrupted starts over. */
  demo?: 'filling' | 'filled';
}

export interface EmbeddedDefault {
  dataDir: string;
  /** A URL of the `mailtrail` database as its owner (migration, demo data); its password stays in the data directory. */
  url: string;
  /** The same database as VIEWER_ROLE, which may only read: what the viewer connects with. */
  viewerUrl: string;
  /** The same database as ADMIN_ROLE: what admin work (retention, holds) connects with. */
  adminUrl: string;
  /** True when this process started the server; false when it joined one already running (it stops only an orphaned one). */
  started: boolean;
  close(): Promise<void>;
}

export interface EmbeddedDefaultOptions {
  env?: NodeJS.ProcessEnv;
  /** Fill an empty database with demo data (the viewer's first run); `migrate` and `demo` leave it. */
  fillDemo?: boolean;
  onProgress?: (message: string) => void;
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

function readState(file: string): EmbeddedState {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedState;
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    return {};
  }
}

function writeState(file: string, state: EmbeddedState): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort(true)));
  });
}

async function choosePort(remembered: number | undefined): Promise<number> {
  for (const port of [remembered, PREFERRED_PORT]) {
    if (port && (await portIsFree(port))) return port;
  }
  return freePort();
}

/** One process at a time prepares the data directory; the others wait, then join its server. */
async function acquireLock(file: string, onProgress: (message: string) => void): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  let told = false;
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => {
        try {
          unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = Number.parseInt(readFileSync(file, 'utf8'), 10);
    if (!Number.isInteger(holder) || holder === process.pid || !isAlive(holder)) {
      unlinkSync(file);
      continue;
    }
    if (Date.now() > deadline) {
      throw new MailtrailError('unavailable', `another Mailtrail process (pid ${holder}) has held ${file} for 10 minutes; stop it or remove the file`);
    }
    if (!told) onProgress(`waiting for another Mailtrail process (pid ${holder}) to prepare the embedded database`);
    told = true;
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

const urlOf = (password: string, port: number, database: string) =>
  `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A server already running on this cluster (PostgreSQL's own postmaster.pid says where), if it answers. */
async function runningServer(clusterDir: string, password: string | undefined): Promise<{ pid: number; port: number } | null> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!password || !existsSync(pidFile)) return null;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !isAlive(pid)) return null;
  return (await canConnect(urlOf(password, port, 'postgres'))) ? { pid, port } : null;
}

/** Stops a server this process adopted (its starter died): SIGINT is PostgreSQL's fast shutdown. */
async function stopPostmaster(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((wake) => setTimeout(wake, 100));
}

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function prepareDatabase(
  adminUrl: string,
  url: string,
  stateFile: string,
  options: { fill: boolean; emails: number; onProgress: (message: string) => void },
): Promise<void> {
  const state = readState(stateFile);
  await withClient(adminUrl, async (client) => {
    const { rows } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [EMBEDDED_DATABASE]);
    let exists = rows.length > 0;
    if (exists && state.demo === 'filling') {
      options.onProgress('the previous first run stopped while writing demo data; starting it over');
      await client.query(`DROP DATABASE ${EMBEDDED_DATABASE} WITH (FORCE)`);
      exists = false;
    }
    if (!exists) await client.query(`CREATE DATABASE ${EMBEDDED_DATABASE}`);
  });
  const db = openWritableDb(url);
  try {
    await migrate(db);
    if (!options.fill || state.demo === 'filled') return;
    const { rows } = await db.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM email_activity_log) AS empty');
    if (rows[0]?.empty && options.emails > 0) {
      writeState(stateFile, { ...readState(stateFile), demo: 'filling' });
      options.onProgress(`first run: writing ${options.emails} demo emails into the embedded database`);
      const started = Date.now();
      const filled = await fillDemo(db, { emails: options.emails, seed: DEMO_SEED, until: await databaseNow(db) });
      options.onProgress(`demo data ready: ${filled.emails} emails, ${filled.events} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    writeState(stateFile, { ...readState(stateFile), demo: 'filled' });
  } finally {
    await db.end();
  }
}

/** A role's password, made once and kept beside the cluster's own (readable by this user only). */
function rolePassword(file: string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = generatePassword();
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

/**
 * DESIGN.md's embedded default: a PostgreSQL that Mailtrail runs itself under the user's data
 * directory, migrated on every start and filled with demo data on the first. A second Mailtrail
 * process joins the running server instead of starting another on the same cluster.
 */
export async function openEmbeddedDefault(options: EmbeddedDefaultOptions = {}): Promise<EmbeddedDefault> {
  const env = options.env ?? process.env;
  const onProgress = options.onProgress ?? (() => undefined);
  const emails = demoEmailsFrom(env);
  const dataDir = defaultDataDir(env);
  const clusterDir = join(dataDir, 'postgres');
  const stateFile = join(dataDir, 'embedded.json');
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new MailtrailError('unavailable', `cannot create the data directory ${dataDir} (${(error as Error).message}); set MAILTRAIL_DATA_DIR to a writable folder`);
  }
  const release = await acquireLock(join(dataDir, 'embedded.lock'), onProgress);
  let server: EmbeddedServer | undefined;
  try {
    const secretFile = `${clusterDir}.secret`;
    const savedPassword = existsSync(secretFile) ? readFileSync(secretFile, 'utf8').trim() : undefined;
    const running = await runningServer(clusterDir, savedPassword);
    const owner = readState(stateFile).ownerPid;
    // A server whose starter died (killed, crashed) is adopted: this process stops it when done.
    const adopted = running !== null && (owner === undefined || !isAlive(owner));
    let port: number;
    let adminUrl: string;
    if (running && savedPassword) {
      port = running.port;
      onProgress(`joining the embedded PostgreSQL already running on port ${port}`);
      adminUrl = urlOf(savedPassword, port, 'postgres');
    } else {
      port = await choosePort(readState(stateFile).port);
      if (!existsSync(join(clusterDir, 'PG_VERSION'))) onProgress(`first run: creating the embedded PostgreSQL in ${clusterDir}`);
      server = await startEmbeddedPostgres({ dataDir: clusterDir, persistent: true, port });
      adminUrl = server.url('postgres');
    }
    const owns = server !== undefined || adopted;
    writeState(stateFile, { ...readState(stateFile), port, ...(owns ? { ownerPid: process.pid } : {}) });
    const url = server ? server.url(EMBEDDED_DATABASE) : urlOf(savedPassword as string, port, EMBEDDED_DATABASE);
    await prepareDatabase(adminUrl, url, stateFile, { fill: options.fillDemo ?? true, emails, onProgress });
    // The roles are brought up to date on every start, so tables of later migrations get their grants.
    const viewerPassword = rolePassword(`${clusterDir}.viewer-secret`);
    const adminPassword = rolePassword(`${clusterDir}.admin-secret`);
    await withClient(url, (client) => ensureRoles(client, { viewer: viewerPassword, admin: adminPassword, viewerReadsEveryTable: true }));
    const started = server;
    const postmasterPid = running?.pid;
    return {
      dataDir,
      url,
      viewerUrl: roleUrl(url, VIEWER_ROLE, viewerPassword),
      adminUrl: roleUrl(url, ADMIN_ROLE, adminPassword),
      started: started !== undefined,
      close: async () => {
        if (started) await started.stop();
        else if (adopted && postmasterPid !== undefined) await stopPostmaster(postmasterPid);
      },
    };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    throw toMailtrailError(error);
  } finally {
    release();
  }
}
