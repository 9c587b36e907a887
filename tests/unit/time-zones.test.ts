import { describe, expect, it } from 'vitest';
import { formatAbsolute, formatDuration, formatShort, instantOf } from '../../src-renderer/lib/time';

// The log's timestamps have no zone (the seed's TIMESTAMP); the source names the zone they were written in.
describe('a zoneless timestamp read in the source’s zone', () => {
  it('is the instant of that wall clock in that zone, on either side of a daylight-saving change', () => {
    // Copenhagen is UTC+1 in winter and UTC+2 in summer; the change was 2025-03-30 02:00 -> 03:00.
    expect(instantOf('2025-01-15T10:30:00', 'Europe/Copenhagen')).toBe(Date.UTC(2025, 0, 15, 9, 30));
    expect(instantOf('2025-07-15 10:30:00', 'Europe/Copenhagen')).toBe(Date.UTC(2025, 6, 15, 8, 30));
    expect(instantOf('2025-03-30T01:59:59', 'Europe/Copenhagen')).toBe(Date.UTC(2025, 2, 30, 0, 59, 59));
    expect(instantOf('2025-03-30T03:00:00', 'Europe/Copenhagen')).toBe(Date.UTC(2025, 2, 30, 1, 0));
    // New York is behind UTC: the same wall clock is a later instant.
    expect(instantOf('2025-12-15T10:30:00', 'America/New_York')).toBe(Date.UTC(2025, 11, 15, 15, 30));
  });

  it('keeps fractions of a second and reads UTC as UTC', () => {
    expect(instantOf('2025-12-15T10:30:00.123456', 'UTC')).toBe(Date.UTC(2025, 11, 15, 10, 30, 0, 123));
    expect(instantOf('2025-12-15', 'UTC')).toBe(Date.UTC(2025, 11, 15));
  });

  it('falls back to this computer’s zone when the zone is unknown or not a zone, and refuses what is not a timestamp', () => {
    expect(instantOf('2025-12-15T10:30:00', null)).toBe(new Date(2025, 11, 15, 10, 30).getTime());
    expect(instantOf('2025-12-15T10:30:00', 'Not/AZone')).toBe(new Date(2025, 11, 15, 10, 30).getTime());
    expect(instantOf('15/12/2025', 'UTC')).toBeNull();
  });

  it('is shown as stored, with the zone named, and shortly for lists', () => {
    expect(formatAbsolute('2025-12-15T10:30:00.5', 'Europe/Copenhagen')).toBe('2025-12-15 10:30:00 Europe/Copenhagen');
    expect(formatAbsolute('2025-12-15 10:30', null)).toBe('2025-12-15 10:30:00 (zone unknown)');
    expect(formatAbsolute('not a time', 'UTC')).toBe('not a time');
    expect(formatShort('2025-12-15T10:30:59')).toBe('2025-12-15 10:30');
    expect(formatShort(null)).toBe('');
  });
});

describe('the wait between two events', () => {
  it('uses two units at most, with its sign', () => {
    expect(formatDuration(250)).toBe('+250 ms');
    expect(formatDuration(2_000)).toBe('+2 s');
    expect(formatDuration((3 * 3600 + 12 * 60 + 5) * 1000)).toBe('+3 h 12 min');
    expect(formatDuration((4 * 86_400 + 2 * 3600 + 59) * 1000)).toBe('+4 d 2 h');
    expect(formatDuration(-90_000)).toBe('−1 min 30 s');
  });
});
