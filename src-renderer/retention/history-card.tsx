import { useCallback, useEffect, useRef, useState } from 'react';
import type { RetentionRun } from '../../src-main/contract/retention';
import { useClient } from '../api/client-context';
import { useTimeZone } from '../app/source-status';
import { useAnalyticsQuery } from '../analytics/use-analytics-query';
import { ErrorState } from '../components/states';
import { formatDuration } from '../lib/time';
import { TableHead } from './preview-cards';
import { doneOf, type ProgressSample } from './run-progress';
import { count, formatInstant, policyShortText, policyText, STATUS_LABELS } from './retention-text';

const HISTORY_LIMIT = 50;
/** While a run is going the history is read this often: progress without loading the database. */
export const POLL_MS = 1000;

export interface RunsState {
  items: RetentionRun[];
  state: ReturnType<typeof useAnalyticsQuery<{ items: RetentionRun[] }>>['state'];
  retry(): void;
  refresh(): void;
  /** The readings of a running run's progress, oldest first, for its rate. */
  samplesOf(runId: number): ProgressSample[];
  /** Poll until this run shows up and leaves `running` (a run just started may not be listed yet). */
  watch(runId: number | null): void;
}

/** The runs table, newest first, read again every POLL_MS while a run is going. */
export function useRuns(version: number): RunsState {
  const { client } = useClient();
  const [tick, setTick] = useState(0);
  const [watched, watch] = useState<number | null>(null);
  const runs = useAnalyticsQuery(`runs:${version}:${tick}`, () => client['retention/runs']({ limit: HISTORY_LIMIT }));
  const samples = useRef(new Map<number, ProgressSample[]>());
  const data = runs.state.data;
  const items = data?.items ?? [];
  useEffect(() => {
    const at = Date.now();
    for (const run of data?.items ?? []) {
      if (run.status !== 'running') continue;
      const list = samples.current.get(run.id) ?? [];
      list.push({ at, done: doneOf(run) });
      samples.current.set(run.id, list.slice(-120));
    }
  }, [data]);
  const going = items.some((run) => run.status === 'running') || (watched !== null && !items.some((run) => run.id === watched));
  const ready = runs.state.status === 'ready';
  useEffect(() => {
    if (!going || !ready) return;
    const timer = window.setTimeout(() => setTick((value) => value + 1), POLL_MS);
    return () => window.clearTimeout(timer);
  }, [going, ready, data]);
  const refresh = useCallback(() => setTick((value) => value + 1), []);
  const samplesOf = useCallback((runId: number) => samples.current.get(runId) ?? [], []);
  return { items, state: runs.state, retry: runs.retry, refresh, samplesOf, watch };
}

/** Each run: when, who, with which policy, what it planned and did, how it ended. */
export function HistoryCard({ runs }: { runs: RunsState }) {
  const timeZone = useTimeZone();
  return (
    <section className="card retention-history" aria-labelledby="retention-history-heading" data-testid="retention-history">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="retention-history-heading">
            History
          </h2>
          <p className="card__subtitle">The last {HISTORY_LIMIT} runs, newest first. Dry runs record nothing.</p>
        </div>
      </div>
      {runs.state.status === 'error' ? (
        <ErrorState error={runs.state.error} onRetry={runs.retry} title="The run history could not be loaded" />
      ) : runs.items.length === 0 ? (
        <p className="muted" data-testid="history-empty">
          {runs.state.status === 'loading' ? 'Loading…' : 'No run yet.'}
        </p>
      ) : (
        <div className="retention-table-wrap">
          <table className="data-table retention-history__table">
            <TableHead columns={['Run', `Started, finished (${timeZone ?? 'local time'})`, 'Who', 'Archive / purge', ['Archived'], ['Purged'], ['Held'], 'Status']} />
            <tbody>
              {runs.items.map((run) => (
                <tr key={run.id} className="data-table__row" data-testid="history-row" data-run-id={run.id} data-status={run.status}>
                  <td className="mono">#{run.id}</td>
                  <td>
                    <span className="retention-history__when">
                      <span>{formatInstant(run.started_at, timeZone, false)}</span>
                      <span className="muted" data-testid="history-finished">
                        {run.finished_at
                          ? `→ ${formatInstant(run.finished_at, timeZone, false).slice(11)} · ${formatDuration(Date.parse(run.finished_at) - Date.parse(run.started_at)).slice(1)}`
                          : 'not finished'}
                      </span>
                    </span>
                  </td>
                  <td className="retention-nowrap">{run.actor}</td>
                  <td className="retention-nowrap" title={policyText(run)}>
                    {policyShortText(run)}
                  </td>
                  <td className="num retention-nowrap" title={`${count(run.planned.archive_events)} planned, of ${count(run.planned.archive_emails)} emails`}>
                    <DoneOfPlanned done={run.archived_events} planned={run.planned.archive_events} />
                  </td>
                  <td className="num retention-nowrap" title={`${count(run.planned.purge_events)} planned`}>
                    <DoneOfPlanned done={run.purged_events} planned={run.planned.purge_events} />
                  </td>
                  <td className="num" title={`${count(run.held.emails)} held emails`}>
                    {count(run.held.events)}
                  </td>
                  <td className="retention-history__status">
                    <span className={`pill retention-status retention-status--${run.status}`} data-testid="history-status">
                      {STATUS_LABELS[run.status]}
                    </span>
                    {run.resumed > 0 && (
                      <span className="muted" title="Times a stopped run was taken up again" data-testid="history-resumed">
                        {' '}
                        resumed {run.resumed}×
                      </span>
                    )}
                    {run.error && (
                      <span className="retention-history__error danger" title={run.error} data-testid="history-error">
                        {run.error}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** "1,200" once all planned is done, "800 / 1,200" before (a run that is going, failed or was cancelled). */
function DoneOfPlanned({ done, planned }: { done: number; planned: number }) {
  return (
    <>
      {count(done)}
      {done !== planned && <span className="muted"> / {count(planned)}</span>}
    </>
  );
}
