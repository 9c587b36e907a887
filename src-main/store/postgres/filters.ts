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
  if (filter.eventTypes?.length) conditions.push(sql`event_type = ANY(${filter.eventTypes}::varchar[])`);
  if (filter.eventCategories?.length) conditions.push(sql`event_category = ANY(${filter.eventCategories}::varchar[])`);
  if (filter.userIds?.length) conditions.push(sql`user_id = ANY(${filter.userIds}::int[])`);
  if (filter.emailIds?.length) conditions.push(sql`email_id = ANY(${filter.emailIds}::int[])`);
  if (filter.text?.trim()) conditions.push(sql`description ILIKE ${containsPattern(filter.text.trim())}`);
  for (const { key, value } of filter.metadata ?? []) conditions.push(sql`metadata ->> ${key}::text = ${value}::text`);
  return conditions;
}

/** `%text%` for ILIKE, with the user's own wildcards taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
