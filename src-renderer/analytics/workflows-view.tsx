import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { SlowExecution } from '../../src-main/contract/analytics';
import { useClient } from '../api/client-context';
import { hrefOf, navigate } from '../app/hash-router';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { formatShort } from '../lib/time';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { BucketControl } from './bucket-control';
import { ChartCard, useRenderTiming } from './chart-frame';
import { token } from './chart-colours';
import { activityHref } from '../activity/activity-filters';
import type { TabParams } from './analytics-page';
import { useToday } from './date-range-control';
import { archivedQuery, bucketEnd, bucketOf, bucketsBetween, describeRange, formatBucket, partialBuckets, rangeKey, rangeQuery, type AnalyticsRange } from './date-range';
import { successRatesOverTime, WORKFLOW_UNNAMED, type RateSeries } from './workflow-rates';
import { PartialLegendItem, PartialPatterns, partialFillId, partialNote } from './partial-bucket';
import { SourceNotice } from './source-notice';
import { useAnalyticsQuery } from './use-analytics-query';

const SLOWEST_LIMIT = 20;
const NO_WORKFLOW = WORKFLOW_UNNAMED;
const STATUSES = ['completed', 'failed'] as const;
type Status = (typeof STATUSES)[number];
const LINE_COLOURS = ['#2563eb', '#0891b2', '#16a34a', '#ca8a04', '#9333ea', '#db2777', '#ea580c', '#4b5563'];

/** The workflow a filter can name: the chosen one, unless it is the runs without a name. */
const shownWorkflow = (shown: string): string | undefined => (shown && shown !== NO_WORKFLOW ? shown : undefined);

/** Activity showing workflow runs: of one workflow and outcome if given, over the range or one bucket of it. */
export function workflowRunsHref(range: AnalyticsRange, workflow?: string, status?: Status, bucketStart?: string): string {
  const bounds = rangeQuery(range);
  const end = bucketStart ? bucketEnd(bucketStart, range.bucket) : undefined;
  return activityHref({
    eventTypes: ['workflow_executed'],
    metadata: [...(workflow ? [{ key: 'workflow_name', value: workflow }] : []), ...(status ? [{ key: 'status', value: status }] : [])],
    from: bucketStart ? (bounds.from && bounds.from > bucketStart ? bounds.from : bucketStart) : bounds.from,
    to: end ? (bounds.to && bounds.to < end ? bounds.to : end) : bounds.to,
  });
}

/** The success rate of each workflow over time, one line each; the chosen workflow alone when there is one. */
function SuccessRateChart({ rates, bucket, ready, shown }: { rates: RateSeries; bucket: AnalyticsRange['bucket']; ready: boolean; shown: string }) {
  return (
    <ChartCard title="Success rate over time" subtitle={`Completed of all runs, per ${bucket}, ${shown ? shown : 'one line per workflow'}; a ${bucket} without runs has no point`} testId="workflow-rate-chart">
      {(width) =>
        !ready ? (
          <LoadingState label="Counting workflow runs…" />
        ) : rates.workflows.length === 0 ? (
          <EmptyState title="No workflow runs in this range" testId="workflow-rate-empty" />
        ) : (
          <>
            <ul className="legend" aria-label="Workflows">
              {rates.workflows.map((name, index) => (
                <li key={name} className="legend__item" data-testid="rate-legend" data-workflow={name}>
                  <span className="legend__swatch" style={{ background: LINE_COLOURS[index % LINE_COLOURS.length] }} aria-hidden="true" />
                  {name}
                </li>
              ))}
            </ul>
            <LineChart width={width} height={220} data={rates.rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
              <CartesianGrid stroke={token('border')} vertical={false} />
              <XAxis dataKey="bucket" tickFormatter={(value: string) => formatBucket(value, bucket)} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} minTickGap={24} />
              <YAxis domain={[0, 100]} tickFormatter={(value: number) => `${value} %`} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} width={48} />
              <Tooltip labelFormatter={(value) => formatBucket(String(value), bucket === 'week' ? 'day' : bucket)} formatter={(value) => `${Number(value).toFixed(2)} %`} />
              {rates.workflows.map((name, index) => (
                <Line
                  key={name}
                  type="linear"
                  dataKey={name}
                  name={name}
                  stroke={LINE_COLOURS[index % LINE_COLOURS.length]}
                  strokeWidth={1.75}
                  dot={{ r: 2, fill: LINE_COLOURS[index % LINE_COLOURS.length] }}
                  connectNulls
                  isAnimationActive={false}
                />
              ))}
            </LineChart>
          </>
        )
      }
    </ChartCard>
  );
}

/** An execution time for people: "≈ 850 ms", "≈ 1.2 s", "≈ 2.5 min"; approximate when it comes from a histogram. */
export function formatMs(ms: number | null, approximate = false): string {
  if (ms === null) return '—';
  const prefix = approximate ? '≈ ' : '';
  if (ms < 1000) return `${prefix}${Math.round(ms)} ms`;
  if (ms < 60_000) return `${prefix}${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${prefix}${(ms / 60_000).toFixed(1)} min`;
}

