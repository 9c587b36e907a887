import type { EmailSummary } from '../../contract/schemas';
import type { EmailSearchQuery } from '../log-store';
import { pgLower } from './cache-text';
import type { Prepare } from './statements';

const SUMMARY_COLUMNS = 'id, subject, sender_email, received_date';

export function email(prepare: Prepare, emailId: number): EmailSummary | null {
  const message = prepare(`SELECT ${SUMMARY_COLUMNS} FROM email_messages WHERE id = ?`).get(emailId) as EmailSummary | undefined;
  if (message) return message;
  // The hub may log events for an email whose message row is gone; the trail still exists.
  const logged = prepare('SELECT email_id FROM email_activity_log WHERE email_id = ? LIMIT 1').get(emailId);
  return logged ? { id: emailId, subject: null, sender_email: null, received_date: null } : null;
}

export function searchEmails(prepare: Prepare, { text, limit, beforeId }: EmailSearchQuery): EmailSummary[] {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const trimmed = text.trim();
  if (trimmed) {
    const needle = pgLower(trimmed);
    const matches = ['mt_contains(subject, ?)', 'mt_contains(sender_email, ?)', 'mt_contains(sender_name, ?)'];
    params.push(needle, needle, needle);
    if (/^\d{1,10}$/.test(trimmed) && Number(trimmed) <= 2_147_483_647) {
      matches.unshift('id = ?');
      params.unshift(Number(trimmed));
    }
    conditions.push(`(${matches.join(' OR ')})`);
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
