import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useRef, useState, useEffect } from 'react';
import type { ActivityEvent } from '../../src-main/contract/schemas';
import { EVENT_CATEGORIES, EVENT_TYPES, type EventCategory } from '../../src-main/contract/taxonomy';
import { useClient } from '../api/client-context';
import { hrefOf, navigate } from '../app/hash-router';
import { useTimeZone } from '../app/source-status';
import { CategoryIcon, colourOf } from '../components/category-badge';
import { EmptyState, ErrorState, ListFooter, LoadingState } from '../components/states';
import { formatAbsolute, formatRelative, formatShort, instantOf } from '../lib/time';
import { useKeysetPages } from '../lib/use-keyset-pages';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { useNow } from '../lib/use-now';
import { actorOf } from '../timeline/timeline-event';
import { filtersFromParams, paramsOfFilters, type ActivityFilters } from './activity-filters';

const ROW_HEIGHT = 56;
const PAGE_SIZE = 100;

/** Recent activity across all emails (the seed's /activity/recent), filtered, keyset-paged and virtualised. */
export function ActivityPage({ params }: { params: URLSearchParams }) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const now = useNow();
  const filters = filtersFromParams(params);
  const filterKey = JSON.stringify(filters);
  const setFilters = (next: ActivityFilters) => navigate(hrefOf('activity', paramsOfFilters(next)), { replace: true });

  const fetchPage = useCallback(
    (cursor: string | undefined) => {
      const { eventTypes, eventCategories } = JSON.parse(filterKey) as ActivityFilters;
      return client['activity/recent']({
        limit: PAGE_SIZE,
        cursor,
        eventTypes: eventTypes.length ? eventTypes : undefined,
        eventCategories: eventCategories.length ? eventCategories : undefined,
      });
    },
    [client, filterKey],
  );
  const { state, hasMore, loadingMore, moreError, loadMore, retry } = useKeysetPages<ActivityEvent>(`activity:${filterKey}`, fetchPage);
  const events = state.items;

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: events.length + 1,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const virtualItems = virtualizer.getVirtualItems();
  const lastVisible = virtualItems[virtualItems.length - 1]?.index ?? 0;
  useEffect(() => {
    if (hasMore && lastVisible >= events.length - 20) loadMore();
  }, [hasMore, lastVisible, events.length, loadMore]);

  const [selected, setSelected] = useState(-1);
  useEffect(() => setSelected(-1), [filterKey]);
  const openEmail = (event: ActivityEvent) => navigate(hrefOf(`emails/${event.email_id}`));
  useListKeyboard({
    count: events.length,
    selected,
    select: (index) => {
      setSelected(index);
      virtualizer.scrollToIndex(index, { align: 'auto' });
    },
    open: (index) => {
      const event = events[index];
      if (event) openEmail(event);
    },
  });

  const toggleCategory = (category: EventCategory) => {
    const has = filters.eventCategories.includes(category);
    setFilters({
      ...filters,
      eventCategories: has ? filters.eventCategories.filter((c) => c !== category) : [...filters.eventCategories, category],
    });
  };
  const customTypes = filters.eventTypes.filter((type) => !(EVENT_TYPES as readonly string[]).includes(type));
  const filtered = filters.eventTypes.length > 0 || filters.eventCategories.length > 0;

  return (
    <div className="page page--full" data-testid="activity-page">
      <header className="page-header">
        <div>
          <h1 className="page__title">Activity</h1>
          <p className="page__subtitle">Recent events across all emails, newest first.</p>
        </div>
      </header>
      <div className="filters" role="group" aria-label="Filters">
        <label className="filter-select">
          <span className="filter-select__label">Event type</span>
          <select
            value={filters.eventTypes.length === 1 ? filters.eventTypes[0] : filters.eventTypes.length > 1 ? '__many' : ''}
            onChange={(event) =>
              setFilters({ ...filters, eventTypes: event.target.value && event.target.value !== '__many' ? [event.target.value] : [] })
            }
            data-testid="filter-event-type"
          >
            <option value="">All event types</option>
            {filters.eventTypes.length > 1 && <option value="__many">{filters.eventTypes.join(', ')}</option>}
            {[...EVENT_TYPES, ...customTypes.filter(() => filters.eventTypes.length === 1)].map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <div className="chips" role="group" aria-label="Event categories">
          {EVENT_CATEGORIES.map((category) => {
            const active = filters.eventCategories.includes(category);
            return (
              <button
                key={category}
                type="button"
                className={`chip${active ? ' is-active' : ''}`}
                data-colour={colourOf(category)}
                aria-pressed={active}
                onClick={() => toggleCategory(category)}
                data-testid={`filter-category-${category}`}
              >
                <span className="chip__dot" aria-hidden="true" />
                {category}
              </button>
            );
          })}
        </div>
        {filtered && (
          <button type="button" className="link-button" onClick={() => setFilters({ eventTypes: [], eventCategories: [] })} data-testid="filter-clear">
            Clear filters
          </button>
        )}
        <span className="filters__count" data-testid="activity-count" aria-live="polite">
          {state.status === 'ready' && `${events.length.toLocaleString('en')}${hasMore ? '+' : ''} events`}
        </span>
      </div>
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="Recent activity could not be loaded" />
      ) : state.status === 'loading' && events.length === 0 ? (
        <LoadingState label="Loading recent activity…" />
      ) : events.length === 0 ? (
        <EmptyState title={filtered ? 'No events match these filters' : 'No activity logged yet'} testId="activity-empty">
          {filtered ? (
            <p>
              Nothing in the log has this event type and category together. Remove a filter or{' '}
              <button type="button" className="link-button" onClick={() => setFilters({ eventTypes: [], eventCategories: [] })}>
                clear them all
              </button>
              .
            </p>
          ) : (
            <p>Events appear here as soon as the hub logs them.</p>
          )}
        </EmptyState>
      ) : (
        <div className="table">
          <div className="table__head" role="presentation">
            <span>Event</span>
            <span>Description</span>
            <span>Email</span>
            <span>By</span>
            <span>When ({timeZone ?? 'zone unknown'})</span>
          </div>
          <div ref={scrollRef} className="scroller" role="list" aria-label="Recent activity" data-testid="activity-list" tabIndex={-1}>
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
                    className={`activity-row virtual__row${isSelected ? ' is-selected' : ''}`}
                    style={style}
                    onClick={() => setSelected(item.index)}
                    onDoubleClick={() => openEmail(event)}
                    data-testid="activity-row"
                    data-event-type={event.event_type}
                    data-category={event.event_category}
                    data-selected={isSelected || undefined}
                  >
                    <span className="activity-row__type">
                      <CategoryIcon category={event.event_category} size="sm" />
                      <span className="event__type">{event.event_type}</span>
                    </span>
                    <span className="activity-row__description" title={event.description}>
                      {event.description}
                    </span>
                    <a className="activity-row__email mono" href={hrefOf(`emails/${event.email_id}`)} data-testid="activity-email-link">
                      #{event.email_id}
                    </a>
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
    </div>
  );
}
