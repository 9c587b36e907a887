// Chromium's date input reports a year while it is still being typed (2 -> 0002-06-01, 20 -> 0020-…),
// and an empty value both when cleared and while a part is missing; only a whole, plausible date applies.

import { isValidTimestamp } from '../../src-main/contract/schemas';

const DATE = /^(\d{4})-\d{2}-\d{2}$/;
/** Years an audit log can hold; anything earlier is a year still being typed. */
export const FIRST_YEAR = 1900;
export const LAST_YEAR = 2999;

/** A YYYY-MM-DD that names a real day within FIRST_YEAR..LAST_YEAR. */
export function isCompleteDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const year = Number(match[1]);
  return year >= FIRST_YEAR && year <= LAST_YEAR && isValidTimestamp(text);
}

/**
 * What a change of a date input means: a date to apply, '' to clear the filter, or null to wait
 * (a part is missing or the year is incomplete). `badInput` is the input's validity.badInput,
 * true while the user has typed something that is not yet a date.
 */
export function typedDateChange(value: string, badInput: boolean): string | null {
  if (value === '') return badInput ? null : '';
  return isCompleteDate(value) ? value : null;
}
