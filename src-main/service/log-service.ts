import { createAdminService, NO_ADMIN, type AdminAccess } from '../admin/admin-service';
import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import { parseEmailQuery, type ActivityEvent } from '../contract/schemas';
import type { AnalyticsSource, ErrorImpact } from '../contract/analytics';
import type { FromRollup, LogStore } from '../store/log-store';
import { MAX_SCAN_BUDGET, MIN_SCAN_BUDGET, textIndexable, widerScan } from '../store/activity-scan';
import { createReportsService, defaultReportsAccess, type ReportsAccess } from '../reports/reports-service';
import { createIntegrityOperations, defaultIntegrityAccess, type IntegrityAccess } from './integrity-service';
import { decodeId, decodeKeyset, decodeRecentCursor, encodeId, encodeKeyset, encodeSearchCursor } from './cursor';

/** Fetches one row more than asked, to know whether another page exists without counting. */
function page<T>(rows: T[], limit: number, cursorOf: (last: T) => string) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? cursorOf(last) : null };
}

const LIVE_NOTICE =
  'This database has no Mailtrail rollups, so this view is computed from the live table and may be slow; run `mailtrail migrate` with a writable connection to add them.';

/** Says where an analytics answer came from, and warns when it was the slow way. */
/** Why a search examined the log stretch by stretch instead of through an index. */
function scanNotice(filter: { text?: string | undefined; metadata?: unknown[] | undefined }, kind: string): string {
  if (filter.text?.trim() && !textIndexable(filter.text) && !filter.metadata?.length) {
    return 'A text needs three letters or digits in a row to be found through the index; the log is searched stretch by stretch.';
  }
  if (filter.text?.trim() || filter.metadata?.length) {
    return kind === 'cache'
      ? 'This offline cache has no search index; sync it again to search it at once. The log is searched stretch by stretch.'
      : 'This database has no search index (pg_trgm, migrations/0005); the log is searched stretch by stretch.';
  }
  return 'A second list filter is checked row by row; the log is searched stretch by stretch.';
}

function withSource<T>({ rollup, ...rows }: FromRollup<T>): Omit<FromRollup<T>, 'rollup'> & { source: AnalyticsSource } {
  return { ...rows, source: { rollup, notice: rollup ? null : LIVE_NOTICE } };
}

/**
 * Emails an email count examines at most (newest first), never a whole 10-million-row table.
 * Measured at 150,000 demo emails: 26 ms without text, 160-190 ms for text (PostgreSQL and SQLite alike).
 */
export const EMAIL_COUNT_BOUND = 100_000;

/** A zoneless timestamp read as UTC: only differences between two of them are used. */
const zonelessMs = (timestamp: string): number => Date.parse(`${timestamp.replace(' ', 'T')}Z`);

const eventCursor = (event: ActivityEvent) => encodeKeyset({ createdAt: event.created_at, id: event.id });

/**
 * Every contract operation, implemented once over a LogStore; the transports only adapt it. The
 * admin operations run on `admin`, apart from the store (see src-main/admin/admin-service.ts); the
 * reports made on this machine are read from the register `reports` names (src-main/reports/register.ts);
 * the last verification of the sealed log is kept in the file `integrity` names (src-main/integrity/verification-state.ts).
 */
