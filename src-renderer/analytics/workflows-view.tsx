import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { SlowExecution } from '../../src-main/contract/analytics';
import { useClient } from '../api/client-context';
import { hrefOf, navigate } from '../app/hash-router';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { formatShort } from '../lib/time';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { BucketControl } from './bucket-control';
import { ChartCard, useRenderTiming } from './chart-frame';
import { token } from './chart-colours';
import { bucketOf, bucketsBetween, describeRange, formatBucket, rangeKey, rangeQuery, type AnalyticsRange } from './date-range';
import { SourceNotice } from './source-notice';
import { useAnalyticsQuery } from './use-analytics-query';

const SLOWEST_LIMIT = 20;
const NO_WORKFLOW = '(no workflow named)';

/** An execution time for people: "≈ 850 ms", "≈ 1.2 s", "≈ 2.5 min"; approximate when it comes from a histogram. */
export function formatMs(ms: number | null, approximate = false): string {
  if (ms === null) return '—';
  const prefix = approximate ? '≈ ' : '';
  if (ms < 1000) return `${prefix}${Math.round(ms)} ms`;
  if (ms < 60_000) return `${prefix}${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${prefix}${(ms / 60_000).toFixed(1)} min`;
}

/** Completed and failed runs per workflow, success rate, execution time percentiles, over time; the slowest runs. */
export function WorkflowsView({ range, startedAt, onRangeChange }: { range: AnalyticsRange; startedAt: number; onRangeChange(range: AnalyticsRange): void }) {
  const { client } = useClient();
  const { from, to, bucket } = range;
  const { state, retry } = useAnalyticsQuery(`workflows:${rangeKey(range)}`, () => client['analytics/workflows'](rangeQuery(range)));
  const workflows = useMemo(() => [...(state.data?.workflows ?? [])].sort((a, b) => b.total - a.total), [state.data]);
  const [shown, setShown] = useState<string>('');
  const chartData = useMemo(() => {
    const rows = new Map(bucketsBetween(from, to, bucket).map((start) => [start, { bucket: start, completed: 0, failed: 0 }]));
    for (const point of state.data?.overTime ?? []) {
      if (shown && (point.workflow ?? NO_WORKFLOW) !== shown) continue;
      const start = bucketOf(point.day, bucket);
      const row = rows.get(start) ?? { bucket: start, completed: 0, failed: 0 };
      row.completed += point.completed;
      row.failed += point.failed;
      rows.set(start, row);
    }
    return [...rows.values()].sort((a, b) => a.bucket.localeCompare(b.bucket));
  }, [state.data, from, to, bucket, shown]);
  const renderMs = useRenderTiming('workflows', startedAt, state.status === 'ready');

  return (
    <div className="analytics__body" data-testid="workflows-view">
      <SourceNotice source={state.data?.source} />
      <section className="card" aria-labelledby="workflows-heading">
        <div className="card__header">
          <div>
            <h2 id="workflows-heading" className="card__title">
              Success per workflow
            </h2>
            <p className="card__subtitle">{describeRange(range)} · execution times are approximate, from a histogram of run times</p>
          </div>
        </div>
        {state.status === 'error' ? (
          <ErrorState error={state.error} onRetry={retry} title="Workflow success could not be loaded" />
        ) : !state.data ? (
          <LoadingState label="Counting workflow runs…" />
        ) : workflows.length === 0 ? (
          <EmptyState title="No workflow runs in this range" testId="workflows-empty" />
        ) : (
          <table className="data-table" data-testid="workflows-table">
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col" className="num">
                  Completed
                </th>
                <th scope="col" className="num">
                  Failed
                </th>
                <th scope="col">Success rate</th>
                <th scope="col" className="num">
                  p50
                </th>
                <th scope="col" className="num">
                  p95
                </th>
              </tr>
            </thead>
            <tbody>
              {workflows.map((row) => (
                <tr key={row.workflow ?? NO_WORKFLOW} className="data-table__row" data-testid="workflow-row" data-workflow={row.workflow ?? ''} data-completed={row.completed} data-failed={row.failed}>
                  <td>{row.workflow ?? <span className="muted">{NO_WORKFLOW}</span>}</td>
                  <td className="num">{row.completed.toLocaleString('en')}</td>
                  <td className={`num${row.failed ? ' danger' : ''}`}>{row.failed.toLocaleString('en')}</td>
                  <td>
                    <span className="rate" data-testid="workflow-rate">
                      <meter className="rate__bar" min={0} max={100} low={90} high={97} optimum={100} value={row.success_rate ?? 0} aria-hidden="true" />
                      <span className="rate__value">{row.success_rate === null ? '—' : `${row.success_rate.toFixed(2)} %`}</span>
                    </span>
                  </td>
                  <td className="num" title="Median execution time (approximate)">
                    {formatMs(row.p50_ms, true)}
                  </td>
                  <td className="num" title="95th percentile execution time (approximate)">
                    {formatMs(row.p95_ms, true)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <ChartCard
        title="Runs over time"
        subtitle={`Completed and failed, one bar per ${bucket}`}
        testId="workflows-chart"
        renderMs={renderMs}
        tools={
          <div className="card__tools">
            <select className="field__input" value={shown} onChange={(event) => setShown(event.target.value)} aria-label="Workflow shown" data-testid="workflow-chart-select">
              <option value="">All workflows</option>
              {workflows.map((row) => (
                <option key={row.workflow ?? NO_WORKFLOW} value={row.workflow ?? NO_WORKFLOW}>
                  {row.workflow ?? NO_WORKFLOW}
                </option>
              ))}
            </select>
            <BucketControl range={range} onChange={onRangeChange} />
          </div>
        }
      >
        {(width) =>
          state.status === 'error' ? null : !state.data ? (
            <LoadingState label="Counting workflow runs…" />
          ) : (
            <>
              <ul className="legend" aria-label="Outcomes">
                <li className="legend__item legend__item--success">
                  <span className="legend__swatch" aria-hidden="true" />
                  completed
                </li>
                <li className="legend__item legend__item--danger">
                  <span className="legend__swatch" aria-hidden="true" />
                  failed
                </li>
              </ul>
              <BarChart width={width} height={240} data={chartData} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} barCategoryGap={1}>
                <CartesianGrid stroke={token('border')} vertical={false} />
                <XAxis dataKey="bucket" tickFormatter={(value: string) => formatBucket(value, bucket)} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} minTickGap={24} />
                <YAxis tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} width={48} allowDecimals={false} />
                <Tooltip labelFormatter={(value) => formatBucket(String(value), bucket === 'week' ? 'day' : bucket)} formatter={(value) => Number(value).toLocaleString('en')} />
                <Bar dataKey="completed" stackId="runs" fill={token('success')} isAnimationActive={false} />
                <Bar dataKey="failed" stackId="runs" fill={token('danger')} isAnimationActive={false} />
              </BarChart>
            </>
          )
        }
      </ChartCard>
      <SlowestRuns />
    </div>
  );
}

/** The seed's "Performance Monitoring": the slowest workflow executions across the whole log, with their emails. */
function SlowestRuns() {
  const { client } = useClient();
  const { state, retry } = useAnalyticsQuery('slowest', () => client['analytics/slowest']({ limit: SLOWEST_LIMIT }));
  const runs = state.data?.items ?? [];
  const [selected, setSelected] = useState(-1);
  const open = (run: SlowExecution) => navigate(hrefOf(`emails/${run.email_id}`));
  useListKeyboard({
    count: runs.length,
    selected,
    select: setSelected,
    open: (index) => {
      const run = runs[index];
      if (run) open(run);
    },
  });
  return (
    <section className="card" aria-labelledby="slowest-heading">
      <div className="card__header">
        <div>
          <h2 id="slowest-heading" className="card__title">
            Slowest executions
          </h2>
          <p className="card__subtitle">The {SLOWEST_LIMIT} slowest workflow runs in the whole log · j / k to move, Enter opens the email</p>
        </div>
      </div>
      <SourceNotice source={state.data?.source} />
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The slowest executions could not be loaded" />
      ) : !state.data ? (
        <LoadingState label="Finding the slowest runs…" />
      ) : runs.length === 0 ? (
        <EmptyState title="No workflow runs with an execution time" testId="slowest-empty" />
      ) : (
        <table className="data-table" data-testid="slowest-table">
          <thead>
            <tr>
              <th scope="col" className="num">
                Time
              </th>
              <th scope="col">Workflow</th>
              <th scope="col">Status</th>
              <th scope="col">Email</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run, index) => (
              <tr
                key={run.id}
                className={`data-table__row${index === selected ? ' is-selected' : ''}`}
                onClick={() => setSelected(index)}
                onDoubleClick={() => open(run)}
                data-testid="slowest-row"
                data-email-id={run.email_id}
                data-exec-time={run.exec_time ?? undefined}
                data-selected={index === selected || undefined}
              >
                <td className="num strong">{formatMs(run.exec_time)}</td>
                <td>{run.workflow ?? <span className="muted">{NO_WORKFLOW}</span>}</td>
                <td>
                  <span className={`status status--${run.status === 'failed' ? 'failed' : 'ok'}`}>{run.status ?? '—'}</span>
                </td>
                <td className="cell-email">
                  <a href={hrefOf(`emails/${run.email_id}`)} data-testid="slowest-email-link">
                    <span className="mono">#{run.email_id}</span> {run.email_subject ?? <span className="muted">(no subject recorded)</span>}
                  </a>
                </td>
                <td className="muted">{formatShort(run.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
