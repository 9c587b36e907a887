import type { UserActivityEvent, UserSummary } from '../../contract/analytics';
import type { ActivityEvent } from '../../contract/schemas';
import type { ReadableDb } from '../../db/connection';
import { query } from '../../db/query';
import { sql } from '../../db/sql';
import { USERS_LIMIT, type RecentActivityQuery, type TimelineQuery, type UserActivityQuery } from '../log-store';
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

// The list filter whose index drives the scan, most selective first. With several values, each
// value's newest rows come from its own index range and are merged, instead of sorting them all.
const DRIVERS = [
  { field: 'emailIds', column: 'email_id', type: 'int[]' },
  { field: 'userIds', column: 'user_id', type: 'int[]' },
  { field: 'eventTypes', column: 'event_type', type: 'varchar[]' },
  { field: 'eventCategories', column: 'event_category', type: 'varchar[]' },
] as const;

export function recentActivity(db: ReadableDb, { limit, before, ...filter }: RecentActivityQuery): Promise<ActivityEvent[]> {
  const keyset = before ? [sql`(created_at, id) < (${before.createdAt}::timestamp, ${before.id}::int)`] : [];
  const driver = DRIVERS.find(({ field }) => filter[field]?.length);
  const values = driver ? [...new Set<string | number>(filter[driver.field])] : [];
  if (!driver || values.length < 2) {
    return query<ActivityEvent>(
      db,
      sql`SELECT ${EVENT_COLUMNS} FROM email_timeline ${sql.where([...activityFilterConditions(filter), ...keyset])}
          ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    );
  }
  const others = activityFilterConditions({ ...filter, [driver.field]: undefined });
  const column = sql.id(driver.column);
  return query<ActivityEvent>(
    db,
    sql`SELECT page.* FROM unnest(${values}::${sql.raw(driver.type)}) AS driver(value)
        CROSS JOIN LATERAL (
          SELECT ${EVENT_COLUMNS} FROM email_timeline
          ${sql.where([sql`${column} = driver.value`, ...others, ...keyset])}
          ORDER BY created_at DESC, id DESC LIMIT ${limit}
        ) page
        ORDER BY page.created_at DESC, page.id DESC LIMIT ${limit}`,
  );
}

/** Keys of the newest events' metadata, for the activity explorer's metadata filter. */
export function metadataKeys(db: ReadableDb, eventTypes: string[] | undefined): Promise<{ key: string; count: number }[]> {
  const conditions = eventTypes?.length ? [sql`event_type = ANY(${eventTypes}::varchar[])`] : [];
  return query(
    db,
    sql`SELECT key, COUNT(*) AS count
        FROM (SELECT metadata FROM email_activity_log ${sql.where(conditions)}
              ORDER BY created_at DESC, id DESC LIMIT ${METADATA_SAMPLE}) newest,
             LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(metadata) = 'object' THEN metadata ELSE '{}'::jsonb END) AS key
        GROUP BY key ORDER BY count DESC, key LIMIT 200`,
  );
}

const METADATA_SAMPLE = 5_000;

export function userActivity(db: ReadableDb, { userId, limit, before }: UserActivityQuery): Promise<UserActivityEvent[]> {
  const conditions = [sql`user_id = ${userId}`];
  if (before) conditions.push(sql`(created_at, id) < (${before.createdAt}::timestamp, ${before.id}::int)`);
  return query<UserActivityEvent>(
    db,
    sql`SELECT ${EVENT_COLUMNS}, email_subject FROM email_timeline ${sql.where(conditions)}
        ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
  );
}

export function users(db: ReadableDb): Promise<UserSummary[]> {
  return query<UserSummary>(
    db,
    sql`SELECT id, COALESCE(full_name, username) AS user_name, email FROM users
        ORDER BY lower(COALESCE(full_name, username)), id LIMIT ${USERS_LIMIT}`,
  );
}
