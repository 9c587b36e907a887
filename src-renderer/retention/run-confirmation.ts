// A run archives and deletes rows: the admin types what it will do before it starts.

export interface RunPlanCounts {
  archive: { events: number };
  purge: { events: number };
}

/** What must be typed: the events to archive, else the events to purge, else the word "run". */
export function confirmationPhrase(plan: RunPlanCounts): string {
  if (plan.archive.events > 0) return String(plan.archive.events);
  if (plan.purge.events > 0) return String(plan.purge.events);
  return 'run';
}

/** The phrase as shown: a count with thousands separators, as the screen shows counts. */
export const phraseText = (phrase: string): string => (/^\d+$/.test(phrase) ? Number(phrase).toLocaleString('en') : phrase);

/** Case, surrounding spaces and thousands separators (`12,345`, `12 345`, `12.345`, `12_345`) do not matter; a digit does. */
export function confirmationMatches(typed: string, phrase: string): boolean {
  const text = typed.trim().toLowerCase();
  if (/^\d+$/.test(phrase)) return /^\d{1,3}([,. _'’]?\d{3})*$/.test(text) && text.replace(/\D/g, '') === phrase;
  return text === phrase.toLowerCase();
}
