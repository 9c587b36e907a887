import type { ReportFormat, ReportScope } from '../../src-main/contract/reports';
import { recentRequestOf, type ActivityFilters } from '../activity/activity-filters';
import { describeRange, rangeQuery, type AnalyticsRange } from '../analytics/date-range';

// What each screen exports: its own filters as a report scope (contract/reports.ts). Pure, so unit-tested.

type ActivityScope = Extract<ReportScope, { kind: 'activity' }>;
/** The analytics screens that count events of the whole log (the user audit has its own scope). */
export type AnalyticsScreen = 'statistics' | 'errors' | 'workflows';

/** Drops the fields a screen leaves empty, so the scope (and the report's provenance) names only what filters. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

export const emailScope = (emailId: number): ReportScope => ({ kind: 'email', emailId });

/** The activity explorer's current filters (live mode is how the list refreshes, not what it holds). */
export function activityScope(filters: ActivityFilters): ReportScope {
  return { kind: 'activity', ...defined(recentRequestOf(filters)) } as ActivityScope;
}

/**
 * An analytics screen's events over its range: statistics all of them, errors the `error` events,
 * workflows the `workflow_executed` ones (of the workflow and outcome chosen, as its lists open them).
 */
export function analyticsScope(tab: AnalyticsScreen, range: Pick<AnalyticsRange, 'preset' | 'from' | 'to'>, params?: URLSearchParams): ReportScope {
  const bounds = rangeQuery(range);
  if (tab === 'errors') return { kind: 'activity', eventTypes: ['error'], ...bounds };
  if (tab === 'workflows') {
    const workflow = params?.get('workflow');
    const status = params?.get('status');
    const metadata = [...(workflow ? [{ key: 'workflow_name', value: workflow }] : []), ...(status === 'completed' || status === 'failed' ? [{ key: 'status', value: status }] : [])];
    return { kind: 'activity', eventTypes: ['workflow_executed'], ...(metadata.length ? { metadata } : {}), ...bounds };
  }
  return { kind: 'activity', ...bounds };
}

/**
 * The user audit: what one user did in the range. Narrowed to some event types, it is the activity
 * explorer's scope for that user, since a user scope takes no types.
 */
export function userAuditScope(userId: number, range: Pick<AnalyticsRange, 'preset' | 'from' | 'to'>, eventTypes: readonly string[] = []): ReportScope {
  const bounds = rangeQuery(range);
  if (eventTypes.length) return { kind: 'activity', userIds: [userId], eventTypes: [...eventTypes], ...bounds };
  return { kind: 'user', userId, ...bounds };
}

const ANALYTICS_TITLES: Record<AnalyticsScreen, string> = {
  statistics: 'Activity',
  errors: 'Errors',
  workflows: 'Workflow runs',
};

/** "12 Mar 2025 – 11 Mar 2026", "since 1 May 2026", "up to 3 Jun 2026", or null without bounds. */
function rangeText(from: string | undefined, to: string | undefined): string | null {
  const day = (text: string) => text.slice(0, 10);
  if (from && to) return describeRange({ from: day(from), to: day(to) });
  if (from) return `since ${describeRange({ from: day(from), to: day(from) })}`;
  if (to) return `up to ${describeRange({ from: day(to), to: day(to) })}`;
  return null;
}

/**
 * The title a report gets unless the user writes one: what it covers, in a few words
 * ("Email #42 timeline", "Errors, 1 May 2026 – 31 May 2026", "User Anna Hansen, all time").
 */
export function defaultTitle(scope: ReportScope, names: { user?: string | undefined; screen?: AnalyticsScreen } = {}): string {
  if (scope.kind === 'email') return `Email #${scope.emailId} timeline`;
  const range = rangeText(scope.from, scope.to) ?? 'all time';
  if (scope.kind === 'user') return `${names.user ?? `User #${scope.userId}`} audit, ${range}`;
  if (names.screen) {
    const workflow = scope.metadata?.find((condition) => condition.key === 'workflow_name')?.value;
    return `${ANALYTICS_TITLES[names.screen]}${workflow ? ` of ${workflow}` : ''}, ${range}`;
  }
  const parts: string[] = [];
  if (scope.eventTypes?.length) parts.push(scope.eventTypes.join(', '));
  if (scope.eventCategories?.length) parts.push(`${scope.eventCategories.join(', ')} events`);
  if (scope.emailIds?.length) parts.push(`email${scope.emailIds.length > 1 ? 's' : ''} ${scope.emailIds.map((id) => `#${id}`).join(', ')}`);
  if (scope.userIds?.length) parts.push(names.user ?? `user${scope.userIds.length > 1 ? 's' : ''} ${scope.userIds.map((id) => `#${id}`).join(', ')}`);
  if (scope.text?.trim()) parts.push(`“${scope.text.trim()}”`);
  for (const condition of scope.metadata ?? []) parts.push(`${condition.key}=${condition.value}`);
  return `Activity${parts.length ? ` (${parts.join('; ')})` : ''}, ${range}`;
}

/**
 * The query of `GET /api/v1/emails/activity/export` for a scope: recent activity's snake_case
 * filters, lists repeated, metadata as `key=value`, plus the scope's kind, the format and the title.
 */
export function exportQuery(scope: ReportScope, format: ReportFormat, title?: string): string {
  const search = new URLSearchParams({ format, scope: scope.kind });
  const add = (name: string, values: readonly (string | number)[] | undefined) => {
    for (const value of values ?? []) search.append(name, String(value));
  };
  if (scope.kind === 'email') add('email_id', [scope.emailId]);
  else if (scope.kind === 'user') add('user_id', [scope.userId]);
  else {
    add('event_type', scope.eventTypes);
    add('event_category', scope.eventCategories);
    add('user_id', scope.userIds);
    add('email_id', scope.emailIds);
    if (scope.text?.trim()) search.set('text', scope.text.trim());
    add('metadata', scope.metadata?.map((condition) => `${condition.key}=${condition.value}`));
  }
  if (scope.kind !== 'email') {
    if (scope.from) search.set('from', scope.from);
    if (scope.to) search.set('to', scope.to);
  }
  if (title?.trim()) search.set('title', title.trim());
  return search.toString();
}

export const EXPORT_PATH = '/api/v1/emails/activity/export';
