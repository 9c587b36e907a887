import { describe, expect, it } from 'vitest';
import { isCompleteDate, typedDateChange } from '../../src-renderer/lib/typed-date';

describe('a typed date applies only when whole (issue 11, item 2)', () => {
  it('waits while the year is still being typed, as Chromium reports it digit by digit', () => {
    for (const partial of ['0002-06-01', '0020-06-01', '0202-06-01']) expect(typedDateChange(partial, false)).toBeNull();
    expect(typedDateChange('2025-06-01', false)).toBe('2025-06-01');
  });

  it('tells a cleared field from one with a missing part', () => {
    expect(typedDateChange('', false)).toBe('');
    expect(typedDateChange('', true)).toBeNull();
  });

  it('accepts only real days', () => {
    expect(isCompleteDate('2024-02-29')).toBe(true);
    expect(isCompleteDate('2025-02-29')).toBe(false);
    expect(isCompleteDate('2025-13-01')).toBe(false);
    expect(isCompleteDate('3025-01-01')).toBe(false);
    expect(isCompleteDate('2025-1-01')).toBe(false);
  });
});
