import type { RequestOf } from '../../src-main/contract/operations';
import { isValidTimestamp, type ActivityCount, type MetadataCondition } from '../../src-main/contract/schemas';
import { EVENT_CATEGORIES, EVENT_TYPE_PATTERN, type EventCategory } from '../../src-main/contract/taxonomy';

export interface ActivityFilters {
  eventTypes: string[];
  eventCategories: EventCategory[];
  userIds: number[];
  emailIds: number[];
  /** Dates (or date-times) as the contract takes them; `to` is inclusive of its whole day. */
  from: string;
  to: string;
  text: string;
  metadata: MetadataCondition[];
  live: boolean;
}

export const NO_FILTERS: ActivityFilters = {
  eventTypes: [],
  eventCategories: [],
  userIds: [],
  emailIds: [],
  from: '',
  to: '',
  text: '',
  metadata: [],
  live: false,
};

const METADATA_KEY = /^[A-Za-z0-9_.:-]{1,100}$/;
const MAX_INT = 2_147_483_647;

const listOf = (text: string | null): string[] =>
  (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** Positive whole ids from "5, 12 17"; anything else is dropped. */
export function idsOf(text: string | null): number[] {
  const ids = (text ?? '')
    .split(/[\s,]+/)
    .filter((part) => /^\d{1,10}$/.test(part))
    .map(Number)
    .filter((id) => id >= 1 && id <= MAX_INT);
  return [...new Set(ids)];
}

/** `error_type=extraction_failed` -> a condition; the value may itself contain '='. */
export function conditionOf(text: string): MetadataCondition | null {
  const at = text.indexOf('=');
  if (at <= 0) return null;
  const key = text.slice(0, at).trim();
  const value = text.slice(at + 1).trim();
  return METADATA_KEY.test(key) && value.length <= 500 ? { key, value } : null;
}

/** Reads the filters from the URL (`#/activity?type=error&user=5&meta=error_type%3Dx&live=1`), dropping what is not valid. */
export function filtersFromParams(params: URLSearchParams): ActivityFilters {
  const categories = listOf(params.get('category'));
  const date = (name: string) => {
    const value = params.get(name)?.trim() ?? '';
    return isValidTimestamp(value) ? value : '';
  };
  // A reversed range is kept as typed: the page says so and offers a swap (isReversedRange), as the API answers 400.
  const from = date('from');
  const to = date('to');
  const metadata = params
    .getAll('meta')
    .map(conditionOf)
    .filter((condition): condition is MetadataCondition => condition !== null)
    .slice(0, 10);
  return {
    eventTypes: [...new Set(listOf(params.get('type')).filter((type) => EVENT_TYPE_PATTERN.test(type)))],
    eventCategories: EVENT_CATEGORIES.filter((category) => categories.includes(category)),
    userIds: idsOf(params.get('user')),
    emailIds: idsOf(params.get('email')),
    from,
    to,
    text: (params.get('text') ?? '').slice(0, 200),
    metadata,
    live: params.get('live') === '1',
  };
}

/** The explorer's URL for these filters; metadata conditions repeat `meta=key%3Dvalue`. */
export function activityHref(filters: Partial<ActivityFilters>): string {
  const f = { ...NO_FILTERS, ...filters };
  const search = new URLSearchParams();
  if (f.eventTypes.length) search.set('type', f.eventTypes.join(','));
  if (f.eventCategories.length) search.set('category', f.eventCategories.join(','));
  if (f.userIds.length) search.set('user', f.userIds.join(','));
  if (f.emailIds.length) search.set('email', f.emailIds.join(','));
  if (f.text.trim()) search.set('text', f.text.trim());
  for (const condition of f.metadata) search.append('meta', `${condition.key}=${condition.value}`);
  if (f.from) search.set('from', f.from);
  if (f.to) search.set('to', f.to);
  if (f.live) search.set('live', '1');
  const query = search.toString();
  return `#/activity${query ? `?${query}` : ''}`;
}

export function isFiltered(filters: ActivityFilters): boolean {
  return (
    filters.eventTypes.length > 0 ||
    filters.eventCategories.length > 0 ||
    filters.userIds.length > 0 ||
    filters.emailIds.length > 0 ||
    Boolean(filters.from || filters.to || filters.text.trim()) ||
    filters.metadata.length > 0
  );
}

/** The 'activity/recent' request for these filters (without paging). */
export function recentRequestOf(filters: ActivityFilters): RequestOf<'activity/recent'> {
  const some = <T>(values: T[]) => (values.length ? values : undefined);
  return {
    eventTypes: some(filters.eventTypes),
    eventCategories: some(filters.eventCategories),
    userIds: some(filters.userIds),
    emailIds: some(filters.emailIds),
    from: filters.from || undefined,
    to: filters.to || undefined,
    text: filters.text.trim() || undefined,
    metadata: some(filters.metadata),
  };
}

/** Activity filtered to one metadata value (drill-down from a timeline), if the filter can express it. */
export function metadataValueHref(key: string, value: string | number | boolean): string | null {
  const condition = conditionOf(`${key}=${String(value)}`);
  return condition && condition.key === key && condition.value === String(value) ? activityHref({ metadata: [condition] }) : null;
}

const eventsText = (count: number, prefix = ''): string => `${prefix}${count.toLocaleString('en')} ${count === 1 && !prefix ? 'event' : 'events'}`;

/**
 * "4,235 events" once counted; "200+ events" while counting; "at least 1,000,000 events" past the
 * count's bound. `arrived`: live events prepended since the count was asked, which it did not see.
 */
export function countText(loaded: number, hasMore: boolean, count: ActivityCount | null, arrived = 0): string {
  if (!hasMore) return eventsText(loaded);
  if (!count) return `${loaded.toLocaleString('en')}+ events`;
  return eventsText(Math.max(count.count + arrived, loaded), count.exact ? '' : 'at least ');
}

/** The way back from an email opened from Activity: only an Activity view of this app; else undefined. */
export const backHrefOf = (back: string | undefined): string | undefined => (back && /^#\/activity(\?|$)/.test(back) ? back : undefined);
