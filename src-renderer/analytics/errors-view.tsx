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
import { archivedQuery, bucketEnd, bucketOf, bucketsBetween, describeRange, formatBucket, rangeKey, rangeQuery, type AnalyticsRange } from './date-range';
import { SourceNotice } from './source-notice';
import { useAnalyticsQuery } from './use-analytics-query';

type ErrorRow = ErrorAnalysis['errors'][number];
const NO_TYPE = '(no error_type)';
const SPARKLINE_WIDTH = 100;

/** The explorer showing the errors of one type in this range: the affected emails, one click away. */
export const errorsHref = (errorType: string | null, range: Pick<AnalyticsRange, 'preset' | 'from' | 'to'>, bucket?: { from: string; to: string }): string =>
  activityHref({
    eventTypes: ['error'],
    metadata: errorType === null ? [] : [{ key: 'error_type', value: errorType }],
    ...(bucket ?? rangeQuery(range)),
  });

/** Errors grouped by error_type with first and last seen and a trend per type. */
export function ErrorsView({ range, startedAt }: { range: AnalyticsRange; startedAt: number }) {
  const { client } = useClient();
  const { from, to } = range;
  const { state, retry } = useAnalyticsQuery(`errors:${rangeKey(range)}`, () => client['analytics/errors']({ ...rangeQuery(range), ...archivedQuery(range) }));
  const rows = useMemo(() => [...(state.data?.errors ?? [])].sort((a, b) => b.count - a.count), [state.data]);
  const total = rows.reduce((sum, row) => sum + row.count, 0);
  // Distinct emails read the live table, so they are asked only once the counts are on screen.
  const ready = state.status === 'ready';
  const impact = useAnalyticsQuery(ready ? `impact:${rangeKey(range)}` : 'impact:waiting', () =>
    ready ? client['analytics/error-impact']({ ...rangeQuery(range), ...archivedQuery(range) }) : new Promise<never>(() => {}),
  );
  const impactByType = useMemo(() => new Map((impact.state.data?.errors ?? []).map((row) => [row.error_type ?? NO_TYPE, row])), [impact.state.data]);
  const volume = impact.state.data?.events ?? null;
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
              {impact.state.data && (
                <span data-testid="errors-impact" data-events={impact.state.data.events} data-emails={impact.state.data.emails}>
                  {`${rate(total, impact.state.data.events)} of ${impact.state.data.events.toLocaleString('en')} events · ${impact.state.data.emails.toLocaleString('en')} emails affected · `}
                </span>
              )}
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
          <table className="data-table errors-table" data-testid="errors-table">
            <thead>
              <tr>
                <th scope="col">Error type</th>
                <th scope="col" className="num">
                  Count
                </th>
                <th scope="col" className="num" title="Errors of this type against every event in the range">
                  Rate
                </th>
                <th scope="col" className="num" title="Distinct emails with an error of this type in the range">
                  Emails
                </th>
                <th scope="col" title="The first error of this type in the whole log">
                  First seen
                </th>
                <th scope="col">Last seen</th>
                <th scope="col">Trend</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row, index) => {
                const type = row.error_type ?? NO_TYPE;
                const affected = impactByType.get(type);
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
                    <td className="num muted" data-testid="error-rate">
                      {volume === null ? '…' : rate(row.count, volume)}
                    </td>
                    <td className="num" data-testid="error-emails" data-emails={affected?.emails}>
                      {affected ? affected.emails.toLocaleString('en') : impact.state.status === 'error' ? '—' : '…'}
                    </td>
                    <td
                      className="muted"
                      data-testid="error-first-seen"
                      data-first-seen={affected?.first_seen ?? undefined}
                      title={`${affected ? `${formatShort(affected.first_seen)} in the whole log; ` : ''}first in this range ${formatShort(row.first_seen)}`}
                    >
                      {affected ? formatDay(affected.first_seen) : impact.state.status === 'error' ? formatDay(row.first_seen) : '…'}
                    </td>
                    <td className="muted" title={formatShort(row.last_seen)}>
                      {formatDay(row.last_seen)}
                    </td>
                    <td className="sparkline-cell">
                      <Sparkline
                        data={trends.get(type) ?? []}
                        bucket={trendBucket}
                        label={`${type} per ${trendBucket}`}
                        onPick={(start) => navigate(errorsHref(row.error_type, range, bucketRange(start, trendBucket, range)))}
                      />
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

/** The day of a timestamp, as the log wrote it; the time is in the cell's title. */
const formatDay = (timestamp: string | null): string => formatShort(timestamp).slice(0, 10);

/** A share as people read it: "0.31 %", "< 0.01 %". */
export function rate(part: number, whole: number): string {
  if (whole <= 0) return '—';
  const percent = (100 * part) / whole;
  return percent > 0 && percent < 0.01 ? '< 0.01 %' : `${percent.toFixed(percent < 10 ? 2 : 1)} %`;
}

/** One bucket of the range, clipped to it. */
function bucketRange(start: string, bucket: 'day' | 'week', range: AnalyticsRange): { from: string; to: string } {
  const bounds = rangeQuery(range);
  const end = bucketEnd(start, bucket);
  return { from: bounds.from && bounds.from > start ? bounds.from : start, to: bounds.to && bounds.to < end ? bounds.to : end };
}

function Sparkline({ data, bucket, label, onPick }: { data: { bucket: string; count: number }[]; bucket: 'day' | 'week'; label: string; onPick(start: string): void }) {
  const colour = token('danger');
  return (
    <div className="sparkline" role="img" aria-label={`${label}; click a point for its errors`} data-testid="error-sparkline">
      <AreaChart
        width={SPARKLINE_WIDTH}
        height={30}
        data={data}
        margin={{ top: 2, right: 2, bottom: 2, left: 2 }}
        onClick={(state) => {
          const point = data[Number(state.activeTooltipIndex)];
          if (point) onPick(point.bucket);
        }}
      >
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
