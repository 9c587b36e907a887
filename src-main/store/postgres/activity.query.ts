import type { UserActivityEvent, UserSummary } from '../../contract/analytics';
import type { ActivityEvent } from '../../contract/schemas';
import type { ReadableDb } from '../../db/connection';
import { preparedQuery, query } from '../../db/query';
import { sql, type Sql } from '../../db/sql';
import { fillingScan, INDEX_HITS_MAX, indexedSearch, mergeScannedBranches, planActivity, type ActivityPlan, type BoundedPage, type ScannedBranch, type SearchIndexes } from '../activity-scan';
import { boundedCount, type CountPlan } from '../activity-count';
import { USERS_LIMIT, type ActivityFilter, type DateRange, type RecentActivityQuery, type TimelineQuery, type UserActivityQuery } from '../log-store';
import { activityFilterConditions, dateRangeConditions, indexedConditions } from './filters';
import { dailyCounts } from './rollup';

const NO_SEARCH_INDEXES: SearchIndexes = { text: false, metadata: false, events: 0 };

// The seed's API item: the email_timeline view's columns.
const EVENT_COLUMNS = sql.raw(
  'id, email_id, event_type, event_category, description, metadata, user_id, user_name, created_at, created_by',
);

export function timeline(db: ReadableDb, { emailId, order, limit, after }: TimelineQuery, archive = false): Promise<ActivityEvent[]> {
  const conditions = (table: string) => {
    const [emailIdColumn, createdAt, id] = ['email_id', 'created_at', 'id'].map((column) => sql.raw(table + column));
    const keyset = after
      ? [
          order === 'desc'
            ? sql`(${createdAt}, ${id}) < (${after.createdAt}::timestamp, ${after.id}::int)`
            : sql`(${createdAt}, ${id}) > (${after.createdAt}::timestamp, ${after.id}::int)`,
        ]
      : [];
    return sql.where([sql`${emailIdColumn} = ${emailId}`, ...keyset]);
  };
  const direction = sql.raw(order === 'desc' ? 'DESC' : 'ASC');
  const live = sql`SELECT ${EVENT_COLUMNS}, false AS archived FROM email_timeline ${conditions('')}
        ORDER BY created_at ${direction}, id ${direction} LIMIT ${limit}`;
  if (!archive) return preparedQuery<ActivityEvent>(db, live);
  // The archived events (issue 13, item 5) merged in: each branch reads at most `limit` rows of its
  // own (email_id, created_at, id) index from the same keyset, so the merge stays bounded by twice
  // the page whatever either table holds; one statement is one snapshot, and a run moves an event
  // in one statement, so no event shows twice or not at all. Ids are unique across both tables (the
  // archive keeps the log's id), so the (created_at, id) keyset is exact across the boundary. Planned
  // each time, never prepared: a cached generic plan made while the archive was small went on
  // scanning it as a retention run filled it (timeline p50 during a run 25-32 ms prepared, 1.5 planned).
  return query<ActivityEvent>(
    db,
    sql`SELECT * FROM ((${live}) UNION ALL (
          SELECT ${ARCHIVED_COLUMNS}, true AS archived
          FROM email_activity_log_archive a LEFT JOIN users u ON u.id = a.user_id ${conditions('a.')}
          ORDER BY a.created_at ${direction}, a.id ${direction} LIMIT ${limit})) merged
        ORDER BY created_at ${direction}, id ${direction} LIMIT ${limit}`,
  );
}

// The email_timeline view's columns over the archive, which no view covers.
const ARCHIVED_COLUMNS = sql.raw(
  'a.id, a.email_id, a.event_type, a.event_category, a.description, a.metadata, a.user_id, COALESCE(u.full_name, u.username) AS user_name, a.created_at, a.created_by',
);

/** Whether the archive can be read by email: the table and migrations/0008's (email_id, created_at, id) index. */
export async function hasReadableArchive(db: ReadableDb): Promise<boolean> {
  const [row] = await query<{ ready: boolean }>(
    db,
    sql`SELECT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = to_regclass('idx_email_activity_log_archive_email_id') AND i.indisvalid) AS ready`,
  );
  return row?.ready ?? false;
}

