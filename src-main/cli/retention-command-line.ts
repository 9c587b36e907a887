import { MAX_HOLD_REASON } from '../contract/retention';
import { checkConnectionString } from '../db/connection';
import { MAX_BATCH_SIZE } from '../retention/run';
import { parseActionArgs } from './action-args';

export const RETENTION_USAGE = `  retention preview [--db URL] [--archive-after DAYS] [--purge-after DAYS] [--json]
                                              what a run would do: events and emails per action, by month and
                                              category, and the held events that stay; writes nothing
  retention run [--db URL] [--archive-after DAYS] [--purge-after DAYS] [--dry-run] [--json]
                                              archive, then purge, in batches; one runner at a time; Ctrl-C
                                              cancels, and the next run resumes a cancelled or killed one
  retention cancel RUN_ID                     stop a run going in another process (the Retention screen, serve)
                                              after its batch in flight; the next run resumes it
  retention hold EMAIL_ID --reason TEXT       put an email under legal hold: none of its events is archived or purged
  retention release EMAIL_ID                  release the hold
  retention holds [--all] [--search TEXT]     the active holds (--all: released ones too)
  retention history [--limit N]               the runs, newest first
  retention policy [--archive-after DAYS] [--purge-after DAYS]
                                              show the stored policy, or set it (DAYS or "off"; default 30 and 90)
                                              Every retention command takes --db URL and --json.
`;

export const RETENTION_ACTIONS = ['preview', 'run', 'cancel', 'hold', 'release', 'holds', 'history', 'policy'] as const;
export type RetentionAction = (typeof RETENTION_ACTIONS)[number];

export interface RetentionInvocation {
  command: 'retention';
  action: RetentionAction;
  db: string | undefined;
  json: boolean;
  /** undefined: the stored policy's; null: off. */
  archiveAfterDays?: number | null | undefined;
  purgeAfterDays?: number | null | undefined;
  dryRun?: boolean;
  batchSize?: number | undefined;
  emailId?: number;
  runId?: number;
  reason?: string;
  all?: boolean;
  search?: string | undefined;
  limit?: number;
}

const COMMON = { db: { type: 'string' }, json: { type: 'boolean' } } as const;
const DAYS = { 'archive-after': { type: 'string' }, 'purge-after': { type: 'string' } } as const;
const OPTIONS = {
  preview: { ...COMMON, ...DAYS },
  run: { ...COMMON, ...DAYS, 'dry-run': { type: 'boolean' }, 'batch-size': { type: 'string' } },
  cancel: COMMON,
  hold: { ...COMMON, reason: { type: 'string' } },
  release: COMMON,
  holds: { ...COMMON, all: { type: 'boolean' }, search: { type: 'string' } },
  history: { ...COMMON, limit: { type: 'string' } },
  policy: { ...COMMON, ...DAYS },
} as const;
/** Each action's options by name (without `--`), for the user guide's test. */
export const RETENTION_OPTION_NAMES: Readonly<Record<RetentionAction, readonly string[]>> = Object.fromEntries(
  RETENTION_ACTIONS.map((action) => [action, Object.keys(OPTIONS[action])]),
) as unknown as Record<RetentionAction, readonly string[]>;
const POSITIONALS: Record<RetentionAction, number> = { preview: 0, run: 0, cancel: 1, hold: 1, release: 1, holds: 0, history: 0, policy: 0 };

/** A command-line mistake; the caller turns it into its UsageError (exit 2). */
export class RetentionUsageError extends Error {}

function wholeNumber(option: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    throw new RetentionUsageError(`${option} must be a whole number from ${min} to ${max}, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** DAYS or `off`. */
function days(option: string, text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'off') return null;
  return wholeNumber(`--${option}`, text, 1, 36_500);
}

export function parseRetention(argv: readonly string[]): RetentionInvocation {
  const { action: which, values, positionals } = parseActionArgs('retention', RETENTION_ACTIONS, OPTIONS, argv, (message) => new RetentionUsageError(message));
  if (positionals.length !== POSITIONALS[which]) {
    throw new RetentionUsageError(
      POSITIONALS[which] === 1
        ? `retention ${which} needs one ${which === 'cancel' ? 'RUN_ID' : 'EMAIL_ID'}, e.g. \`mailtrail retention ${which} 42\``
        : `unexpected argument ${JSON.stringify(positionals[0])} for \`mailtrail retention ${which}\``,
    );
  }
  const db = (values.db as string | undefined) ?? undefined;
  if (db !== undefined) {
    try {
      checkConnectionString(db);
    } catch (error) {
      throw new RetentionUsageError(`--db: ${(error as Error).message}`);
    }
  }
  const invocation: RetentionInvocation = { command: 'retention', action: which, db, json: values.json === true };
  if (which === 'preview' || which === 'run' || which === 'policy') {
    invocation.archiveAfterDays = days('archive-after', values['archive-after'] as string | undefined);
    invocation.purgeAfterDays = days('purge-after', values['purge-after'] as string | undefined);
    const archive = invocation.archiveAfterDays;
    const purge = invocation.purgeAfterDays;
    if (typeof archive === 'number' && typeof purge === 'number' && purge < archive) {
      throw new RetentionUsageError(`--purge-after ${purge} is less than --archive-after ${archive}; purge must be at least as many days as archive`);
    }
  }
  if (which === 'run') {
    invocation.dryRun = values['dry-run'] === true;
    const size = values['batch-size'] as string | undefined;
    invocation.batchSize = size === undefined ? undefined : wholeNumber('--batch-size', size, 1, MAX_BATCH_SIZE);
  }
  if (which === 'hold' || which === 'release') {
    invocation.emailId = wholeNumber('EMAIL_ID', positionals[0] as string, 1, 2_147_483_647);
  }
  if (which === 'cancel') invocation.runId = wholeNumber('RUN_ID', positionals[0] as string, 1, Number.MAX_SAFE_INTEGER);
  if (which === 'hold') {
    const reason = (values.reason as string | undefined)?.trim();
    if (!reason) throw new RetentionUsageError('retention hold needs --reason TEXT: why the email is held (it is recorded with the hold)');
    if (reason.length > MAX_HOLD_REASON) throw new RetentionUsageError(`--reason must be at most ${MAX_HOLD_REASON} characters`);
    invocation.reason = reason;
  }
  if (which === 'holds') {
    invocation.all = values.all === true;
    invocation.search = values.search as string | undefined;
  }
  if (which === 'history') {
    const limit = values.limit as string | undefined;
    invocation.limit = limit === undefined ? 20 : wholeNumber('--limit', limit, 1, 500);
  }
  return invocation;
}
