import { userInfo } from 'node:os';

/** One retention write as the admin journal (mailtrail_admin_journal, the write path's) records it. */
export interface RetentionJournalEntry {
  action: 'retention.run' | 'retention.hold' | 'retention.release' | 'retention.policy';
  actor: string;
  parameters: Record<string, unknown>;
  outcome: 'succeeded' | 'failed' | 'cancelled';
  /** The answer on success (the run's figures, the hold), or the error's message. */
  detail: unknown;
}

/** Records an entry; supplied by the admin connection's owner (the write path), absent until then. */
export type RetentionJournal = (entry: RetentionJournalEntry) => Promise<void>;

/**
 * THE one call site of the journal for retention: every write (policy, hold, release, run) passes
 * through here with its parameters, and its outcome is recorded whether it succeeded or failed.
 */
export async function journaled<T>(
  journal: RetentionJournal | undefined,
  entry: Omit<RetentionJournalEntry, 'outcome' | 'detail'>,
  write: () => Promise<T>,
  outcomeOf: (value: T) => RetentionJournalEntry['outcome'] = () => 'succeeded',
): Promise<T> {
  let value: T;
  try {
    value = await write();
  } catch (error) {
    await journal?.({ ...entry, outcome: 'failed', detail: error instanceof Error ? error.message : String(error) });
    throw error;
  }
  await journal?.({ ...entry, outcome: outcomeOf(value), detail: value });
  return value;
}

/** Who writes: MAILTRAIL_ACTOR, else the OS user (DESIGN.md, "The write path"). */
export function currentActor(env: NodeJS.ProcessEnv = process.env): string {
  const named = env.MAILTRAIL_ACTOR?.trim();
  if (named) return named.slice(0, 200);
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}
