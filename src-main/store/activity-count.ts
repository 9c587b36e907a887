import type { ActivityFilter } from './log-store';

/**
 * Counting for the activity explorer, the same plan on both stores. Event types, categories and a
 * date range add up the daily rollups; other filters count matching rows up to a bound, so a count
 * never reads the whole log: past the bound it answers a lower bound (`exact: false`).
 */
export const COUNT_BOUND = 1_000_000;
/** Rows examined when text or metadata is checked row by row: each row costs a heap read. */
export const COUNT_SCAN_BOUND = 500_000;

export type CountPlan =
  /** Sum the daily rollups (exact). */
  | { kind: 'rollup' }
  /** Count rows the indexes select, up to `bound`. */
  | { kind: 'indexed'; bound: number }
  /** Examine up to `bound` rows the indexes select, counting those that pass `residual`. */
  | { kind: 'scan'; bound: number; indexed: ActivityFilter; residual: ActivityFilter };

export function planCount(filter: ActivityFilter, { rollups, bound = COUNT_BOUND, scanBound = COUNT_SCAN_BOUND }: { rollups: boolean; bound?: number; scanBound?: number }): CountPlan {
  const rowByRow = Boolean(filter.text?.trim()) || Boolean(filter.metadata?.length);
  if (rowByRow) {
    const { text, metadata, ...indexed } = filter;
    return { kind: 'scan', bound: scanBound, indexed, residual: { text, metadata } };
  }
  if (rollups && !filter.userIds?.length && !filter.emailIds?.length) return { kind: 'rollup' };
  return { kind: 'indexed', bound };
}

/** What a bounded count answers: `seen` rows were read (at most bound + 1), `hits` of them matched. */
export function boundedCount(plan: CountPlan, seen: number, hits: number): { count: number; exact: boolean } {
  if (plan.kind === 'rollup') return { count: hits, exact: true };
  const exact = seen <= plan.bound;
  return { count: exact ? hits : Math.min(hits, plan.bound), exact };
}
