// Timestamps in the log have no zone (the seed's TIMESTAMP column); the source says which zone they were written in.

const PARTS = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

function wallClockOf(timestamp: string): WallClock | null {
  const match = PARTS.exec(timestamp.trim());
  if (!match) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = ''] = match.map((part) => part ?? '');
  return {
    year: Number(y),
    month: Number(mo),
    day: Number(d),
    hour: Number(h || 0),
    minute: Number(mi || 0),
    second: Number(s || 0),
    millisecond: Number((fraction || '0').padEnd(3, '0').slice(0, 3)),
  };
}

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes that `timeZone` is ahead of UTC at the given instant. */
function zoneOffsetMinutes(instant: number, timeZone: string): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour) % 24,
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((asUtc - Math.floor(instant / 1000) * 1000) / 60_000);
}

/** The instant (ms since epoch) of a zoneless timestamp written in `timeZone`; local time when the zone is unknown. */
export function instantOf(timestamp: string, timeZone: string | null): number | null {
  const clock = wallClockOf(timestamp);
  if (!clock) return null;
  const { year, month, day, hour, minute, second, millisecond } = clock;
  if (!timeZone) return new Date(year, month - 1, day, hour, minute, second, millisecond).getTime();
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  try {
    const first = asUtc - zoneOffsetMinutes(asUtc, timeZone) * 60_000;
    return asUtc - zoneOffsetMinutes(first, timeZone) * 60_000;
  } catch {
    return new Date(year, month - 1, day, hour, minute, second, millisecond).getTime();
  }
}

/** "2025-12-15 10:30:00 Europe/Copenhagen", as stored, with the zone named. */
export function formatAbsolute(timestamp: string, timeZone: string | null): string {
  const clock = wallClockOf(timestamp);
  if (!clock) return timestamp;
  const pad = (value: number, size = 2) => String(value).padStart(size, '0');
  const date = `${clock.year}-${pad(clock.month)}-${pad(clock.day)}`;
  const time = `${pad(clock.hour)}:${pad(clock.minute)}:${pad(clock.second)}`;
  return `${date} ${time} ${timeZone ?? '(zone unknown)'}`;
}

const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];
// Numeric wording throughout ("1 day ago", never "yesterday"): it reads the same in every row.
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/**
 * How far in the future an event may seem and still read "just now": the hub's clock, the
 * database's zone and this machine's clock drift apart by seconds to a few minutes, and a live
 * event that appears "in 17 seconds" only confuses.
 */
export const CLOCK_SKEW_SECONDS = 5 * 60;

/** "3 days ago", "2 years ago", "in 2 hours", "just now"; rounded to the nearest whole unit. */
export function formatRelative(instant: number | null, now: number = Date.now()): string {
  if (instant === null) return '';
  const seconds = Math.round((instant - now) / 1000);
  const absolute = Math.abs(seconds);
  if (absolute < 5 || (seconds > 0 && seconds <= CLOCK_SKEW_SECONDS)) return 'just now';
  for (const [unit, size] of RELATIVE_UNITS) {
    // Rounded, not truncated: 1.9 years is "2 years ago", not "1 year ago" (or "last year").
    if (absolute >= size || unit === 'second') return relativeFormat.format(Math.sign(seconds) * Math.round(absolute / size), unit);
  }
  return '';
}

// The wait between two events, shared with the PDF and HTML reports' timelines.
export { formatDuration } from '../../src-main/contract/durations';

/** A short date-time for dense lists: "2025-12-15 10:30". */
export function formatShort(timestamp: string | null): string {
  if (!timestamp) return '';
  const clock = wallClockOf(timestamp);
  if (!clock) return timestamp;
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${clock.year}-${pad(clock.month)}-${pad(clock.day)} ${pad(clock.hour)}:${pad(clock.minute)}`;
}
