import { useEffect, useMemo, useState } from 'react';
import { MailtrailError } from '../../src-main/contract/errors';
import { useClient } from '../api/client-context';
import { hrefOf, navigate } from '../app/hash-router';
import { ErrorState, LoadingState } from '../components/states';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { DateRangeControl } from './date-range-control';
import { paramsOfRange, rangeFromParams, type AnalyticsRange } from './date-range';
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
  errors: 'Errors grouped by their error_type, with when each was first and last seen; open one to see the affected emails.',
  workflows: 'How often each workflow completed or failed, how long runs take, and the slowest runs.',
  users: 'What one user did, with each email’s subject, newest first.',
};

/** The day of the newest event in the log: presets end there, so a demo or an archived log still shows its data. */
function useNewestDay() {
  const { client } = useClient();
  const [state, setState] = useState<{ day: string | null; error: MailtrailError | null; attempt: number }>({ day: null, error: null, attempt: 0 });
  useEffect(() => {
    let live = true;
    client['activity/recent']({ limit: 1 })
      .then((page) => live && setState((s) => ({ ...s, error: null, day: page.items[0]?.created_at.slice(0, 10) ?? new Date().toISOString().slice(0, 10) })))
      .catch((error: unknown) => live && setState((s) => ({ ...s, error: asMailtrailError(error) })));
    return () => {
      live = false;
    };
  }, [client, state.attempt]);
  return { ...state, retry: () => setState((s) => ({ ...s, error: null, attempt: s.attempt + 1 })) };
}

export function analyticsHref(tab: AnalyticsTab, range: AnalyticsRange | null, extra: Record<string, string | undefined> = {}): string {
  return hrefOf(`analytics/${tab}`, { ...(range ? paramsOfRange(range) : {}), ...extra });
}

/** Analytics over the whole log: one URL per screen, a shared date range ending on the newest event. */
export function AnalyticsPage({ tabText, params }: { tabText: string | undefined; params: URLSearchParams }) {
  const tab: AnalyticsTab | null = tabText === undefined ? 'statistics' : (ANALYTICS_TABS as readonly string[]).includes(tabText) ? (tabText as AnalyticsTab) : null;
  const newest = useNewestDay();
  // Render time counts from the navigation to this screen.
  const startedAt = useMemo(() => performance.now(), [tab]);
  const range = newest.day ? rangeFromParams(params, newest.day) : null;
  const setRange = (next: AnalyticsRange) => navigate(analyticsHref(tab ?? 'statistics', next, tab === 'users' ? { user: params.get('user') ?? undefined } : {}), { replace: true });
  const usesRange = tab !== 'users';

  return (
    <div className={`page analytics${tab === 'users' ? ' page--full' : ''}`} data-testid="analytics-page" data-tab={tab ?? undefined}>
      <header className="page-header analytics__header">
        <div>
          <h1 className="page__title">{tab ? TAB_LABELS[tab] : 'Analytics'}</h1>
          <p className="page__subtitle">{tab ? TAB_SUMMARIES[tab] : 'Pick a screen.'}</p>
        </div>
        {usesRange && range && newest.day && <DateRangeControl range={range} newestDay={newest.day} onChange={setRange} />}
      </header>
      <nav className="tabs" aria-label="Analytics screens">
        {ANALYTICS_TABS.map((name) => (
          <a
            key={name}
            href={analyticsHref(name, range && range.preset !== 'year' ? range : null)}
            className={`tabs__tab${name === tab ? ' is-active' : ''}`}
            aria-current={name === tab ? 'page' : undefined}
            data-testid={`analytics-tab-${name}`}
          >
            {TAB_LABELS[name]}
          </a>
        ))}
      </nav>
      {tab === null ? (
        <ErrorState error={new MailtrailError('not_found', `there is no analytics screen "${tabText ?? ''}"`)} title="This analytics screen does not exist" hint={<>Pick one of the screens above.</>} />
      ) : tab === 'users' ? (
        <UserAuditView params={params} />
      ) : newest.error ? (
        <ErrorState error={newest.error} onRetry={newest.retry} title="The log could not be read" />
      ) : !range ? (
        <LoadingState label="Reading the log…" />
      ) : tab === 'statistics' ? (
        <StatisticsView range={range} startedAt={startedAt} onRangeChange={setRange} />
      ) : tab === 'errors' ? (
        <ErrorsView range={range} startedAt={startedAt} />
      ) : (
        <WorkflowsView range={range} startedAt={startedAt} onRangeChange={setRange} />
      )}
    </div>
  );
}
