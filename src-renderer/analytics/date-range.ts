import { TIME_BUCKETS } from '../../src-main/contract/analytics';

export type Bucket = (typeof TIME_BUCKETS)[number];
export const PRESETS = ['7d', '30d', '90d', 'year', 'custom'] as const;
export type Preset = (typeof PRESETS)[number];

export const PRESET_LABELS: Record<Preset, string> = {
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  year: 'Whole year',
  custom: 'Custom',
};

const PRESET_DAYS: Record<Exclude<Preset, 'custom' | 'year'>, number> = { '7d': 7, '30d': 30, '90d': 90 };
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

export interface AnalyticsRange {
  preset: Preset;
  /** Inclusive dates, as the contract takes them. */
  from: string;
  to: string;
  bucket: Bucket;
  /** Whether the bucket was chosen by the user rather than by the span. */
  bucketChosen: boolean;
}

const isDate = (text: string | null): text is string => text !== null && DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
const toDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const msOf = (date: string): number => Date.parse(`${date}T00:00:00Z`);

export const addDays = (date: string, days: number): string => toDate(msOf(date) + days * DAY_MS);
export const spanDays = (from: string, to: string): number => Math.round((msOf(to) - msOf(from)) / DAY_MS) + 1;

/** Days for short spans, weeks up to a year, so a chart has between 7 and ~60 points. */
export const bucketFor = (from: string, to: string): Bucket => (spanDays(from, to) <= 92 ? 'day' : 'week');

/**
 * The range in the URL (`?range=30d`, or `?range=custom&from=…&to=…`). Presets end on `anchor`,
 * the day of the newest event in the log, so a demo or an archived log shows its data.
 */
export function rangeFromParams(params: URLSearchParams, anchor: string): AnalyticsRange {
  const asked = params.get('range');
  let preset: Preset = (PRESETS as readonly string[]).includes(asked ?? '') ? (asked as Preset) : 'year';
  let from: string;
  let to: string;
  const customFrom = params.get('from');
  const customTo = params.get('to');
  if (preset === 'custom' && isDate(customFrom) && isDate(customTo)) {
    [from, to] = customFrom <= customTo ? [customFrom, customTo] : [customTo, customFrom];
  } else {
    if (preset === 'custom') preset = 'year';
    to = anchor;
    from = preset === 'year' ? addDays(toDate(Date.UTC(Number(anchor.slice(0, 4)) - 1, Number(anchor.slice(5, 7)) - 1, Number(anchor.slice(8, 10)))), 1) : addDays(anchor, -(PRESET_DAYS[preset] - 1));
  }
  const bucketParam = params.get('bucket');
  const bucketChosen = (TIME_BUCKETS as readonly string[]).includes(bucketParam ?? '');
  return { preset, from, to, bucket: bucketChosen ? (bucketParam as Bucket) : bucketFor(from, to), bucketChosen };
}

export function paramsOfRange(range: AnalyticsRange): Record<string, string | undefined> {
  return {
    range: range.preset === 'year' ? undefined : range.preset,
    from: range.preset === 'custom' ? range.from : undefined,
    to: range.preset === 'custom' ? range.to : undefined,
    bucket: range.bucketChosen ? range.bucket : undefined,
  };
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
