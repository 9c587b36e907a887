import { TIME_BUCKETS } from '../../src-main/contract/analytics';
import type { AnalyticsRange, Bucket } from './date-range';

const LABELS: Record<Bucket, string> = { day: 'Day', week: 'Week', month: 'Month' };

export function BucketControl({ range, onChange }: { range: AnalyticsRange; onChange(range: AnalyticsRange): void }) {
  return (
    <div className="segmented" role="group" aria-label="One point per">
      {TIME_BUCKETS.map((bucket) => (
        <button
          key={bucket}
          type="button"
          className="segmented__option"
          aria-pressed={range.bucket === bucket}
          onClick={() => onChange({ ...range, bucket, bucketChosen: true })}
          data-testid={`bucket-${bucket}`}
        >
          {LABELS[bucket]}
        </button>
      ))}
    </div>
  );
}
