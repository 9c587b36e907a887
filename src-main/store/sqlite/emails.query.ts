import type { EmailSummary } from '../../contract/schemas';
import type { EmailFacts, EmailSearchQuery } from '../log-store';
import { pgLower } from './cache-text';
import type { Prepare } from './statements';

const SUMMARY_COLUMNS = 'id, subject, sender_email, received_date';

export function email(prepare: Prepare, emailId: number, archive = false): EmailSummary | null {
  const message = prepare(`SELECT ${SUMMARY_COLUMNS} FROM email_messages WHERE id = ?`).get(emailId) as EmailSummary | undefined;
  if (message) return message;
  // The hub may log events for an email whose message row is gone; the trail still exists.
  const logged =
    prepare('SELECT email_id FROM email_activity_log WHERE email_id = ? LIMIT 1').get(emailId) ??
    (archive ? prepare('SELECT email_id FROM email_activity_log_archive WHERE email_id = ? LIMIT 1').get(emailId) : undefined);
  return logged ? { id: emailId, subject: null, sender_email: null, received_date: null } : null;
}

/** What a search text matches, as PostgreSQL's searchCondition: the id it spells, or text in the subject or sender. */
function searchCondition(text: string): { condition: string; params: unknown[] } | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const needle = pgLower(trimmed);
  const matches = ['mt_contains(subject, ?)', 'mt_contains(sender_email, ?)', 'mt_contains(sender_name, ?)'];
  const params: unknown[] = [needle, needle, needle];
  if (/^\d{1,10}$/.test(trimmed) && Number(trimmed) <= 2_147_483_647) {
    matches.unshift('id = ?');
    params.unshift(Number(trimmed));
  }
  return { condition: `(${matches.join(' OR ')})`, params };
}

export function countEmails(prepare: Prepare, text: string, bound: number): { matched: number; examined: number } {
  const search = searchCondition(text) ?? { condition: '1', params: [] };
  const row = prepare(
    `SELECT coalesce(sum(${search.condition}), 0) AS matched, count(*) AS examined
     FROM (SELECT id, subject, sender_email, sender_name FROM email_messages ORDER BY id DESC LIMIT ?)`,
  ).get(...search.params, bound + 1) as { matched: number; examined: number };
  return { matched: Number(row.matched), examined: Number(row.examined) };
}

export function searchEmails(prepare: Prepare, { text, limit, beforeId }: EmailSearchQuery): EmailSummary[] {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const search = searchCondition(text);
  if (search) {
    conditions.push(search.condition);
    params.push(...search.params);
  }
  if (beforeId !== undefined) {
    conditions.push('id < ?');
    params.push(beforeId);
  }
  const filter = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
  return prepare(`SELECT ${SUMMARY_COLUMNS} FROM email_messages ${filter} ORDER BY id DESC LIMIT ?`).all(...params, limit) as EmailSummary[];
}

/** The subjects of a page's emails, by primary key. */
export function emailSubjects(prepare: Prepare, emailIds: number[]): { id: number; subject: string | null }[] {
  const ids = [...new Set(emailIds)];
  if (ids.length === 0) return [];
  return prepare(`SELECT id, subject FROM email_messages WHERE id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`).all(...ids) as {
    id: number;
    subject: string | null;
  }[];
}

/** As PostgreSQL's emailFacts; a cache of format 1 has no status or classification: null, and hasStatus false. */
export function emailFacts(prepare: Prepare, emailId: number, hasStatus: boolean, archive = false): EmailFacts {
  // Its archived events count too, as on PostgreSQL.
  const events = archive
    ? '(SELECT email_id, event_type, created_at FROM email_activity_log WHERE email_id = ? UNION ALL SELECT email_id, event_type, created_at FROM email_activity_log_archive WHERE email_id = ?)'
    : 'email_activity_log';
  const trail = prepare(
    `SELECT count(*) AS event_count, count(*) FILTER (WHERE event_type = 'error') AS error_count,
            min(created_at) AS first_event_at, max(created_at) AS last_event_at
     FROM ${events} WHERE email_id = ?`,
  ).get(...(archive ? [emailId, emailId, emailId] : [emailId])) as Pick<EmailFacts, 'event_count' | 'error_count' | 'first_event_at' | 'last_event_at'>;
  const message = prepare(`SELECT ${hasStatus ? 'status, classification' : 'NULL AS status, NULL AS classification'} FROM email_messages WHERE id = ?`).get(emailId) as
    | Pick<EmailFacts, 'status' | 'classification'>
    | undefined;
  return {
    status: message?.status ?? null,
    classification: message?.classification ?? null,
    ...trail,
    hasMessage: message !== undefined,
    hasStatus,
  };
}
