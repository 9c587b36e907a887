import type { ActivityFilter, Keyset } from './log-store';

// The list filter whose index drives the scan, most selective first. With several values, each
// value's newest rows come from its own index range and are merged, instead of sorting them all.
export const DRIVER_FIELDS = ['emailIds', 'userIds', 'eventTypes', 'eventCategories'] as const;
export type DriverField = (typeof DRIVER_FIELDS)[number];

/**
 * Rows one page may examine when a condition is not served by the driving index (free text,
 * metadata, a second list filter): a rare or absent value would otherwise read the whole log for
 * one page. Rows in time order share heap pages; rows of one type or user are scattered, so cost more.
 */
export const SCAN_BUDGET = 1_000;
export const DRIVER_SCAN_BUDGET = 400;
/** With several driver values each gets its share, but never fewer than this many rows. */
const MIN_BRANCH_BUDGET = 100;
/**
 * A search that goes on examines wider stretches: each continuation of a page that stopped at its
 * budget may examine four times as many rows, up to this many (a fifth of a second or so), so the
 * first page answers at once and a search through millions of events takes hundreds of pages, not
 * thousands. The width travels in the cursor, so every page is still the same answer everywhere.
 */
export const MAX_SCAN_BUDGET = 64_000;
export const MIN_SCAN_BUDGET = MIN_BRANCH_BUDGET;

/** The next continuation's budget after a page that stopped at `scanned` rows. */
export const widerScan = (scanned: number): number => Math.min(MAX_SCAN_BUDGET, scanned * 4);

export interface ActivityPlan {
  /** Rows the whole page may examine, shared by the driver values; null when the page is not bounded. */
  scan: number | null;
  driver: DriverField | undefined;
  /** The driver's distinct values; empty without a driver. */
  values: (string | number)[];
  /** The conditions checked row by row (no date range, no driver), or null when the index serves them all. */
  residual: ActivityFilter | null;
  /** Rows each driver value's scan may examine; null when the page is not bounded. */
  budget: number | null;
}

/** `scan`: the page's budget when a cursor widened it; otherwise the default for its kind of scan. */
export function planActivity(filter: ActivityFilter, scan?: number): ActivityPlan {
  const driver = DRIVER_FIELDS.find((field) => filter[field]?.length);
  const values = driver ? [...new Set<string | number>(filter[driver]!)] : [];
  const residual: ActivityFilter = {};
  for (const field of DRIVER_FIELDS) {
    if (field !== driver && filter[field]?.length) (residual as Record<string, unknown>)[field] = filter[field];
  }
  if (filter.text?.trim()) residual.text = filter.text;
  if (filter.metadata?.length) residual.metadata = filter.metadata;
  if (Object.keys(residual).length === 0) return { driver, values, residual: null, scan: null, budget: null };
  const total = scan ?? (driver ? DRIVER_SCAN_BUDGET : SCAN_BUDGET);
  return { driver, values, residual, scan: total, budget: Math.max(MIN_BRANCH_BUDGET, Math.floor(total / Math.max(values.length, 1))) };
}

export interface Keyed {
  created_at: string | null;
  id: number;
}

/** Newest first by (created_at, id), NULL created_at first, as PostgreSQL orders created_at DESC. */
export function byNewest(a: Keyed, b: Keyed): number {
  if (a.created_at !== b.created_at) {
    if (a.created_at === null) return -1;
    if (b.created_at === null) return 1;
    return a.created_at < b.created_at ? 1 : -1;
  }
  return b.id - a.id;
}

const keyed = ({ createdAt, id }: Keyset): Keyed => ({ created_at: createdAt, id });

/** What one driver value's bounded scan found: its matches newest first, and where it stopped if the budget ran out. */
export interface ScannedBranch<T extends Keyed> {
  hits: T[];
  stoppedAt: Keyset | null;
}

/** What a bounded page found: its events, and the last row examined when the budget ran out first. */
export interface BoundedPage<T> {
  events: T[];
  scannedTo: Keyset | null;
  /** How a text or metadata search was answered: through an index, whole, or by the bounded scan. */
  search?: 'index' | 'scan';
  /** The page's budget (rows it might examine), when it stopped there; continue with widerScan() of it. */
  scanned?: number;
}

/**
 * Merges the branches of a bounded page. Only the rows down to the newest place where a branch
 * stopped are complete (another branch may still hold older matches), so the page ends there.
 */
export function mergeScannedBranches<T extends Keyed>(branches: ScannedBranch<T>[], limit: number): BoundedPage<T> {
  let scannedTo: Keyset | null = null;
  for (const { stoppedAt } of branches) {
    if (stoppedAt && (!scannedTo || byNewest(keyed(stoppedAt), keyed(scannedTo)) < 0)) scannedTo = stoppedAt;
  }
  const to = scannedTo && keyed(scannedTo);
  const complete = branches.flatMap(({ hits }) => (to ? hits.filter((hit) => byNewest(hit, to) <= 0) : hits));
  complete.sort(byNewest);
  const events = complete.slice(0, limit);
  return { events, scannedTo: events.length >= limit ? null : scannedTo };
}

/** Which search indexes a store has (migrations/0005 on PostgreSQL, the cache's search tables on SQLite). */
export interface SearchIndexes {
  text: boolean;
  metadata: boolean;
  /** About how many events the log holds (planner statistics, the cache's row count); 0 when unknown. */
  events: number;
}

/**
 * A trigram index finds a text only through a trigram of it: three letters or digits in a row
 * (pg_trgm splits words at anything else). A shorter text keeps the bounded scan.
 */
export const textIndexable = (text: string | undefined): boolean => /[A-Za-z0-9]{3}/.test(text?.trim() ?? '');

/** Whether an index serves a page's row-by-row conditions, so the page is searched whole instead of by budget. */
export function indexedSearch(plan: ActivityPlan, indexes: SearchIndexes): boolean {
  const residual = plan.residual;
  if (!residual) return false;
  return (indexes.text && textIndexable(residual.text)) || (indexes.metadata && Boolean(residual.metadata?.length));
}

/**
 * A wider stretch costs under a microsecond a row; gathering a match through the index costs about
 * twelve times that (bench, 300,000 and 1,000,000 events). So a stretch is worth this many rows,
 * or twelve per match the index would gather, never more than MAX_SCAN_BUDGET.
 */
export const MAX_FILLING_SCAN = 8_000;
const ROWS_PER_GATHERED_MATCH = 12;

/**
 * After a first stretch of `scanned` rows found `hits` of the page's `limit`: a stretch likely to
 * fill the page (twice the rows the density says, at most MAX_SCAN_BUDGET), or null when matches
 * are too sparse for one to beat the index, whose matches the density over the log's `events`
 * estimates. At 10 million events a stretch of 61,200 rows took 24 ms where gathering the 54,186
 * trigram candidates of "extraction_failed" took 155 ms before reading a row.
 */
export function fillingScan(hits: number, limit: number, scanned: number, events = 0): number | null {
  if (hits === 0) return null;
  const wanted = Math.min(MAX_SCAN_BUDGET, Math.ceil((2 * scanned * limit) / hits));
  const worth = Math.min(MAX_SCAN_BUDGET, Math.max(MAX_FILLING_SCAN, (ROWS_PER_GATHERED_MATCH * events * hits) / scanned));
  return wanted <= worth ? wanted : null;
}

/**
 * Matches a search gathers through its index at most. More means a common text or value whose
 * newest matches lie past the first stretches: the created_at index, walked with the conditions,
 * meets the page's matches soon, and gathering every match would cost more.
 */
export const INDEX_HITS_MAX = 5_000;
