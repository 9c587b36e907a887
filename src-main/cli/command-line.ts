import { parseArgs } from 'node:util';
import { REPORT_FORMATS, ReportRequest } from '../contract/reports';
import { isValidTimestamp } from '../contract/schemas';
import { describeIssues } from '../contract/validation';
import { checkConnectionString } from '../db/connection';
import { DEFAULT_DEMO_SEED, MAX_DEMO_EMAILS } from '../demo/demo';
import { BACKUP_OPTION_NAMES, BACKUP_USAGE, BackupUsageError, parseBackup, type BackupInvocation } from './backup-command-line';
import { parseRetention, RETENTION_OPTION_NAMES, RETENTION_USAGE, RetentionUsageError, type RetentionInvocation } from './retention-command-line';

export const DEFAULT_PORT = 8780;
export const DEFAULT_DEMO_EMAILS = 5_000;

export const USAGE = `Usage: mailtrail <command> [options]

Commands:
  migrate [--db URL]                          apply migrations/ to the PostgreSQL database (idempotent)
  demo [--db URL] [--emails N] [--seed S] [--until DATE]
                                              write realistic demo activity (default ${DEFAULT_DEMO_EMAILS} emails, seed ${DEFAULT_DEMO_SEED}),
                                              a year of it ending at --until (default now; a date alone means its end);
                                              the same seed and --until write the same data
  serve [--db URL | --cache FILE] [--host H] [--port P] [--admin [--admin-db URL] [--no-worker] [--no-backups]]
                                              the REST API and the browser UI; prints "listening on http://H:P"
                                              (default host 127.0.0.1, port ${DEFAULT_PORT}; --port 0 picks a free one);
                                              beyond loopback it needs MAILTRAIL_API_TOKEN, which every API
                                              request then sends as Authorization: Bearer TOKEN;
                                              --admin answers writes, with MAILTRAIL_ADMIN_TOKEN as their bearer
                                              token, through the admin connection (--admin-db, else
                                              MAILTRAIL_ADMIN_DATABASE_URL, else the --db database), and runs
                                              the workflow engine on it as \`worker\` does (--no-worker: not) and
                                              the scheduled backup jobs (--no-backups: not)
  sync --db URL --cache FILE [--since DATE] [--until DATE]
                                              copy the log (and its sealed chain, for verify --cache) into an
                                              offline SQLite cache; a second run fetches only what changed, an
                                              interrupted one resumes
  report (--db URL | --cache FILE) --format csv|jsonl|html|pdf --out FILE [filters] [--title TEXT]
                                              an audit report; filters as the activity explorer's: --email-id N,
                                              --event-type T, --event-category C, --user-id N (each repeatable),
                                              --text S, --from T, --to T; one --email-id alone is that email's
                                              timeline (archived events too), one --user-id alone (with --from,
                                              --to) that user's audit; prints "wrote FILE: N events, sha256 HEX"
  verify FILE                                 check a report made by \`report\`: exit 0 and "verified …" when
                                              intact, exit 1 and what differs when not
  keygen --out FILE                           make an Ed25519 signing key for seal: FILE (private, mode 0600) and
                                              FILE.pub (public); never overwrites a key
  seal [--db URL] --key FILE [--head FILE]    seal new events into the hash chain and sign a checkpoint, through
                                              the admin connection; --head also writes the latest signed
                                              checkpoint to FILE, to keep outside the database
  verify (--db URL | --cache FILE) [--head FILE] [--key-pub FILE] [--json]
                                              check the sealed log: exit 0 when intact, 1 naming each event, range
                                              or checkpoint that fails; --head refuses a chain shorter than the head
  worker [--db URL] [--admin-db URL] [--concurrency N] [--no-backups]
                                              run the workflow engine until SIGINT/SIGTERM: each classified event
                                              runs the enabled workflows it matches; through the admin connection;
                                              progress on stderr; stops after the jobs in flight; it also runs
                                              the scheduled backup jobs and their dead-man checks (--no-backups: not)
${RETENTION_USAGE}${BACKUP_USAGE}  roles [--db URL] [--json]                   create or update the mailtrail_viewer (read-only) and mailtrail_admin
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
  | { command: 'serve'; db: string | undefined; cache: string | undefined; host: string; port: number; admin: boolean; adminDb: string | undefined; worker: boolean; backups: boolean }
  | { command: 'sync'; db: string; cache: string; since: string | undefined; until: string | undefined }
  | { command: 'roles'; db: string | undefined; json: boolean }
  | { command: 'report'; db: string | undefined; cache: string | undefined; request: ReportRequest; out: string }
  | { command: 'keygen'; out: string }
  | { command: 'worker'; db: string | undefined; adminDb: string | undefined; concurrency: number; backups: boolean }
  | { command: 'seal'; db: string | undefined; key: string; head: string | undefined }
  | { command: 'verify'; file: string | undefined; db: string | undefined; cache: string | undefined; head: string | undefined; keyPub: string | undefined; json: boolean }
  | RetentionInvocation
  | BackupInvocation;

const COMMANDS = ['migrate', 'demo', 'serve', 'sync', 'help', 'retention', 'backup', 'roles', 'report', 'keygen', 'seal', 'verify', 'worker'] as const;
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
    'no-worker': { type: 'boolean' },
    'no-backups': { type: 'boolean' },
  },
  sync: { db: { type: 'string' }, cache: { type: 'string' }, since: { type: 'string' }, until: { type: 'string' } },
  help: {},
  retention: {},
  backup: {},
  roles: { db: { type: 'string' }, json: { type: 'boolean' } },
  report: {
    db: { type: 'string' },
    cache: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    title: { type: 'string' },
    'email-id': { type: 'string', multiple: true },
    'event-type': { type: 'string', multiple: true },
    'event-category': { type: 'string', multiple: true },
    'user-id': { type: 'string', multiple: true },
    text: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
  },
  keygen: { out: { type: 'string' } },
  worker: { db: { type: 'string' }, 'admin-db': { type: 'string' }, concurrency: { type: 'string' }, 'no-backups': { type: 'boolean' } },
  seal: { db: { type: 'string' }, key: { type: 'string' }, head: { type: 'string' } },
  verify: { db: { type: 'string' }, cache: { type: 'string' }, head: { type: 'string' }, 'key-pub': { type: 'string' }, json: { type: 'boolean' } },
} as const;

const POSITIONALS: Partial<Record<Command, number>> = { verify: 1 };

/** What a command accepts: its options by name (without `--`), or, for a command of actions (retention, backup), each action's. */
export type CommandOptions = { options: readonly string[] } | { actions: Readonly<Record<string, readonly string[]>> };

/** Every command the CLI has, read from the parser's own tables, so docs can be checked against it (tests/unit/guide.test.ts). */
export const COMMAND_TABLE: Readonly<Record<string, CommandOptions>> = Object.fromEntries(
  COMMANDS.map((command): [string, CommandOptions] => {
    if (command === 'retention') return [command, { actions: RETENTION_OPTION_NAMES }];
    if (command === 'backup') return [command, { actions: BACKUP_OPTION_NAMES }];
    return [command, { options: Object.keys(OPTIONS[command]) }];
  }),
);

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
    throw new UsageError(`unknown command ${JSON.stringify(first)}; the commands are migrate, demo, serve, sync, retention, backup, roles, report, keygen, seal, verify, worker and help`);
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
  if (command === 'backup') {
    try {
      return parseBackup(rest);
    } catch (error) {
      throw error instanceof BackupUsageError ? new UsageError(error.message) : error;
    }
  }
  let values: Record<string, string | undefined>;
  let flags: Record<string, boolean | undefined>;
  let lists: Record<string, string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...rest], options: OPTIONS[command], strict: true, allowPositionals: (POSITIONALS[command] ?? 0) > 0 }) as {
      values: Record<string, string | undefined>;
      positionals: string[];
    });
    lists = values as Record<string, unknown> as Record<string, string[] | undefined>;
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
      if (flags['no-worker'] && !flags.admin) throw new UsageError('--no-worker is for `serve --admin`, which runs the workflow engine; without --admin serve runs none');
      if (flags['no-backups'] && !flags.admin) throw new UsageError('--no-backups is for `serve --admin`, which runs the backup jobs; without --admin serve runs none');
      return {
        command,
        db: databaseUrl(values.db),
        cache: values.cache,
        host: values.host ?? '127.0.0.1',
        port: wholeNumber('port', values.port, 0, 65_535, DEFAULT_PORT),
        admin: flags.admin === true,
        adminDb: adminDatabaseUrl(values['admin-db']),
        // The engine needs the admin connection, so it runs with --admin alone.
        worker: flags.admin === true && flags['no-worker'] !== true,
        // The backup jobs too: on their own switch, so a serve may run backups without the workflow engine.
        backups: flags.admin === true && flags['no-backups'] !== true,
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
    case 'report':
      return parseReport(values, lists);
    case 'keygen':
      if (!values.out) throw new UsageError('keygen needs --out FILE: where to write the private key (the public key goes to FILE.pub)');
      return { command, out: values.out };
    case 'worker':
      return {
        command,
        db: databaseUrl(values.db),
        adminDb: adminDatabaseUrl(values['admin-db']),
        concurrency: wholeNumber('concurrency', values.concurrency, 1, 64, 4),
        backups: flags['no-backups'] !== true,
      };
    case 'seal':
      if (!values.key) throw new UsageError('seal needs --key FILE: the private key `mailtrail keygen --out FILE` made');
      if (values.head === '') throw new UsageError('--head needs a file name');
      return { command, db: databaseUrl(values.db), key: values.key, head: values.head };
    case 'verify': {
      if (positionals.length > 1) throw new UsageError('verify takes one report FILE, or --db URL / --cache FILE for the sealed log');
      const file = positionals[0];
      const sealed = values.db !== undefined || values.cache !== undefined;
      if (file !== undefined && (sealed || values.head !== undefined || values['key-pub'] !== undefined || flags.json)) {
        throw new UsageError('give a report FILE to check, or --db / --cache (with --head, --key-pub, --json) to check the sealed log, not both');
      }
      if (file === undefined && !sealed) {
        throw new UsageError('verify needs a report FILE (`mailtrail verify report.csv`), or --db URL / --cache FILE to check the sealed log');
      }
      if (values.db !== undefined && values.cache !== undefined) throw new UsageError('give either --db or --cache, not both');
      if (values.cache === '' || values.head === '' || values['key-pub'] === '') throw new UsageError('--cache, --head and --key-pub need a file name');
      return { command, file, db: databaseUrl(values.db), cache: values.cache, head: values.head, keyPub: values['key-pub'], json: flags.json === true };
    }
  }
}

function ids(option: string, texts: string[] | undefined): number[] | undefined {
  return texts?.map((text) => wholeNumber(option, text, 1, 2_147_483_647, 0));
}

/**
 * `report`'s scope from its filters: one --email-id and nothing else is that email's timeline (the
 * archive included, oldest first); one --user-id, alone or with --from/--to, that user's audit;
 * anything else the activity explorer's filters (no filter at all: the whole log).
 */
function parseReport(values: Record<string, string | undefined>, lists: Record<string, string[] | undefined>): Invocation {
  if (values.db !== undefined && values.cache !== undefined) throw new UsageError('give either --db or --cache, not both');
  if (values.cache === '') throw new UsageError('--cache needs a file name');
  if (!values.format) throw new UsageError(`report needs --format: one of ${REPORT_FORMATS.join(', ')}`);
  if (!(REPORT_FORMATS as readonly string[]).includes(values.format)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}, not ${JSON.stringify(values.format)}`);
  }
  if (!values.out) throw new UsageError('report needs --out FILE: where to write the report');
  const emailIds = ids('email-id', lists['email-id']);
  const userIds = ids('user-id', lists['user-id']);
  const eventTypes = lists['event-type'];
  const eventCategories = lists['event-category'];
  const from = timestamp('from', values.from);
  const to = timestamp('to', values.to);
  const text = values.text;
  const others = [eventTypes, eventCategories, text, userIds].some((value) => value !== undefined);
  let scope: unknown;
  if (emailIds?.length === 1 && !others && from === undefined && to === undefined) scope = { kind: 'email', emailId: emailIds[0] };
  else if (userIds?.length === 1 && emailIds === undefined && eventTypes === undefined && eventCategories === undefined && text === undefined) {
    scope = { kind: 'user', userId: userIds[0], from, to };
  } else scope = { kind: 'activity', emailIds, userIds, eventTypes, eventCategories, text, from, to };
  const parsed = ReportRequest.safeParse({ scope: JSON.parse(JSON.stringify(scope)) as unknown, format: values.format, title: values.title });
  if (!parsed.success) {
    // The scope's field names are the API's; say them as the options they came from.
    const options: Record<string, string> = { emailIds: '--email-id', userIds: '--user-id', eventTypes: '--event-type', eventCategories: '--event-category', from: '--from', title: '--title', text: '--text' };
    const message = describeIssues(parsed.error).replace(/(?:scope\.)?(emailIds|userIds|eventTypes|eventCategories|from|title|text)(?:\.\d+)?:/g, (_m, name: string) => `${options[name]}:`);
    throw new UsageError(message);
  }
  return { command: 'report', db: databaseUrl(values.db), cache: values.cache, request: parsed.data, out: values.out };
}
