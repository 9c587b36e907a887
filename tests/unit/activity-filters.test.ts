import { describe, expect, it } from 'vitest';
import { isReversedRange, RecentActivityRequest } from '../../src-main/contract/schemas';
import { activityHref, backHrefOf, countText, filtersFromParams, metadataValueHref } from '../../src-renderer/activity/activity-filters';

const params = (query: string) => new URLSearchParams(query);

describe('a reversed range, one rule for the screens and the API (issue 11, item 7)', () => {
  it('is read from the URL as typed, never swapped', () => {
    const filters = filtersFromParams(params('from=2025-06-10&to=2025-06-01'));
    expect([filters.from, filters.to]).toEqual(['2025-06-10', '2025-06-01']);
    expect(isReversedRange(filters)).toBe(true);
    expect(activityHref(filters)).toBe('#/activity?from=2025-06-10&to=2025-06-01');
  });

  it('is what the API refuses, and only that', () => {
    const cases: [string, string, boolean][] = [
      ['2025-06-10', '2025-06-01', true],
      ['2025-06-01', '2025-06-10', false],
      // A date-only `to` includes its whole day.
      ['2025-06-01T15:00', '2025-06-01', false],
      ['2025-06-02', '2025-06-01T23:59:59', true],
      ['2025-06-01 10:00', '2025-06-01T09:00', true],
      ['2025-06-01', '', false],
    ];
    for (const [from, to, reversed] of cases) {
      expect(isReversedRange({ from, to }), `${from}..${to}`).toBe(reversed);
      expect(RecentActivityRequest.safeParse({ from, to: to || undefined }).success, `${from}..${to}`).toBe(!reversed);
    }
  });

  it('drops dates that are not dates, and keeps the rest of the filters', () => {
    const filters = filtersFromParams(params('from=0002-06-01&to=2025-02-30&type=error&meta=error_type%3Dsmtp_error'));
    expect([filters.from, filters.to]).toEqual(['', '']);
    expect(filters.eventTypes).toEqual(['error']);
    expect(filters.metadata).toEqual([{ key: 'error_type', value: 'smtp_error' }]);
  });
});

describe('the activity count as the screen says it (issue 11, item 8)', () => {
  it('is exact when counted, a lower bound past the bound, and "N+" while counting', () => {
    expect(countText(24, false, null)).toBe('24 events');
    expect(countText(1, false, null)).toBe('1 event');
    expect(countText(200, true, null)).toBe('200+ events');
    expect(countText(200, true, { count: 4235, exact: true })).toBe('4,235 events');
    expect(countText(200, true, { count: 100_000, exact: false })).toBe('at least 100,000 events');
    // Live events that arrived after counting add to it; the number never falls below the rows on screen.
    expect(countText(300, true, { count: 4235, exact: true }, 2)).toBe('4,237 events');
    expect(countText(4300, true, { count: 4235, exact: true })).toBe('4,300 events');
  });
});

describe('metadata drill-down links (issue 11, item 11)', () => {
  it('filter Activity to a top-level key = value as the metadata filter compares it', () => {
    expect(metadataValueHref('error_type', 'smtp_error')).toBe('#/activity?meta=error_type%3Dsmtp_error');
    expect(metadataValueHref('execution_time_ms', 1250)).toBe('#/activity?meta=execution_time_ms%3D1250');
    expect(metadataValueHref('ok', true)).toBe('#/activity?meta=ok%3Dtrue');
    expect(filtersFromParams(params(metadataValueHref('note', 'a = b & c')!.split('?')[1]!)).metadata).toEqual([{ key: 'note', value: 'a = b & c' }]);
  });

  it('are left out where the filter could not match the value exactly', () => {
    expect(metadataValueHref('bad key', 'x')).toBeNull();
    expect(metadataValueHref('note', ' padded ')).toBeNull();
    expect(metadataValueHref('note', 'x'.repeat(501))).toBeNull();
  });
});

describe('the way back from an email (issue 11, item 6)', () => {
  it('is the Activity view it was opened from, and nothing else', () => {
    expect(backHrefOf('#/activity?type=error&text=failed')).toBe('#/activity?type=error&text=failed');
    expect(backHrefOf('#/activity')).toBe('#/activity');
    expect(backHrefOf('https://example.com/#/activity')).toBeUndefined();
    expect(backHrefOf('#/activityx')).toBeUndefined();
    expect(backHrefOf(undefined)).toBeUndefined();
  });
});
