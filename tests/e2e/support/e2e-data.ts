import type { WritableDb } from '../../../src-main/db/connection';
import { query } from '../../../src-main/db/query';
import { sql } from '../../../src-main/db/sql';
import { fillDemo } from '../../../src-main/demo/demo';
import { copyRows, EMAIL_MESSAGE_COLUMNS, USER_COLUMNS, writeActivityRows, type ActivityRow, type CopyValue } from '../../../src-main/logger/batch-writer';
import { createEmailActivityLogger } from '../../../src-main/logger/email-activity-logger';
import {
  attachmentDownloadedEvent,
  classifiedEvent,
  errorEvent,
  fetchedEvent,
  invoiceExtractedEvent,
  linkedEvent,
  notificationSentEvent,
  readEvent,
  ruleMatchedEvent,
  statusChangedEvent,
  ticketCreatedEvent,
  workflowExecutedEvent,
  type ActivityEntry,
} from '../../../src-main/logger/events';

/** What the end-to-end tests look for; written to .tmp/e2e-fixture.json by the global setup. */
export interface E2eData {
  /** An ordinary email with a short trail in every category. */
  timelineEmailId: number;
  timelineSubject: string;
  /** A word found only in that email's subject. */
  subjectWord: string;
  /** The email with 5,000 events. */
  bigEmailId: number;
  bigEmailEvents: number;
  /** An id no email has. */
  unknownEmailId: number;
  emailCount: number;
  errorEventCount: number;
  /** Demo emails written after the rows above, spread over the twelve months ending `demoUntil`, for the analytics screens. */
  demoEmails: number;
  demoEvents: number;
  demoUntil: string;
  /** The e2e database, so a test can write through the logger (live mode). */
  databaseUrl: string;
  /** A demo email that tests may write new events to; no other test counts its events. */
  liveEmailId: number;
  /** An email (id above every other) whose subject names `idSearchEmailId`, and whose one event's description is a 600-character word. */
  longWordEmailId: number;
  idSearchEmailId: number;
  /** An email without a message row whose four events a retention run moved to the archive (issue 13, item 5). */
  archivedEmailId: number;
}

export const DEMO_EMAILS = 1500;

const USERS = [
  { id: 1, username: 'mette', full_name: 'Mette Jensen' },
  { id: 2, username: 'lars', full_name: 'Lars Nielsen' },
  { id: 3, username: 'sofie', full_name: 'Sofie Andersen' },
  { id: 4, username: 'jonas', full_name: 'Jonas Hansen' },
  { id: 5, username: 'freja', full_name: 'Freja Madsen' },
];

const VENDORS = ['Acme Corp', 'Nordlys Energi', 'Havn & Co', 'Bluefjord Media', 'Kobber IT', 'Lindgren Revision'];
const KINDS = ['invoice', 'time_confirmation', 'order', 'newsletter', 'support', 'bankruptcy'];
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A small deterministic generator, so every run writes the same log. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Step {
  entry: ActivityEntry<object>;
  at: number;
  userId?: number;
  createdBy?: string;
}

function row(emailId: number, step: Step): ActivityRow {
  return {
    email_id: emailId,
    event_type: step.entry.event_type,
    event_category: step.entry.event_category,
    description: step.entry.description,
    metadata: step.entry.metadata,
    user_id: step.userId ?? null,
    created_at: new Date(step.at),
    created_by: step.createdBy ?? 'system',
  };
}

/** The journey of an ordinary email, as the hub logs it: fetched, classified, workflow, linked, read. */
function ordinaryJourney(emailId: number, received: number, next: () => number): Step[] {
  const vendor = VENDORS[emailId % VENDORS.length]!;
  const kind = KINDS[emailId % KINDS.length]!;
  const user = USERS[emailId % USERS.length]!;
  let at = received;
  const after = (ms: number) => (at += ms);
  const steps: Step[] = [
    { entry: fetchedEvent(emailId % 3 === 0 ? 'graph' : 'imap', `msg-${emailId}@hub`), at },
    { entry: classifiedEvent(kind, 0.6 + next() * 0.39, next() < 0.8 ? 'ai' : 'keyword'), at: after(2 * SECOND) },
    { entry: ruleMatchedEvent(10 + (emailId % 4), `${vendor} routing`, 'assign'), at: after(SECOND) },
  ];
  const failed = emailId % 7 === 0;
  steps.push({
    entry: workflowExecutedEvent(emailId % 5 + 1, `${kind.replace('_', ' ')} processing`, failed ? 'failed' : 'completed', failed ? 1 : 3, Math.round(400 + next() * 2600)),
    at: after(Math.round(2 + next() * 8) * SECOND),
  });
  if (failed) steps.push({ entry: errorEvent('extraction_failed', 'PDF corrupted', { file: `invoice-${emailId}.pdf`, size: 0 }), at: after(SECOND) });
  steps.push({ entry: linkedEvent('vendor', 40 + (emailId % VENDORS.length), vendor), at: after(Math.round(next() * 60) * SECOND) });
  if (kind === 'invoice') steps.push({ entry: invoiceExtractedEvent(`INV-2025-${emailId}`, Math.round(next() * 900_000) / 100, !failed), at: after(12 * SECOND) });
  steps.push({ entry: statusChangedEvent('active', 'processed', 'workflow completed'), at: after(Math.round(next() * 5 * HOUR)) });
  if (next() < 0.7) {
    steps.push({ entry: readEvent(user.username), at: after(Math.round(next() * 2 * DAY)), userId: user.id, createdBy: user.username });
  }
  return steps;
}

