/**
 * Values as PostgreSQL's COPY text writes them, drawn at random around every edge: the reports' byte
 * path (tests/unit/copy-event-lines.test.ts) and the seal's (tests/unit/event-bytes.test.ts) are
 * both held to the rows' way on them.
 */

/** A seeded generator (mulberry32): the same cases on every run. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** COPY's text form of a field (CopyAttributeOutText): \N for NULL, a backslash before \ and the six escapes. */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\b\f\n\r\t\v]/g, (c) => `\\${{ '\\': '\\', '\b': 'b', '\f': 'f', '\n': 'n', '\r': 'r', '\t': 't', '\v': 'v' }[c]}`);
}

/** A JSON value whose numbers are kept as the text numeric writes, so any such text can be tried. */
export type JsonbValue = null | boolean | string | { number: string } | JsonbValue[] | { members: [string, JsonbValue][] };

const utf8Length = (text: string) => Buffer.byteLength(text);

/** jsonb's text output: keys by length then bytes, `", "` and `": "` between, JSON.stringify's escapes. */
export function jsonbText(value: JsonbValue, keysAsGiven = false): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => jsonbText(item, keysAsGiven)).join(', ')}]`;
  if ('number' in value) return value.number;
  const unique = new Map(value.members);
  const members = [...unique];
  if (!keysAsGiven) members.sort(([a], [b]) => utf8Length(a) - utf8Length(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${members.map(([key, item]) => `${JSON.stringify(key)}: ${jsonbText(item, keysAsGiven)}`).join(', ')}}`;
}

export const CHARACTERS = [
  ...'abcxyzABZ019 _.:/',
  ...'"\\,=+-@\'',
  '\t', '\r', '\n', '\b', '\f', '\v', '\u0001', '\u001f', '\u007f',
  'æ', 'ø', 'å', 'Å', 'é', 'z', '\u00ff', '\u0100', '\u2028', '\ue000', '\uffee', '\ufb00', '😀', '𝄞',
];

export function text(next: () => number, maxLength = 12): string {
  let result = '';
  const length = Math.floor(next() * (maxLength + 1));
  for (let i = 0; i < length; i += 1) result += CHARACTERS[Math.floor(next() * CHARACTERS.length)]!;
  return result;
}

export const digits = (next: () => number, count: number) => Array.from({ length: count }, () => Math.floor(next() * 10)).join('');

/** numeric's output of a number: no exponent, no leading zeros, any digits and scale. */
export function numericText(next: () => number): string {
  const sign = next() < 0.3 ? '-' : '';
  const integer = next() < 0.4 ? '0' : `${1 + Math.floor(next() * 9)}${digits(next, Math.floor(next() * 24))}`;
  if (next() < 0.4) return `${sign}${integer}`;
  const zeros = integer === '0' && next() < 0.5 ? '0'.repeat(Math.floor(next() * 9)) : '';
  const fraction = `${zeros}${digits(next, 1 + Math.floor(next() * 18))}`;
  return `${sign}${integer}.${fraction}`;
}

export function jsonbValue(next: () => number, depth = 0): JsonbValue {
  const pick = next();
  if (depth < 3 && pick < 0.25) {
    return { members: Array.from({ length: Math.floor(next() * 6) }, () => [next() < 0.5 ? text(next, 6) : ['a', 'b', 'aa', 'é', 'z', 'Z'][Math.floor(next() * 6)]!, jsonbValue(next, depth + 1)] as [string, JsonbValue]) };
  }
  if (depth < 3 && pick < 0.35) return Array.from({ length: Math.floor(next() * 4) }, () => jsonbValue(next, depth + 1));
  if (pick < 0.6) return text(next);
  if (pick < 0.85) return { number: numericText(next) };
  return [null, true, false][Math.floor(next() * 3)]!;
}
