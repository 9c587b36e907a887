import {
  attachmentDownloadedEvent,
  attachmentUploadedEvent,
  classifiedEvent,
  errorEvent,
  fetchedEvent,
  linkedEvent,
  notificationSentEvent,
  readEvent,
  ruleMatchedEvent,
  statusChangedEvent,
  ticketCreatedEvent,
  type ActivityEntry,
} from '../logger/events';
import { escapeCopyText } from '../logger/batch-writer';
import type { LoggedEvent } from '../logger/email-activity-logger';
import type { BatchOutcome, BatchRun, BatchWorkflow } from '../workflows/batch';
import {
  BANKRUPT_COMPANIES,
  CUSTOMERS,
  FIRST_NAMES,
  GENERAL_SUBJECTS,
  LAST_NAMES,
  NEWSLETTER_SENDERS,
  NEWSLETTER_SUBJECTS,
  RULES_BY_CLASSIFICATION,
  SPAM_SENDERS,
  SPAM_SUBJECTS,
  USER_EMAIL_DOMAIN,
  VENDORS,
} from './catalogue';
import { weighted, type Random } from './random';

export interface JourneyUser {
  id: number;
  username: string;
}

/** An enabled row of email_workflows, as the engine's watcher matches it. */
export interface DemoWorkflow extends BatchWorkflow {
  classification_trigger: string | null;
  confidence_threshold: number | null;
  priority: number | null;
}

export interface JourneySettings {
  random: Random;
  untilMs: number;
  users: readonly JourneyUser[];
  /** The database's enabled workflows, in the order the engine runs them (priority, then id). */
  workflows: readonly DemoWorkflow[];
  firstEventId: number;
}

/** An email whose journey waits for its workflows: the engine runs them (src-main/workflows/batch.ts), then finish() goes on. */
export interface WaitingJourney {
  emailId: number;
  classification: Classification;
  runs: BatchRun[];
}

type Classification = 'invoice' | 'time_confirmation' | 'bankruptcy' | 'spam' | 'general' | 'newsletter';

const pickClassification = weighted<Classification>([
  ['invoice', 30],
  ['time_confirmation', 13],
  ['bankruptcy', 3],
  ['spam', 12],
  ['general', 32],
  ['newsletter', 10],
]);

const pickPriority = weighted([
  ['low', 2],
  ['normal', 6],
  ['high', 2],
]);

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

const VENDOR_ID_BASE = 1;
const CUSTOMER_ID_BASE = 1001;
const slugs = new Map<string, string>();
/** A company's name as its mail domain writes it: "Nordisk Kontorforsyning A/S" -> nordisk-kontorforsyning. */
export const slug = (name: string): string => {
  let text = slugs.get(name);
  if (text === undefined) slugs.set(name, (text = toSlug(name)));
  return text;
};
const toSlug = (name: string) =>
  name
    .toLowerCase()
    .replace(/æ/g, 'ae')
    .replace(/ø/g, 'oe')
    .replace(/å/g, 'aa')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$|-(a-s|aps|i-s)$/g, '');