const DRIVER_COLUMNS = { emailIds: 'email_id', userIds: 'user_id', eventTypes: 'event_type', eventCategories: 'event_category' } as const;

/**
 * One branch per driver value, each with the value as a parameter: PostgreSQL then plans each
 * with that value's own statistics and uses its (column, created_at, id) index; a value joined in
 * from unnest() is unknown to the planner, which may walk the whole created_at index instead.
 */
function perDriverValue(plan: ActivityPlan, branch: (condition: Sql, value: string | number) => Sql): Sql {
  const column = sql.id(DRIVER_COLUMNS[plan.driver!]);
  return sql.join(
    plan.values.map((value) => sql`(${branch(sql`${column} = ${value}`, value)})`),
    ' UNION ALL ',
  );
}

export async function recentActivity(
  db: ReadableDb,
  { limit, before, scan, ...filter }: RecentActivityQuery,
  indexes: SearchIndexes = NO_SEARCH_INDEXES,
): Promise<BoundedPage<ActivityEvent>> {
  const keyset = before ? [sql`(created_at, id) < (${before.createdAt}::timestamp, ${before.id}::int)`] : [];
  const plan = planActivity(filter, scan);
  if (plan.budget !== null && indexedSearch(plan, indexes)) {
    // A common text fills its page within the first rows in time order, which an index cannot
    // beat; only when it does not is the index asked for every match, rare or absent ones alike.
    const probePlan = planActivity(filter);
    const probe = await boundedRecentActivity(db, probePlan, probePlan.budget!, { limit, before, ...filter });
    if (probe.scannedTo === null) return { events: probe.events, scannedTo: null, search: 'index' };
    // A text found now and then fills its page from a wider stretch sooner than the index gathers all of it.
    const wider = fillingScan(probe.events.length, limit, probe.scanned ?? probePlan.scan!, indexes.events);
    if (wider !== null) {
      const widerPlan = planActivity(filter, wider);
      const page = await boundedRecentActivity(db, widerPlan, widerPlan.budget!, { limit, before, ...filter });
      if (page.scannedTo === null) return { events: page.events, scannedTo: null, search: 'index' };
    }
    return { events: await indexedRecentActivity(db, indexes, { limit, before, ...filter }), scannedTo: null, search: 'index' };
  }
  if (plan.budget !== null) return { ...(await boundedRecentActivity(db, plan, plan.budget, { limit, before, ...filter })), search: 'scan' };
  if (!plan.driver || plan.values.length < 2) {
    const events = await query<ActivityEvent>(
      db,
      sql`SELECT ${EVENT_COLUMNS} FROM email_timeline ${sql.where([...activityFilterConditions(filter), ...keyset])}
          ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    );
    return { events, scannedTo: null };
  }
  // Each value's newest rows come from its own index range; merging them beats sorting them all.
  const newest = perDriverValue(
    plan,
    (condition) => sql`SELECT ${EVENT_COLUMNS} FROM email_timeline ${sql.where([condition, ...dateRangeConditions(filter), ...keyset])}
      ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
  );
  const events = await query<ActivityEvent>(db, sql`SELECT * FROM (${newest}) page ORDER BY created_at DESC, id DESC LIMIT ${limit}`);
  return { events, scannedTo: null };
}

/**
 * The newest matches of a search through its indexes (trigram, jsonb containment). The matches are
 * gathered apart (MATERIALIZED), so the planner cannot walk the created_at index hoping to meet a
 * rare text early, which for an absent one reads the whole log; past INDEX_HITS_MAX, it walks.
 */
async function indexedRecentActivity(db: ReadableDb, indexes: SearchIndexes, { limit, before, ...filter }: RecentActivityQuery): Promise<ActivityEvent[]> {
  const keyset = before ? [sql`(created_at, id) < (${before.createdAt}::timestamp, ${before.id}::int)`] : [];
  const conditions = [...indexedConditions(filter, indexes), ...activityFilterConditions(filter), ...keyset];
  const hits = await query<{ id: number; found: string }>(
    db,
    sql`WITH hits AS MATERIALIZED (SELECT id, created_at FROM email_activity_log ${sql.where(conditions)} LIMIT ${INDEX_HITS_MAX + 1})
        SELECT id, count(*) OVER () AS found FROM hits ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
  );
  if (hits.length > 0 && Number(hits[0]!.found) > INDEX_HITS_MAX) {
    return query<ActivityEvent>(
      db,
      sql`SELECT ${EVENT_COLUMNS} FROM email_timeline ${sql.where([...activityFilterConditions(filter), ...keyset])}
          ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    );
  }
  if (hits.length === 0) return [];
  return query<ActivityEvent>(
    db,
    sql`SELECT ${EVENT_COLUMNS} FROM email_timeline WHERE id = ANY(${hits.map((hit) => hit.id)}::int[]) ORDER BY created_at DESC, id DESC`,
  );
}