/** Completed and failed runs per workflow, success rate, execution time percentiles, over time; the slowest runs. */
export function WorkflowsView({
  range,
  startedAt,
  onRangeChange,
  params,
  onParamsChange,
}: {
  range: AnalyticsRange;
  startedAt: number;
  onRangeChange(range: AnalyticsRange): void;
  params: URLSearchParams;
  onParamsChange(changes: TabParams): void;
}) {
  const { client } = useClient();
  const { from, to, bucket } = range;
  const { state, retry } = useAnalyticsQuery(`workflows:${rangeKey(range)}`, () => client['analytics/workflows']({ ...rangeQuery(range), ...archivedQuery(range) }));
  const workflows = useMemo(() => [...(state.data?.workflows ?? [])].sort((a, b) => b.total - a.total), [state.data]);
  // The chosen workflow lives in the URL (`&workflow=Invoice%20Processing`), so a view can be shared.
  const shown = params.get('workflow') ?? '';
  const status = STATUSES.find((value) => value === params.get('status')) ?? '';
  const today = useToday();
  const partial = useMemo(() => partialBuckets(range, today), [range, today]);
  const rates = useMemo(() => successRatesOverTime(state.data?.overTime ?? [], range, shown), [state.data, range, shown]);
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
                  <td>
                    {row.workflow === null ? (
                      <span className="muted">{NO_WORKFLOW}</span>
                    ) : (
                      <a href={workflowRunsHref(range, row.workflow)} data-testid="workflow-link" title={`Open the runs of ${row.workflow} in Activity`}>
                        {row.workflow}
                      </a>
                    )}
                  </td>
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
        subtitle={`Completed and failed, one bar per ${bucket} · click a bar for its runs`}
        testId="workflows-chart"
        renderMs={renderMs}
        tools={
          <div className="card__tools">
            <select className="field__input" value={shown} onChange={(event) => onParamsChange({ workflow: event.target.value || undefined })} aria-label="Workflow shown" data-testid="workflow-chart-select">
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
                {STATUSES.map((outcome) => (
                  <li key={outcome} className={`legend__item legend__item--${outcome === 'completed' ? 'success' : 'danger'}`}>
                    <a className="legend__link" href={workflowRunsHref(range, shownWorkflow(shown), outcome)} data-testid="legend-outcome" data-status={outcome} title={`Open the ${outcome} runs in Activity`}>
                      <span className="legend__swatch" aria-hidden="true" />
                      {outcome}
                    </a>
                  </li>
                ))}
                {partial.size > 0 && <PartialLegendItem bucket={bucket} />}
              </ul>
              <BarChart width={width} height={240} data={chartData} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} barCategoryGap={1}>
                <CartesianGrid stroke={token('border')} vertical={false} />
                <XAxis dataKey="bucket" tickFormatter={(value: string) => formatBucket(value, bucket)} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} minTickGap={24} />
                <YAxis tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} width={48} allowDecimals={false} />
                <PartialPatterns colours={[{ name: 'completed', colour: token('success') }, { name: 'failed', colour: token('danger') }]} />
                <Tooltip
                  labelFormatter={(value) => `${formatBucket(String(value), bucket === 'week' ? 'day' : bucket)}${partial.has(String(value)) ? ` (${partialNote(bucket)})` : ''}`}
                  formatter={(value) => Number(value).toLocaleString('en')}
                />
                {STATUSES.map((outcome) => (
                  <Bar
                    key={outcome}
                    dataKey={outcome}
                    stackId="runs"
                    fill={token(outcome === 'completed' ? 'success' : 'danger')}
                    isAnimationActive={false}
                    onClick={(item) => {
                      const start = (item.payload as { bucket?: string } | undefined)?.bucket;
                      if (start) navigate(workflowRunsHref(range, shownWorkflow(shown), outcome, start));
                    }}
                  >
                    {chartData.map((row) => (
                      <Cell key={row.bucket} fill={partial.has(row.bucket) ? `url(#${partialFillId(outcome)})` : token(outcome === 'completed' ? 'success' : 'danger')} />
                    ))}
                  </Bar>
                ))}
              </BarChart>
            </>
          )
        }
      </ChartCard>
      <SuccessRateChart rates={rates} bucket={bucket} ready={Boolean(state.data)} shown={shown} />
      <SlowestRuns range={range} workflow={shownWorkflow(shown)} status={status} onStatusChange={(next) => onParamsChange({ status: next || undefined })} />
    </div>
  );
}

/** The seed's "Performance Monitoring": the slowest workflow executions in the range, of one workflow and status if chosen, with their emails. */
function SlowestRuns({ range, workflow, status, onStatusChange }: { range: AnalyticsRange; workflow: string | undefined; status: Status | ''; onStatusChange(status: Status | ''): void }) {
  const { client } = useClient();
  const { state, retry } = useAnalyticsQuery(`slowest:${rangeKey(range)}:${workflow ?? ''}:${status}`, () =>
    client['analytics/slowest']({ limit: SLOWEST_LIMIT, ...rangeQuery(range), workflow, status: status || undefined }),
  );
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
          <p className="card__subtitle">
            The {SLOWEST_LIMIT} slowest {status ? `${status} ` : ''}runs of {workflow ?? 'every workflow'} · {range.preset === 'all' ? 'the whole log' : describeRange(range)} · j / k to move, Enter opens the email
          </p>
        </div>
        <select className="field__input" value={status} onChange={(event) => onStatusChange(event.target.value as Status | '')} aria-label="Status of the runs" data-testid="slowest-status">
          <option value="">Any status</option>
          {STATUSES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <SourceNotice source={state.data?.source} />
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The slowest executions could not be loaded" />
      ) : !state.data ? (
        <LoadingState label="Finding the slowest runs…" />
      ) : runs.length === 0 ? (
        <EmptyState title="No workflow runs with an execution time here" testId="slowest-empty">
          <p>Pick a longer range, another workflow or any status.</p>
        </EmptyState>
      ) : (
        <table className="data-table slowest-table" data-testid="slowest-table">
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
