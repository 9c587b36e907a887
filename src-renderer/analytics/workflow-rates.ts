import { bucketOf, bucketsBetween, type AnalyticsRange } from './date-range';

/** How runs whose metadata names no workflow are listed. */
export const WORKFLOW_UNNAMED = '(no workflow named)';

export interface RateSeries {
  /** One row per bucket: the bucket start and, per workflow, its success rate in percent (absent without runs). */
  rows: Record<string, string | number>[];
  workflows: string[];
}

/** Success rate per bucket and workflow, completed / (completed + failed), as the seed computes it; a bucket without runs has no point. */
export function successRatesOverTime(
  overTime: { day: string; workflow: string | null; completed: number; failed: number }[],
  range: Pick<AnalyticsRange, 'from' | 'to' | 'bucket'>,
  shown: string,
): RateSeries {
  const runs = new Map<string, Map<string, { completed: number; total: number }>>();
  for (const point of overTime) {
    const name = point.workflow ?? WORKFLOW_UNNAMED;
    if (shown && name !== shown) continue;
    const start = bucketOf(point.day, range.bucket);
    const byWorkflow = runs.get(start) ?? new Map<string, { completed: number; total: number }>();
    const counts = byWorkflow.get(name) ?? { completed: 0, total: 0 };
    counts.completed += point.completed;
    counts.total += point.completed + point.failed;
    byWorkflow.set(name, counts);
    runs.set(start, byWorkflow);
  }
  const workflows = new Set<string>();
  const rows = bucketsBetween(range.from, range.to, range.bucket).map((start) => {
    const row: Record<string, string | number> = { bucket: start };
    for (const [name, counts] of runs.get(start) ?? []) {
      if (counts.total === 0) continue;
      row[name] = Math.round((10_000 * counts.completed) / counts.total) / 100;
      workflows.add(name);
    }
    return row;
  });
  return { rows, workflows: [...workflows].sort() };
}

