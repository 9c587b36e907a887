import { describe, expect, it } from 'vitest';
import { CLOCK_SKEW_SECONDS, formatRelative } from '../../src-renderer/lib/time';

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const SECOND = 1000;
const DAY = 86_400 * SECOND;
const ago = (ms: number) => formatRelative(NOW - ms, NOW);

describe('relative times (issue 11, item 7)', () => {
  it('rounds to the nearest unit in numeric words: nearly two years ago is "2 years ago", not "last year"', () => {
    expect(ago(700 * DAY)).toBe('2 years ago');
    expect(ago(400 * DAY)).toBe('1 year ago');
    expect(ago(1 * DAY + 2 * 3600 * SECOND)).toBe('1 day ago');
    expect(ago(40 * DAY)).toBe('1 month ago');
    expect(ago(50 * DAY)).toBe('2 months ago');
    expect(ago(90 * 60 * SECOND)).toBe('2 hours ago');
    expect(ago(17 * SECOND)).toBe('17 seconds ago');
    expect(ago(2 * SECOND)).toBe('just now');
  });

  it('reads a live event slightly in the future (clock or zone skew) as "just now"', () => {
    expect(formatRelative(NOW + 17 * SECOND, NOW)).toBe('just now');
    expect(formatRelative(NOW + CLOCK_SKEW_SECONDS * SECOND, NOW)).toBe('just now');
    expect(formatRelative(NOW + 2 * 3600 * SECOND, NOW)).toBe('in 2 hours');
    expect(formatRelative(null, NOW)).toBe('');
  });
});
