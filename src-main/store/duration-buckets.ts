import { BUCKETS_PER_DOUBLING } from './rollup-keys';

// Workflow execution times are kept as a histogram (rollup-keys.ts's buckets); both stores read percentiles from it.

/** The lower and upper execution time (ms) of a histogram bucket. */
export function bucketBounds(bucket: number): [number, number] {
  return [2 ** (bucket / BUCKETS_PER_DOUBLING) - 1, 2 ** ((bucket + 1) / BUCKETS_PER_DOUBLING) - 1];
}

/** A percentile from histogram buckets, interpolated geometrically within its bucket. */
export function percentileFromBuckets(buckets: { bucket: number; count: number }[], p: number): number | null {
  const sorted = [...buckets].sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((sum, b) => sum + b.count, 0);
  if (total === 0) return null;
  const rank = p * total;
  let seen = 0;
  for (const { bucket, count } of sorted) {
    if (seen + count >= rank) {
      const [low, high] = bucketBounds(bucket);
      const fraction = count === 0 ? 0 : (rank - seen) / count;
      return Math.round((low + 1) * ((high + 1) / (low + 1)) ** fraction - 1);
    }
    seen += count;
  }
  return Math.round(bucketBounds(sorted[sorted.length - 1]!.bucket)[1]);
}
