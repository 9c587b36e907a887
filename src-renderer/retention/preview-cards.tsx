import { useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { RetentionPreview } from '../../src-main/contract/retention';
import { ChartCard } from '../analytics/chart-frame';
import { token } from '../analytics/chart-colours';
import type { QueryState } from '../analytics/use-analytics-query';
import { CategoryLabel } from '../components/category-badge';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { formatAbsolute } from '../lib/time';
import { count, emails, events, monthText } from './retention-text';

type PreviewState = QueryState<RetentionPreview>;

/** The three stacks of the chart, in the order a run acts; held events are those that stay. */
const SERIES = [
  { key: 'archive_events', name: 'Archive', colour: () => token('colour-blue') },
  { key: 'purge_events', name: 'Purge', colour: () => token('danger') },
  { key: 'held_events', name: 'Held (stay)', colour: () => token('success') },
] as const;

/** Per action the events and emails, the held events that stay, and the cutoffs in the database's zone. */
export function PreviewSummary({ state, retry, pending }: { state: PreviewState; retry(): void; pending: boolean }) {
  const preview = state.data;
  return (
    <section className="card retention-preview" aria-labelledby="retention-preview-heading" data-testid="retention-preview" aria-busy={state.status === 'loading'}>
      <div className="card__header">
        <div>
          <h2 className="card__title" id="retention-preview-heading">
            What a run would do now
          </h2>
          <p className="card__subtitle">Counted from the live log and archive; nothing is written.{pending && ' Fix the days above to update it.'}</p>
        </div>
        {state.status === 'loading' && preview && <span className="spinner spinner--sm" aria-label="Updating" />}
      </div>
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The preview could not be counted" />
      ) : !preview ? (
        <LoadingState label="Counting what a run would do…" testId="retention-preview-loading" />
      ) : (
        <>
          <div className="retention-figures">
            <Figure
              testId="preview-archive"
              label="To archive"
              value={preview.archive.events}
              detail={preview.cutoffs.archive ? `${emails(preview.archive.emails)} · created before ${formatAbsolute(preview.cutoffs.archive, preview.cutoffs.time_zone)}` : 'archiving is off'}
              tone="archive"
              cutoff={preview.cutoffs.archive}
            />
            <Figure
              testId="preview-purge"
              label="To purge"
              value={preview.purge.events}
              detail={preview.cutoffs.purge ? `${emails(preview.purge.emails)} · created before ${formatAbsolute(preview.cutoffs.purge, preview.cutoffs.time_zone)}` : 'purging is off'}
              tone="purge"
              cutoff={preview.cutoffs.purge}
            />
            <Figure testId="preview-held" label="Held, stay" value={preview.held.events} detail={`${emails(preview.held.emails)} under legal hold, past a cutoff`} tone="held" />
          </div>
          <p className="muted retention-preview__note">
            An event both archived and purged by this run counts under both. Times are the database’s ({preview.cutoffs.time_zone}), in which the log is written.
          </p>
        </>
      )}
    </section>
  );
}

function Figure({ label, value, detail, tone, testId, cutoff }: { label: string; value: number; detail: string; tone: string; testId: string; cutoff?: string | null }) {
  return (
    <div className={`retention-figure retention-figure--${tone}`} data-testid={testId} data-count={value} data-cutoff={cutoff ?? undefined}>
      <span className="retention-figure__label">{label}</span>
      <span className="retention-figure__value">{events(value)}</span>
      <span className="retention-figure__detail">{detail}</span>
    </div>
  );
}

const compact = (value: number) => Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 }).format(value);

/** Events per month of creation, archive, purge and held stacked. */
export function MonthChart({ state }: { state: PreviewState }) {
  const months = state.data?.by_month;
  const data = useMemo(() => (months ?? []).map((row) => ({ ...row })), [months]);
  return (
    <ChartCard title="By month" subtitle="Events by the month they were created in" testId="retention-chart">
      {(width) =>
        !state.data ? (
          state.status === 'error' ? null : <LoadingState label="Counting…" />
        ) : data.length === 0 ? (
          <EmptyState title="Nothing to archive or purge" testId="retention-chart-empty">
            <p>No event is older than the cutoffs.</p>
          </EmptyState>
        ) : (
          <>
            <ul className="legend" aria-label="Actions">
              {SERIES.map((series) => (
                <li key={series.key} className="legend__item">
                  <span className="legend__swatch" style={{ background: series.colour() }} aria-hidden="true" />
                  {series.name}
                </li>
              ))}
            </ul>
            <BarChart width={width} height={240} data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} barCategoryGap="15%" maxBarSize={64}>
              <CartesianGrid stroke={token('border')} vertical={false} />
              <XAxis dataKey="month" tickFormatter={monthText} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} minTickGap={16} />
              <YAxis tickFormatter={compact} tick={{ fontSize: 11, fill: token('text-faint') }} stroke={token('border')} width={48} allowDecimals={false} />
              <Tooltip cursor={{ fill: token('border'), fillOpacity: 0.4 }} labelFormatter={(value) => monthText(String(value))} formatter={(value) => count(Number(value))} />
              {SERIES.map((series) => (
                <Bar key={series.key} dataKey={series.key} name={series.name} stackId="actions" fill={series.colour()} fillOpacity={0.85} isAnimationActive={false} />
              ))}
            </BarChart>
          </>
        )
      }
    </ChartCard>
  );
}

/** The same counts by event category. */
export function CategoryTable({ state }: { state: PreviewState }) {
  const rows = useMemo(() => [...(state.data?.by_category ?? [])].sort((a, b) => b.archive_events + b.purge_events - (a.archive_events + a.purge_events)), [state.data]);
  return (
    <section className="card retention-categories" aria-labelledby="retention-categories-heading" data-testid="retention-categories">
      <div className="card__header">
        <h2 className="card__title" id="retention-categories-heading">
          By category
        </h2>
      </div>
      {rows.length === 0 ? (
        <p className="muted">{state.data ? 'No event is older than the cutoffs.' : 'Counting…'}</p>
      ) : (
        <table className="data-table">
          <TableHead columns={['Category', ['Archive'], ['Emails'], ['Purge'], ['Held']]} />
          <tbody>
            {rows.map((row) => (
              <tr key={row.event_category} className="data-table__row" data-testid="retention-category-row" data-category={row.event_category}>
                <td>
                  <CategoryLabel category={row.event_category} />
                </td>
                <td className="num">{count(row.archive_events)}</td>
                <td className="num muted">{count(row.archive_emails)}</td>
                <td className="num">{count(row.purge_events)}</td>
                <td className="num">{count(row.held_events)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A table's header row: a column in brackets holds numbers (right-aligned). */
export function TableHead({ columns }: { columns: (string | [string])[] }) {
  return (
    <thead>
      <tr>
        {columns.map((column) =>
          Array.isArray(column) ? (
            <th key={column[0]} scope="col" className="num">
              {column[0]}
            </th>
          ) : (
            <th key={column} scope="col">
              {column}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
