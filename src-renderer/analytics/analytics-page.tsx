import { useEffect, useMemo, useState } from 'react';
import { MailtrailError } from '../../src-main/contract/errors';
import { useClient } from '../api/client-context';
import { hrefOf, navigate } from '../app/hash-router';
import { ReversedRangeNotice } from '../components/reversed-range';
import { ErrorState, LoadingState } from '../components/states';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { DateRangeControl, useToday } from './date-range-control';
import { archivedQuery, describeRange, outsideExtent, paramsOfRange, rangeFromParams, swapped, type AnalyticsRange, type LogExtent } from './date-range';
import { ExportButton } from '../reports/export-dialog';
import { analyticsScope, defaultTitle } from '../reports/report-scope';
import { ErrorsView } from './errors-view';
import { StatisticsView } from './statistics-view';
import { UserAuditView } from './user-audit-view';
import { WorkflowsView } from './workflows-view';

export const ANALYTICS_TABS = ['statistics', 'errors', 'workflows', 'users'] as const;
export type AnalyticsTab = (typeof ANALYTICS_TABS)[number];

const TAB_LABELS: Record<AnalyticsTab, string> = {
  statistics: 'Statistics',
  errors: 'Errors',
  workflows: 'Workflows',
  users: 'User audit',
};

const TAB_SUMMARIES: Record<AnalyticsTab, string> = {
  statistics: 'How many events of each type the log holds, and how they spread over time by category.',
  errors: 'Errors grouped by their error_type: how many, the emails they hit, their share of all events, first seen in the whole log; open one to see its errors.',
  workflows: 'How often each workflow completed or failed, how long runs take, and the slowest runs.',
  users: 'What one user did in the range, counted per event type, with each email’s subject, newest first.',
};

/** The log's own extent (oldest and newest event day), loaded beside the page: All time and the "nothing here" notice need it. */
function useLogExtent(archived: boolean) {
  const { client } = useClient();
  const [state, setState] = useState<{ extent: LogExtent | null; error: MailtrailError | null; attempt: number }>({ extent: null, error: null, attempt: 0 });
  useEffect(() => {
    let live = true;
    // With the archive included, All time reaches back to its oldest event.
    client['activity/extent'](archivedQuery({ archived }))
      .then(({ oldest, newest }) => live && setState((s) => ({ ...s, error: null, extent: { oldest: oldest?.slice(0, 10) ?? null, newest: newest?.slice(0, 10) ?? null } })))
      .catch((error: unknown) => live && setState((s) => ({ ...s, error: asMailtrailError(error) })));
    return () => {
      live = false;
    };
  }, [client, state.attempt, archived]);
  return { ...state, retry: () => setState((s) => ({ ...s, error: null, attempt: s.attempt + 1 })) };
}

/** What a user did defaults to the whole log; the charts to the last twelve months. */
const defaultPresetOf = (tab: AnalyticsTab): 'year' | 'all' => (tab === 'users' ? 'all' : 'year');

/** A screen's own URL parameters beside the range, kept when the range changes. */
const TAB_PARAMS: Record<AnalyticsTab, readonly string[]> = { statistics: [], errors: [], workflows: ['workflow', 'status'], users: ['user', 'type'] };
export type TabParams = Record<string, string | undefined>;
const tabParamsOf = (tab: AnalyticsTab, params: URLSearchParams): TabParams => Object.fromEntries(TAB_PARAMS[tab].map((name) => [name, params.get(name) ?? undefined]));

export function analyticsHref(tab: AnalyticsTab, range: AnalyticsRange | null, extra: TabParams = {}): string {
  return hrefOf(`analytics/${tab}`, { ...(range ? paramsOfRange(range, defaultPresetOf(tab)) : {}), ...extra });
}

