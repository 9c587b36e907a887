import { describe, expect, it } from 'vitest';
import { successRatesOverTime } from '../../src-renderer/analytics/workflow-rates';

const overTime = [
  { day: '2025-03-03', workflow: 'Invoice Processing', completed: 9, failed: 1 },
  { day: '2025-03-04', workflow: 'Invoice Processing', completed: 1, failed: 1 },
  { day: '2025-03-04', workflow: 'Time Confirmation', completed: 3, failed: 0 },
  { day: '2025-03-10', workflow: null, completed: 0, failed: 2 },
];

describe('success rate over time, one line per workflow (issue 11, item 9)', () => {
  it('is completed of all runs per bucket and workflow; a bucket without runs has no point', () => {
    const rates = successRatesOverTime(overTime, { from: '2025-03-03', to: '2025-03-05', bucket: 'day' }, '');
    expect(rates.workflows).toEqual(['Invoice Processing', 'Time Confirmation']);
    expect(rates.rows).toEqual([
      { bucket: '2025-03-03', 'Invoice Processing': 90 },
      { bucket: '2025-03-04', 'Invoice Processing': 50, 'Time Confirmation': 100 },
      { bucket: '2025-03-05' },
    ]);
  });

  it('adds a week’s runs before dividing, and shows the chosen workflow alone', () => {
    const rates = successRatesOverTime(overTime, { from: '2025-03-03', to: '2025-03-16', bucket: 'week' }, 'Invoice Processing');
    expect(rates.workflows).toEqual(['Invoice Processing']);
    expect(rates.rows).toEqual([{ bucket: '2025-03-03', 'Invoice Processing': 83.33 }, { bucket: '2025-03-10' }]);
    const unnamed = successRatesOverTime(overTime, { from: '2025-03-03', to: '2025-03-16', bucket: 'week' }, '(no workflow named)');
    expect(unnamed.rows[1]).toEqual({ bucket: '2025-03-10', '(no workflow named)': 0 });
  });
});
