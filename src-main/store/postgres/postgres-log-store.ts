import { MailtrailError } from '../../contract/errors';
import type { ReadableDb } from '../../db/connection';
import { query } from '../../db/query';
import { sql } from '../../db/sql';
import { planCount } from '../activity-count';
import type { AnalyticsRange, LogStore, SourceDescription } from '../log-store';
import { latestCheckpointRef } from '../../integrity/checkpoint';
import { verifyIntegrity } from '../../integrity/verify';
import { countActivity, emailSubjects, hasReadableArchive, metadataKeys, recentActivity, searchIndexes, timeline, userActivity, users, userSummary } from './activity.query';
import { activityStats, categoryTimeseries, errorAnalysis, errorImpact, hasArchiveRollups, hasRollups, logExtent, slowestExecutions, workflowSuccess } from './analytics.query';
import type { ArchiveCounts } from './rollup';
import { countEmails, email, emailFacts, searchEmails } from './emails.query';
import { emailIntegrity, emailsOfEvents, latestSeal } from './email-integrity.query';
import { streamEventLines, streamEvents } from './event-stream.query';

// What migrations provide is looked up again now and then, since a migrate may run meanwhile.
const SCHEMA_CHECK_MS = 60_000;

/** `look()`'s answer, asked again once it is SCHEMA_CHECK_MS old. */
function rechecked<T>(look: () => Promise<T>): () => Promise<T> {
  let known: { value: T; checkedAt: number } | undefined;
  return async () => {
    if (!known || Date.now() - known.checkedAt > SCHEMA_CHECK_MS) known = { value: await look(), checkedAt: Date.now() };
    return known.value;
  };
}

/** The LogStore over the hub's PostgreSQL, through a read-only pool. */
export function createPostgresLogStore(db: ReadableDb, source: SourceDescription): LogStore {
  // Whether migrations/0003's rollups and migrations/0005's search indexes exist here.
  const useRollups = rechecked(() => hasRollups(db));
  const useIndexes = rechecked(() => searchIndexes(db));
  // Whether migrations/0008's archive index is there to read archived events by email (issue 13, item 5).
  const useArchive = rechecked(() => hasReadableArchive(db));
  const useArchiveRollups = rechecked(() => hasArchiveRollups(db));
  // Archived events (issue 13, item 5) come from migration 0009's rollups, or, where it has not run, from the archive (a notice says it is slower).
  const archiveCounts = async (range: AnalyticsRange): Promise<ArchiveCounts> =>
    !range.includeArchived ? false : (await useRollups()) && (await useArchiveRollups()) ? 'rollup' : 'live';
  const withRollups = async <T>(range: AnalyticsRange, run: (rollup: boolean, archive: ArchiveCounts) => Promise<T>) => {
    const [rollup, archive] = [await useRollups(), await archiveCounts(range)];
    return { ...(await run(rollup, archive)), rollup: rollup && archive !== 'live' };
  };
  return {
    source,
    timeline: async (q) => timeline(db, q, await useArchive()),
    recentActivity: async (q) => recentActivity(db, q, await useIndexes()),
    activityStats: async (range) => activityStats(db, range, await useRollups(), await archiveCounts(range)),
    categoryTimeseries: (range, bucket) => withRollups(range, (rollup, archive) => categoryTimeseries(db, range, bucket, rollup, archive)),
    errorAnalysis: (range) => withRollups(range, (rollup, archive) => errorAnalysis(db, range, rollup, archive)),
    workflowSuccess: (range) => withRollups(range, (rollup, archive) => workflowSuccess(db, range, rollup, archive)),
    slowestExecutions: (limit, filter) => withRollups({}, async (rollup) => ({ items: await slowestExecutions(db, limit, rollup, filter) })),
    userActivity: (q) => userActivity(db, q),
    streamEvents: async function* (scope, batch) {
      yield* streamEvents(db, scope, scope.kind === 'email' && (await useArchive()), batch);
    },
    streamEventLines: async function* (scope, format) {
      yield* streamEventLines(db, scope, scope.kind === 'email' && (await useArchive()), format);
    },
    users: () => users(db),
    metadataKeys: (eventTypes) => metadataKeys(db, eventTypes),
    latestCheckpoint: () => latestCheckpointRef(db),
    verifyIntegrity: (options) => verifyIntegrity(db, options),
    latestSeal: () => latestSeal(db),
    emailIntegrity: (emailId) => emailIntegrity(db, emailId),
    emailsOfEvents: (eventIds) => emailsOfEvents(db, eventIds),
    email: async (emailId) => email(db, emailId, await useArchive()),
    searchEmails: (q) => searchEmails(db, q),
    countActivity: async (filter, bounds) => countActivity(db, filter, planCount(filter, { rollups: await useRollups(), ...bounds })),
    emailSubjects: (emailIds) => emailSubjects(db, emailIds),
    countEmails: (text, bound) => countEmails(db, text, bound),
    emailFacts: async (emailId) => emailFacts(db, emailId, await useArchive()),
    userExists: async (userId) => (await query(db, sql`SELECT 1 FROM users WHERE id = ${userId}`)).length > 0,
    ping: async () => {
      const [row] = await query<{ time_zone: string }>(db, sql`SELECT current_setting('TimeZone') AS time_zone`);
      return { timeZone: row?.time_zone ?? null };
    },
    close: () => db.end(),
    extent: async (options) => logExtent(db, Boolean(options?.includeArchived) && (await useArchive())),
    errorImpact: (range) => withRollups(range, (rollup, archive) => errorImpact(db, range, rollup, archive)),
    userSummary: (userId, range) => userSummary(db, userId, range),
  };
}
