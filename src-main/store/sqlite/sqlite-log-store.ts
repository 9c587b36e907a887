import { resolve } from 'node:path';
import { planCount } from '../activity-count';
import type { AnalyticsRange, LogStore } from '../log-store';
import { countActivity, metadataKeys, recentActivity, timeline, userActivity, users, userSummary } from './activity.query';
import { activityStats, categoryTimeseries, errorAnalysis, errorImpact, logExtent, slowestExecutions, workflowSuccess } from './analytics.query';
import { hasArchive, hasIndexes, hasMessageStatus, hasSearchTables, openCacheForReading, openCacheReader, readCacheInfo, type CacheInfo } from './cache-file';
import { registerCacheFunctions } from './cache-text';
import { countEmails, email, emailFacts, emailSubjects, searchEmails } from './emails.query';
import { rowsAsLines } from '../../reports/event-lines';
import { streamEvents } from './event-stream.query';
import { cacheEmailIntegrity, cacheLatestCheckpoint, cacheLatestSeal, verifyCacheIntegrity } from './integrity.query';
import { statementCache } from './statements';

/** How the app names a cache: the file, when it was synced, and whether that sync finished. */
export function describeCache(file: string, info: CacheInfo): string {
  const synced = info.syncedAt ? `synced ${info.syncedAt.replace('T', ' ').slice(0, 16)} UTC` : 'never synced';
  const unfinished = info.state === 'complete' ? '' : ', sync unfinished: run `mailtrail sync` again';
  return `offline cache ${resolve(file)} (${synced} from ${info.source}${unfinished})`;
}

/**
 * The LogStore over a Mailtrail cache, read-only: the same answers as PostgreSQL for the same
 * rows. Analytics come from the cache's own rollups, kept exact by `mailtrail sync`.
 */
export function openSqliteLogStore(file: string): LogStore {
  const db = openCacheForReading(file);
  registerCacheFunctions(db);
  const info = readCacheInfo(db);
  const prepare = statementCache(db);
  // A sync interrupted before its indexes were built leaves a cache that is complete in what it holds, only slower.
  const indexed = hasIndexes(db);
  const messageStatus = hasMessageStatus(db);
  const archive = hasArchive(db);
  // An interrupted sync may leave events the search tables do not hold yet: those caches search by scan.
  const search = hasSearchTables(db) && info.searchHighId >= info.highId;
  const searchIndexes = { text: search, metadata: search, events: info.rowCount };
  const rollup = <T extends object>(rows: T) => ({ ...rows, rollup: true });
  // A cache from before the archive (format 3, not synced since) has none to add.
  const archived = (range: AnalyticsRange): AnalyticsRange => ({ ...range, includeArchived: archive && range.includeArchived });
  return {
    source: { kind: 'cache', label: describeCache(file, info), syncedAt: info.syncedAt, cachedFrom: info.source || null, file: resolve(file) },
    timeline: async (q) => timeline(prepare, q, archive),
    recentActivity: async (q) => recentActivity(prepare, q, searchIndexes),
    activityStats: async (range) => activityStats(prepare, archived(range)),
    categoryTimeseries: async (range, bucket) => rollup(categoryTimeseries(prepare, archived(range), bucket)),
    errorAnalysis: async (range) => rollup(errorAnalysis(prepare, archived(range))),
    workflowSuccess: async (range) => rollup(workflowSuccess(prepare, archived(range))),
    slowestExecutions: async (limit, filter) => rollup({ items: slowestExecutions(prepare, limit, indexed, filter) }),
    metadataKeys: async (eventTypes) => metadataKeys(prepare, eventTypes),
    // The chain the last sync copied (issue 15, item 6): a report made from the cache names its checkpoint.
    latestCheckpoint: async () => cacheLatestCheckpoint(db),
    verifyIntegrity: (options) => verifyCacheIntegrity(() => openCacheReader(file), options),
    emailIntegrity: async (emailId) => cacheEmailIntegrity(db, emailId),
    latestSeal: async () => cacheLatestSeal(db),
    emailsOfEvents: async (eventIds) => {
      const tables = archive ? ['email_activity_log', 'email_activity_log_archive'] : ['email_activity_log'];
      const emails = new Map<number, number>();
      for (const table of tables) {
        const rows = prepare(`SELECT id, email_id FROM ${table} WHERE id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(eventIds)) as { id: number; email_id: number }[];
        for (const row of rows) emails.set(row.id, row.email_id);
      }
      return emails;
    },
    userActivity: async (q) => userActivity(prepare, q),
    streamEvents: (scope, batch) => streamEvents(() => openCacheReader(file), scope, archive, batch),
    // SQLite hands over rows, not text: the lines are made from them.
    streamEventLines: (scope, format) => rowsAsLines(streamEvents(() => openCacheReader(file), scope, archive), format),
    users: async () => users(prepare),
    email: async (emailId) => email(prepare, emailId, archive),
    searchEmails: async (q) => searchEmails(prepare, q),
    // The cache's rollups are always there and exact (sync keeps them).
    countActivity: async (filter, bounds) => countActivity(prepare, filter, planCount(filter, { rollups: true, ...bounds })),
    emailSubjects: async (emailIds) => emailSubjects(prepare, emailIds),
    countEmails: async (text, bound) => countEmails(prepare, text, bound),
    emailFacts: async (emailId) => emailFacts(prepare, emailId, messageStatus, archive),
    userExists: async (userId) => prepare('SELECT 1 FROM users WHERE id = ?').get(userId) !== undefined,
    ping: async () => {
      prepare('SELECT 1').get();
      return { timeZone: info.timeZone };
    },
    close: async () => {
      if (db.open) db.close();
    },
    extent: async (options) => logExtent(prepare, archive && Boolean(options?.includeArchived)),
    errorImpact: async (range) => rollup(errorImpact(prepare, archived(range))),
    userSummary: async (userId, range) => userSummary(prepare, userId, range),
  };
}
