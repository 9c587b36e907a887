import { parseArgs } from 'node:util';
import { isValidTimestamp } from '../contract/schemas';
import { checkConnectionString } from '../db/connection';
import { DEFAULT_DEMO_SEED, MAX_DEMO_EMAILS } from '../demo/demo';
import { parseRetention, RETENTION_USAGE, RetentionUsageError, type RetentionInvocation } from './retention-command-line';

export const DEFAULT_PORT = 8780;
export const DEFAULT_DEMO_EMAILS = 5_000;

export const USAGE = `Usage: mailtrail <command> [options]

Commands:
  migrate [--db URL]                          apply migrations/ to the PostgreSQL database (idempotent)
  demo [--db URL] [--emails N] [--seed S] [--until DATE]
                                              write realistic demo activity (default ${DEFAULT_DEMO_EMAILS} emails, seed ${DEFAULT_DEMO_SEED}),
                                              a year of it ending at --until (default now; a date alone means its end);
                                              the same seed and --until write the same data
  serve [--db URL | --cache FILE] [--host H] [--port P] [--admin [--admin-db URL]]
                                              the REST API and the browser UI; prints "listening on http://H:P"
                                              (default host 127.0.0.1, port ${DEFAULT_PORT}; --port 0 picks a free one);
                                              beyond loopback it needs MAILTRAIL_API_TOKEN, which every API
                                              request then sends as Authorization: Bearer TOKEN;
                                              --admin answers writes, with MAILTRAIL_ADMIN_TOKEN as their bearer
                                              token, through the admin connection (--admin-db, else
                                              MAILTRAIL_ADMIN_DATABASE_URL, else the --db database)
  sync --db URL --cache FILE [--since DATE] [--until DATE]
                                              copy the log into an offline SQLite cache; a second run fetches
                                              only what changed, an interrupted one resumes
  keygen --out FILE                           make an Ed25519 signing key for seal: FILE (private, mode 0600) and
                                              FILE.pub (public); never overwrites a key
  seal [--db URL] --key FILE [--head FILE]    seal new events into the hash chain and sign a checkpoint, through
                                              the admin connection; --head also writes the latest signed
                                              checkpoint to FILE, to keep outside the database
  verify (--db URL | --cache FILE) [--head FILE] [--key-pub FILE] [--json]
                                              check the sealed log: exit 0 when intact, 1 naming each event, range
                                              or checkpoint that fails; --head refuses a chain shorter than the head
${RETENTION_USAGE}  roles [--db URL] [--json]                   create or update the mailtrail_viewer (read-only) and mailtrail_admin
                                              (retention, holds) roles; run as the owner; passwords from
                                              MAILTRAIL_VIEWER_PASSWORD / MAILTRAIL_ADMIN_PASSWORD, else generated
                                              for a new role and shown once
  help                                        show this help

--db falls back to the DATABASE_URL environment variable. With neither, Mailtrail runs its own
PostgreSQL under the user's data directory (MAILTRAIL_DATA_DIR overrides it), migrated and filled
with demo data on first run.
`;

/** A mistake in the command line: one line on stderr and exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type Invocation =
  | { command: 'help' }
  | { command: 'migrate'; db: string | undefined }
  | { command: 'demo'; db: string | undefined; emails: number; seed: number; until: string | undefined }
  | { command: 'serve'; db: string | undefined; cache: string | undefined; host: string; port: number; admin: boolean; adminDb: string | undefined }
  | { command: 'sync'; db: string; cache: string; since: string | undefined; until: string | undefined }
  | { command: 'roles'; db: string | undefined; json: boolean }
  | { command: 'keygen'; out: string }
  | { command: 'seal'; db: string | undefined; key: string; head: string | undefined }
  | { command: 'verify'; file: string | undefined; db: string | undefined; cache: string | undefined; head: string | undefined; keyPub: string | undefined; json: boolean }
  | RetentionInvocation;

const COMMANDS = ['migrate', 'demo', 'serve', 'sync', 'help', 'retention', 'roles', 'keygen', 'seal', 'verify'] as const;
type Command = (typeof COMMANDS)[number];

const OPTIONS = {
  migrate: { db: { type: 'string' } },
  demo: { db: { type: 'string' }, emails: { type: 'string' }, seed: { type: 'string' }, until: { type: 'string' } },
  serve: {
    db: { type: 'string' },
    cache: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    admin: { type: 'boolean' },
    'admin-db': { type: 'string' },
  },
  sync: { db: { type: 'string' }, cache: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
  help: {},
  retention: {},
  roles: { db: { type: 'string' }, json: { type: 'boolean' } },
  keygen: { out: { type: 'string' } },
  seal: { db: { type: 'string' }, key: { type: 'string' }, head: { type: 'string' } },
  verify: { db: { type: 'string' }, cache: { type: 'string' }, head: { type: 'string' }, 'key-pub': { type: 'string' }, json: { type: 'boolean' } },
} as const;

function wholeNumber(option: string, text: string | undefined, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`--${option} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function timestamp(option: string, text: string | undefined): string | undefined {
  if (text !== undefined && !isValidTimestamp(text)) {
    throw new UsageError(`--${option} must be a date or date-time without zone such as 2025-01-01 or 2025-01-01T08:00, not ${JSON.stringify(text)}`);
  }
  return text;
}

/** `--until`: a date alone means the end of that day, so `--until` today fills today too. */
function demoUntil(text: string | undefined): string | undefined {
  const checked = timestamp('until', text);
  return checked && /^\d{4}-\d{2}-\d{2}$/.test(checked) ? `${checked}T23:59:59` : checked?.replace(' ', 'T');
}

