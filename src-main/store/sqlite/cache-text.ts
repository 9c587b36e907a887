import { addDays } from '../range-plan';
import type { CacheDb } from './cache-file';

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A timestamp as PostgreSQL prints it (`2025-12-15T10:30:00.12`: seconds always, trailing zeros of
 * the fraction dropped), so text comparison in the cache orders exactly like PostgreSQL's TIMESTAMP.
 */
export function canonicalTimestamp(text: string): string {
  const match = TIMESTAMP.exec(text);
  if (!match) throw new Error(`not a timestamp: ${text}`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = ''] = match;
  const trimmed = fraction.replace(/0+$/, '');
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${trimmed ? `.${trimmed}` : ''}`;
}

export const isDateOnly = (text: string): boolean => DATE_ONLY.test(text);


/** Conditions on created_at for a DateRange, as PostgreSQL's filters.ts reads it. */
export function rangeConditions(range: { from?: string | undefined; to?: string | undefined }, column = 'created_at') {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (range.from) {
    conditions.push(`${column} >= ?`);
    params.push(canonicalTimestamp(range.from));
  }
  if (range.to) {
    if (isDateOnly(range.to)) {
      conditions.push(`${column} < ?`);
      params.push(`${addDays(range.to, 1)}T00:00:00`);
    } else {
      conditions.push(`${column} <= ?`);
      params.push(canonicalTimestamp(range.to));
    }
  }
  return { conditions, params };
}

const lowerCache = new Map<string, string>();

/** lower() as PostgreSQL does it, character by character (so 'İ' becomes 'i', as towlower gives). */
export function pgLower(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(text)) return text.toLowerCase();
  let lowered = '';
  for (const character of text) {
    let mapped = lowerCache.get(character);
    if (mapped === undefined) {
      const lower = character.toLowerCase();
      mapped = [...lower].length === 1 ? lower : character.toLowerCase().charAt(0);
      lowerCache.set(character, mapped);
    }
    lowered += mapped;
  }
  return lowered;
}

/** Orders strings as PostgreSQL's C collation does: by code point. */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * jsonb's text form (`{"a": 1.50, "b": [1, 2]}`) of minified JSON that SQLite cut out of jsonb's
 * own output: keys are already in jsonb's order and numbers keep their digits, so only the spacing differs.
 */
export function jsonbSpacing(json: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i]!;
    out += c;
    if (inString) {
      if (c === '\\') out += json[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === ',' || c === ':') out += ' ';
  }
  return out;
}

/** The functions the cache's queries need: PostgreSQL's ILIKE containment and jsonb text. */
export function registerCacheFunctions(db: CacheDb): void {
  db.function('mt_contains', { deterministic: true }, (text: unknown, needle: unknown) =>
    typeof text === 'string' && typeof needle === 'string' && pgLower(text).includes(needle) ? 1 : 0,
  );
  db.function('mt_jsonb_text', { deterministic: true }, (json: unknown) =>
    typeof json === 'string' ? jsonbSpacing(json) : null,
  );
  db.function('mt_lower', { deterministic: true }, (text: unknown) => (typeof text === 'string' ? pgLower(text) : null));
}

const METADATA_KEY = /^[A-Za-z0-9_.:-]{1,100}$/;

/**
 * PostgreSQL's `metadata ->> key` over the cached jsonb text, for a JSON path (a `?` or a quoted
 * literal): strings decoded, numbers and booleans in jsonb's own digits, objects in jsonb's form.
 */
export const metadataText = (column: string, path: string): string =>
  `(CASE json_type(${column}, ${path})
      WHEN 'text' THEN ${column} ->> ${path} WHEN 'null' THEN NULL
      WHEN 'object' THEN mt_jsonb_text(${column} -> ${path}) WHEN 'array' THEN mt_jsonb_text(${column} -> ${path})
      ELSE ${column} -> ${path} END)`;

/**
 * `metadata ->> key = value` as PostgreSQL's filters.ts answers it: a dotted key is the top-level
 * key of that name (`invoice.number`) or the nested path (`context.endpoint`).
 */
export function metadataCondition(key: string, value: string, column = 'metadata'): { condition: string; params: unknown[] } {
  if (!METADATA_KEY.test(key)) throw new Error(`not a metadata key: ${key}`);
  const literal = `$."${key}"`;
  const parts = key.split('.');
  if (parts.length < 2 || parts.some((part) => part === '')) {
    return { condition: `${metadataText(column, '?')} = ?`, params: [literal, literal, literal, literal, literal, value] };
  }
  const nested = `$${parts.map((part) => `."${part}"`).join('')}`;
  return {
    condition: `(${metadataText(column, '?')} = ? OR ${metadataText(column, '?')} = ?)`,
    params: [literal, literal, literal, literal, literal, value, nested, nested, nested, nested, nested, value],
  };
}
