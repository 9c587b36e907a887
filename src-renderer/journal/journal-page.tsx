import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { JournalEntry, JournalPage as JournalPageValue } from '../../src-main/contract/admin';
import { isReversedRange } from '../../src-main/contract/schemas';
import { useClient } from '../api/client-context';
import { navigate } from '../app/hash-router';
import { useOffline } from '../app/offline-banner';
import { useTimeZone } from '../app/source-status';
import { DateField } from '../components/date-field';
import { JsonView } from '../components/json-view';
import { ReversedRangeNotice } from '../components/reversed-range';
import { ClearFiltersHint, EmptyState, ErrorState, ListFooter, LoadingState } from '../components/states';
import { formatAbsolute, formatRelative, formatShort, instantOf } from '../lib/time';
import { useDebounced } from '../lib/use-debounced';
import { useKeysetPages, useVirtualRowsLoadingMore } from '../lib/use-keyset-pages';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { useNow } from '../lib/use-now';
import {
  durationText,
  isJournalFiltered,
  journalFiltersFromParams,
  journalHref,
  journalRequestOf,
  NO_JOURNAL_FILTERS,
  OUTCOME_LABELS,
  parametersText,
  type JournalFilters,
} from './journal-filters';

const ROW_HEIGHT = 56;
const PAGE_SIZE = 100;

const STARTED_TITLE = 'No outcome recorded: the write is still running, or its process ended before it could record one';

/** The admin journal (mailtrail_admin_journal): every write, newest first, filtered through the address. */
export function JournalPage({ params }: { params: URLSearchParams }) {
  const offline = useOffline();
  const filters = journalFiltersFromParams(params);
  const filterKey = JSON.stringify(filters);
  const setFilters = useCallback((next: JournalFilters) => navigate(journalHref(next), { replace: true }), []);

  return (
    <div className="page page--full" data-testid="journal-page">
      <header className="page-header">
        <div>
          <h1 className="page__title">Journal</h1>
          <p className="page__subtitle">
            Every write through the admin connection: who, what, with which parameters, and how it ended. Newest first.
          </p>
        </div>
      </header>
      {offline ? (
        <EmptyState title="The journal needs the live database" testId="journal-offline">
          <p>It is kept in PostgreSQL beside the log, and an offline cache has no copy. Open the live database to read it.</p>
        </EmptyState>
      ) : (
        <>
          <JournalFilterBar filters={filters} setFilters={setFilters} />
          {isReversedRange(filters) ? (
            <ReversedRangeNotice
              from={filters.from}
              to={filters.to}
              consequence="No entry can be in that range, so nothing was searched."
              onSwap={() => setFilters({ ...filters, from: filters.to, to: filters.from })}
              className="activity__notice"
            />
          ) : (
            <JournalResults key={filterKey} filters={filters} filterKey={filterKey} clear={() => setFilters(NO_JOURNAL_FILTERS)} />
          )}
        </>
      )}
    </div>
  );
}

/** A text filter that reaches the address after a pause; a change of address only updates the field. */
function useTypedFilter(value: string, apply: (text: string) => void): [string, (text: string) => void] {
  const [text, setText] = useState(value);
  const debounced = useDebounced(text, 300);
  const applyRef = useRef(apply);
  applyRef.current = apply;
  useEffect(() => setText((current) => (current.trim() === value ? current : value)), [value]);
  // Only a new debounced text applies; `value` changing alone is the address speaking.
  const last = useRef(debounced);
  useEffect(() => {
    if (debounced === last.current) return;
    last.current = debounced;
    if (debounced.trim() !== value) applyRef.current(debounced.trim());
  }, [debounced, value]);
  return [text, setText];
}

function JournalFilterBar({ filters, setFilters }: { filters: JournalFilters; setFilters(next: JournalFilters): void }) {
  const latest = useRef(filters);
  latest.current = filters;
  const update = (patch: Partial<JournalFilters>) => setFilters({ ...latest.current, ...patch });
  const [action, setAction] = useTypedFilter(filters.action, (text) => update({ action: text.toLowerCase() }));
  const [actor, setActor] = useTypedFilter(filters.actor, (text) => update({ actor: text }));
  return (
    <div className="filters" role="group" aria-label="Filters">
      <label className="field">
        <span className="filter-select__label">Action</span>
        <input
          type="search"
          className="field__input journal__filter-text mono"
          placeholder="retention, retention.run…"
          aria-label="Action, or the start of one"
          value={action}
          maxLength={64}
          onChange={(event) => setAction(event.target.value)}
          data-testid="journal-filter-action"
          spellCheck={false}
        />
      </label>
      <label className="field">
        <span className="filter-select__label">Who</span>
        <input
          type="search"
          className="field__input journal__filter-text"
          placeholder="OS user or “admin token”"
          aria-label="Who"
          value={actor}
          maxLength={200}
          onChange={(event) => setActor(event.target.value)}
          data-testid="journal-filter-actor"
          spellCheck={false}
        />
      </label>
      <div className="filters__range" role="group" aria-label="Date range">
        <label className="field">
          <span className="filter-select__label">From</span>
          <DateField value={filters.from.slice(0, 10)} max={filters.to.slice(0, 10) || undefined} onChange={(from) => update({ from })} data-testid="journal-filter-from" />
        </label>
        <label className="field">
          <span className="filter-select__label">To</span>
          <DateField value={filters.to.slice(0, 10)} min={filters.from.slice(0, 10) || undefined} onChange={(to) => update({ to })} data-testid="journal-filter-to" />
        </label>
      </div>
    </div>
  );
}

