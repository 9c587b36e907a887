import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import type { ActivityEvent } from '../contract/schemas';
import type { AnalyticsSource, ErrorImpact } from '../contract/analytics';
import type { FromRollup, LogStore } from '../store/log-store';
import { MAX_SCAN_BUDGET, MIN_SCAN_BUDGET, widerScan } from '../store/activity-scan';
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
function withSource<T>({ rollup, ...rows }: FromRollup<T>): Omit<FromRollup<T>, 'rollup'> & { source: AnalyticsSource } {
  return { ...rows, source: { rollup, notice: rollup ? null : LIVE_NOTICE } };
}

const eventCursor = (event: ActivityEvent) => encodeKeyset({ createdAt: event.created_at, id: event.id });

/** Every contract operation, implemented once over a LogStore; the transports only adapt it. */
export function createLogService(store: LogStore): MailtrailService {
  return {
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
      const rows = await store.searchEmails({ text: query, limit: limit + 1, beforeId });
      return page(rows, limit, (email) => encodeId(email.id));
    },

    async 'activity/recent'({ limit, cursor, ...filter }) {
      const { before, scan } = cursor ? decodeRecentCursor(cursor, { min: MIN_SCAN_BUDGET, max: MAX_SCAN_BUDGET }) : { before: undefined, scan: undefined };
      const { events, scannedTo, scanned } = await store.recentActivity({ ...filter, limit: limit + 1, before, scan });
      if (!scannedTo || events.length > limit) return { ...page(events, limit, eventCursor), searchedTo: null };
      return { items: events, nextCursor: encodeSearchCursor(scannedTo, widerScan(scanned ?? MIN_SCAN_BUDGET)), searchedTo: scannedTo.createdAt };
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
      return page(rows, limit, eventCursor);
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

    'activity/extent': () => store.extent(),

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
