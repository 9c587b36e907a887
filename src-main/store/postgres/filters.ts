import { sql, type Sql } from '../../db/sql';
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
  for (const { key, value } of filter.metadata ?? []) conditions.push(sql`metadata ->> ${key}::text = ${value}::text`);
  return conditions;
}

/** `%text%` for ILIKE, with the user's own wildcards taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
