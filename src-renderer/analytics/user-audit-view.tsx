import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { UserActivityEvent, UserEventSummary } from '../../src-main/contract/analytics';
import { userLabel, useUsers } from '../activity/activity-filter-bar';
import { activityHref, idsOf } from '../activity/activity-filters';
import { useClient } from '../api/client-context';
import { EVENT_TYPE_PATTERN } from '../../src-main/contract/taxonomy';
import { hrefOf, navigate } from '../app/hash-router';
import type { TabParams } from './analytics-page';
import { describeRange, rangeKey, rangeQuery, type AnalyticsRange } from './date-range';
import { useAnalyticsQuery } from './use-analytics-query';
import { ExportButton } from '../reports/export-dialog';
import { defaultTitle, userAuditScope } from '../reports/report-scope';
import { useTimeZone } from '../app/source-status';
import { CategoryIcon } from '../components/category-badge';
import { UserIcon } from '../components/icons';
import { EmptyState, ErrorState, ListFooter, LoadingState } from '../components/states';
import { formatAbsolute, formatRelative, formatShort, instantOf } from '../lib/time';
import { useKeysetPages, useVirtualRowsLoadingMore } from '../lib/use-keyset-pages';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { useNow } from '../lib/use-now';

const ROW_HEIGHT = 56;
const PAGE_SIZE = 200;

/** The event types in the URL (`type=read,linked`), the valid ones. */
const typesOf = (text: string | null): string[] => [...new Set((text ?? '').split(',').map((part) => part.trim()).filter((type) => EVENT_TYPE_PATTERN.test(type)))];

/** The seed's use case 3: what a user did in the range, counted per event type, with each email's subject, newest first. */
export function UserAuditView({ params, range, onParamsChange }: { params: URLSearchParams; range: AnalyticsRange; onParamsChange(changes: TabParams): void }) {
  const users = useUsers();
  const userId = idsOf(params.get('user'))[0] ?? null;
  const eventTypes = typesOf(params.get('type'));
  const user = users.find((u) => u.id === userId);
  const name = user ? userLabel(user) : `User #${userId}`;
  const setTypes = (types: string[]) => onParamsChange({ type: types.length ? types.join(',') : undefined });
  const summary = useUserSummary(userId, range);
  return (
    <div className="analytics__body analytics__body--fill" data-testid="user-audit-view">
      <div className="filters">
        <label className="filter-select">
          <span className="filter-select__label">User</span>
          <select
            value={userId ?? ''}
            onChange={(event) => onParamsChange({ user: event.target.value || undefined, type: undefined })}
            data-testid="audit-user"
          >
            <option value="">Pick a user…</option>
            {userId !== null && !user && <option value={userId}>User #{userId}</option>}
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {userLabel(u)}
                {u.email ? ` · ${u.email}` : ''}
              </option>
            ))}
          </select>
        </label>
        {userId !== null && (
          <a className="link-button" href={activityHref({ userIds: [userId], eventTypes, ...rangeQuery(range) })} data-testid="audit-in-explorer">
            Filter this user in Activity
          </a>
        )}
        <ExportButton
          className="filters__end"
          scope={userId === null ? null : userAuditScope(userId, range, eventTypes)}
          title={userId === null ? '' : defaultTitle(userAuditScope(userId, range, eventTypes), { user: name })}
          disabledReason={userId === null ? 'Pick a user to export what they did' : undefined}
        />
      </div>
      {userId === null ? (
        <EmptyState title="Pick a user" testId="audit-pick" icon={<UserIcon width={22} height={22} />}>
          <p>Everything they did appears here, newest first, with each email’s subject.</p>
        </EmptyState>
      ) : (
        <>
          <UserTypeSummary name={name} eventTypes={eventTypes} onTypesChange={setTypes} summary={summary} />
          <UserEvents userId={userId} name={name} range={range} eventTypes={eventTypes} total={totalOf(summary.state.data, eventTypes)} />
        </>
      )}
    </div>
  );
}

/** The user's counts per event type in the range; none while no user is picked. */
function useUserSummary(userId: number | null, range: AnalyticsRange) {
  const { client } = useClient();
  return useAnalyticsQuery(`user-summary:${userId}:${rangeKey(range)}`, () =>
    userId === null ? Promise.resolve(null) : client['users/summary']({ userId, ...rangeQuery(range) }),
  );
}

/** The exact number of events the list holds, from the summary: all of them, or those of the chosen types. */
export function totalOf(summary: UserEventSummary | null, eventTypes: string[]): number | null {
  if (!summary) return null;
  if (eventTypes.length === 0) return summary.total;
  return summary.types.filter((row) => eventTypes.includes(row.event_type)).reduce((sum, row) => sum + row.count, 0);
}

/** Counts per event type for the user in the range; each one filters the list below to it. */
function UserTypeSummary({
  name,
  eventTypes,
  onTypesChange,
  summary: { state, retry },
}: {
  name: string;
  eventTypes: string[];
  onTypesChange(types: string[]): void;
  summary: ReturnType<typeof useUserSummary>;
}) {
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={retry} title={`What ${name} did could not be counted`} />;
  const summary = state.data;
  const toggle = (type: string) => onTypesChange(eventTypes.includes(type) ? eventTypes.filter((t) => t !== type) : [...eventTypes, type]);
  return (
    <div className="audit-summary" role="group" aria-label={`What ${name} did, per event type`} data-testid="audit-summary" data-total={summary?.total}>
      <button type="button" className="chip audit-summary__chip" aria-pressed={eventTypes.length === 0} onClick={() => onTypesChange([])} data-testid="audit-type-all">
        All types <span className="audit-summary__count">{summary ? summary.total.toLocaleString('en') : '…'}</span>
      </button>
      {summary?.types.map((row) => (
        <button
          key={`${row.event_type}:${row.event_category}`}
          type="button"
          className="chip audit-summary__chip"
          aria-pressed={eventTypes.includes(row.event_type)}
          onClick={() => toggle(row.event_type)}
          data-testid="audit-type"
          data-event-type={row.event_type}
          data-count={row.count}
        >
          <CategoryIcon category={row.event_category} size="sm" />
          {row.event_type} <span className="audit-summary__count">{row.count.toLocaleString('en')}</span>
        </button>
      ))}
      {/* A type in the URL the user has no events of still shows, so it can be removed. */}
      {summary &&
        eventTypes
          .filter((type) => !summary.types.some((row) => row.event_type === type))
          .map((type) => (
            <button key={type} type="button" className="chip audit-summary__chip" aria-pressed onClick={() => toggle(type)} data-testid="audit-type" data-event-type={type} data-count={0}>
              {type} <span className="audit-summary__count">0</span>
            </button>
          ))}
    </div>
  );
}