function databaseUrl(text: string | undefined, option = 'db'): string | undefined {
  if (text === undefined) return undefined;
  try {
    checkConnectionString(text);
  } catch (error) {
    throw new UsageError(`--${option}: ${(error as Error).message}`);
  }
  return text;
}

/** `--admin-db URL`: where admin writes go (falls back to MAILTRAIL_ADMIN_DATABASE_URL, then to --db). */
export const adminDatabaseUrl = (text: string | undefined): string | undefined => databaseUrl(text, 'admin-db');

/** parseArgs' own messages are long and mention internals; ours say what to do. */
function explainParseError(command: Command, error: unknown): UsageError {
  const { code, message } = error as { code?: string; message?: string };
  const option = /'(-[^' ]*)/.exec(message ?? '')?.[1] ?? '';
  const help = `run \`mailtrail help\` for the options`;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown option ${option} for \`mailtrail ${command}\`; ${help}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return new UsageError(`option ${option} needs a value, e.g. ${option} VALUE`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': {
      const argument = /'([^']*)'/.exec(message ?? '')?.[1];
      return new UsageError(`unexpected argument ${argument ? JSON.stringify(argument) : ''} for \`mailtrail ${command}\`; ${help}`);
    }
    default:
      return new UsageError(`${message ?? 'cannot read the command line'}; ${help}`);
  }
}

export function parseCommandLine(argv: readonly string[]): Invocation {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command; run `mailtrail help` for the commands');
  if (first === '--help' || first === '-h' || first === 'help') {
    if (rest.length > 0 && !(rest.length === 1 && (rest[0] === '--help' || rest[0] === '-h'))) {
      throw new UsageError(`\`mailtrail help\` takes no arguments`);
    }
    return { command: 'help' };
  }
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw new UsageError(`unknown command ${JSON.stringify(first)}; the commands are migrate, demo, serve, sync, retention, roles, keygen, seal, verify and help`);
  }
  const command = first as Command;
  if (rest.includes('--help') || rest.includes('-h')) return { command: 'help' };
  if (command === 'retention') {
    try {
      return parseRetention(rest);
    } catch (error) {
      throw error instanceof RetentionUsageError ? new UsageError(error.message) : error;
    }
  }
  let values: Record<string, string | undefined>;
  let flags: Record<string, boolean | undefined>;
  let positionals: string[];
  try {
    // Only `verify FILE` (a report) takes an argument.
    ({ values, positionals } = parseArgs({ args: [...rest], options: OPTIONS[command], strict: true, allowPositionals: command === 'verify' }) as {
      values: Record<string, string | undefined>;
      positionals: string[];
    });
    flags = values as Record<string, unknown> as Record<string, boolean | undefined>;
  } catch (error) {
    throw explainParseError(command, error);
  }
  switch (command) {
    case 'help':
      return { command };
    case 'migrate':
      return { command, db: databaseUrl(values.db) };
    case 'demo':
      return {
        command,
        db: databaseUrl(values.db),
        emails: wholeNumber('emails', values.emails, 1, MAX_DEMO_EMAILS, DEFAULT_DEMO_EMAILS),
        seed: wholeNumber('seed', values.seed, 0, 0xffffffff, DEFAULT_DEMO_SEED),
        until: demoUntil(values.until),
      };
    case 'serve': {
      if (values.db !== undefined && values.cache !== undefined) {
        throw new UsageError('give either --db or --cache, not both');
      }
      if (values.cache === '') throw new UsageError('--cache needs a file name');
      if (values.host === '') throw new UsageError('--host needs a host name or address, e.g. 127.0.0.1');
      // Read-only unless asked: without --admin, serve opens no writable connection at all.
      if (values['admin-db'] !== undefined && !flags.admin) throw new UsageError('--admin-db is for `serve --admin`, which answers writes; add --admin or leave it out');
      return {
        command,
        db: databaseUrl(values.db),
        cache: values.cache,
        host: values.host ?? '127.0.0.1',
        port: wholeNumber('port', values.port, 0, 65_535, DEFAULT_PORT),
        admin: flags.admin === true,
        adminDb: adminDatabaseUrl(values['admin-db']),
      };
    }
    case 'sync': {
      const db = databaseUrl(values.db ?? process.env.DATABASE_URL);
      if (!db) throw new UsageError('sync needs --db URL (or DATABASE_URL): the database to copy from');
      if (!values.cache) throw new UsageError('sync needs --cache FILE: the offline cache to create or bring up to date');
      return { command, db, cache: values.cache, since: timestamp('since', values.since), until: timestamp('until', values.until) };
    }
    case 'roles':
      return { command, db: databaseUrl(values.db), json: flags.json === true };
    case 'keygen':
      if (!values.out) throw new UsageError('keygen needs --out FILE: where to write the private key (the public key goes to FILE.pub)');
      return { command, out: values.out };
    case 'seal':
      if (!values.key) throw new UsageError('seal needs --key FILE: the private key `mailtrail keygen --out FILE` made');
      if (values.head === '') throw new UsageError('--head needs a file name');
      return { command, db: databaseUrl(values.db), key: values.key, head: values.head };
    case 'verify': {
      if (positionals.length > 1) throw new UsageError('verify takes one report FILE, or --db URL / --cache FILE for the sealed log');
      const file = positionals[0];
      if (file !== undefined && (values.db !== undefined || values.cache !== undefined)) {
        throw new UsageError('give a report FILE to check, or --db / --cache to check the sealed log, not both');
      }
      if (values.db !== undefined && values.cache !== undefined) throw new UsageError('give either --db or --cache, not both');
      if (values.cache === '' || values.head === '' || values['key-pub'] === '') throw new UsageError('--cache, --head and --key-pub need a file name');
      return { command, file, db: databaseUrl(values.db), cache: values.cache, head: values.head, keyPub: values['key-pub'], json: flags.json === true };
    }
  }
}
