import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { isReversedRange, type ActivityCount, type ActivityEvent, type RecentActivityPage } from '../../src-main/contract/schemas';
import { useClient } from '../api/client-context';
import { hrefOf, navigate } from '../app/hash-router';
import { useTimeZone } from '../app/source-status';
import { CategoryIcon } from '../components/category-badge';
import { ReversedRangeNotice } from '../components/reversed-range';
import { EmptyState, ErrorState, ListFooter, LoadingState } from '../components/states';
import { formatAbsolute, formatRelative, formatShort, instantOf } from '../lib/time';
import { useKeysetPages, useVirtualRowsLoadingMore } from '../lib/use-keyset-pages';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { useNow } from '../lib/use-now';
import { actorOf } from '../timeline/timeline-event';
import { ExportButton } from '../reports/export-dialog';
import { activityScope, defaultTitle } from '../reports/report-scope';
import { ActivityFilterBar } from './activity-filter-bar';
import { activityHref, countText, filtersFromParams, isFiltered, NO_FILTERS, recentRequestOf, type ActivityFilters } from './activity-filters';
import { useActivityCount, useEmailSubjects } from './use-activity-extras';
import { useLiveEvents } from './use-live-events';

const ROW_HEIGHT = 56;
const PAGE_SIZE = 100;

/** Recent activity across all emails (the seed's /activity/recent), filtered, keyset-paged, virtualised, optionally live. */
export function ActivityPage({ params }: { params: URLSearchParams }) {
  const filters = filtersFromParams(params);
  const { live: _live, ...query } = filters;
  const filterKey = JSON.stringify(query);
  const setFilters = useCallback((next: ActivityFilters) => navigate(activityHref(next), { replace: true }), []);

  return (
    <div className="page page--full" data-testid="activity-page">
      <header className="page-header">
        <div>
          <h1 className="page__title">Activity</h1>
          <p className="page__subtitle">Events across all emails, newest first. Every filter is part of the address, so a view can be bookmarked or shared.</p>
        </div>
        <div className="page-header__tools">
          <ExportButton
            scope={activityScope(filters)}
            title={defaultTitle(activityScope(filters))}
            disabledReason={isReversedRange(filters) ? 'From is after To: swap the range to export' : undefined}
          />
          <button
            type="button"
            className={`live-toggle${filters.live ? ' is-on' : ''}`}
            aria-pressed={filters.live}
            onClick={() => setFilters({ ...filters, live: !filters.live })}
            data-testid="live-toggle"
            title="Check for new events every few seconds while this tab is visible"
          >
            <span className="live-toggle__dot" aria-hidden="true" />
            Live
          </button>
        </div>
      </header>
      <ActivityFilterBar filters={filters} setFilters={setFilters} />
      {isReversedRange(filters) ? (
        <ReversedRangeNotice
          from={filters.from}
          to={filters.to}
          consequence="No event can be in that range, so nothing was searched."
          onSwap={() => setFilters({ ...filters, from: filters.to, to: filters.from })}
          className="activity__notice"
        />
      ) : (
        // A new filter is a new list: scroll position, virtualiser and selection start at the newest row.
        <ActivityResults key={filterKey} filters={filters} filterKey={filterKey} setFilters={setFilters} />
      )}
    </div>
  );
}

interface ActivityResultsProps {
  filters: ActivityFilters;
  filterKey: string;
  setFilters(next: ActivityFilters): void;
}

