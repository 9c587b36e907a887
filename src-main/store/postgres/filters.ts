import { sql, type Sql } from '../../db/sql';
import { textIndexable } from '../activity-scan';
import type { ActivityFilter, DateRange } from '../log-store';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Conditions on created_at; a date-only `to` includes that whole day. */
export function dateRangeConditions(range: DateRange, column: Sql = sql.raw('created_at')): Sql[] {
  const conditions: Sql[] = [];
  if (range.from) conditions.push(sql`${column} >= ${range.from}::timestamp`);
  if (range.to) {
    conditions.push(
      DATE_ONLY.test(range.to)
        ? sql`${column} < ${range.to}::date + 1`
        : sql`${column} <= ${range.to}::timestamp`,
    );
  }
  return conditions;
}

export function activityFilterConditions(filter: ActivityFilter): Sql[] {
  const conditions = dateRangeConditions(filter);
  const lists = [
    [sql.raw('event_type'), filter.eventTypes, 'varchar'],
    [sql.raw('event_category'), filter.eventCategories, 'varchar'],
    [sql.raw('user_id'), filter.userIds, 'int'],
    [sql.raw('email_id'), filter.emailIds, 'int'],
  ] as const;
  for (const [column, values, type] of lists) {
    if (!values?.length) continue;
    // One value is an equality, so the (column, created_at, id) index also gives the order.
    conditions.push(
      values.length === 1 ? sql`${column} = ${values[0]}` : sql`${column} = ANY(${values}::${sql.raw(type)}[])`,
    );
  }
  // What ILIKE does in a UTF-8 database, with the pattern lowered once instead of for every row.
  if (filter.text?.trim()) conditions.push(sql`lower(description) LIKE lower(${containsPattern(filter.text.trim())})`);
  for (const { key, value } of filter.metadata ?? []) {
    // A dotted key is the top-level key of that name or the nested path (`context.endpoint`).
    const path = nestedPath(key);
    conditions.push(
      path
        ? sql`(metadata ->> ${key}::text = ${value}::text OR metadata #>> ${path}::text[] = ${value}::text)`
        : sql`metadata ->> ${key}::text = ${value}::text`,
    );
  }
  return conditions;
}

/** `%text%` for ILIKE, with the user's own wildcards taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The parts of a dotted metadata key (`context.endpoint`), or null for a plain one. */
export function nestedPath(key: string): string[] | null {
  const parts = key.split('.');
  return parts.length > 1 && parts.every((part) => part !== '') ? parts : null;
}

/**
 * jsonb documents whose containment (`metadata @> doc`, served by the jsonb_path_ops index) every
 * row with `metadata ->> key = value` satisfies: the value as a string, and as the JSON it spells
 * (1250, true) since ->> compares as text; at the key itself and, when dotted, at the nested path.
 * They may also contain rows the text comparison refuses (1.5 for "1.50"), so that stays as a recheck.
 */
export function metadataContainment(key: string, value: string): string[] {
  const forms = [JSON.stringify(value)];
  try {
    const parsed: unknown = JSON.parse(value);
    if (parsed !== null && typeof parsed !== 'string') forms.push(value);
  } catch {
    // Not JSON: only the string form can match.
  }
  const paths = [[key], ...(nestedPath(key) ? [nestedPath(key)!] : [])];
  return paths.flatMap((path) => forms.map((form) => path.reduceRight((inner, part) => `{${JSON.stringify(part)}:${inner}}`, form)));
}

/** The conditions an index serves, added to a search's conditions so the planner can use them. */
export function indexedConditions(filter: ActivityFilter, indexes: { text: boolean; metadata: boolean }): Sql[] {
  const conditions: Sql[] = [];
  const text = filter.text?.trim();
  if (indexes.text && text && textIndexable(text)) conditions.push(sql`description ILIKE ${containsPattern(text)}`);
  if (indexes.metadata) {
    for (const { key, value } of filter.metadata ?? []) {
      conditions.push(sql`(${sql.join(metadataContainment(key, value).map((doc) => sql`metadata @> ${doc}::jsonb`), ' OR ')})`);
    }
  }
  return conditions;
}
