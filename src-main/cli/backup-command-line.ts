import { notifyTargetProblem } from '../backup/cli-notify';
import { checkConnectionString } from '../db/connection';
import { parseActionArgs } from './action-args';

export const BACKUP_USAGE = `  backup run [--db URL] [--admin-db URL] --to DIR [--json] [--notify URL|mailto:ADDRESS]
                                              one consistent snapshot of Mailtrail's tables (the log, the archive,
                                              the sealed chain, workflows, retention, the journal, users and emails)
                                              into DIR/mailtrail-DB-TIME.mtbackup, checked before it is kept;
                                              through the admin connection, journaled as backup.run; --notify
                                              (repeatable) posts the outcome, success or failure, to a webhook or
                                              mails it through MAILTRAIL_SMTP_URL
  backup verify FILE [--no-restore] [--json]  every checksum, then a test restore into a scratch PostgreSQL:
                                              exit 0 and "verified …", or 1 and one line per problem
  backup restore FILE --db URL [--force]      into an empty database (migrated first; rollups recounted);
                                              --force replaces what a database with rows holds
  backup list --to DIR [--json]               the backups in DIR, newest first: time, size, events, problems
`;

export const BACKUP_ACTIONS = ['run', 'verify', 'restore', 'list'] as const;
export type BackupAction = (typeof BACKUP_ACTIONS)[number];

export type BackupInvocation =
  | { command: 'backup'; action: 'run'; db: string | undefined; adminDb: string | undefined; to: string; json: boolean; notify: string[] }
  | { command: 'backup'; action: 'verify'; file: string; restore: boolean; json: boolean }
  | { command: 'backup'; action: 'restore'; file: string; db: string; force: boolean }
  | { command: 'backup'; action: 'list'; to: string; json: boolean };

const OPTIONS = {
  run: { db: { type: 'string' }, 'admin-db': { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, notify: { type: 'string', multiple: true } },
  verify: { 'no-restore': { type: 'boolean' }, json: { type: 'boolean' } },
  restore: { db: { type: 'string' }, force: { type: 'boolean' } },
  list: { to: { type: 'string' }, json: { type: 'boolean' } },
} as const;
/** Each action's options by name, for the CLI's command table (tests/unit/guide.test.ts checks the guide against it). */
export const BACKUP_OPTION_NAMES: Readonly<Record<BackupAction, readonly string[]>> = Object.fromEntries(
  BACKUP_ACTIONS.map((action) => [action, Object.keys(OPTIONS[action])]),
) as unknown as Record<BackupAction, readonly string[]>;
const POSITIONALS: Record<BackupAction, number> = { run: 0, verify: 1, restore: 1, list: 0 };

/** A command-line mistake; the caller turns it into its UsageError (exit 2). */
export class BackupUsageError extends Error {}

function url(option: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    checkConnectionString(text);
  } catch (error) {
    throw new BackupUsageError(`--${option}: ${(error as Error).message}`);
  }
  return text;
}

export function parseBackup(argv: readonly string[]): BackupInvocation {
  const { action: which, values, positionals } = parseActionArgs('backup', BACKUP_ACTIONS, OPTIONS, argv, (message) => new BackupUsageError(message));
  if (positionals.length !== POSITIONALS[which]) {
    throw new BackupUsageError(
      POSITIONALS[which] === 1
        ? `backup ${which} needs one backup FILE, e.g. \`mailtrail backup ${which} backups/mailtrail-hub-20260101T020000.000Z.mtbackup\``
        : `unexpected argument ${JSON.stringify(positionals[0])} for \`mailtrail backup ${which}\``,
    );
  }
  const text = (name: string) => values[name] as string | undefined;
  const json = values.json === true;
  switch (which) {
    case 'run': {
      const to = text('to');
      if (!to) throw new BackupUsageError('backup run needs --to DIR: the folder to write the backup file into');
      const notify = (values.notify as unknown as string[] | undefined) ?? [];
      for (const target of notify) {
        const problem = notifyTargetProblem(target);
        if (problem) throw new BackupUsageError(problem);
      }
      return { command: 'backup', action: which, db: url('db', text('db')), adminDb: url('admin-db', text('admin-db')), to, json, notify };
    }
    case 'verify':
      if (!positionals[0]) throw new BackupUsageError('backup verify needs a FILE name');
      return { command: 'backup', action: which, file: positionals[0], restore: values['no-restore'] !== true, json };
    case 'restore': {
      // Never DATABASE_URL: a restore replaces tables, so the target is always named on the line.
      const db = url('db', text('db'));
      if (!db) throw new BackupUsageError('backup restore needs --db URL: the database to restore into (it is never taken from DATABASE_URL)');
      if (!positionals[0]) throw new BackupUsageError('backup restore needs a FILE name');
      return { command: 'backup', action: which, file: positionals[0], db, force: values.force === true };
    }
    case 'list': {
      const to = text('to');
      if (!to) throw new BackupUsageError('backup list needs --to DIR: the folder the backups were written to');
      return { command: 'backup', action: which, to, json };
    }
  }
}
