import type { RetentionRun } from '../../src-main/contract/retention';
import { daysText } from './retention-days';

// Retention's own instants (held_at, started_at, updated_at) are ISO 8601 with a zone; the screen shows
// them in the zone the log is shown in, as every other screen shows times.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2026-11-28T11:37:05.120Z" in Europe/Copenhagen -> "2026-11-28 12:37:05 Europe/Copenhagen". */
export function formatInstant(iso: string | null, timeZone: string | null, named = true): string {
  if (!iso) return '';
  const instant = Date.parse(iso);
  if (Number.isNaN(instant)) return iso;
  const zone = timeZone ?? undefined;
  const key = zone ?? '';
  let formatter = formatters.get(key);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    } catch {
      return formatInstant(iso, null, named);
    }
    formatters.set(key, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(new Date(instant)).map((part) => [part.type, part.value]));
  const text = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  return named ? `${text} ${timeZone ?? '(local time)'}` : text;
}

/** "archive 30 days · purge 90 days". */
export const policyText = (days: { archive_after_days: number | null; purge_after_days: number | null }): string =>
  `archive ${daysText(days.archive_after_days)} · purge ${daysText(days.purge_after_days)}`;

/** "30 d / 90 d", "off / 90 d": for the history's narrow column headed "archive / purge". */
export const policyShortText = (days: { archive_after_days: number | null; purge_after_days: number | null }): string =>
  [days.archive_after_days, days.purge_after_days].map((value) => (value === null ? 'off' : `${value} d`)).join(' / ');

export const count = (value: number): string => value.toLocaleString('en');

/** "1 event", "12,345 events". */
export const events = (value: number): string => `${count(value)} ${value === 1 ? 'event' : 'events'}`;
export const emails = (value: number): string => `${count(value)} ${value === 1 ? 'email' : 'emails'}`;

export const STATUS_LABELS: Record<RetentionRun['status'], string> = {
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** "Nov 2025" for the chart's month "2025-11". */
export function monthText(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)).toLocaleString('en', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}
