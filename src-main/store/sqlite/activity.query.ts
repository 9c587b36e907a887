import type { UserActivityEvent, UserSummary } from '../../contract/analytics';
import type { ActivityEvent } from '../../contract/schemas';
import { USERS_LIMIT, type ActivityFilter, type DateRange, type Keyset, type RecentActivityQuery, type TimelineQuery, type UserActivityQuery } from '../log-store';
import { canonicalTimestamp, compareCodePoints, metadataCondition, pgLower, rangeConditions } from './cache-text';
import { where, type Prepare } from './statements';
import { dailyCounts } from './analytics.query';
import { boundedCount, type CountPlan } from '../activity-count';
import { byNewest, fillingScan, INDEX_HITS_MAX, indexedSearch, mergeScannedBranches, planActivity, textIndexable, type ActivityPlan, type BoundedPage, type ScannedBranch, type SearchIndexes } from '../activity-scan';

// The seed's API item, as the email_timeline view gives it.
export const EVENT_COLUMNS = `a.id, a.email_id, a.event_type, a.event_category, a.description, a.metadata, a.user_id,
  u.user_name, a.created_at, a.created_by`;
export const EVENT_FROM = 'email_activity_log a LEFT JOIN users u ON u.id = a.user_id';

interface Filtered {
  conditions: string[];
  params: unknown[];
}

type Row = { metadata: string | null; created_at: string | null; id: number };

const parseMetadata = <T extends { metadata: unknown }>(row: T): T => {
  row.metadata = typeof row.metadata === 'string' ? JSON.parse(row.metadata) : null;
  return row;
};

/**
 * Rows newest first as PostgreSQL orders them: created_at DESC puts NULLs first there, and a keyset
 * comparison with NULL excludes the row, so the NULL rows come from their own index range.
 */
function newestFirst<T extends Row>(prepare: Prepare, columns: string, from: string, filtered: Filtered, limit: number, before?: Keyset): T[] {
  const { conditions, params } = filtered;
  if (before) {
    return prepare(
      `SELECT ${columns} FROM ${from} ${where([...conditions, '(a.created_at, a.id) < (?, ?)'])}
       ORDER BY a.created_at DESC, a.id DESC LIMIT ?`,
    ).all(...params, canonicalTimestamp(before.createdAt), before.id, limit) as T[];
  }
  const undated = prepare(
    `SELECT ${columns} FROM ${from} ${where([...conditions, 'a.created_at IS NULL'])} ORDER BY a.id DESC LIMIT ?`,
  ).all(...params, limit) as T[];
  if (undated.length >= limit) return undated;
  const dated = prepare(
    `SELECT ${columns} FROM ${from} ${where([...conditions, 'a.created_at IS NOT NULL'])}
     ORDER BY a.created_at DESC, a.id DESC LIMIT ?`,
  ).all(...params, limit - undated.length) as T[];
  return [...undated, ...dated];
}

function timelineOf(prepare: Prepare, from: string, { emailId, order, limit, after }: TimelineQuery): ActivityEvent[] {
  if (order === 'desc') {
    return newestFirst<ActivityEvent & Row>(prepare, EVENT_COLUMNS, from, { conditions: ['a.email_id = ?'], params: [emailId] }, limit, after).map(parseMetadata);
  }
  const conditions = ['a.email_id = ?', after ? '(a.created_at, a.id) > (?, ?)' : 'a.created_at IS NOT NULL'];
  const params: unknown[] = after ? [emailId, canonicalTimestamp(after.createdAt), after.id] : [emailId];
  const dated = prepare(`SELECT ${EVENT_COLUMNS} FROM ${from} ${where(conditions)} ORDER BY a.created_at, a.id LIMIT ?`).all(
    ...params,
    limit,
  ) as (ActivityEvent & Row)[];
  // Oldest first, PostgreSQL puts NULL created_at last; a keyset never reaches them.
  const undated =
    after || dated.length >= limit
      ? []
      : (prepare(`SELECT ${EVENT_COLUMNS} FROM ${from} WHERE a.email_id = ? AND a.created_at IS NULL ORDER BY a.id LIMIT ?`).all(
          emailId,
          limit - dated.length,
        ) as (ActivityEvent & Row)[]);
  return [...dated, ...undated].map(parseMetadata);
}

/**
 * The email's timeline with its archived events merged in (issue 13, item 5), as PostgreSQL's: each
 * table gives at most `limit` rows from the same keyset along its (email_id, created_at) index, so
 * the merge sorts at most twice the page.
 */