/** Analytics over the whole log: one URL per screen, a shared date range ending today (or All time), the log's own extent beside it. */
export function AnalyticsPage({ tabText, params }: { tabText: string | undefined; params: URLSearchParams }) {
  const tab: AnalyticsTab | null = tabText === undefined ? 'statistics' : (ANALYTICS_TABS as readonly string[]).includes(tabText) ? (tabText as AnalyticsTab) : null;
  const today = useToday();
  const log = useLogExtent(params.get('archived') === '1');
  // Render time counts from the navigation to this screen.
  const startedAt = useMemo(() => performance.now(), [tab]);
  const defaultPreset = defaultPresetOf(tab ?? 'statistics');
  // All time waits for the log's extent; every other range is known at once.
  const range = (params.get('range') ?? defaultPreset) === 'all' && !log.extent ? null : rangeFromParams(params, today, log.extent, defaultPreset);
  const setRange = (next: AnalyticsRange) => navigate(analyticsHref(tab ?? 'statistics', next, tab ? tabParamsOf(tab, params) : {}), { replace: true });
  const setTabParams = (changes: TabParams) => tab && range && navigate(analyticsHref(tab, range, { ...tabParamsOf(tab, params), ...changes }), { replace: true });

  return (
    <div className={`page analytics${tab === 'users' ? ' page--full' : ''}`} data-testid="analytics-page" data-tab={tab ?? undefined}>
      <header className="page-header analytics__header">
        <div>
          <h1 className="page__title">{tab ? TAB_LABELS[tab] : 'Analytics'}</h1>
          <p className="page__subtitle">{tab ? TAB_SUMMARIES[tab] : 'Pick a screen.'}</p>
        </div>
        {tab && range && (
          <div className="analytics__controls">
            <DateRangeControl range={range} today={today} extent={log.extent} onChange={setRange} />
            {tab !== 'users' && <IncludeArchived range={range} onChange={setRange} />}
          </div>
        )}
      </header>
      <nav className="tabs" aria-label="Analytics screens">
        {ANALYTICS_TABS.map((name) => (
          <a
            key={name}
            href={analyticsHref(name, range && (range.preset !== 'year' || range.archived) ? range : null)}
            className={`tabs__tab${name === tab ? ' is-active' : ''}`}
            aria-current={name === tab ? 'page' : undefined}
            data-testid={`analytics-tab-${name}`}
          >
            {TAB_LABELS[name]}
          </a>
        ))}
        {tab && tab !== 'users' && range && (
          <ExportButton
            className="tabs__end"
            scope={analyticsScope(tab, range, params)}
            title={defaultTitle(analyticsScope(tab, range, params), { screen: tab })}
            disabledReason={range.reversed ? 'From is after To: swap the range to export' : undefined}
          />
        )}
      </nav>
      {tab === null ? (
        <ErrorState error={new MailtrailError('not_found', `there is no analytics screen "${tabText ?? ''}"`)} title="This analytics screen does not exist" hint={<>Pick one of the screens above.</>} />
      ) : log.error && !range ? (
        <ErrorState error={log.error} onRetry={log.retry} title="The log could not be read" />
      ) : !range ? (
        <LoadingState label="Reading the log…" />
      ) : range.reversed ? (
        <ReversedRangeNotice
          from={describeRange({ from: range.from, to: range.from })}
          to={describeRange({ from: range.to, to: range.to })}
          consequence="This range holds no day."
          onSwap={() => setRange(swapped(range))}
          className="analytics__notice"
        />
      ) : (
        <>
          {outsideExtent(range, log.extent) && <OutsideExtent range={range} extent={log.extent!} onAllTime={() => setRange(rangeFromParams(new URLSearchParams({ range: 'all' }), today, log.extent))} />}
          {tab === 'users' ? <UserAuditView params={params} range={range} onParamsChange={setTabParams} /> : tabView(tab, range, startedAt, setRange, params, setTabParams)}
        </>
      )}
    </div>
  );
}

function tabView(
  tab: Exclude<AnalyticsTab, 'users'>,
  range: AnalyticsRange,
  startedAt: number,
  setRange: (range: AnalyticsRange) => void,
  params: URLSearchParams,
  setTabParams: (changes: TabParams) => void,
) {
  return tab === 'statistics' ? (
    <StatisticsView range={range} startedAt={startedAt} onRangeChange={setRange} />
  ) : tab === 'errors' ? (
    <ErrorsView range={range} startedAt={startedAt} />
  ) : (
    <WorkflowsView range={range} startedAt={startedAt} onRangeChange={setRange} params={params} onParamsChange={setTabParams} />
  );
}

/** Adds the events retention moved to the archive to every count on the screen (issue 13, item 5); kept in the URL. */
function IncludeArchived({ range, onChange }: { range: AnalyticsRange; onChange(range: AnalyticsRange): void }) {
  return (
    <label className="archived-toggle" title="Count the events a retention run moved to the archive as well as the log's. The lists a chart opens in Activity show the log's events; an archived event is on its email's timeline." data-testid="include-archived">
      <input type="checkbox" checked={range.archived} onChange={(event) => onChange({ ...range, archived: event.target.checked })} />
      Include archived
    </label>
  );
}

/** The range holds nothing although the log has events elsewhere: say where they are and offer All time. */
function OutsideExtent({ range, extent, onAllTime }: { range: AnalyticsRange; extent: LogExtent; onAllTime(): void }) {
  return (
    <div className="notice analytics__notice" role="status" data-testid="range-outside-log">
      <span className="notice__mark" aria-hidden="true">
        i
      </span>
      <span>
        Nothing in {describeRange(range)}: the log holds events from {describeRange({ from: extent.oldest!, to: extent.newest! })}.
      </span>
      <button type="button" className="button button--secondary button--sm" onClick={onAllTime} data-testid="range-show-all">
        Show all time
      </button>
    </div>
  );
}
