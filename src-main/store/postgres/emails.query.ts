import type { EmailSummary } from '../../contract/schemas';
import type { ReadableDb } from '../../db/connection';
import { query } from '../../db/query';
import { sql, type Sql } from '../../db/sql';
import type { EmailFacts, EmailSearchQuery } from '../log-store';
import { containsPattern } from './filters';

const SUMMARY_COLUMNS = sql.raw('id, subject, sender_email, received_date');

export async function email(db: ReadableDb, emailId: number, archive = false): Promise<EmailSummary | null> {
  const [message] = await query<EmailSummary>(db, sql`SELECT ${SUMMARY_COLUMNS} FROM email_messages WHERE id = ${emailId}`);
  if (message) return message;
  // The hub may log events for an email whose message row is gone; the trail still exists.
  const [logged] = await query<{ email_id: number }>(
    db,
    sql`SELECT email_id FROM email_activity_log WHERE email_id = ${emailId} LIMIT 1`,
  );
  // An email whose events were all archived keeps its trail there (issue 13, item 5).
  if (!logged && archive) {
    const [archived] = await query(db, sql`SELECT email_id FROM email_activity_log_archive WHERE email_id = ${emailId} LIMIT 1`);
    if (archived) return { id: emailId, subject: null, sender_email: null, received_date: null };
  }
  return logged ? { id: emailId, subject: null, sender_email: null, received_date: null } : null;
}

/** What a search text matches: the id it spells, or text in the subject or sender. */
function searchCondition(text: string): Sql | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const pattern = containsPattern(trimmed);
  const matches = [sql`subject ILIKE ${pattern}`, sql`sender_email ILIKE ${pattern}`, sql`sender_name ILIKE ${pattern}`];
  if (/^\d{1,10}$/.test(trimmed) && Number(trimmed) <= 2_147_483_647) matches.unshift(sql`id = ${Number(trimmed)}`);
  return sql`(${sql.join(matches, ' OR ')})`;
}

export async function countEmails(db: ReadableDb, text: string, bound: number): Promise<{ matched: number; examined: number }> {
  const condition = searchCondition(text) ?? sql`true`;
  const [row] = await query<{ matched: number; examined: number }>(
    db,
    sql`SELECT (count(*) FILTER (WHERE ${condition}))::int AS matched, count(*)::int AS examined
        FROM (SELECT id, subject, sender_email, sender_name FROM email_messages ORDER BY id DESC LIMIT ${bound + 1}) AS newest`,
  );
  return { matched: row?.matched ?? 0, examined: row?.examined ?? 0 };
}

export function searchEmails(db: ReadableDb, { text, limit, beforeId }: EmailSearchQuery): Promise<EmailSummary[]> {
  const conditions: Sql[] = [];
  const condition = searchCondition(text);
  if (condition) conditions.push(condition);
  if (beforeId !== undefined) conditions.push(sql`id < ${beforeId}`);
  return query<EmailSummary>(
    db,
    sql`SELECT ${SUMMARY_COLUMNS} FROM email_messages ${sql.where(conditions)} ORDER BY id DESC LIMIT ${limit}`,
  );
}

export async function emailFacts(db: ReadableDb, emailId: number, archive = false): Promise<EmailFacts> {
  // The trail counts its archived events too, read along the archive's own email index.
  const trail = archive
    ? sql`(SELECT email_id, event_type, created_at FROM email_activity_log WHERE email_id = ${emailId}
           UNION ALL SELECT email_id, event_type, created_at FROM email_activity_log_archive WHERE email_id = ${emailId})`
    : sql`email_activity_log`;
  const [row] = await query<Omit<EmailFacts, 'hasStatus'>>(
    db,
    sql`SELECT m.status, m.classification, t.event_count, t.error_count, t.first_event_at, t.last_event_at, m.id IS NOT NULL AS "hasMessage"
        FROM (SELECT count(*)::int AS event_count, (count(*) FILTER (WHERE event_type = 'error'))::int AS error_count,
                     min(created_at) AS first_event_at, max(created_at) AS last_event_at
              FROM ${trail} AS trail WHERE email_id = ${emailId}) AS t
        LEFT JOIN email_messages m ON m.id = ${emailId}`,
  );
  return { ...row!, hasStatus: true };
}