export function createLogService(
  store: LogStore,
  admin: AdminAccess = NO_ADMIN,
  reports: ReportsAccess = defaultReportsAccess(),
  integrity: IntegrityAccess = defaultIntegrityAccess(),
): MailtrailService {
  return {
    ...createAdminService(admin),
    ...createReportsService(reports),
    ...createIntegrityOperations(store, integrity),
    async 'emails/timeline'({ emailId, order, limit, cursor }) {
      const after = cursor ? decodeKeyset(cursor) : undefined;
      const rows = await store.timeline({ emailId, order, limit: limit + 1, after });
      if (rows.length === 0 && !after && !(await store.email(emailId))) {
        throw new MailtrailError('not_found', `no email with id ${emailId} in the log; check the id or search by subject`);
      }
      return page(rows, limit, eventCursor);
    },

    async 'emails/get'({ emailId }) {
      const email = await store.email(emailId);
      if (!email) throw new MailtrailError('not_found', `no email with id ${emailId} in the log; check the id or search by subject`);
      return email;
    },

    async 'emails/search'({ query, limit, cursor }) {
      const beforeId = cursor ? decodeId(cursor) : undefined;
      const { id, idOnly } = parseEmailQuery(query);
      // The email whose id was typed comes first (issue 11, item 4); `#39` asks for that id alone.
      const exact = id !== undefined && !cursor ? await store.email(id) : null;
      if (idOnly) return { items: exact ? [exact] : [], nextCursor: null };
      // The exact id is left out of the id-ordered rest, on every page; one row more covers it.
      const rows = (await store.searchEmails({ text: query, limit: limit + 2, beforeId })).filter((email) => email.id !== id);
      const want = exact ? Math.max(limit - 1, 1) : limit;
      const rest = page(rows.slice(0, want + 1), want, (email) => encodeId(email.id));
      return exact ? { items: [exact, ...rest.items], nextCursor: rest.nextCursor } : rest;
    },

    async 'emails/overview'({ emailId }) {
      const { hasStatus, hasMessage, ...facts } = await store.emailFacts(emailId);
      if (!hasMessage && facts.event_count === 0) {
        throw new MailtrailError('not_found', `no email with id ${emailId} in the log; check the id or search by subject`);
      }
      const first = facts.first_event_at ? zonelessMs(facts.first_event_at) : NaN;
      const last = facts.last_event_at ? zonelessMs(facts.last_event_at) : NaN;
      return {
        id: emailId,
        ...facts,
        processing_ms: Number.isFinite(first) && Number.isFinite(last) ? Math.round(last - first) : null,
        notice: hasStatus ? null : 'This offline cache was made before Mailtrail kept status and classification; sync it again to see them.',
      };
    },

    async 'emails/count'({ query }) {
      const { id, idOnly } = parseEmailQuery(query);
      if (idOnly) return { count: id !== undefined && (await store.email(id)) ? 1 : 0, exact: true, searched: 1 };
      const { matched, examined } = await store.countEmails(query, EMAIL_COUNT_BOUND);
      return { count: matched, exact: examined <= EMAIL_COUNT_BOUND, searched: Math.min(examined, EMAIL_COUNT_BOUND) };
    },

    async 'activity/recent'({ limit, cursor, ...filter }) {
      const { before, scan } = cursor ? decodeRecentCursor(cursor, { min: MIN_SCAN_BUDGET, max: MAX_SCAN_BUDGET }) : { before: undefined, scan: undefined };
      const { events, scannedTo, scanned, search } = await store.recentActivity({ ...filter, limit: limit + 1, before, scan });
      const source = search ? { search, notice: search === 'scan' ? scanNotice(filter, store.source.kind) : null } : null;
      if (!scannedTo || events.length > limit) return { ...page(events, limit, eventCursor), searchedTo: null, source };
      return { items: events, nextCursor: encodeSearchCursor(scannedTo, widerScan(scanned ?? MIN_SCAN_BUDGET)), searchedTo: scannedTo.createdAt, source };
    },

    'activity/stats': (range) => store.activityStats(range),

    async 'activity/metadata-keys'({ eventTypes }) {
      return { keys: await store.metadataKeys(eventTypes) };
    },

    async 'analytics/timeseries'({ bucket, ...range }) {
      return withSource(await store.categoryTimeseries(range, bucket));
    },

    async 'analytics/errors'(range) {
      return withSource(await store.errorAnalysis(range));
    },

    async 'analytics/workflows'(range) {
      return withSource(await store.workflowSuccess(range));
    },

    async 'analytics/slowest'({ limit, ...filter }) {
      return withSource(await store.slowestExecutions(limit, filter));
    },

    async 'users/list'() {
      return { items: await store.users() };
    },

    async 'users/activity'({ userId, limit, cursor, ...filter }) {
      const before = cursor ? decodeKeyset(cursor) : undefined;
      const rows = await store.userActivity({ ...filter, userId, limit: limit + 1, before });
      // An unknown user is an error, as an unknown email is; a known user who did nothing is an empty list.
      if (rows.length === 0 && !before && !(await store.userExists(userId))) {
        throw new MailtrailError('not_found', `no user with id ${userId} in the users table; pick a user from users/list`);
      }
      return page(rows, limit, eventCursor);
    },

    'activity/count': (filter) => store.countActivity(filter),

    async 'emails/subjects'({ emailIds }) {
      return { items: await store.emailSubjects(emailIds) };
    },

    async 'source/status'() {
      const { kind, label } = store.source;
      const offline = { syncedAt: store.source.syncedAt ?? null, cachedFrom: store.source.cachedFrom ?? null };
      try {
        const { timeZone } = await store.ping();
        return { kind, label, state: 'connected', readOnly: true, message: null, timeZone, ...offline };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { kind, label, state: 'unreachable', readOnly: true, message, timeZone: null, ...offline };
      }
    },

    'activity/extent': (options) => store.extent(options),

    async 'analytics/error-impact'(range) {
      const impact = await store.errorImpact(range);
      // One order for both stores: by error type's code points, the type-less errors last.
      const errors = [...impact.errors].sort((a, b) =>
        a.error_type === b.error_type ? 0 : a.error_type === null ? 1 : b.error_type === null ? -1 : a.error_type < b.error_type ? -1 : 1,
      );
      return withSource<ErrorImpact>({ ...impact, errors });
    },

    async 'users/summary'({ userId, ...range }) {
      // Most first, then by type's code points, the same on both stores.
      const types = (await store.userSummary(userId, range)).sort(
        (a, b) => b.count - a.count || (a.event_type < b.event_type ? -1 : a.event_type > b.event_type ? 1 : a.event_category < b.event_category ? -1 : a.event_category > b.event_category ? 1 : 0),
      );
      return { types, total: types.reduce((sum, row) => sum + row.count, 0) };
    },
  };
}
