import { useMemo, useState } from 'react';
import { Area, AreaChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { ActivityStat } from '../../src-main/contract/schemas';
import { EVENT_CATEGORIES } from '../../src-main/contract/taxonomy';
import { activityHref } from '../activity/activity-filters';
import { useClient } from '../api/client-context';
import { navigate } from '../app/hash-router';
import { CategoryLabel, colourOf } from '../components/category-badge';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { formatShort } from '../lib/time';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { BucketControl } from './bucket-control';
import { ChartCard, useRenderTiming } from './chart-frame';
import { categoryColour, token } from './chart-colours';
import { bucketOf, bucketsBetween, describeRange, formatBucket, type AnalyticsRange } from './date-range';
import { SourceNotice } from './source-notice';
import { useAnalyticsQuery } from './use-analytics-query';

const number = (value: number) => value.toLocaleString('en');

/** The seed's /activity/stats table and the events over time, stacked by category. */
export function StatisticsView({ range, startedAt, onRangeChange }: { range: AnalyticsRange; startedAt: number; onRangeChange(range: AnalyticsRange): void }) {
  const { client } = useClient();
  const { from, to, bucket } = range;
  const stats = useAnalyticsQuery(`stats:${from}:${to}`, () => client['activity/stats']({ from, to }));
  const series = useAnalyticsQuery(`series:${from}:${to}:${bucket}`, () => client['analytics/timeseries']({ from, to, bucket }));

  const chartData = useMemo(() => {
    const points = series.state.data?.points ?? [];
    const rows = new Map(bucketsBetween(from, to, bucket).map((start) => [start, { bucket: start } as Record<string, number | string>]));
    for (const point of points) {
      const start = bucketOf(point.bucket, bucket);
      const row = rows.get(start) ?? { bucket: start };
      row[point.event_category] = Number(row[point.event_category] ?? 0) + point.count;
      rows.set(start, row);
    }
    return [...rows.values()].sort((a, b) => String(a.bucket).localeCompare(String(b.bucket)));
  }, [series.state.data, from, to, bucket]);
  const categories = useMemo(() => {
    const seen = new Set((series.state.data?.points ?? []).map((point) => point.event_category));
    return [...EVENT_CATEGORIES.filter((c) => seen.has(c)), ...[...seen].filter((c) => !(EVENT_CATEGORIES as readonly string[]).includes(c)).sort()];
  }, [series.state.data]);
  const drawn = series.state.status === 'ready' && stats.state.status === 'ready';
  const renderMs = useRenderTiming('statistics', startedAt, drawn);

  return (
    <div className="analytics__body" data-testid="statistics-view">
      <SourceNotice source={series.state.data?.source} />
      <ChartCard
        title="Events over time"
        subtitle={`By category, one point per ${bucket} · ${describeRange(range)}`}
        tools={<BucketControl range={range} onChange={onRangeChange} />}
        testId="statistics-chart"
        renderMs={renderMs}
      >
        {(width) =>
          series.state.status === 'error' ? (
            <ErrorState error={series.state.error} onRetry={series.retry} title="Events over time could not be loaded" />
          ) : !series.state.data ? (
            <LoadingState label="Counting events…" />
          ) : series.state.data.points.length === 0 ? (
            <EmptyState title="No events in this range" testId="statistics-chart-empty">
              <p>Pick a longer range, or the whole year.</p>
            </EmptyState>
          ) : (
            <>
              <ul className="legend" aria-label="Categories">
                {categories.map((category) => (
                  <li key={category} className="legend__item" data-colour={colourOf(category)}>
                    <span className="legend__swatch" aria-hidden="true" />
                    {category}
                  </li>
                ))}
              </ul>
              <AreaChart width={width} height={280} data={chartData} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
                <CartesianGrid stroke={token('border')} vertical={false} />
                <XAxis dataKey="bucket" tickFormatter={(value: string) => formatBucket(value, bucket)} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} minTickGap={24} />
                <YAxis tickFormatter={(value: number) => compact(value)} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} width={48} allowDecimals={false} />
                <Tooltip labelFormatter={(value) => `${bucket === 'day' ? '' : `${bucket} of `}${formatBucket(String(value), bucket === 'week' ? 'day' : bucket)}`} formatter={(value) => number(Number(value))} />
                {categories.map((category) => (
                  <Area
                    key={category}
                    type="monotone"
                    dataKey={category}
                    name={category}
                    stackId="events"
                    stroke={categoryColour(category)}
                    fill={categoryColour(category)}
                    fillOpacity={0.35}
                    strokeWidth={1.5}
                    isAnimationActive={false}
                  />
                ))}
              </AreaChart>
            </>
          )
        }
      </ChartCard>
      <StatsTable state={stats.state} retry={stats.retry} range={range} />
    </div>
  );
}

const compact = (value: number) => Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }).format(value);

function StatsTable({ state, retry, range }: { state: ReturnType<typeof useAnalyticsQuery<ActivityStat[]>>['state']; retry(): void; range: AnalyticsRange }) {
  const rows = useMemo(() => [...(state.data ?? [])].sort((a, b) => b.count - a.count || a.event_type.localeCompare(b.event_type)), [state.data]);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const [selected, setSelected] = useState(-1);
  const open = (row: ActivityStat) => navigate(activityHref({ eventTypes: [row.event_type], from: range.from, to: range.to }));
  useListKeyboard({
    count: rows.length,
    selected,
    select: setSelected,
    open: (index) => {
      const row = rows[index];
      if (row) open(row);
    },
  });
  return (
    <section className="card" aria-labelledby="stats-heading">
      <div className="card__header">
        <h2 id="stats-heading" className="card__title">
          Events by type
        </h2>
        <span className="card__meta">Open a type to see its events</span>
      </div>
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The statistics could not be loaded" />
      ) : !state.data ? (
        <LoadingState label="Counting events…" />
      ) : rows.length === 0 ? (
        <EmptyState title="No events in this range" testId="stats-empty" />
      ) : (
        <table className="data-table" data-testid="stats-table">
          <thead>
            <tr>
              <th scope="col">Event type</th>
              <th scope="col">Category</th>
              <th scope="col" className="num">
                Count
              </th>
              <th scope="col" className="num">
                Share
              </th>
              <th scope="col">Last occurrence</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr
                key={`${row.event_type}:${row.event_category}`}
                className={`data-table__row${index === selected ? ' is-selected' : ''}`}
                onClick={() => setSelected(index)}
                onDoubleClick={() => open(row)}
                data-testid="stats-row"
                data-event-type={row.event_type}
                data-count={row.count}
                data-selected={index === selected || undefined}
              >
                <td>
                  <a href={activityHref({ eventTypes: [row.event_type], from: range.from, to: range.to })} className="mono">
                    {row.event_type}
                  </a>
                </td>
                <td>
                  <CategoryLabel category={row.event_category} />
                </td>
                <td className="num">{number(row.count)}</td>
                <td className="num muted">{total ? `${((row.count / total) * 100).toFixed(1)} %` : ''}</td>
                <td className="muted">{formatShort(row.last_occurrence)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Total
              </th>
              <td className="num" data-testid="stats-total" data-total={total}>
                {number(total)}
              </td>
              <td colSpan={2} />
            </tr>
          </tfoot>
        </table>
      )}
    </section>
  );
}
