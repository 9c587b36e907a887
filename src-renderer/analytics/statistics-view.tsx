import { useMemo, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from 'recharts';
import type { ActivityStat } from '../../src-main/contract/schemas';
import { EVENT_CATEGORIES, type EventCategory } from '../../src-main/contract/taxonomy';
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
import { useToday } from './date-range-control';
import { archivedQuery, bucketEnd, bucketOf, bucketsBetween, describeRange, formatBucket, partialBuckets, rangeKey, rangeQuery, type AnalyticsRange } from './date-range';
import { PartialLegendItem, PartialPatterns, partialFillId, partialNote } from './partial-bucket';
import { SourceNotice } from './source-notice';
import { useAnalyticsQuery } from './use-analytics-query';

const number = (value: number) => value.toLocaleString('en');

/** The seed's /activity/stats table and the events over time, stacked by category. */
export function StatisticsView({ range, startedAt, onRangeChange }: { range: AnalyticsRange; startedAt: number; onRangeChange(range: AnalyticsRange): void }) {
  const { client } = useClient();
  const { from, to, bucket } = range;
  const stats = useAnalyticsQuery(`stats:${rangeKey(range)}`, () => client['activity/stats']({ ...rangeQuery(range), ...archivedQuery(range) }));
  const series = useAnalyticsQuery(`series:${rangeKey(range)}:${bucket}`, () => client['analytics/timeseries']({ ...rangeQuery(range), ...archivedQuery(range), bucket }));
  const today = useToday();
  const partial = useMemo(() => partialBuckets(range, today), [range, today]);

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
        subtitle={`By category, one bar per ${bucket} · ${describeRange(range)} · click a bar or a category for its events`}
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
              <p>Pick a longer range, or All time.</p>
            </EmptyState>
          ) : (
            <>
              <ul className="legend" aria-label="Categories">
                {categories.map((category) => (
                  <li key={category} className="legend__item" data-colour={colourOf(category)}>
                    <a className="legend__link" href={categoryHref(category, range)} data-testid="legend-category" data-category={category} title={`Open the ${category} events of ${describeRange(range)}`}>
                      <span className="legend__swatch" aria-hidden="true" />
                      {category}
                    </a>
                  </li>
                ))}
                {partial.size > 0 && <PartialLegendItem bucket={bucket} />}
              </ul>
              <BarChart width={width} height={280} data={chartData} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} barCategoryGap="15%">
                <PartialPatterns colours={categories.map((category) => ({ name: category, colour: categoryColour(category) }))} />
                <CartesianGrid stroke={token('border')} vertical={false} />
                <XAxis dataKey="bucket" tickFormatter={(value: string) => formatBucket(value, bucket)} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} minTickGap={24} />
                <YAxis tickFormatter={(value: number) => compact(value)} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} width={48} allowDecimals={false} />
                <Tooltip
                  cursor={{ fill: token('border'), fillOpacity: 0.4 }}
                  labelFormatter={(value) => `${bucket === 'day' ? '' : `${bucket} of `}${formatBucket(String(value), bucket === 'week' ? 'day' : bucket)}${partial.has(String(value)) ? ` (${partialNote(bucket)})` : ''}`}
                  formatter={(value) => number(Number(value))}
                />
                {categories.map((category) => (
                  <Bar
                    key={category}
                    dataKey={category}
                    name={category}
                    stackId="events"
                    fill={categoryColour(category)}
                    fillOpacity={0.85}
                    isAnimationActive={false}
                    onClick={(item) => {
                      const start = (item.payload as { bucket?: string } | undefined)?.bucket;
                      if (start) navigate(categoryHref(category, range, start));
                    }}
                  >
                    {chartData.map((row) => (
                      <Cell key={String(row.bucket)} fill={partial.has(String(row.bucket)) ? `url(#${partialFillId(category)})` : categoryColour(category)} data-partial={partial.has(String(row.bucket)) || undefined} />
                    ))}
                  </Bar>
                ))}
              </BarChart>
            </>
          )
        }
      </ChartCard>
      <StatsTable state={stats.state} retry={stats.retry} range={range} />
    </div>
  );
}

/** The explorer for one category over the range, or over one bucket of it (clipped to the range). */
export function categoryHref(category: string, range: AnalyticsRange, bucketStart?: string): string {
  const bounds = rangeQuery(range);
  if (!bucketStart) return activityHref({ eventCategories: [category as EventCategory], ...bounds });
  const end = bucketEnd(bucketStart, range.bucket);
  return activityHref({
    eventCategories: [category as EventCategory],
    from: bounds.from && bounds.from > bucketStart ? bounds.from : bucketStart,
    to: bounds.to && bounds.to < end ? bounds.to : end,
  });
}

const compact = (value: number) => Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }).format(value);

function StatsTable({ state, retry, range }: { state: ReturnType<typeof useAnalyticsQuery<ActivityStat[]>>['state']; retry(): void; range: AnalyticsRange }) {
  const rows = useMemo(() => [...(state.data ?? [])].sort((a, b) => b.count - a.count || a.event_type.localeCompare(b.event_type)), [state.data]);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  const [selected, setSelected] = useState(-1);
  const open = (row: ActivityStat) => navigate(activityHref({ eventTypes: [row.event_type], ...rangeQuery(range) }));
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
                  <a href={activityHref({ eventTypes: [row.event_type], ...rangeQuery(range) })} className="mono">
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
