import type { DateRange } from './log-store';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})[T ]00:00(?::00(?:\.0+)?)?$/;
const ON_THE_HOUR = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):00(?::00(?:\.0+)?)?$/;

export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

const dayOf = (timestamp: string): string => timestamp.slice(0, 10);
const midnight = (day: string): string => `${day}T00:00:00`;
const startOfDay = (timestamp: string): string | undefined =>
  DATE_ONLY.test(timestamp) ? timestamp : MIDNIGHT.exec(timestamp)?.[1];
/** The hour a timestamp falls in, as `YYYY-MM-DDTHH:00:00`. */
const hourOf = (timestamp: string): string => `${dayOf(timestamp)}T${timestamp.slice(11, 13)}:00:00`;
const nextHour = (hour: string): string => new Date(Date.parse(`${hour}Z`) + 3_600_000).toISOString().slice(0, 19);
const isOnTheHour = (timestamp: string): boolean => ON_THE_HOUR.test(timestamp);

/** A stretch of the log answered row by row: `from` inclusive, `to` inclusive or not. */
export interface TimeWindow {
  from: string;
  to: string;
  toInclusive: boolean;
}

/**
 * A date range as whole days (daily rollups), whole hours at its edges (hourly rollups) and at
 * most two partial hours (the log itself). Without hourly rollups the edges are partial days.
 */
export interface RangePlan {
  /** Inclusive whole days; null when the range holds no whole day. */
  days: { from?: string | undefined; to?: string | undefined } | null;
  /** Whole hours, `from` inclusive and `to` exclusive, as `YYYY-MM-DDTHH:00:00`. */
  hours: { from: string; to: string }[];
  windows: TimeWindow[];
}

/** Splits a stretch inside one day into whole hours and the partial hours at its ends. */
function splitWindow(window: TimeWindow, hourly: boolean, plan: RangePlan): void {
  if (!hourly) {
    plan.windows.push(window);
    return;
  }
  const firstHour = isOnTheHour(window.from) ? hourOf(window.from) : nextHour(hourOf(window.from));
  const endHour = window.toInclusive || !isOnTheHour(window.to) ? hourOf(window.to) : window.to;
  if (firstHour >= endHour) {
    plan.windows.push(window);
    return;
  }
  if (!isOnTheHour(window.from)) plan.windows.push({ from: window.from, to: firstHour, toInclusive: false });
  plan.hours.push({ from: firstHour, to: endHour });
  if (window.toInclusive || endHour < window.to) plan.windows.push({ from: endHour, to: window.to, toInclusive: window.toInclusive });
}

export function planRange(range: DateRange, { hourly }: { hourly: boolean }): RangePlan {
  const plan: RangePlan = { days: null, hours: [], windows: [] };
  // One spelling, so that timestamps compare as text: `2025-12-15 10:30` -> `2025-12-15T10:30`.
  const from = range.from?.replace(' ', 'T');
  const to = range.to?.replace(' ', 'T');
  const fromWholeDay = from ? startOfDay(from) : undefined;
  const toTimed = to !== undefined && !DATE_ONLY.test(to);
  const fromDay = from ? (fromWholeDay ?? addDays(dayOf(from), 1)) : undefined;
  const toDay = to ? (toTimed ? addDays(dayOf(to), -1) : to) : undefined;

  if (from && !fromWholeDay && to && toTimed && dayOf(from) === dayOf(to)) {
    splitWindow({ from, to, toInclusive: true }, hourly, plan);
    return plan;
  }
  if (from && !fromWholeDay) {
    splitWindow({ from, to: midnight(addDays(dayOf(from), 1)), toInclusive: false }, hourly, plan);
  }
  if (to && toTimed) splitWindow({ from: midnight(dayOf(to)), to, toInclusive: true }, hourly, plan);
  if (!(fromDay !== undefined && toDay !== undefined && fromDay > toDay)) plan.days = { from: fromDay, to: toDay };
  return plan;
}
