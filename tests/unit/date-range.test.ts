import { describe, expect, it } from 'vitest';
import {
  addMonths,
  bucketEnd,
  bucketsBetween,
  outsideExtent,
  partialBuckets,
  presetFrom,
  rangeFromParams,
  rangeQuery,
  spanDays,
  swapped,
  todayIn,
} from '../../src-renderer/analytics/date-range';

const params = (text: string) => new URLSearchParams(text);

describe('analytics ranges are inclusive and end today (issue 11, item 3)', () => {
  it('a year back from a day includes that same date a year earlier', () => {
    const range = rangeFromParams(params(''), '2025-12-15');
    expect(range).toMatchObject({ preset: 'year', from: '2024-12-15', to: '2025-12-15', reversed: false });
    expect(spanDays(range.from, range.to)).toBe(366);
  });

  it('presets are relative to the given today, not to the newest event', () => {
    expect(rangeFromParams(params('range=7d'), '2026-11-28')).toMatchObject({ from: '2026-11-21', to: '2026-11-28' });
    expect(rangeFromParams(params('range=30d'), '2025-03-31')).toMatchObject({ from: '2025-03-01', to: '2025-03-31' });
    expect(rangeFromParams(params('range=90d'), '2025-03-01')).toMatchObject({ from: '2024-12-01', to: '2025-03-01' });
    // Whatever the log's extent, a preset does not move.
    expect(rangeFromParams(params('range=7d'), '2026-11-28', { oldest: '2024-01-01', newest: '2025-01-01' }).to).toBe('2026-11-28');
  });

  it('month and leap-day edges: a missing day becomes the month’s last', () => {
    expect(presetFrom('year', '2024-02-29')).toBe('2023-02-28');
    expect(presetFrom('year', '2025-02-28')).toBe('2024-02-28');
    expect(presetFrom('year', '2025-03-01')).toBe('2024-03-01');
    expect(addMonths('2025-03-31', -1)).toBe('2025-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(presetFrom('7d', '2025-03-03')).toBe('2025-02-24');
    expect(presetFrom('7d', '2024-03-03')).toBe('2024-02-25');
    expect(bucketEnd('2024-02-01', 'month')).toBe('2024-02-29');
    expect(bucketEnd('2025-12-01', 'month')).toBe('2025-12-31');
  });

  it('All time spans the log’s extent and today, and asks the service without bounds', () => {
    const all = rangeFromParams(params('range=all'), '2026-11-28', { oldest: '2024-12-15', newest: '2025-12-15' });
    expect(all).toMatchObject({ preset: 'all', from: '2024-12-15', to: '2026-11-28', bucket: 'week' });
    expect(rangeQuery(all)).toEqual({});
    expect(rangeQuery(rangeFromParams(params('range=7d'), '2026-11-28'))).toEqual({ from: '2026-11-21', to: '2026-11-28' });
    // An empty log, or one not read yet: today alone.
    expect(rangeFromParams(params('range=all'), '2026-11-28', { oldest: null, newest: null })).toMatchObject({ from: '2026-11-28', to: '2026-11-28' });
  });

  it('says when a range lies outside the log', () => {
    const extent = { oldest: '2024-12-15', newest: '2025-12-15' };
    expect(outsideExtent({ from: '2026-11-21', to: '2026-11-28' }, extent)).toBe(true);
    expect(outsideExtent({ from: '2025-12-15', to: '2026-11-28' }, extent)).toBe(false);
    expect(outsideExtent({ from: '2024-01-01', to: '2024-12-14' }, extent)).toBe(true);
    expect(outsideExtent({ from: '2026-11-21', to: '2026-11-28' }, { oldest: null, newest: null })).toBe(false);
  });

  it('today is the date in the log’s zone', () => {
    const instant = Date.UTC(2025, 11, 15, 23, 30);
    expect(todayIn('UTC', instant)).toBe('2025-12-15');
    expect(todayIn('Europe/Copenhagen', instant)).toBe('2025-12-16');
    expect(todayIn('America/New_York', instant)).toBe('2025-12-15');
  });
});

describe('a custom range is taken as typed (issue 11, item 2)', () => {
  it('03/01/2025 – 03/31/2025 is March 2025 by day', () => {
    expect(rangeFromParams(params('range=custom&from=2025-03-01&to=2025-03-31'), '2026-11-28')).toMatchObject({
      preset: 'custom',
      from: '2025-03-01',
      to: '2025-03-31',
      bucket: 'day',
      reversed: false,
    });
  });

  it('an impossible date falls back to the default range', () => {
    expect(rangeFromParams(params('range=custom&from=2025-02-30&to=2025-03-31'), '2026-11-28').preset).toBe('year');
  });
});

describe('reversed ranges and partial buckets (issue 11, item 7)', () => {
  it('a reversed custom range is never swapped silently; Swap exchanges its ends', () => {
    const range = rangeFromParams(params('range=custom&from=2025-03-31&to=2025-03-01&bucket=week'), '2026-11-28');
    expect(range).toMatchObject({ from: '2025-03-31', to: '2025-03-01', reversed: true });
    expect(swapped(range)).toMatchObject({ preset: 'custom', from: '2025-03-01', to: '2025-03-31', reversed: false, bucket: 'week', bucketChosen: true });
  });

  it('marks the bucket holding today and the ones the range cuts', () => {
    // Weeks start on Monday; 2026-11-28 is a Saturday, 2026-11-21 the Saturday before.
    const week = rangeFromParams(params('range=7d&bucket=week'), '2026-11-28');
    expect(bucketsBetween(week.from, week.to, 'week')).toEqual(['2026-11-16', '2026-11-23']);
    expect([...partialBuckets(week, '2026-11-28')]).toEqual(['2026-11-16', '2026-11-23']);
    // By day, only today is partial.
    const days = rangeFromParams(params('range=7d'), '2026-11-28');
    expect([...partialBuckets(days, '2026-11-28')]).toEqual(['2026-11-28']);
    // A past month, whole: nothing partial.
    const march = rangeFromParams(params('range=custom&from=2025-03-01&to=2025-03-31&bucket=month'), '2026-11-28');
    expect([...partialBuckets(march, '2026-11-28')]).toEqual([]);
    // The range ends before the month does.
    const cut = rangeFromParams(params('range=custom&from=2025-03-01&to=2025-04-15&bucket=month'), '2026-11-28');
    expect([...partialBuckets(cut, '2026-11-28')]).toEqual(['2025-04-01']);
  });
});
