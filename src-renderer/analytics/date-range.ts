import { TIME_BUCKETS } from '../../src-main/contract/analytics';
import { isValidTimestamp } from '../../src-main/contract/schemas';

export type Bucket = (typeof TIME_BUCKETS)[number];
export const PRESETS = ['7d', '30d', '90d', 'year', 'all', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

export const PRESET_LABELS: Record<Preset, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  year: 'Last 12 months',
  all: 'All time',
  custom: 'Custom',
};

const PRESET_DAYS: Record<'7d' | '30d' | '90d', number> = { '7d': 7, '30d': 30, '90d': 90 };
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/** The oldest and newest event's day in the log; null when the log is empty. */
export interface LogExtent {
  oldest: string | null;
  newest: string | null;
}

export interface AnalyticsRange {
  preset: Preset;
  /** Inclusive dates. For All time they span the log's extent and today; the query itself is unbounded (rangeQuery). */
  from: string;
  to: string;
  bucket: Bucket;
  /** Whether the bucket was chosen by the user rather than by the span. */
  bucketChosen: boolean;
  /** A custom range whose From is after its To: shown as such, never swapped silently and never asked for (the API answers 400). */
  reversed: boolean;
  /** Whether the counts add the events retention moved to the archive (issue 13, item 5; `archived=1`). */
  archived: boolean;
}

/** A YYYY-MM-DD naming a real day, by the contract's own timestamp rule. */
export const isDate = (text: string | null | undefined): text is string => typeof text === 'string' && DATE.test(text) && isValidTimestamp(text);
const toDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const msOf = (date: string): number => Date.parse(`${date}T00:00:00Z`);

export const addDays = (date: string, days: number): string => toDate(msOf(date) + days * DAY_MS);
export const spanDays = (from: string, to: string): number => Math.round((msOf(to) - msOf(from)) / DAY_MS) + 1;

/** The same date a number of months earlier (or later); a day the month lacks becomes its last (29 Feb 2024 - 12 months = 28 Feb 2023). */
export function addMonths(date: string, months: number): string {
  const [year, month, day] = [Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))];
  const lastDay = new Date(Date.UTC(year, month + months + 1, 0)).getUTCDate();
  return toDate(Date.UTC(year, month + months, Math.min(day, lastDay)));
}

/** Today's date where the log's timestamps were written (its zone), or in this computer's zone when that is unknown. */
export function todayIn(timeZone: string | null, now: number = Date.now()): string {
  try {
    if (timeZone) return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    // An unknown zone name: fall back to local time.
  }
  const local = new Date(now);
  return toDate(Date.UTC(local.getFullYear(), local.getMonth(), local.getDate()));
}

/** Days for short spans, weeks up to about two years, months beyond, so a chart has between 7 and ~100 points. */
export const bucketFor = (from: string, to: string): Bucket => (spanDays(from, to) <= 92 ? 'day' : spanDays(from, to) <= 740 ? 'week' : 'month');

/**
 * The first day of a preset ending on `today`, both ends inclusive: a period back from a day includes
 * that same date a period earlier (a year back from 2025-12-15 starts on 2024-12-15).
 */
export function presetFrom(preset: '7d' | '30d' | '90d' | 'year', today: string): string {
  return preset === 'year' ? addMonths(today, -12) : addDays(today, -PRESET_DAYS[preset]);
}

/**
 * The range in the URL (`?range=30d`, `?range=all`, or `?range=custom&from=…&to=…`). Presets end
 * today, in the log's zone; All time spans the log's extent (and today). A reversed custom range
 * stays reversed, so the screen can say so.
 */
export function rangeFromParams(params: URLSearchParams, today: string, extent: LogExtent | null = null, defaultPreset: 'year' | 'all' = 'year'): AnalyticsRange {
  const asked = params.get('range');
  let preset: Preset = (PRESETS as readonly string[]).includes(asked ?? '') ? (asked as Preset) : defaultPreset;
  let from: string;
  let to: string;
  const customFrom = params.get('from');
  const customTo = params.get('to');
  if (preset === 'custom' && isDate(customFrom) && isDate(customTo)) {
    [from, to] = [customFrom, customTo];
  } else if (preset === 'all') {
    from = extent?.oldest && extent.oldest < today ? extent.oldest : today;
    to = extent?.newest && extent.newest > today ? extent.newest : today;
  } else {
    if (preset === 'custom') preset = 'year';
    to = today;
    from = presetFrom(preset as '7d' | '30d' | '90d' | 'year', today);
  }
  const reversed = from > to;
  const bucketParam = params.get('bucket');
  const bucketChosen = (TIME_BUCKETS as readonly string[]).includes(bucketParam ?? '');
  const archived = params.get('archived') === '1';
  return { preset, from, to, bucket: bucketChosen ? (bucketParam as Bucket) : reversed ? 'day' : bucketFor(from, to), bucketChosen, reversed, archived };
}