function JournalResults({ filters, filterKey, clear }: { filters: JournalFilters; filterKey: string; clear(): void }) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const now = useNow();
  const fetchPage = useCallback(
    (cursor: string | undefined) => client['admin/journal']({ ...journalRequestOf(JSON.parse(filterKey) as JournalFilters), limit: PAGE_SIZE, cursor }),
    [client, filterKey],
  );
  const { state, hasMore, loadingMore, moreError, loadMore, retry } = useKeysetPages<JournalEntry, JournalPageValue>(`journal:${filterKey}`, fetchPage);
  const entries = state.items;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [selected, setSelected] = useState(-1);
  const tableShown = state.status !== 'error' && entries.length > 0;
  const virtualizer = useVirtualizer({
    enabled: tableShown,
    count: entries.length + 1,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const virtualItems = useVirtualRowsLoadingMore(virtualizer, entries.length, { hasMore, loadMore });
  useListKeyboard({ count: entries.length, selected, select: setSelected, virtualizer, back: () => setSelected(-1) });
  const chosen = entries[selected];

  return (
    <>
      <div className="filters__status">
        <span className="filters__count" data-testid="journal-count" aria-live="polite">
          {state.status === 'ready' && `${entries.length.toLocaleString('en')}${hasMore ? '+' : ''} ${entries.length === 1 ? 'entry' : 'entries'}`}
          {state.status === 'loading' && 'Loading…'}
        </span>
      </div>
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The journal could not be loaded" />
      ) : state.status === 'loading' && entries.length === 0 ? (
        <LoadingState label="Loading the journal…" />
      ) : entries.length === 0 ? (
        <EmptyState title={isJournalFiltered(filters) ? 'No entries match these filters' : 'Nothing has been written yet'} testId="journal-empty">
          {isJournalFiltered(filters) ? (
            <ClearFiltersHint onClear={clear} />
          ) : (
            <p>Retention runs, legal holds and every other write through the admin connection appear here, with who made them.</p>
          )}
        </EmptyState>
      ) : (
        <div className="table journal">
          <div className="table__head journal-row" role="presentation">
            <span>When ({timeZone ?? 'zone unknown'})</span>
            <span>Who</span>
            <span>Action</span>
            <span>Parameters</span>
            <span>Outcome</span>
          </div>
          <div ref={scrollRef} className="scroller" role="list" aria-label="Journal" data-testid="journal-list" tabIndex={-1}>
            <div className="virtual" style={{ height: virtualizer.getTotalSize() }}>
              {virtualItems.map((item) => {
                const style = { transform: `translateY(${item.start}px)`, height: item.size };
                const entry = entries[item.index];
                if (!entry) {
                  return (
                    <div key="footer" className="virtual__row" style={style}>
                      <ListFooter loadingMore={loadingMore} error={moreError} onRetry={retry} end={hasMore ? '' : 'No older entries'} />
                    </div>
                  );
                }
                const isSelected = item.index === selected;
                const parameters = parametersText(entry.parameters);
                return (
                  <div
                    key={entry.id}
                    role="listitem"
                    className={`activity-row journal-row virtual__row${isSelected ? ' is-selected' : ''}`}
                    style={style}
                    onClick={() => setSelected(isSelected ? -1 : item.index)}
                    data-testid="journal-row"
                    data-entry-id={entry.id}
                    data-action={entry.action}
                    data-outcome={entry.outcome}
                    data-selected={isSelected || undefined}
                  >
                    <span className="journal-row__time" title={formatAbsolute(entry.at, timeZone)}>
                      <span>{formatShort(entry.at)}</span>
                      <span className="activity-row__relative">{formatRelative(instantOf(entry.at, timeZone), now)}</span>
                    </span>
                    <span className="journal-row__actor" title={entry.actor} data-testid="journal-actor">
                      {entry.actor}
                    </span>
                    <span className="journal-row__action mono" title={entry.action} data-testid="journal-action">
                      {entry.action}
                    </span>
                    <span className="journal-row__parameters mono" title={parameters} data-testid="journal-parameters">
                      {parameters}
                    </span>
                    <span className="journal-row__outcome">
                      <span className={`pill journal-outcome journal-outcome--${entry.outcome}`} title={entry.outcome === 'started' ? STARTED_TITLE : undefined} data-testid="journal-outcome">
                        {OUTCOME_LABELS[entry.outcome]}
                      </span>
                      {entry.error ? (
                        <span className="journal-row__error" title={entry.error}>
                          {entry.error}
                        </span>
                      ) : (
                        <span className="activity-row__relative">{durationText(entry) ?? ''}</span>
                      )}
                    </span>
                  </div>
                );
              })}
            </div>
          </div>
          {chosen && <JournalDetail entry={chosen} timeZone={timeZone} />}
        </div>
      )}
    </>
  );
}

/** The selected entry whole: its parameters as JSON, its error, when it started and ended. */
function JournalDetail({ entry, timeZone }: { entry: JournalEntry; timeZone: string | null }) {
  const duration = durationText(entry);
  return (
    <section className="journal-detail" aria-label={`Journal entry ${entry.id}`} data-testid="journal-detail">
      <dl className="journal-detail__facts">
        <dt>Entry</dt>
        <dd className="mono">#{entry.id}</dd>
        <dt>Started</dt>
        <dd>{formatAbsolute(entry.at, timeZone)}</dd>
        <dt>Finished</dt>
        <dd>{entry.finished_at ? `${formatAbsolute(entry.finished_at, timeZone)}${duration ? ` (${duration})` : ''}` : STARTED_TITLE}</dd>
        {entry.error && (
          <>
            <dt>Error</dt>
            <dd className="journal-detail__error" data-testid="journal-detail-error">
              {entry.error}
            </dd>
          </>
        )}
      </dl>
      <div className="journal-detail__json">
        <JsonView value={entry.parameters} label="Parameters" />
      </div>
    </section>
  );
}