/** The seed's TIMESTAMP without zone, millisecond precision. */
const timestamp = (ms: number) => new Date(ms).toISOString().slice(0, 23);
const round2 = (value: number) => Math.round(value * 100) / 100;
/** 12450.5 -> "12.450,50", as a Danish vendor writes an amount. */
const danishAmount = (value: number) => {
  const [whole, decimals] = value.toFixed(2).split('.');
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, '.')},${decimals}`;
};

/** A growing byte buffer: lines are encoded as they are made, so their pieces die young. */
class TextBuffer {
  private bytes = Buffer.allocUnsafe(1 << 22);
  private length = 0;

  append(text: string): void {
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit.
    if (this.length + text.length * 3 > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + text.length * 3));
      this.bytes.copy(grown, 0, 0, this.length);
      this.bytes = grown;
    }
    this.length += this.bytes.write(text, this.length);
  }

  /** The bytes so far; the buffer starts over in fresh memory, since the taken bytes may still be in flight. */
  take(): Buffer {
    const taken = this.bytes.subarray(0, this.length);
    this.bytes = Buffer.allocUnsafe(this.bytes.length);
    this.length = 0;
    return taken;
  }
}

/**
 * Writes emails' journeys as COPY text: each call appends one email's events (ids in order,
 * times rising from its fetch) to `activity` and its email_messages row to `messages`.
 */
export class JourneyWriter {
  private readonly activity = new TextBuffer();
  private readonly messages = new TextBuffer();
  events = 0;
  nextEventId: number;
  private ticketCount = 0;
  private emailId = 0;
  /** The current email's clock and status while its journey is written. */
  private t = 0;
  private status = 'active';
  private readonly random: Random;
  /** The journey of the email being written, for its email_messages row. */
  private message = { messageId: '', subject: '', sender: { company: '', companyId: 0, name: '', email: '' } as Sender, receivedMs: 0, classification: '', fetchedAt: 0 };

  constructor(private readonly settings: JourneySettings) {
    this.random = settings.random;
    this.nextEventId = settings.firstEventId;
  }

  /** Takes the activity text written so far and starts empty. */
  takeActivity(): Buffer {
    return this.activity.take();
  }

  /** Takes the email_messages text written so far and starts empty. */
  takeMessages(): Buffer {
    return this.messages.take();
  }

  private setStatus(next: string, reason: string, user?: JourneyUser): void {
    this.t += this.random.int(20, 400);
    this.emit(statusChangedEvent(this.status, next, reason), this.t, user);
    this.status = next;
  }

  private newTicket(year: number, priority: string): ActivityEntry<object> {
    this.ticketCount++;
    return ticketCreatedEvent(this.ticketCount, `T-${year}-${String(this.ticketCount).padStart(6, '0')}`, priority);
  }

  /** Writes the event unless it falls after `until`; its id, or null. */
  private emit(entry: ActivityEntry<object>, at: number, user?: JourneyUser): number | null {
    if (at > this.settings.untilMs) return null;
    const id = this.nextEventId++;
    this.activity.append(
      `${id}\t${this.emailId}\t${entry.event_type}\t${entry.event_category}\t${escapeCopyText(entry.description)}\t` +
      `${escapeCopyText(JSON.stringify(entry.metadata))}\t${user ? user.id : '\\N'}\t${timestamp(at)}\t${user ? user.username : 'system'}\n`,
    );
    this.events++;
    return id;
  }

  /**
   * The engine's logger writes here (the batch's store): the event goes into the same COPY text at
   * its simulated time, with the next id. One after `until` is not written (0), as emit() does.
   */
  readonly store = (event: LoggedEvent, at: number): number => {
    if (at > this.settings.untilMs) return 0;
    const id = this.nextEventId++;
    this.activity.append(
      `${id}\t${event.email_id}\t${event.event_type}\t${event.event_category}\t${escapeCopyText(event.description)}\t` +
      `${event.metadata_json === null ? '\\N' : escapeCopyText(event.metadata_json)}\t${event.user_id ?? '\\N'}\t${timestamp(at)}\t${escapeCopyText(event.created_by)}\n`,
    );
    this.events++;
    return id;
  };

  private writeMessage(): void {
    const m = this.message;
    this.messages.append(
      `${this.emailId}\t${escapeCopyText(m.messageId)}\t${escapeCopyText(m.subject)}\t${m.sender.email}\t${escapeCopyText(m.sender.name)}\t` +
      `${timestamp(m.receivedMs)}\t${this.status}\t${m.classification}\t${timestamp(m.fetchedAt)}\n`,
    );
  }

  /**
   * Writes an email's journey up to its classification and rules. With no workflow to run it goes
   * on to its end; otherwise its email_messages row is written as it stands (the engine reads it)
   * and the runs are returned for the engine, after which finish() takes the journey on.
   */
  email(emailId: number, receivedMs: number): WaitingJourney | null {
    const r = this.random;
    this.emailId = emailId;
    const classification = pickClassification(r);
    const year = new Date(receivedMs).getUTCFullYear();
    const sender = this.sender(classification);
    const subject = this.subject(classification, sender.company, year);
    const source = r.chance(0.7) ? 'imap' : 'graph';
    const messageId = `<${r.hex(16)}@${sender.email.slice(sender.email.indexOf('@') + 1)}>`;

    let t = receivedMs + r.int(2 * SECOND, 90 * SECOND);
    const fetchedAt = t;
    this.status = 'active';
    this.emit(fetchedEvent(source, messageId), t);

    if (r.chance(0.012)) {
      t += r.int(30 * SECOND, 31 * SECOND);
      const entry =
        source === 'imap'
          ? errorEvent('imap_timeout', 'IMAP server did not answer within 30 s while marking the message as seen', {
              server: `imap.${USER_EMAIL_DOMAIN}`,
              timeout_ms: 30000,
              attempt: r.int(1, 3),
              operation: 'mark_seen',
            })
          : errorEvent('graph_throttled', 'Microsoft Graph answered 429 Too Many Requests', {
              endpoint: '/me/messages',
              retry_after_s: r.int(5, 120),
            });
      this.emit(entry, t);
    }

    let method = r.chance(0.82) ? 'ai' : 'keyword';
    if (method === 'ai' && r.chance(0.02)) {
      t += r.int(5 * SECOND, 20 * SECOND);
      this.emit(
        errorEvent('classification_failed', 'AI classifier returned no answer; falling back to keywords', {
          model: 'gpt-4o-mini',
          reason: r.chance(0.5) ? 'rate_limited' : 'timeout',
          attempt: r.int(1, 3),
        }),
        t,
      );
      method = 'keyword';
    }
    const confidence = round2(
      method === 'ai'
        ? classification === 'spam' || classification === 'newsletter'
          ? 0.88 + r.next() * 0.11
          : 0.6 + r.next() * 0.39
        : 0.5 + r.next() * 0.4,
    );
    t += r.int(300, 2500);
    const classifiedId = this.emit(classifiedEvent(classification, confidence, method), t);

    for (const rule of RULES_BY_CLASSIFICATION[classification] ?? []) {
      if (!r.chance(0.7)) continue;
      t += r.int(5, 60);
      this.emit(ruleMatchedEvent(rule.id, rule.name, rule.action), t);
    }

    this.t = t;
    this.message = { messageId, subject, sender, receivedMs, classification, fetchedAt };
    // The watcher's rule (src-main/workflows/watcher.ts): enabled, trigger matching, threshold met, in priority order.
    const triggered = this.settings.workflows.filter((w) => w.classification_trigger === classification);
    const matched = triggered.filter((w) => w.confidence_threshold === null || confidence >= w.confidence_threshold);
    if (matched.length > 0 && classifiedId !== null) {
      this.writeMessage();
      // The watcher picks the event up within its round, under two seconds.
      const start = this.t + r.int(80, 1800);
      return { emailId, classification, runs: matched.map((workflow) => ({ workflow, email_id: emailId, trigger_event_id: classifiedId, start_ms: start })) };
    }
    if (triggered.length > 0) {
      this.setStatus('needs_review', `confidence ${Math.round(confidence * 100)}% below the workflow threshold`);
    } else if (classification === 'spam') {
      if (r.chance(0.9)) this.setStatus('spam', 'moved by spam filter');
    } else if (classification === 'newsletter') {
      if (r.chance(0.6)) this.setStatus('archived', 'newsletter');
    } else {
      if (r.chance(0.55)) this.emit(linkedEvent('customer', sender.companyId, sender.company), (this.t += r.int(50, 400)));
      if (r.chance(0.18)) this.emit(this.newTicket(year, pickPriority(r)), (this.t += r.int(200, 1500)));
      if (r.chance(0.05)) {
        this.emit(notificationSentEvent('teams', '#support', `New mail from ${sender.company}`), (this.t += r.int(100, 900)));
      }
      if (r.chance(0.35)) this.setStatus('processed', 'handled by rules');
    }
    this.users(classification);
    this.writeMessage();
    return null;
  }

  /**
   * The rest of a waiting journey once the engine has run its workflows: `status` is the email's
   * status as the workflows left it. A failed run puts the email in the hub's failed queue, where
   * users may resolve it. Returns the status at the journey's end.
   */
  finish(journey: WaitingJourney, outcomes: readonly BatchOutcome[], status: string): string {
    this.emailId = journey.emailId;
    this.status = status;
    this.t = Math.max(...outcomes.map((outcome) => outcome.completed_ms));
    const failed = outcomes.find((outcome) => outcome.status === 'failed');
    if (failed) this.setStatus('failed', `workflow ${failed.workflow_name} failed`);
    this.users(journey.classification);
    return this.status;
  }

  private users(classification: Classification): void {
    const r = this.random;
    if (classification === 'spam' && !r.chance(0.05)) return;
    const readers = r.chance(0.85) ? 1 + (r.chance(0.5) ? 1 : 0) + (r.chance(0.15) ? 1 : 0) : 0;
    const hasAttachment =
      classification === 'invoice' || classification === 'bankruptcy' || (classification === 'time_confirmation' && r.chance(0.5));
    for (let i = 0; i < readers; i++) {
      const user = r.pick(this.settings.users);
      this.t += Math.round(r.exponential(6 * HOUR)) + r.int(10 * SECOND, 5 * MINUTE);
      this.emit(readEvent(user.username), this.t, user);
      if (hasAttachment && r.chance(0.55)) {
        const filename =
          classification === 'invoice'
            ? `faktura-${r.int(10000, 99999)}.pdf`
            : classification === 'bankruptcy'
              ? 'kreditoropgoerelse.pdf'
              : `timeseddel-uge-${r.int(1, 52)}.xlsx`;
        this.emit(attachmentDownloadedEvent(user.username, filename, r.int(15_000, 2_500_000)), (this.t += r.int(5 * SECOND, 4 * MINUTE)), user);
      }
      if (r.chance(0.04)) {
        const filename = r.chance(0.5) ? 'godkendt-bilag.pdf' : 'kommentarer.docx';
        this.emit(attachmentUploadedEvent(user.username, filename, r.int(8_000, 1_200_000)), (this.t += r.int(MINUTE, 30 * MINUTE)), user);
      }
      if ((this.status === 'failed' || this.status === 'needs_review') && r.chance(0.6)) {
        this.t += r.int(MINUTE, 20 * MINUTE);
        if (this.t <= this.settings.untilMs) this.setStatus('processed', `resolved manually by ${user.username}`, user);
      }
    }
  }

  private sender(classification: Classification): Sender {
    const r = this.random;
    const person = `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;
    const local = slug(person).replace(/-/g, '.');
    switch (classification) {
      case 'invoice': {
        const index = r.int(0, VENDORS.length - 1);
        const company = VENDORS[index]!;
        return { company, companyId: VENDOR_ID_BASE + index, name: company, email: `faktura@${slug(company)}.dk` };
      }
      case 'bankruptcy': {
        const company = r.pick(BANKRUPT_COMPANIES);
        return { company, companyId: 0, name: `${person} (kurator)`, email: `${local}@advokat-kurator.dk` };
      }
      case 'spam': {
        const email = r.pick(SPAM_SENDERS);
        return { company: '', companyId: 0, name: email.slice(0, email.indexOf('@')), email };
      }
      case 'newsletter': {
        const email = r.pick(NEWSLETTER_SENDERS);
        return { company: '', companyId: 0, name: email.slice(email.indexOf('@') + 1), email };
      }
      default: {
        const index = r.int(0, CUSTOMERS.length - 1);
        const company = CUSTOMERS[index]!;
        return { company, companyId: CUSTOMER_ID_BASE + index, name: person, email: `${local}@${slug(company)}.dk` };
      }
    }
  }

  private subject(classification: Classification, company: string, year: number): string {
    const r = this.random;
    switch (classification) {
      case 'invoice': {
        // Some vendors write no invoice number in the subject: extract_invoice then fails the workflow.
        if (r.chance(0.06)) return r.chance(0.5) ? `Faktura fra ${company}` : `Regning vedhæftet - ${company}`;
        const named = r.chance(0.6) ? `Faktura ${r.int(10000, 99999)} fra ${company}` : `Invoice INV-${year}-${String(r.int(1, 99999)).padStart(5, '0')} - ${company}`;
        return r.chance(0.65) ? `${named}, beløb ${danishAmount(round2(Math.exp(r.normal(8.2, 1.1))))} kr.` : named;
      }
      case 'time_confirmation':
        return `Tidsregistrering uge ${r.int(1, 52)} - ${company}`;
      case 'bankruptcy':
        return `Konkursbo ${company} - anmeldelse af krav`;
      case 'spam':
        return r.pick(SPAM_SUBJECTS);
      case 'newsletter':
        return r.pick(NEWSLETTER_SUBJECTS);
      default:
        return `${r.pick(GENERAL_SUBJECTS)} (${company})`;
    }
  }
}

interface Sender {
  company: string;
  companyId: number;
  name: string;
  email: string;
}