/** What the analytics operations are asked: All time is unbounded, so it counts every event in the log. */
export function rangeQuery(range: Pick<AnalyticsRange, 'preset' | 'from' | 'to'>): { from?: string; to?: string } {
  return range.preset === 'all' ? {} : { from: range.from, to: range.to };
}

/** A key for caching answers of one range. */
export const rangeKey = (range: Pick<AnalyticsRange, 'preset' | 'from' | 'to'> & { archived?: boolean }): string =>
  `${range.preset === 'all' ? 'all' : `${range.from}:${range.to}`}${range.archived ? ':archived' : ''}`;

/** The analytics that can add archived events ask for them when the range says so. */
export const archivedQuery = (range: { archived?: boolean }): { includeArchived?: true } => (range.archived ? { includeArchived: true } : {});

export function paramsOfRange(range: AnalyticsRange, defaultPreset: 'year' | 'all' = 'year'): Record<string, string | undefined> {
  return {
    range: range.preset === defaultPreset ? undefined : range.preset,
    from: range.preset === 'custom' ? range.from : undefined,
    to: range.preset === 'custom' ? range.to : undefined,
    bucket: range.bucketChosen ? range.bucket : undefined,
    archived: range.archived ? '1' : undefined,
  };
}

/** The same custom range with From and To exchanged. */
export const swapped = (range: AnalyticsRange): AnalyticsRange =>
  rangeFromParams(
    new URLSearchParams({ range: 'custom', from: range.to, to: range.from, ...(range.bucketChosen ? { bucket: range.bucket } : {}), ...(range.archived ? { archived: '1' } : {}) }),
    range.to,
  );

/** Whether a range and the log's extent share no day: the range shows nothing although the log holds events. */
export function outsideExtent(range: Pick<AnalyticsRange, 'from' | 'to'>, extent: LogExtent | null): boolean {
  if (!extent?.oldest || !extent.newest) return false;
  return range.to < extent.oldest || range.from > extent.newest;
}

/** "12 Mar 2025 – 11 Mar 2026". */
export function describeRange(range: { from: string; to: string }): string {
  const format = (date: string) =>
    new Date(msOf(date)).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  return range.from === range.to ? format(range.from) : `${format(range.from)} – ${format(range.to)}`;
}

/** A chart axis label for a bucket start: "12 Mar" for days and weeks, "Mar 2025" for months. */
export function formatBucket(date: string, bucket: Bucket): string {
  const day = new Date(msOf(date.slice(0, 10)));
  if (Number.isNaN(day.getTime())) return date;
  return bucket === 'month'
    ? day.toLocaleDateString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' })
    : day.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** The start of the bucket a day falls in: itself, its ISO week's Monday, or the month's first. */
export function bucketOf(date: string, bucket: Bucket): string {
  const day = date.slice(0, 10);
  if (bucket === 'day') return day;
  if (bucket === 'month') return `${day.slice(0, 7)}-01`;
  const weekday = (new Date(msOf(day)).getUTCDay() + 6) % 7;
  return addDays(day, -weekday);
}

/** Every bucket start from `from` to `to`, so a chart shows quiet periods as zero rather than skipping them. */
export function bucketsBetween(from: string, to: string, bucket: Bucket): string[] {
  const starts: string[] = [];
  let current = bucketOf(from, bucket);
  while (current <= to && starts.length < 2000) {
    starts.push(current);
    current =
      bucket === 'day'
        ? addDays(current, 1)
        : bucket === 'week'
          ? addDays(current, 7)
          : toDate(Date.UTC(Number(current.slice(0, 4)), Number(current.slice(5, 7)), 1));
  }
  return starts;
}

/** The last day of the bucket starting on `start`. */
export function bucketEnd(start: string, bucket: Bucket): string {
  if (bucket === 'day') return start;
  if (bucket === 'week') return addDays(start, 6);
  return addDays(addMonths(`${start.slice(0, 7)}-01`, 1), -1);
}

/**
 * The buckets a chart draws that do not hold whole periods: one the range cuts at either end, and
 * the one holding today, which is still being written. Their bars look lower than they will be.
 */
export function partialBuckets(range: Pick<AnalyticsRange, 'from' | 'to' | 'bucket'>, today: string): Set<string> {
  const starts = bucketsBetween(range.from, range.to, range.bucket);
  const partial = new Set<string>();
  for (const start of [starts[0], starts[starts.length - 1]]) {
    if (start === undefined) continue;
    const end = bucketEnd(start, range.bucket);
    if (start < range.from || end > range.to || (start <= today && today <= end)) partial.add(start);
  }
  return partial;
}
