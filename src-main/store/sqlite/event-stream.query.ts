import { EVENT_BATCH, type EventRow, type EventScope } from '../log-store';
import type { CacheDb } from './cache-file';
import { EVENT_COLUMNS, EVENT_FROM, filterConditions } from './activity.query';
import { rangeConditions } from './cache-text';
import { where } from './statements';

interface Statement {
  text: string;
  params: unknown[];
}

/**
 * The scope's statements, run one after the other, in the order PostgreSQL's one statement gives:
 * newest first puts rows without created_at first (SQLite's DESC puts them last, and NULLS FIRST would
 * sort the whole log instead of walking the index), oldest first puts them last.
 */
export function eventStatements(scope: EventScope, archive: boolean): Statement[] {
  if (scope.kind === 'email') {
    const branch = (table: string, archived: number) => `SELECT ${EVENT_COLUMNS}, ${archived} AS archived FROM ${table} a LEFT JOIN users u ON u.id = a.user_id WHERE a.email_id = ?`;
    const branches = archive ? [branch('email_activity_log', 0), branch('email_activity_log_archive', 1)] : [branch('email_activity_log', 0)];
    // One email's events, merged and sorted: a timeline, not the log.
    return [{ text: `SELECT * FROM (${branches.join(' UNION ALL ')}) ORDER BY created_at ASC NULLS LAST, id ASC`, params: branches.map(() => scope.emailId) }];
  }
  let filtered: { conditions: string[]; params: unknown[] };
  if (scope.kind === 'user') {
    const range = rangeConditions(scope, 'a.created_at');
    filtered = { conditions: ['a.user_id = ?', ...range.conditions], params: [scope.userId, ...range.params] };
  } else {
    const { kind: _kind, ...filter } = scope;
    filtered = filterConditions(filter);
  }
  const { conditions, params } = filtered;
  return [
    { text: `SELECT ${EVENT_COLUMNS}, NULL AS archived FROM ${EVENT_FROM} ${where([...conditions, 'a.created_at IS NULL'])} ORDER BY a.id DESC`, params },
    { text: `SELECT ${EVENT_COLUMNS}, NULL AS archived FROM ${EVENT_FROM} ${where([...conditions, 'a.created_at IS NOT NULL'])} ORDER BY a.created_at DESC, a.id DESC`, params },
  ];
}

/**
 * Every event of the scope as rows (statement.raw().iterate()), on a connection of its own
 * (`open`), closed when the stream ends or is stopped: an open statement keeps its connection busy.
 */
export async function* streamEvents(open: () => CacheDb, scope: EventScope, archive: boolean, batch = EVENT_BATCH): AsyncGenerator<EventRow[], void, undefined> {
  const db = open();
  try {
    // One read transaction for all the statements: one snapshot, as PostgreSQL's REPEATABLE READ.
    db.prepare('BEGIN').run();
    const email = scope.kind === 'email';
    // Batches run on across the statements: each is full but the last.
    let rows: EventRow[] = [];
    for (const { text, params } of eventStatements(scope, archive)) {
      for (const row of db.prepare(text).raw().iterate(...params) as IterableIterator<EventRow>) {
        // The cache keeps metadata as JSON text and archived as 0 or 1.
        row[5] = typeof row[5] === 'string' ? (JSON.parse(row[5]) as EventRow[5]) : null;
        if (email) row[10] = (row[10] as unknown) === 1;
        rows.push(row);
        if (rows.length >= batch) {
          yield rows;
          rows = [];
        }
      }
    }
    if (rows.length > 0) yield rows;
  } finally {
    // Closing the connection also ends the statement a stopped stream left open.
    db.close();
  }
}