export function timeline(prepare: Prepare, query: TimelineQuery, archive = false): ActivityEvent[] {
  const live = timelineOf(prepare, EVENT_FROM, query).map((event) => ({ ...event, archived: false }));
  if (!archive) return live;
  const archived = timelineOf(prepare, 'email_activity_log_archive a LEFT JOIN users u ON u.id = a.user_id', query).map((event) => ({ ...event, archived: true }));
  const merged = [...live, ...archived].sort(query.order === 'desc' ? byNewest : (a, b) => byNewest(b, a));
  return merged.slice(0, query.limit);
}

export function filterConditions(filter: ActivityFilter): Filtered {
  const { conditions, params } = rangeConditions(filter, 'a.created_at');
  const list = (column: string, values: readonly (string | number)[] | undefined) => {
    if (!values?.length) return;
    conditions.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  list('a.event_type', filter.eventTypes);
  list('a.event_category', filter.eventCategories);
  list('a.user_id', filter.userIds);
  list('a.email_id', filter.emailIds);
  const text = filter.text?.trim();
  if (text) {
    conditions.push('mt_contains(a.description, ?)');
    params.push(pgLower(text));
  }
  for (const { key, value } of filter.metadata ?? []) {
    const metadata = metadataCondition(key, value, 'a.metadata');
    conditions.push(metadata.condition);
    params.push(...metadata.params);
  }
  return { conditions, params };
}

function filteredNewest<T extends Row>(prepare: Prepare, columns: string, from: string, filter: ActivityFilter, limit: number, before?: Keyset): T[] {
  const { driver, values } = planActivity(filter);
  if (!driver || values.length < 2) return newestFirst<T>(prepare, columns, from, filterConditions(filter), limit, before);
  const rows = values.flatMap((value) =>
    newestFirst<T>(prepare, columns, from, filterConditions({ ...filter, [driver]: [value] }), limit, before),
  );
  return rows.sort(byNewest).slice(0, limit);
}

export function recentActivity(
  prepare: Prepare,
  { limit, before, scan, ...filter }: RecentActivityQuery,
  indexes: SearchIndexes = { text: false, metadata: false, events: 0 },
): BoundedPage<ActivityEvent> {
  const plan = planActivity(filter, scan);
  if (plan.budget !== null && indexedSearch(plan, indexes)) {
    // As PostgreSQL does: the first rows in time order first, then, when they do not fill the page, the index.
    const probePlan = planActivity(filter);
    const probe = boundedRecentActivity(prepare, probePlan, probePlan.budget!, { limit, before, ...filter });
    if (probe.scannedTo === null) return { events: probe.events, scannedTo: null, search: 'index' };
    const wider = fillingScan(probe.events.length, limit, probe.scanned ?? probePlan.scan!, indexes.events);
    if (wider !== null) {
      const widerPlan = planActivity(filter, wider);
      const page = boundedRecentActivity(prepare, widerPlan, widerPlan.budget!, { limit, before, ...filter });
      if (page.scannedTo === null) return { events: page.events, scannedTo: null, search: 'index' };
    }
    return { events: indexedRecentActivity(prepare, indexes, { limit, before, ...filter }), scannedTo: null, search: 'index' };
  }
  if (plan.budget !== null) return { ...boundedRecentActivity(prepare, plan, plan.budget, { limit, before, ...filter }), search: 'scan' };
  return { events: filteredNewest<ActivityEvent & Row>(prepare, EVENT_COLUMNS, EVENT_FROM, filter, limit, before).map(parseMetadata), scannedTo: null };
}

/**
 * The trigram index's query for a text: every trigram of the lowered text, each a quoted FTS5 string.
 * The events holding them all include every event whose description contains the text.
 */
export function trigramQuery(text: string): string {
  const chars = [...pgLower(text)];
  const trigrams = new Set<string>();
  for (let i = 0; i + 3 <= chars.length; i++) trigrams.add(chars.slice(i, i + 3).join(''));
  return [...trigrams].map((trigram) => `"${trigram.replace(/"/g, '""')}"`).join(' AND ');
}

/**
 * Every match of a search through the cache's search tables, newest first, as PostgreSQL's
 * indexedRecentActivity: the candidates come from the indexes, every condition is checked on them.
 */
function indexedRecentActivity(prepare: Prepare, indexes: SearchIndexes, { limit, before, ...filter }: RecentActivityQuery): ActivityEvent[] {
  const candidates: string[] = [];
  const candidateParams: unknown[] = [];
  const text = filter.text?.trim();
  if (indexes.text && text && textIndexable(text)) {
    candidates.push('SELECT rowid AS id FROM activity_text WHERE activity_text MATCH ?');
    candidateParams.push(trigramQuery(text));
  }
  if (indexes.metadata) {
    for (const { key, value } of filter.metadata ?? []) {
      candidates.push('SELECT event_id AS id FROM activity_metadata WHERE key = ? AND value = ?');
      candidateParams.push(key, value);
    }
  }
  const { conditions, params } = filterConditions(filter);
  if (before) {
    conditions.push('(a.created_at, a.id) < (?, ?)');
    params.push(canonicalTimestamp(before.createdAt), before.id);
  }
  // CROSS JOIN keeps the candidates outermost, so the planner never walks the whole log in time order instead.
  const hits = prepare(
    `SELECT a.id, a.created_at FROM (${candidates.join(' INTERSECT ')}) c CROSS JOIN email_activity_log a ON a.id = c.id ${where(conditions)} LIMIT ?`,
  ).all(...candidateParams, ...params, INDEX_HITS_MAX + 1) as Row[];
  if (hits.length > INDEX_HITS_MAX) {
    return newestFirst<ActivityEvent & Row>(prepare, EVENT_COLUMNS, EVENT_FROM, filterConditions(filter), limit, before).map(parseMetadata);
  }
  const ids = hits.sort(byNewest).slice(0, limit).map((hit) => hit.id);
  const details = new Map(
    (prepare(`SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE a.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as (ActivityEvent & Row)[]).map(
      (event) => [event.id, event],
    ),
  );
  return ids.map((id) => parseMetadata(details.get(id)!));
}

/** The PostgreSQL store's bounded page, row for row: at most `budget` rows per driver value, undated rows first. */
function boundedRecentActivity(prepare: Prepare, plan: ActivityPlan, budget: number, { limit, before, ...filter }: RecentActivityQuery): BoundedPage<ActivityEvent> {
  const all = before ? null : filterConditions(filter);
  const undated = !all
    ? []
    : (prepare(`SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} ${where([...all.conditions, 'a.created_at IS NULL'])} ORDER BY a.id DESC LIMIT ?`).all(
        ...all.params,
        limit,
      ) as (ActivityEvent & Row)[]);
  if (undated.length >= limit) return { events: undated.map(parseMetadata), scannedTo: null };
  const wanted = limit - undated.length;
  const residual = filterConditions(plan.residual ?? {});
  const hit = `COALESCE(${residual.conditions.map((condition) => `(${condition})`).join(' AND ')}, 0)`;
  const range = { from: filter.from, to: filter.to };
  const branchFilters: ActivityFilter[] = plan.driver ? plan.values.map((value) => ({ ...range, [plan.driver!]: [value] })) : [range];
  const branches = branchFilters.map((branchFilter): ScannedBranch<Row> => {
    const { conditions, params } = filterConditions(branchFilter);
    if (before) {
      conditions.push('(a.created_at, a.id) < (?, ?)');
      params.push(canonicalTimestamp(before.createdAt), before.id);
    }
    const scan = prepare(
      `SELECT a.id, a.created_at, ${hit} AS hit FROM email_activity_log a ${where([...conditions, 'a.created_at IS NOT NULL'])}
       ORDER BY a.created_at DESC, a.id DESC LIMIT ?`,
    );
    const hits: Row[] = [];
    let scanned = 0;
    let last: Row | undefined;
    for (const row of scan.iterate(...residual.params, ...params, budget) as Iterable<Row & { hit: number }>) {
      scanned++;
      last = row;
      if (row.hit) hits.push(row);
      if (hits.length >= wanted) break;
    }
    return { hits, stoppedAt: scanned === budget && last ? { createdAt: last.created_at!, id: last.id } : null };
  });
  const page = mergeScannedBranches(branches, wanted);
  const ids = page.events.map((event) => event.id);
  const details = new Map(
    (prepare(`SELECT ${EVENT_COLUMNS} FROM ${EVENT_FROM} WHERE a.id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(ids)) as (ActivityEvent & Row)[]).map(
      (event) => [event.id, event],
    ),
  );
  return { events: [...undated, ...ids.map((id) => details.get(id)!)].map(parseMetadata), scannedTo: page.scannedTo, scanned: plan.scan ?? budget };
}