/** Whether migrations/0005's indexes exist here and are valid (an interrupted build leaves one INVALID). */
export async function searchIndexes(db: ReadableDb): Promise<SearchIndexes> {
  const [row] = await query<Omit<SearchIndexes, 'events'> & { events: string | null }>(
    db,
    sql`SELECT COALESCE(bool_or(c.relname = 'idx_email_activity_log_description_trgm'), false) AS text,
               COALESCE(bool_or(c.relname = 'idx_email_activity_log_metadata_path'), false) AS metadata,
               (SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass('email_activity_log')) AS events
        FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = to_regclass('email_activity_log') AND i.indisvalid
          AND c.relname IN ('idx_email_activity_log_description_trgm', 'idx_email_activity_log_metadata_path')`,
  );
  // reltuples is -1 before the table's first ANALYZE.
  return row ? { ...row, events: Math.max(0, Number(row.events ?? 0)) } : NO_SEARCH_INDEXES;
}

const SCANNED_EVENT_COLUMNS = sql.raw(
  't.id, t.email_id, t.event_type, t.event_category, t.description, t.metadata, t.user_id, t.user_name, t.created_at, t.created_by',
);

type ScannedRow = ActivityEvent & { branch: string | null; undated: boolean; hit: boolean; scanned: number; scan_created_at: string; scan_id: number };

/**
 * A page that may examine at most `budget` rows per driver value in (created_at, id) order: the
 * row-by-row conditions mark hits, and the budget's last row says where the next page resumes.
 * Rows without created_at come first, as PostgreSQL orders them, on the first page only.
 */
