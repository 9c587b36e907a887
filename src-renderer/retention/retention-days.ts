// The policy form's day fields: a whole number of days, or off. The contract's own bounds (RetentionDays).
export const MAX_DAYS = 36_500;

export interface DaysField {
  off: boolean;
  text: string;
}

export type ParsedDays = { ok: true; days: number | null } | { ok: false; message: string };

/** "30" -> 30, off -> null; anything else says what is wrong in words for the field. */
export function parseDays(field: DaysField): ParsedDays {
  if (field.off) return { ok: true, days: null };
  const text = field.text.trim();
  if (text === '') return { ok: false, message: 'Enter a number of days, or turn this off' };
  if (!/^\d+$/.test(text)) return { ok: false, message: 'Whole days only, e.g. 30' };
  const days = Number(text);
  if (days < 1 || days > MAX_DAYS) return { ok: false, message: `Between 1 and ${MAX_DAYS.toLocaleString('en')} days` };
  return { ok: true, days };
}

export const fieldOf = (days: number | null): DaysField => ({ off: days === null, text: days === null ? '' : String(days) });

/** The server's rule (src-main/retention/policy.ts): purging before archiving would delete what the archive keeps. */
export function policyProblem(archiveAfterDays: number | null, purgeAfterDays: number | null): string | null {
  if (archiveAfterDays !== null && purgeAfterDays !== null && purgeAfterDays < archiveAfterDays) {
    return `Purge after ${purgeAfterDays} days comes before archive after ${archiveAfterDays} days: purge must be at least as many days as archive, or turn one off.`;
  }
  return null;
}

/** "30 days", "1 day", "off". */
export const daysText = (days: number | null): string => (days === null ? 'off' : `${days.toLocaleString('en')} ${days === 1 ? 'day' : 'days'}`);
