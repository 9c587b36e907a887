import { execFileSync } from 'node:child_process';
import { chownSync, chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MailtrailError } from '../../src-main/contract/errors';
import { checkConnectionString, openReadableDb, openWritableDb, toMailtrailError } from '../../src-main/db/connection';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src-main/db/embedded';
import { migrate } from '../../src-main/db/migrate';
import { openLogSource } from '../../src-main/source/open-source';

// A PostgreSQL of its own with ssl=on and a server certificate from a CA this test makes.
const root = mkdtempSync(join(tmpdir(), 'mailtrail-tls-'));
const dataDir = join(root, 'pg');
const file = (name: string) => join(root, name);
let postgres: EmbeddedServer;

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const { code, stderr } = error as NodeJS.ErrnoException & { stderr?: Buffer };
    if (code === 'ENOENT') throw new Error('the TLS test needs the openssl command line tool on PATH (apt-get install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${stderr?.toString() ?? String(error)}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(name: string): void {
  openssl(['req', '-x509', ...EC_KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=Mailtrail test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
}

/** A server certificate for the address 127.0.0.1 only (not the name localhost), signed by the CA `ca`. */
function makeServerCertificate(ca: string): void {
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['req', ...EC_KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=Mailtrail test PostgreSQL']);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
}

function withTls(url: string, rootCert: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('sslmode', 'verify-full');
  parsed.searchParams.set('sslrootcert', rootCert);
  return parsed.toString();
}

beforeAll(async () => {
  makeCa('ca');
  makeCa('other-ca');
  makeServerCertificate('ca');
  // The cluster is made first: as root, that creates the `postgres` user, who must own the key (mode 0600).
  postgres = await startEmbeddedPostgres({ dataDir, persistent: true, throwaway: true });
  await postgres.createDatabase('mailtrail');
  await postgres.stop();
  chmodSync(file('server.key'), 0o600);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    for (const name of ['server.key', 'server.crt']) chownSync(file(name), uid, gid);
  }
  postgres = await startEmbeddedPostgres({
    dataDir,
    persistent: true,
    throwaway: true,
    port: postgres.port,
    settings: ['ssl=on', `ssl_cert_file=${file('server.crt')}`, `ssl_key_file=${file('server.key')}`],
  });
}, 120_000);

afterAll(async () => {
  await postgres?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(`${dataDir}.secret`, { force: true });
});

describe('PostgreSQL over TLS with sslmode=verify-full (issue 12, item 3)', () => {
  it('migrates, writes and reads through Mailtrail’s own connections, encrypted and verified against the CA', async () => {
    const url = withTls(postgres.url('mailtrail'), file('ca.crt'));
    const writable = openWritableDb(url);
    try {
      await migrate(writable);
      await writable.query(`SELECT log_email_event(42, 'fetched', 'system', 'Email fetched over TLS', '{"source": "imap"}'::jsonb)`);
    } finally {
      await writable.end();
    }
    const viewer = openReadableDb(url);
    try {
      const { rows } = await viewer.query<{ ssl: boolean; version: string }>('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]?.ssl).toBe(true);
      expect(rows[0]?.version).toMatch(/^TLSv1\.[23]$/);
    } finally {
      await viewer.end();
    }
    const source = await openLogSource({ db: url });
    try {
      const timeline = await source.service['emails/timeline']({ emailId: 42, order: 'desc', limit: 10 });
      expect(timeline.items.map((event) => event.description)).toEqual(['Email fetched over TLS']);
    } finally {
      await source.close();
    }
  });

  it('refuses a server whose certificate another CA signed, in a clear Mailtrail error', async () => {
    const failure = await openLogSource({ db: withTls(postgres.url('mailtrail'), file('other-ca.crt')) }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MailtrailError);
    expect((failure as MailtrailError).code).toBe('unavailable');
    expect((failure as MailtrailError).message).toMatch(
      /^cannot connect to PostgreSQL at postgres@127\.0\.0\.1:\d+\/mailtrail over TLS: its certificate is not signed by a CA this connection trusts \([A-Z_]+\); set sslrootcert in the URL to the CA file/,
    );
  });

  it('refuses a certificate for another host name, and a sslrootcert that does not exist', async () => {
    // The same server reached as `localhost`, a name its certificate does not list.
    const otherName = postgres.url('mailtrail').replace('127.0.0.1', 'localhost');
    const failure = await openLogSource({ db: withTls(otherName, file('ca.crt')) }).then(() => null, (error: unknown) => error);
    expect((failure as MailtrailError).message).toMatch(/over TLS: the server's certificate is not for this host name/);
    expect(() => checkConnectionString(withTls(postgres.url('mailtrail'), file('missing-ca.crt')))).toThrow(
      /the database URL's sslrootcert=.*missing-ca\.crt cannot be read \(no such file\); give the path of the PEM file/,
    );
  });

  it('says so when the server does not speak TLS at all', async () => {
    // The suite's shared PostgreSQL (embedded, unless DATABASE_URL names another) runs without ssl.
    const url = withTls(inject('adminUrl'), file('ca.crt'));
    const viewer = openReadableDb(url);
    try {
      const failure = await viewer.query('SELECT 1').then(() => null, (error: unknown) => toMailtrailError(error, url));
      expect(failure?.message).toMatch(/over TLS: the server does not accept TLS; turn ssl on in its postgresql\.conf/);
    } finally {
      await viewer.end();
    }
  });
});
