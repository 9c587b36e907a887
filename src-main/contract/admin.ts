import { z } from 'zod';
import { checkRange, Cursor, DateRangeFields } from './schemas';

/** What became of a journaled write: `started` until its outcome is recorded (a killed write stays so). */
export const JOURNAL_OUTCOMES = ['started', 'succeeded', 'cancelled', 'failed', 'refused'] as const;
export type JournalOutcome = (typeof JOURNAL_OUTCOMES)[number];

/** An action as features name theirs: `retention.run`, `retention.hold`; a prefix (`retention`) filters them all. */
export const JournalAction = z
  .string()
  .regex(/^[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$/, 'must be an action such as "retention.run" or a prefix such as "retention"')
  .max(64, 'must be at most 64 characters');

/** One row of mailtrail_admin_journal; times are ISO 8601 without zone, in the database's zone (like created_at). */
export const JournalEntry = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  outcome: z.enum(JOURNAL_OUTCOMES),
  error: z.string().nullable(),
  finished_at: z.string().nullable(),
});
export type JournalEntry = z.infer<typeof JournalEntry>;

export const JOURNAL_MAX_LIMIT = 500;

export const JournalRequest = z
  .strictObject({
    limit: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, `must be between 1 and ${JOURNAL_MAX_LIMIT}`)
      .max(JOURNAL_MAX_LIMIT, `must be between 1 and ${JOURNAL_MAX_LIMIT}`)
      .default(100),
    actions: z.array(JournalAction).max(20, 'at most 20 values').optional(),
    actors: z.array(z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters')).max(20, 'at most 20 values').optional(),
    ...DateRangeFields,
    cursor: Cursor.optional(),
  })
  .superRefine(checkRange);

/** The journal newest first (by id: the order the writes started), keyset-paged. */
export const JournalPage = z.object({
  items: z.array(JournalEntry),
  nextCursor: z.string().nullable(),
});
export type JournalPage = z.infer<typeof JournalPage>;