function UserEvents({ userId, name, range, eventTypes, total }: { userId: number; name: string; range: AnalyticsRange; eventTypes: string[]; total: number | null }) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const now = useNow();
  const typesKey = eventTypes.join(',');
  const rangeId = rangeKey(range);
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      client['users/activity']({ userId, limit: PAGE_SIZE, cursor, ...rangeQuery(range), eventTypes: typesKey ? typesKey.split(',') : undefined }),
    // The range object changes identity on every render; rangeId says when it really changed.
    [client, userId, rangeId, typesKey],
  );
  const { state, hasMore, loadingMore, moreError, loadMore, retry } = useKeysetPages<UserActivityEvent>(`user:${userId}:${rangeId}:${typesKey}`, fetchPage);
  const events = state.items;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: events.length + 1,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const virtualItems = useVirtualRowsLoadingMore(virtualizer, events.length, { hasMore, loadMore });
  const [selected, setSelected] = useState(-1);
  useEffect(() => setSelected(-1), [userId, rangeId, typesKey]);
  const openEmail = (event: UserActivityEvent) => navigate(hrefOf(`emails/${event.email_id}`));
  useListKeyboard({
    count: events.length,
    selected,
    select: setSelected,
    virtualizer,
    open: (index) => {
      const event = events[index];
      if (event) openEmail(event);
    },
  });

  if (state.status === 'error') return <ErrorState error={state.error} onRetry={retry} title={`What ${name} did could not be loaded`} />;
  if (state.status === 'loading' && events.length === 0) return <LoadingState label={`Loading what ${name} did…`} />;
  if (events.length === 0) {
    return (
      <EmptyState title={range.preset === 'all' && !typesKey ? `${name} has no events in the log` : `${name} has no ${typesKey ? `${eventTypes.join(' or ')} ` : ''}events in ${describeRange(range)}`} testId="audit-empty">
        <p>Events with this user appear here once the hub logs them (reads, downloads, uploads); try All time or all types.</p>
      </EmptyState>
    );
  }
  return (
    <div className="table">
      <div className="filters__status filters__status--inset">
        <span className="filters__count" data-testid="audit-count" aria-live="polite">
          {`${total !== null ? total.toLocaleString('en') : `${events.length.toLocaleString('en')}${hasMore ? '+' : ''}`} ${typesKey ? `${eventTypes.join(', ')} ` : ''}events by ${name} · ${range.preset === 'all' ? 'all time' : describeRange(range)}`}
        </span>
      </div>
      <div className="table__head audit-row" role="presentation">
        <span>Event</span>
        <span>Email</span>
        <span>Description</span>
        <span>When ({timeZone ?? 'zone unknown'})</span>
      </div>
      <div ref={scrollRef} className="scroller" role="list" aria-label={`What ${name} did`} data-testid="audit-list" tabIndex={-1}>
        <div className="virtual" style={{ height: virtualizer.getTotalSize() }}>
          {virtualItems.map((item) => {
            const style = { transform: `translateY(${item.start}px)`, height: item.size };
            const event = events[item.index];
            if (!event) {
              return (
                <div key="footer" className="virtual__row" style={style}>
                  <ListFooter loadingMore={loadingMore} error={moreError} onRetry={retry} end={hasMore ? '' : `That is everything ${name} did`} />
                </div>
              );
            }
            const isSelected = item.index === selected;
            return (
              <div
                key={event.id}
                role="listitem"
                className={`activity-row audit-row virtual__row${isSelected ? ' is-selected' : ''}`}
                style={style}
                onClick={() => setSelected(item.index)}
                onDoubleClick={() => openEmail(event)}
                data-testid="audit-row"
                data-event-type={event.event_type}
                data-user-id={event.user_id ?? undefined}
                data-email-id={event.email_id}
                data-selected={isSelected || undefined}
              >
                <span className="activity-row__type">
                  <CategoryIcon category={event.event_category} size="sm" />
                  <span className="event__type">{event.event_type}</span>
                </span>
                <a className="audit-row__email" href={hrefOf(`emails/${event.email_id}`)} data-testid="audit-email-link" title={event.email_subject ?? undefined}>
                  <span className="mono audit-row__id">#{event.email_id}</span>
                  <span className={`audit-row__subject${event.email_subject ? '' : ' is-missing'}`} data-testid="audit-subject">
                    {event.email_subject ?? '(no subject recorded)'}
                  </span>
                </a>
                <span className="activity-row__description" title={event.description}>
                  {event.description}
                </span>
                <span className="activity-row__time" title={formatAbsolute(event.created_at, timeZone)}>
                  <span>{formatShort(event.created_at)}</span>
                  <span className="activity-row__relative">{formatRelative(instantOf(event.created_at, timeZone), now)}</span>
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
