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
      await query(db, sql`SELECT 1`);
    },
    close: () => db.end(),
  };
}