const METADATA_SAMPLE = 5_000;

/** Keys of the newest events' metadata, most frequent first, as PostgreSQL's jsonb_object_keys counts them. */
export function metadataKeys(prepare: Prepare, eventTypes: string[] | undefined): { key: string; count: number }[] {
  const rows = filteredNewest<Row>(prepare, 'a.id, a.created_at, a.metadata', 'email_activity_log a', { eventTypes }, METADATA_SAMPLE);
  const counts = new Map<string, number>();
  for (const { metadata } of rows) {
    if (metadata === null || !metadata.startsWith('{')) continue;
    for (const key of Object.keys(JSON.parse(metadata) as object)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || compareCodePoints(a.key, b.key))
    .slice(0, 200);
}

export function userActivity(prepare: Prepare, { userId, limit, before, eventTypes, ...range }: UserActivityQuery): UserActivityEvent[] {
  const { conditions, params } = rangeConditions(range, 'a.created_at');
  if (eventTypes?.length) conditions.push(`a.event_type IN (${eventTypes.map(() => '?').join(', ')})`), params.push(...eventTypes);
  return newestFirst<UserActivityEvent & Row>(
    prepare,
    `${EVENT_COLUMNS}, e.subject AS email_subject`,
    `${EVENT_FROM} LEFT JOIN email_messages e ON e.id = a.email_id`,
    { conditions: ['a.user_id = ?', ...conditions], params: [userId, ...params] },
    limit,
    before,
  ).map(parseMetadata);
}

/** Users by lower(name) then id, as PostgreSQL sorts them (C collation, NULL names last). */
export function users(prepare: Prepare): UserSummary[] {
  const rows = prepare('SELECT id, user_name, email FROM users').all() as UserSummary[];
  const keyed = rows.map((user) => ({ user, key: user.user_name === null ? null : pgLower(user.user_name) }));
  keyed.sort((a, b) => {
    if (a.key !== b.key) {
      if (a.key === null) return 1;
      if (b.key === null) return -1;
      const order = compareCodePoints(a.key, b.key);
      if (order !== 0) return order;
    }
    return a.user.id - b.user.id;
  });
  return keyed.slice(0, USERS_LIMIT).map(({ user }) => user);
}

/** The PostgreSQL store's count, step for step: summed rollups, or matching rows read up to a bound. */
export function countActivity(prepare: Prepare, filter: ActivityFilter, plan: CountPlan): { count: number; exact: boolean } {
  if (plan.kind === 'rollup') {
    const counts = dailyCounts(filter);
    const lists = filterConditions({ eventTypes: filter.eventTypes, eventCategories: filter.eventCategories });
    const conditions = lists.conditions.map((condition) => condition.replace(/\ba\./g, ''));
    const row = prepare(`SELECT COALESCE(SUM(count), 0) AS count FROM (${counts.text}) ${where(conditions)}`).get(...counts.params, ...lists.params) as { count: number };
    return boundedCount(plan, 0, Number(row.count));
  }
  const indexed = filterConditions(plan.kind === 'scan' ? plan.indexed : filter);
  const residual = plan.kind === 'scan' ? filterConditions(plan.residual) : { conditions: [], params: [] };
  const hit = residual.conditions.length ? `COALESCE(${residual.conditions.map((condition) => `(${condition})`).join(' AND ')}, 0)` : '1';
  const row = prepare(
    `SELECT COUNT(*) AS seen, COALESCE(SUM(hit), 0) AS hits
     FROM (SELECT ${hit} AS hit FROM email_activity_log a ${where(indexed.conditions)} LIMIT ?)`,
  ).get(...residual.params, ...indexed.params, plan.bound + 1) as { seen: number; hits: number };
  return boundedCount(plan, Number(row.seen), Number(row.hits));
}

/** A user's events in a range per type, along the (user_id, created_at) index. */
export function userSummary(prepare: Prepare, userId: number, range: DateRange): { event_type: string; event_category: string; count: number }[] {
  const { conditions, params } = rangeConditions(range);
  return prepare(
    `SELECT event_type, event_category, COUNT(*) AS count FROM email_activity_log ${where(['user_id = ?', ...conditions])} GROUP BY 1, 2`,
  ).all(userId, ...params) as { event_type: string; event_category: string; count: number }[];
}
