import type { ReadableDb } from '../../db/connection';
import { query } from '../../db/query';
import { sql } from '../../db/sql';
import type { LogStore, SourceDescription } from '../log-store';
import { activityStats, recentActivity, timeline } from './activity.query';
import { email, searchEmails } from './emails.query';

/** The LogStore over the hub's PostgreSQL, through a read-only pool. */
export function createPostgresLogStore(db: ReadableDb, source: SourceDescription): LogStore {
  return {
    source,
    timeline: (q) => timeline(db, q),
    recentActivity: (q) => recentActivity(db, q),
    activityStats: (range) => activityStats(db, range),
    email: (emailId) => email(db, emailId),
    searchEmails: (q) => searchEmails(db, q),
    ping: async () => {
      const [row] = await query<{ time_zone: string }>(db, sql`SELECT current_setting('TimeZone') AS time_zone`);
      return { timeZone: row?.time_zone ?? null };
    },
    close: () => db.end(),
  };
}