/** Fills the log the way the hub does: users and emails, then their events through the logger's writers. */
export async function fillE2eDatabase(db: WritableDb, now = Date.now()): Promise<E2eData> {
  const next = random(20251215);
  const created = new Date(now - 400 * DAY);
  await copyRows(
    db,
    'users',
    USER_COLUMNS,
    USERS.map((user) => [user.id, user.username, user.full_name, `${user.username}@hub.example`, created]),
  );

  const firstId = 1001;
  const emailCount = 300;
  const timelineEmailId = 1042;
  const bigEmailId = 2001;
  const subjectWord = 'Zephyr';
  const timelineSubject = `Faktura INV-2025-0042 fra ${subjectWord} Logistics ApS`;
  const emails: CopyValue[][] = [];
  const received = new Map<number, number>();
  for (let id = firstId; id < firstId + emailCount; id++) {
    const vendor = VENDORS[id % VENDORS.length]!;
    const kind = KINDS[id % KINDS.length]!;
    // The timeline email arrived three days ago; the others, one every 3.5 hours before the last four days.
    const at = id === timelineEmailId ? now - 3 * DAY - 5 * HOUR : now - 4 * DAY - (firstId + emailCount - id) * 3.5 * HOUR;
    received.set(id, at);
    const subject =
      id === timelineEmailId
        ? timelineSubject
        : `${kind === 'invoice' ? 'Faktura' : kind === 'order' ? 'Ordrebekræftelse' : kind === 'support' ? 'Support request' : 'Re:'} ${vendor} #${id}`;
    const sender = id === timelineEmailId ? 'billing@zephyr-logistics.dk' : `${vendor.toLowerCase().replace(/[^a-z]+/g, '.')}@example.com`;
    emails.push([id, `msg-${id}@hub`, subject, sender, vendor, new Date(at), 'processed', kind, new Date(at)]);
  }
  emails.push([bigEmailId, `msg-${bigEmailId}@hub`, 'Supplier statement reconciliation, Q4 (long-running)', 'ap@kobber-it.dk', 'Kobber IT', new Date(now - 25 * DAY), 'active', 'invoice', new Date(now - 25 * DAY)]);
  await copyRows(db, 'email_messages', EMAIL_MESSAGE_COLUMNS, emails);

  const rows: ActivityRow[] = [];
  for (const [id, at] of received) {
    if (id === timelineEmailId) continue;
    for (const step of ordinaryJourney(id, at, next)) rows.push(row(id, step));
  }

  // The email the timeline tests read: every category, and waits of seconds, hours and days.
  const t0 = received.get(timelineEmailId)!;
  const mette = USERS[0]!;
  const timeline: Step[] = [
    { entry: fetchedEvent('imap', 'msg-abc-123'), at: t0 },
    { entry: classifiedEvent('invoice', 0.85, 'ai'), at: t0 + 2 * SECOND },
    { entry: ruleMatchedEvent(12, 'Zephyr invoices to AP', 'assign'), at: t0 + 3 * SECOND },
    { entry: workflowExecutedEvent(5, 'Invoice Processing', 'completed', 3, 1250), at: t0 + 5 * SECOND },
    { entry: linkedEvent('vendor', 42, 'Zephyr Logistics ApS'), at: t0 + 7 * SECOND },
    { entry: invoiceExtractedEvent('INV-2025-0042', 1234.56, true), at: t0 + 12 * SECOND },
    { entry: statusChangedEvent('active', 'processed', 'workflow completed'), at: t0 + 3 * HOUR + 12 * MINUTE + 12 * SECOND },
    { entry: readEvent(mette.username), at: t0 + DAY + 2 * HOUR, userId: mette.id, createdBy: mette.username },
    {
      entry: attachmentDownloadedEvent(mette.username, 'INV-2025-0042.pdf', 184_233),
      at: t0 + DAY + 2 * HOUR + 40 * SECOND,
      userId: mette.id,
      createdBy: mette.username,
    },
    { entry: ticketCreatedEvent(7731, 'SUP-7731', 'normal'), at: t0 + DAY + 3 * HOUR },
  ];
  for (const step of timeline) rows.push(row(timelineEmailId, step));

  // 5,000 events on one email: a long-running reconciliation touched by everything, for hours.
  let at = now - 25 * DAY;
  for (let index = 0; index < 5000; index++) {
    const user = USERS[index % USERS.length]!;
    const pick = index % 10;
    const entry: ActivityEntry<object> =
      index === 0
        ? fetchedEvent('imap', `msg-${bigEmailId}@hub`)
        : pick === 0 || pick === 5
          ? workflowExecutedEvent(3, 'Statement matching', index % 15 === 0 ? 'failed' : 'completed', 1 + (index % 4), 300 + (index % 900))
          : pick === 1
            ? ruleMatchedEvent(20 + (index % 3), 'Statement line matched', 'reconcile')
            : pick === 2
              ? readEvent(user.username)
              : pick === 3
                ? invoiceExtractedEvent(`INV-2025-${10_000 + index}`, (index * 37) % 10_000, index % 9 !== 0)
                : pick === 4
                  ? statusChangedEvent('pending', 'reconciling', `line ${index}`)
                  : pick === 6
                    ? notificationSentEvent('email', 'ap@hub.example', 'statement line needs review')
                    : pick === 7
                      ? classifiedEvent('invoice', 0.91, 'ai')
                      : pick === 8
                        ? errorEvent('match_failed', `no invoice for statement line ${index}`, { line: index })
                        : linkedEvent('invoice', 10_000 + index, `INV-2025-${10_000 + index}`);
    const userEvent = entry.event_category === 'user';
    rows.push(row(bigEmailId, { entry, at, userId: userEvent ? user.id : undefined, createdBy: userEvent ? user.username : 'system' }));
    at += Math.round(SECOND + next() * 10 * MINUTE);
  }
  await writeActivityRows(db, rows);

  // The newest events arrive as the hub writes them, one by one, through the logger's API.
  const logger = createEmailActivityLogger(db);
  await logger.logRead(timelineEmailId, 2, 'lars');
  await logger.logNotificationSent(timelineEmailId, 'slack', '#accounts-payable', 'invoice processed');

  // A year of demo journeys for the analytics screens, ending a day before the rows above end.
  await query(db, sql`SELECT setval(pg_get_serial_sequence('users', 'id'), (SELECT max(id) FROM users))`);
  const demoUntil = new Date(now - DAY).toISOString().slice(0, 19);
  const demo = await fillDemo(db, { emails: DEMO_EMAILS, until: demoUntil });

  // Issue 11, items 4 and 5: an id that another email's subject mentions, and a description that is one long word.
  const longWordEmailId = 9039;
  const longAt = new Date(now - 30 * DAY);
  await copyRows(db, 'email_messages', EMAIL_MESSAGE_COLUMNS, [[longWordEmailId, `msg-${longWordEmailId}@hub`, 'Re: follow-up on #1039', 'ap@kobber-it.dk', 'Kobber IT', longAt, 'failed', 'support', longAt]]);
  const longWord = { event_type: 'fetched', event_category: 'system', description: `Email fetched from ${'x'.repeat(600)}`, metadata: { source: 'imap' } };
  await writeActivityRows(db, [row(longWordEmailId, { entry: longWord as ActivityEntry<object>, at: longAt.getTime() })]);

  // Issue 13, item 5: a trail found only in the archive, moved there as a retention run moves it (recent, so no purge takes it).
  const archivedEmailId = 9041;
  const archivedAt = now - 5 * DAY;
  await writeActivityRows(db, [fetchedEvent('imap', 'msg-9041@hub'), classifiedEvent('invoice', 0.88, 'ai'), readEvent('mette'), errorEvent('match_failed', 'no invoice for statement line 9041', { line: 9041 })].map((entry, index) => row(archivedEmailId, { entry, at: archivedAt + index * MINUTE })));
  await query(db, sql`WITH moved AS (DELETE FROM email_activity_log WHERE email_id = ${archivedEmailId} RETURNING *) INSERT INTO email_activity_log_archive SELECT * FROM moved`);

  const errorEventCount = rows.filter((r) => r.event_type === 'error').length;
  return {
    archivedEmailId,
    longWordEmailId,
    idSearchEmailId: 1039,
    timelineEmailId,
    timelineSubject,
    subjectWord,
    bigEmailId,
    bigEmailEvents: 5000,
    unknownEmailId: 999_999,
    emailCount: emailCount + 2 + demo.emails,
    errorEventCount,
    demoEmails: demo.emails,
    demoEvents: demo.events,
    demoUntil,
    liveEmailId: bigEmailId + 1,
    databaseUrl: (db.options as { connectionString?: string }).connectionString ?? '',
  };
}

/** Issue 13: a database of its own for retention.spec.ts, whose run archives and purges it; no other spec reads it. */
export interface RetentionE2eData {
  /** An email with events older than the purge cutoff (90 days), for the spec to hold. */
  heldEmailId: number;
}

/** A year of demo journeys ending now, so that the default policy (30/90 days) has events to archive and to purge. */
export async function fillRetentionDatabase(db: WritableDb): Promise<RetentionE2eData> {
  await fillDemo(db, { emails: 300, seed: 13, until: new Date().toISOString().slice(0, 19) });
  const [oldest] = await query<{ email_id: number }>(
    db,
    sql`SELECT email_id FROM email_activity_log WHERE created_at < LOCALTIMESTAMP - INTERVAL '100 days' GROUP BY email_id ORDER BY COUNT(*) DESC, email_id LIMIT 1`,
  );
  if (!oldest) throw new Error('the retention e2e data has no email older than 100 days');
  return { heldEmailId: oldest.email_id };
}
