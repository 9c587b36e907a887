import { useMemo, useState } from 'react';
import { Area, AreaChart, Tooltip, YAxis } from 'recharts';
import type { ErrorAnalysis } from '../../src-main/contract/analytics';
import { activityHref } from '../activity/activity-filters';
import { useClient } from '../api/client-context';
import { navigate } from '../app/hash-router';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { formatShort } from '../lib/time';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { useRenderTiming } from './chart-frame';
import { token } from './chart-colours';
import { bucketOf, bucketsBetween, describeRange, formatBucket, rangeKey, rangeQuery, type AnalyticsRange } from './date-range';
import { SourceNotice } from './source-notice';
import { useAnalyticsQuery } from './use-analytics-query';

type ErrorRow = ErrorAnalysis['errors'][number];
const NO_TYPE = '(no error_type)';

/** The explorer showing the errors of one type in this range: the affected emails, one click away. */
export const errorsHref = (errorType: string | null, range: Pick<AnalyticsRange, 'preset' | 'from' | 'to'>): string =>
  activityHref({
    eventTypes: ['error'],
    metadata: errorType === null ? [] : [{ key: 'error_type', value: errorType }],
    ...rangeQuery(range),
  });

/** Errors grouped by error_type with first and last seen and a trend per type. */
export function ErrorsView({ range, startedAt }: { range: AnalyticsRange; startedAt: number }) {
  const { client } = useClient();
  const { from, to } = range;
  const { state, retry } = useAnalyticsQuery(`errors:${rangeKey(range)}`, () => client['analytics/errors'](rangeQuery(range)));
  const rows = useMemo(() => [...(state.data?.errors ?? [])].sort((a, b) => b.count - a.count), [state.data]);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  // Sparklines by day for short ranges, by week for long ones, with quiet periods as zero.
  const trendBucket = range.bucket === 'day' ? 'day' : 'week';
  const trends = useMemo(() => {
    const starts = bucketsBetween(from, to, trendBucket);
    const byType = new Map<string, Map<string, number>>();
    for (const point of state.data?.trend ?? []) {
      const type = point.error_type ?? NO_TYPE;
      const counts = byType.get(type) ?? new Map<string, number>();
      const start = bucketOf(point.day, trendBucket);
      counts.set(start, (counts.get(start) ?? 0) + point.count);
      byType.set(type, counts);
    }
    return new Map([...byType].map(([type, counts]) => [type, starts.map((start) => ({ bucket: start, count: counts.get(start) ?? 0 }))]));
  }, [state.data, from, to, trendBucket]);
  const [selected, setSelected] = useState(-1);
  const open = (row: ErrorRow) => navigate(errorsHref(row.error_type, range));
  useListKeyboard({
    count: rows.length,
    selected,
    select: setSelected,
    open: (index) => {
      const row = rows[index];
      if (row) open(row);
    },
  });
  const renderMs = useRenderTiming('errors', startedAt, state.status === 'ready');

  return (
    <div className="analytics__body" data-testid="errors-view">
      <SourceNotice source={state.data?.source} />
      <section className="card" aria-labelledby="errors-heading" data-testid="errors-card" data-render-ms={renderMs ?? undefined}>
        <div className="card__header">
          <div>
            <h2 id="errors-heading" className="card__title">
              Errors by type
            </h2>
            <p className="card__subtitle">
              {state.data ? `${total.toLocaleString('en')} errors of ${rows.length} types · ` : ''}
              {describeRange(range)} · trend per {trendBucket}
            </p>
          </div>
          <span className="card__meta">Open a type to list its errors and the emails they hit</span>
        </div>
        {state.status === 'error' ? (
          <ErrorState error={state.error} onRetry={retry} title="The error analysis could not be loaded" />
        ) : !state.data ? (
          <LoadingState label="Grouping errors…" />
        ) : rows.length === 0 ? (
          <EmptyState title="No errors in this range" testId="errors-empty">
            <p>Nothing was logged with event type error between these dates.</p>
          </EmptyState>
        ) : (
          <table className="data-table" data-testid="errors-table">
            <thead>
              <tr>
                <th scope="col">Error type</th>
                <th scope="col" className="num">
                  Count
                </th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col">Trend</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => {
                const type = row.error_type ?? NO_TYPE;
                return (
                  <tr
                    key={type}
                    className={`data-table__row${index === selected ? ' is-selected' : ''}`}
                    onClick={() => setSelected(index)}
                    onDoubleClick={() => open(row)}
                    data-testid="error-row"
                    data-error-type={row.error_type ?? ''}
                    data-count={row.count}
                    data-selected={index === selected || undefined}
                  >
                    <td>
                      <a href={errorsHref(row.error_type, range)} className="mono error-type" data-testid="error-type-link">
                        {type}
                      </a>
                    </td>
                    <td className="num">{row.count.toLocaleString('en')}</td>
                    <td className="muted">{formatShort(row.first_seen)}</td>
                    <td className="muted">{formatShort(row.last_seen)}</td>
                    <td className="sparkline-cell">
                      <Sparkline data={trends.get(type) ?? []} bucket={trendBucket} label={`${type} per ${trendBucket}`} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

function Sparkline({ data, bucket, label }: { data: { bucket: string; count: number }[]; bucket: 'day' | 'week'; label: string }) {
  const colour = token('danger');
  return (
    <div className="sparkline" role="img" aria-label={label} data-testid="error-sparkline">
      <AreaChart width={180} height={30} data={data} margin={{ top: 2, right: 2, bottom: 2, left: 2 }}>
        <YAxis hide domain={[0, 'dataMax']} />
        <Tooltip
          cursor={false}
          wrapperClassName="sparkline__tooltip"
          labelFormatter={(_, payload) => (payload[0] ? `${bucket === 'week' ? 'Week of ' : ''}${formatBucket(String(payload[0].payload.bucket), 'day')}` : '')}
          formatter={(value) => [Number(value).toLocaleString('en'), 'errors']}
        />
        <Area type="monotone" dataKey="count" stroke={colour} fill={colour} fillOpacity={0.15} strokeWidth={1.25} isAnimationActive={false} dot={false} />
      </AreaChart>
    </div>
  );
}
