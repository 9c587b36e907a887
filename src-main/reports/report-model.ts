import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MailtrailService } from '../contract/operations';
import type { ReportFormat, ReportProvenance, ReportScope, ReportSummary } from '../contract/reports';
import type { ActivityEvent } from '../contract/schemas';
import { packageRoot } from '../paths';
import type { EventLines, EventLinesFormat, EventRow, LogStore } from '../store/log-store';
import type { ReportOrigin } from './report-origin';
import { countScope } from './scope-count';

/**
 * The report model, once for every format: the provenance, the scope's events page by page from the
 * service's own operations (so PostgreSQL and an offline cache give the same events), and the summary.
 *
 * Event order: an email's timeline oldest first (it reads like a case file, as the timeline screen
 * can); the activity explorer's and a user's audit newest first, as their screens list them.
 */

/** Events per service call: big pages keep a million-event export near PostgreSQL's own COPY. */
export const REPORT_PAGE_SIZE = 10_000;

let version: string | undefined;
export function mailtrailVersion(): string {
  if (version === undefined) {
    try {
      version = String((JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

const list = (values: readonly (string | number)[]) =>
  values.length <= 1 ? values.join('') : `${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}`;
const plural = (count: number, one: string, many: string) => (count === 1 ? one : many);

function rangeText(range: { from?: string | undefined; to?: string | undefined }): string {
  if (range.from && range.to) return ` from ${range.from.replace('T', ' ')} to ${range.to.replace('T', ' ')}`;
  if (range.from) return ` from ${range.from.replace('T', ' ')}`;
  if (range.to) return ` until ${range.to.replace('T', ' ')}`;
  return '';
}

/** The scope in words, e.g. `events of type error of email 42 from 2026-05-01 to 2026-05-31`. */
export function describeScope(scope: ReportScope): string {
  if (scope.kind === 'email') return `the timeline of email ${scope.emailId}, archived events included`;
  if (scope.kind === 'user') return `the activity of user ${scope.userId}${rangeText(scope)}`;
  const parts: string[] = [];
  if (scope.eventTypes?.length) parts.push(`of ${plural(scope.eventTypes.length, 'type', 'types')} ${list(scope.eventTypes)}`);
  if (scope.eventCategories?.length) parts.push(`in ${plural(scope.eventCategories.length, 'category', 'categories')} ${list(scope.eventCategories)}`);
  if (scope.emailIds?.length) parts.push(`of ${plural(scope.emailIds.length, 'email', 'emails')} ${list(scope.emailIds)}`);
  if (scope.userIds?.length) parts.push(`by ${plural(scope.userIds.length, 'user', 'users')} ${list(scope.userIds)}`);
  if (scope.text?.trim()) parts.push(`whose description contains ${JSON.stringify(scope.text)}`);
  for (const condition of scope.metadata ?? []) parts.push(`with metadata ${condition.key} = ${JSON.stringify(condition.value)}`);
  const range = rangeText(scope);
  return parts.length === 0 && !range ? 'every event in the log' : `events ${parts.join(' ')}${range}`.replace(/^events $/, 'events');
}

export function defaultTitle(scope: ReportScope): string {
  if (scope.kind === 'email') return `Timeline of email ${scope.emailId}`;
  if (scope.kind === 'user') return `Activity of user ${scope.userId}`;
  return 'Activity report';
}

export function reportProvenance(origin: ReportOrigin, scope: ReportScope, format: ReportFormat, title: string | undefined, now: Date): ReportProvenance {
  return {
    mailtrail_report: 1,
    title: title?.trim() || defaultTitle(scope),
    format,
    generated_at: now.toISOString(),
    generated_by: origin.actor,
    source: origin.source,
    time_zone: origin.timeZone,
    mailtrail_version: mailtrailVersion(),
    scope,
    scope_text: describeScope(scope),
    checkpoint: origin.checkpoint,
  };
}

/** An event as a report carries it: the contract's fields only (a user's audit adds the subject on screen, not here). */
export function reportEvent(event: ActivityEvent): ActivityEvent {
  const carried: ActivityEvent = {
    id: event.id,
    email_id: event.email_id,
    event_type: event.event_type,
    event_category: event.event_category,
    description: event.description,
    metadata: event.metadata,
    user_id: event.user_id,
    user_name: event.user_name,
    created_at: event.created_at,
    created_by: event.created_by,
  };
  if (event.archived !== undefined) carried.archived = event.archived;
  return carried;
}

interface Page {
  items: ActivityEvent[];
  nextCursor: string | null;
}

/**
 * The scope's events, a page at a time, in report order, as the service answers them (a user's
 * audit adds email_subject: reportEvent() takes the report's fields alone). The next page is asked for as soon as the
 * previous one arrives, so the database works while the caller writes.
 */
export async function* scopePages(service: MailtrailService, scope: ReportScope, pageSize = REPORT_PAGE_SIZE): AsyncGenerator<ActivityEvent[]> {
  let fetchPage: (cursor: string | undefined) => Promise<Page>;
  if (scope.kind === 'email') {
    fetchPage = (cursor) => service['emails/timeline']({ emailId: scope.emailId, order: 'asc', limit: pageSize, cursor });
  } else if (scope.kind === 'user') {
    const { kind: _kind, ...filter } = scope;
    fetchPage = (cursor) => service['users/activity']({ ...filter, limit: pageSize, cursor });
  } else {
    const { kind: _kind, ...filter } = scope;
    fetchPage = (cursor) => service['activity/recent']({ ...filter, limit: pageSize, cursor });
  }
  let pending: Promise<Page> | null = fetchPage(undefined);
  try {
    while (pending) {
      const page: Page = await pending;
      pending = page.nextCursor ? fetchPage(page.nextCursor) : null;
      // A search page may be empty yet not the last (it searched a stretch of the log): go on.
      // As the service gave them: CSV and JSONL read the report's fields by name (canonicalEvent), so
      // copying a million events into new objects would only feed the garbage collector.
      if (page.items.length > 0) yield page.items;
    }
  } finally {
    // A caller that stopped early (cancel, a failed write) leaves no unhandled rejection behind.
    pending?.catch(() => undefined);
  }
}

/**
 * The scope's events as rows, a batch at a time, in report order: the store's one statement for the
 * whole scope (an export reads it all; the service's pages are bounded for screens). An empty email or
 * user scope asks the service's first page too, which says not_found for an id the log does not know.
 */
export async function* scopeRows(store: Pick<LogStore, 'streamEvents'>, service: MailtrailService, scope: ReportScope): AsyncGenerator<EventRow[]> {
  let empty = true;
  for await (const rows of store.streamEvents(scope)) {
    empty = false;
    yield rows;
  }
  if (empty) await checkEmptyScope(service, scope);
}

/** The scope's events as a CSV or JSONL report's lines (LogStore.streamEventLines), checked as scopeRows checks them. */
export async function* scopeLines(
  store: Pick<LogStore, 'streamEventLines'>,
  service: MailtrailService,
  scope: ReportScope,
  format: EventLinesFormat,
): AsyncGenerator<EventLines> {
  let empty = true;
  for await (const lines of store.streamEventLines(scope, format)) {
    empty = false;
    yield lines;
  }
  if (empty) await checkEmptyScope(service, scope);
}

/** An email or user the log does not know is an error (the service's not_found), not an empty report. */
async function checkEmptyScope(service: MailtrailService, scope: ReportScope): Promise<void> {
  if (scope.kind === 'activity') return;
  const pages = scopePages(service, scope, 1);
  try {
    await pages.next();
  } finally {
    await pages.return(undefined);
  }
}

/** The summary sections, gathered in the same pass as the events. */
export class SummaryCounter {
  private readonly types = new Map<string, { event_type: string; event_category: string; count: number }>();
  private readonly errors = new Map<string, number>();
  private readonly workflows = new Map<string, { succeeded: number; failed: number; other: number }>();

  add(event: ActivityEvent): void {
    const key = `${event.event_type}\u0000${event.event_category}`;
    const type = this.types.get(key);
    if (type) type.count += 1;
    else this.types.set(key, { event_type: event.event_type, event_category: event.event_category, count: 1 });
    if (event.event_type === 'error') {
      const errorType = typeof event.metadata?.error_type === 'string' ? event.metadata.error_type : '(no error_type)';
      this.errors.set(errorType, (this.errors.get(errorType) ?? 0) + 1);
    } else if (event.event_type === 'workflow_executed') {
      const name = typeof event.metadata?.workflow_name === 'string' ? event.metadata.workflow_name : '(no workflow_name)';
      const counts = this.workflows.get(name) ?? { succeeded: 0, failed: 0, other: 0 };
      // The seed's statuses: completed and failed (analytics count the same way).
      const status = event.metadata?.status;
      if (status === 'completed') counts.succeeded += 1;
      else if (status === 'failed') counts.failed += 1;
      else counts.other += 1;
      this.workflows.set(name, counts);
    }
  }

  /** Most first, then by name's code points: the same on both stores. */
  summary(): ReportSummary {
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return {
      by_type: [...this.types.values()].sort((a, b) => b.count - a.count || byName(a.event_type, b.event_type) || byName(a.event_category, b.event_category)),
      errors_by_type: [...this.errors].map(([error_type, count]) => ({ error_type, count })).sort((a, b) => b.count - a.count || byName(a.error_type, b.error_type)),
      workflows: [...this.workflows]
        .map(([workflow_name, counts]) => ({ workflow_name, ...counts }))
        .sort((a, b) => b.succeeded + b.failed + b.other - (a.succeeded + a.failed + a.other) || byName(a.workflow_name, b.workflow_name)),
    };
  }
}

/** How many events the scope holds, for a progress bar's "of N" and time left; null where unknown or only a lower bound. */
export async function expectedEvents(service: MailtrailService, scope: ReportScope): Promise<number | null> {
  const counted = await countScope(service, scope);
  return counted?.exact ? counted.count : null;
}
