import type { UserActivityEvent } from '../../contract/analytics';
import type { ActivityEvent } from '../../contract/schemas';
import type { ReadableDb } from '../../db/connection';
import { query } from '../../db/query';
import { sql } from '../../db/sql';
import type { RecentActivityQuery, TimelineQuery, UserActivityQuery } from '../log-store';
import { activityFilterConditions } from './filters';

// The seed's API item: the email_timeline view's columns.
const EVENT_COLUMNS = sql.raw(
  'id, email_id, event_type, event_category, description, metadata, user_id, user_name, created_at, created_by',
);

export function timeline(db: ReadableDb, { emailId, order, limit, after }: TimelineQuery): Promise<ActivityEvent[]> {
  const conditions = [sql`email_id = ${emailId}`];
  if (after) {
    conditions.push(
      order === 'desc'
        ? sql`(created_at, id) < (${after.createdAt}::timestamp, ${after.id}::int)`
        : sql`(created_at, id) > (${after.createdAt}::timestamp, ${after.id}::int)`,
    );
  }
  const direction = sql.raw(order === 'desc' ? 'DESC' : 'ASC');
  return query<ActivityEvent>(
    db,
    sql`SELECT ${EVENT_COLUMNS} FROM email_timeline ${sql.where(conditions)}
        ORDER BY created_at ${direction}, id ${direction} LIMIT ${limit}`,
  );
}

export function recentActivity(db: ReadableDb, { limit, before, ...filter }: RecentActivityQuery): Promise<ActivityEvent[]> {
  const conditions = activityFilterConditions(filter);
  if (before) conditions.push(sql`(created_at, id) < (${before.createdAt}::timestamp, ${before.id}::int)`);
  return query<ActivityEvent>(
    db,
    sql`SELECT ${EVENT_COLUMNS} FROM email_timeline ${sql.where(conditions)}
        ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
  );
}

export function userActivity(db: ReadableDb, { userId, limit, before }: UserActivityQuery): Promise<UserActivityEvent[]> {
  const conditions = [sql`user_id = ${userId}`];
  if (before) conditions.push(sql`(created_at, id) < (${before.createdAt}::timestamp, ${before.id}::int)`);
  return query<UserActivityEvent>(
    db,
    sql`SELECT ${EVENT_COLUMNS}, email_subject FROM email_timeline ${sql.where(conditions)}
        ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
  );
}