function ActivityResults({ filters, filterKey, setFilters }: ActivityResultsProps) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const now = useNow();
  const fetchPage = useCallback(
    (cursor: string | undefined) =>
      client['activity/recent']({ ...recentRequestOf(JSON.parse(filterKey) as ActivityFilters), limit: PAGE_SIZE, cursor }),
    [client, filterKey],
  );
  const { state, hasMore, loadingMore, moreError, lastPage, loadMore, retry } = useKeysetPages<ActivityEvent, RecentActivityPage>(
    `activity:${filterKey}`,
    fetchPage,
  );
  // A filter checked row by row searches the log a stretch per page; say how far back it has got.
  const searchedTo = lastPage?.searchedTo ?? null;
  const searching = searchedTo !== null && (state.status === 'loading' || loadingMore);
  // Why a text or metadata search went stretch by stretch instead of through an index.
  const scanNotice = lastPage?.source?.search === 'scan' ? lastPage.source.notice : null;

  const scrollRef = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState(-1);
  const shift = useRef(0);
  const { fresh, unseen, lastChecked, liveError, clearUnseen } = useLiveEvents({
    enabled: filters.live && state.status === 'ready',
    filterKey,
    shown: state.items,
    fetchFirstPage: () => fetchPage(undefined),
    isScrolledDown: () => (scrollRef.current?.scrollTop ?? 0) > ROW_HEIGHT / 2,
    onPrepend: (count) => {
      shift.current += count;
      setSelected((index) => (index >= 0 ? index + count : index));
    },
  });
  const events = useMemo(() => (fresh.length ? [...fresh, ...state.items] : state.items), [fresh, state.items]);

  // Off while no scroller is mounted (loading, error, empty): it then forgets its offset, so a list
  // that mounts again (after Retry) starts at the top instead of where the old scroller was.
  const tableShown = state.status !== 'error' && events.length > 0;
  const virtualizer = useVirtualizer({
    enabled: tableShown,
    count: events.length + 1,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  // New rows on top push the list down by their height, so what the user reads stays put.
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (shift.current && element && element.scrollTop > ROW_HEIGHT / 2) element.scrollTop += shift.current * ROW_HEIGHT;
    shift.current = 0;
  }, [fresh.length]);
  const virtualItems = useVirtualRowsLoadingMore(virtualizer, events.length, { hasMore, loadMore });

  // The email remembers this view, so Esc (or Back) there returns to it, filters and all.
  const emailHref = (emailId: number) => hrefOf(`emails/${emailId}`, { back: activityHref(filters) });
  const openEmail = (event: ActivityEvent) => navigate(emailHref(event.email_id));
  const subjects = useEmailSubjects(useMemo(() => events.map((event) => event.email_id), [events]));
  const count = useActivityCount(filters, state.status === 'ready');
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

  const filtered = isFiltered(filters);
  const clearAll = () => setFilters({ ...NO_FILTERS, live: filters.live });
  const showNewest = () => {
    scrollRef.current?.scrollTo({ top: 0 });
    clearUnseen();
  };

  return (
    <>
      <div className="filters__status">
        {filters.live && (
          <span className={`live-status${liveError ? ' is-error' : ''}`} data-testid="live-status" role="status" title={liveError?.message}>
            {liveError ? 'Live: cannot refresh, retrying' : lastChecked ? `Checked ${formatClock(lastChecked)}` : 'Waiting for the first check…'}
          </span>
        )}
        <span className="filters__count" data-testid="activity-count" aria-live="polite" title={countTitle(count, hasMore)}>
          {state.status === 'ready' && countText(events.length, hasMore, count, fresh.length)}
          {state.status === 'loading' && 'Loading…'}
        </span>
        {searching && (
          <span className="filters__searched" data-testid="activity-searched-to" title="Text and metadata are checked event by event, a stretch of the log at a time">
            Searching… back to {formatShort(searchedTo)}
          </span>
        )}
        {scanNotice && !searching && (
          <span className="filters__searched" data-testid="activity-scan-notice" title={scanNotice}>
            Searched stretch by stretch <span className="visually-hidden">: {scanNotice}</span>
          </span>
        )}
      </div>
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="Activity could not be loaded" />
      ) : state.status === 'loading' && events.length === 0 ? (
        <LoadingState label={searching ? `Searching the log… back to ${formatShort(searchedTo)}` : 'Loading activity…'} />
      ) : events.length === 0 ? (
        <EmptyState title={filtered ? 'No events match these filters' : 'No activity logged yet'} testId="activity-empty">
          {filtered ? (
            <p>
              Nothing in the log matches all of them together. Remove a filter or{' '}
              <button type="button" className="link-button" onClick={clearAll}>
                clear them all
              </button>
              .{filters.live && ' Live mode keeps checking for new events.'}
            </p>
          ) : (
            <p>Events appear here as soon as the hub logs them.</p>
          )}
        </EmptyState>
      ) : (
        <div className="table">
          <div className="table__head activity-head" role="presentation">
            <span>Event</span>
            <span>Description</span>
            <span>Email</span>
            <span>By</span>
            <span>When ({timeZone ?? 'zone unknown'})</span>
          </div>
          {unseen > 0 && (
            <button type="button" className="new-events" onClick={showNewest} data-testid="live-new-events">
              ↑ {unseen.toLocaleString('en')} new {unseen === 1 ? 'event' : 'events'}
            </button>
          )}
          <div
            ref={scrollRef}
            className="scroller"
            role="list"
            aria-label="Activity"
            data-testid="activity-list"
            tabIndex={-1}
            onScroll={(event) => {
              if (unseen > 0 && event.currentTarget.scrollTop <= ROW_HEIGHT / 2) clearUnseen();
            }}
          >
            <div className="virtual" style={{ height: virtualizer.getTotalSize() }}>
              {virtualItems.map((item) => {
                const style = { transform: `translateY(${item.start}px)`, height: item.size };
                const event = events[item.index];
                if (!event) {
                  return (
                    <div key="footer" className="virtual__row" style={style}>
                      <ListFooter loadingMore={loadingMore} error={moreError} onRetry={retry} end={hasMore ? '' : 'No older events'} />
                    </div>
                  );
                }
                const isSelected = item.index === selected;
                return (
                  <div
                    key={event.id}
                    role="listitem"
                    className={`activity-row virtual__row${isSelected ? ' is-selected' : ''}${item.index < fresh.length ? ' is-fresh' : ''}`}
                    style={style}
                    onClick={() => setSelected(item.index)}
                    onDoubleClick={() => openEmail(event)}
                    data-testid="activity-row"
                    data-event-id={event.id}
                    data-event-type={event.event_type}
                    data-category={event.event_category}
                    data-user-id={event.user_id ?? undefined}
                    data-email-id={event.email_id}
                    data-created-at={event.created_at}
                    data-selected={isSelected || undefined}
                  >
                    <span className="activity-row__type">
                      <CategoryIcon category={event.event_category} size="sm" />
                      <span className="event__type">{event.event_type}</span>
                    </span>
                    <span className="activity-row__description" title={event.description} data-testid="activity-description">
                      {event.description}
                    </span>
                    <span className="activity-row__email">
                      <a className="mono" href={emailHref(event.email_id)} data-testid="activity-email-link">
                        #{event.email_id}
                      </a>
                      <EmailSubject subject={subjects.get(event.email_id)} />
                    </span>
                    <span className="activity-row__actor">{actorOf(event)}</span>
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
      )}
    </>
  );
}

const formatClock = (instant: number): string => new Date(instant).toLocaleTimeString('en-GB');

function countTitle(count: ActivityCount | null, hasMore: boolean): string | undefined {
  if (!hasMore) return undefined;
  if (!count) return 'Counting every matching event…';
  return count.exact ? undefined : 'Counting stopped at its bound so as not to load the database; the true number may be higher';
}

/** The email's subject beside its id; says so when the hub has no subject for it. */
function EmailSubject({ subject }: { subject: string | null | undefined }) {
  if (subject === undefined) return null;
  return (
    <span className={`activity-row__subject${subject ? '' : ' is-missing'}`} title={subject ?? undefined} data-testid="activity-subject">
      {subject ?? 'no subject'}
    </span>
  );
}