async function boundedRecentActivity(
  db: ReadableDb,
  plan: ActivityPlan,
  budget: number,
  { limit, before, ...filter }: RecentActivityQuery,
): Promise<BoundedPage<ActivityEvent>> {
  const residual = sql.join(activityFilterConditions(plan.residual ?? {}), ' AND ');
  const keyset = before ? [sql`(created_at, id) < (${before.createdAt}::timestamp, ${before.id}::int)`] : [];
  // Each branch yields the rows it examined that matter (hits, and the budget's last row); the
  // email_timeline view is joined once, on top, for the hits: planning it is a fair share of a page.
  const scan = (driverCondition: Sql | null) => sql`
    SELECT false AS undated, hit, scanned, created_at, id FROM (
      SELECT id, created_at, COALESCE(${residual}, false) AS hit,
             row_number() OVER (ORDER BY created_at DESC, id DESC) AS scanned
      FROM email_activity_log
      ${sql.where([sql`created_at IS NOT NULL`, ...(driverCondition ? [driverCondition] : []), ...dateRangeConditions(filter), ...keyset])}
      ORDER BY created_at DESC, id DESC LIMIT ${budget}
    ) scan
    WHERE hit OR scanned = ${budget}
    ORDER BY created_at DESC, id DESC LIMIT ${limit}`;
  const statements = plan.driver
    ? [perDriverValue(plan, (condition, value) => sql`SELECT ${String(value)}::text AS branch, * FROM (${scan(condition)}) examined`)]
    : [sql`SELECT NULL AS branch, * FROM (${scan(null)}) examined`];
  // Rows without created_at sort first in PostgreSQL's DESC order; a keyset never reaches them again.
  if (!before) {
    statements.unshift(sql`(SELECT NULL AS branch, true AS undated, true AS hit, 0 AS scanned, created_at, id FROM email_activity_log
      ${sql.where([sql`created_at IS NULL`, ...activityFilterConditions(filter)])} ORDER BY id DESC LIMIT ${limit})`);
  }
  const rows = await query<ScannedRow>(
    db,
    sql`SELECT page.branch, page.undated, page.hit, page.scanned, page.created_at AS scan_created_at, page.id AS scan_id, ${SCANNED_EVENT_COLUMNS}
        FROM (${sql.join(statements, ' UNION ALL ')}) page
        LEFT JOIN email_timeline t ON page.hit AND t.id = page.id`,
  );

  const undatedEvents: ActivityEvent[] = [];
  const branches = new Map<string | null, ScannedBranch<ActivityEvent>>();
  for (const { branch, undated: isUndated, hit, scanned, scan_created_at, scan_id, ...event } of rows) {
    if (isUndated) {
      undatedEvents.push(event);
      continue;
    }
    const scannedBranch = branches.get(branch) ?? { hits: [], stoppedAt: null };
    branches.set(branch, scannedBranch);
    if (hit) scannedBranch.hits.push(event);
    if (Number(scanned) === budget) scannedBranch.stoppedAt = { createdAt: scan_created_at, id: scan_id };
  }
  undatedEvents.sort((a, b) => b.id - a.id);
  if (undatedEvents.length >= limit) return { events: undatedEvents.slice(0, limit), scannedTo: null };
  const page = mergeScannedBranches([...branches.values()], limit - undatedEvents.length);
  return { events: [...undatedEvents, ...page.events], scannedTo: page.scannedTo, scanned: plan.scan ?? budget };
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

export function userActivity(db: ReadableDb, { userId, limit, before, eventTypes, ...range }: UserActivityQuery): Promise<UserActivityEvent[]> {
  const conditions = [sql`user_id = ${userId}`, ...dateRangeConditions(range)];
  if (eventTypes?.length) conditions.push(sql`event_type = ANY(${eventTypes}::varchar[])`);
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

/** The count of activity-count.ts: summed rollups, or matching rows read up to a bound. */
export async function countActivity(db: ReadableDb, filter: ActivityFilter, plan: CountPlan): Promise<{ count: number; exact: boolean }> {
  if (plan.kind === 'rollup') {
    const conditions: Sql[] = [];
    if (filter.eventTypes?.length) conditions.push(sql`event_type = ANY(${filter.eventTypes}::varchar[])`);
    if (filter.eventCategories?.length) conditions.push(sql`event_category = ANY(${filter.eventCategories}::varchar[])`);
    const [row] = await query<{ count: string }>(
      db,
      sql`SELECT COALESCE(SUM(count), 0) AS count FROM (${dailyCounts(filter, true)}) counts ${sql.where(conditions)}`,
    );
    return boundedCount(plan, 0, Number(row?.count ?? 0));
  }
  const indexed = plan.kind === 'scan' ? plan.indexed : filter;
  const hit = plan.kind === 'scan' ? sql`COALESCE(${sql.join(activityFilterConditions(plan.residual), ' AND ')}, false)` : sql`true`;
  const [row] = await query<{ seen: string; hits: string }>(
    db,
    sql`SELECT COUNT(*) AS seen, COUNT(*) FILTER (WHERE hit) AS hits
        FROM (SELECT ${hit} AS hit FROM email_activity_log ${sql.where(activityFilterConditions(indexed))} LIMIT ${plan.bound + 1}) examined`,
  );
  return boundedCount(plan, Number(row?.seen ?? 0), Number(row?.hits ?? 0));
}

/** One primary-key lookup for a page's emails, loaded after the page so the list query stays as it was. */
export function emailSubjects(db: ReadableDb, emailIds: number[]): Promise<{ id: number; subject: string | null }[]> {
  if (emailIds.length === 0) return Promise.resolve([]);
  return query(db, sql`SELECT id, subject FROM email_messages WHERE id = ANY(${[...new Set(emailIds)]}::int[]) ORDER BY id`);
}

/** A user's events in a range per type, along the (user_id, created_at, id) index. */
export function userSummary(db: ReadableDb, userId: number, range: DateRange): Promise<{ event_type: string; event_category: string; count: number }[]> {
  return query(
    db,
    sql`SELECT event_type, event_category, COUNT(*) AS count FROM email_activity_log
        ${sql.where([sql`user_id = ${userId}`, ...dateRangeConditions(range)])} GROUP BY 1, 2`,
  );
}
