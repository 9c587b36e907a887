/** The most of a caller's own input that an error message repeats. */
export const MAX_ECHO = 100;

/** A short excerpt of caller input for an error message: a string quoted and clipped to MAX_ECHO characters, else its kind. */
export function excerpt(value: unknown, max = MAX_ECHO): string {
  if (typeof value !== 'string') return Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
  if (value.length <= max) return JSON.stringify(value);
  return `${JSON.stringify(value.slice(0, max)).slice(0, -1)}…" (${value.length} characters)`;
}

/** A field name from the input, clipped, for the path of a message. */
export const clipName = (name: string, max = 40): string => (name.length > max ? `${name.slice(0, max)}…` : name);
