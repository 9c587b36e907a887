import type { EmailIntegrity, IntegrityFailure, IntegrityFailureKind, KeySource, VerificationProgress } from '../../src-main/contract/integrity';
import type { MailtrailError } from '../../src-main/contract/errors';

// The Integrity screen's and the timeline badge's words, pure so the unit tests read them without a DOM.

export const KIND_LABELS: Record<IntegrityFailureKind, string> = {
  edited: 'Edited',
  swapped: 'Swapped',
  deleted: 'Deleted',
  inserted: 'Inserted',
  reordered: 'Reordered',
  chain_broken: 'Chain broken',
  merkle_mismatch: 'Merkle root',
  uncovered: 'Not covered',
  truncated: 'Truncated',
  diverged: 'Diverged',
  bad_signature: 'Bad signature',
  bad_purge_claim: 'Bad purge claim',
};

/** Where the keys that checked the signatures came from, in words, and how much that proves. */
export const KEY_SOURCE_TEXT: Record<KeySource, string> = {
  key_pub: 'the public key file given',
  head: "the trusted head's key",
  database: 'the public keys stored in the database, which whoever can write to it could replace (mailtrail verify --key-pub FILE or --head FILE checks against a key kept elsewhere)',
  none: 'no key, since the database holds none: signatures were not checked',
};

export const count = (value: number): string => value.toLocaleString('en');
export const plural = (value: number, one: string, many = `${one}s`): string => `${count(value)} ${value === 1 ? one : many}`;

/** 0-100 over both walks (the chain and the events run side by side, each over every entry). */
export function verificationPercent(progress: Pick<VerificationProgress, 'chain' | 'events'>): number {
  const total = progress.chain.total + progress.events.total;
  if (total <= 0) return 0;
  return Math.min(100, Math.round(((progress.chain.done + progress.events.done) / total) * 100));
}

/** Entries a second, over both walks averaged; null before a second has passed or anything was done. */
export function verificationRate(progress: Pick<VerificationProgress, 'chain' | 'events' | 'elapsed_ms'>): number | null {
  const done = (progress.chain.done + progress.events.done) / 2;
  if (progress.elapsed_ms < 1000 || done <= 0) return null;
  return done / (progress.elapsed_ms / 1000);
}

/** "chain 300,000 of 1,000,000 · events 250,000 of 1,000,000". */
export const progressFigures = (progress: Pick<VerificationProgress, 'chain' | 'events'>): string =>
  `chain ${count(progress.chain.done)} of ${count(progress.chain.total)} · events ${count(progress.events.done)} of ${count(progress.events.total)}`;

/** Which walk is behind, in words: what the verification is doing now. */
export function phaseText(progress: Pick<VerificationProgress, 'chain' | 'events' | 'cancelling'>): string {
  if (progress.cancelling) return 'Stopping…';
  const chainLeft = progress.chain.total - progress.chain.done;
  const eventsLeft = progress.events.total - progress.events.done;
  if (chainLeft <= 0 && eventsLeft <= 0) return 'Finishing…';
  if (chainLeft <= 0) return 'Checking the events against their entries';
  if (eventsLeft <= 0) return 'Checking the chain and the checkpoints';
  return 'Checking the chain and the events';
}

/** A failure in a few words for the badge: "event 5523 edited: description". */
export function failureShort(failure: IntegrityFailure): string {
  const event = failure.event_id === null ? null : `event ${failure.event_id}`;
  switch (failure.kind) {
    case 'edited':
      return `${event ?? 'an event'} edited${failure.columns.length > 0 ? `: ${failure.columns.join(', ')}` : ''}`;
    case 'swapped':
      return `${event ?? 'an event'} swapped with another`;
    case 'deleted':
      return event ? `${event} deleted` : failure.message;
    case 'inserted':
      return `${event ?? 'an event'} inserted into a sealed period`;
    case 'bad_signature':
      return failure.checkpoint === null ? 'a checkpoint has a bad signature' : `checkpoint ${failure.checkpoint}: bad signature`;
    default:
      return failure.message;
  }
}

export type BadgeTone = 'sealed' | 'failed' | 'quiet';

export interface BadgeView {
  tone: BadgeTone;
  /** What the badge says. */
  text: string;
  /** The longer account for its title and accessible name. */
  detail: string;
}

/**
 * The timeline's badge from one email's check: the failure in red, or sealed up to a checkpoint and
 * when it was checked, or (quiet, grey) what is not known: never sealed, not sealed yet, a source that
 * does not carry the chain.
 */
export function badgeView(check: EmailIntegrity | null, error: MailtrailError | null, checkedAt: (iso: string) => string): BadgeView | null {
  if (error) {
    return {
      tone: 'quiet',
      text: error.code === 'unavailable' ? 'Integrity not available' : 'Integrity not checked',
      detail: `Integrity not checked: ${error.message}`,
    };
  }
  if (!check) return null;
  const [first] = check.failures;
  if (first) {
    const more = check.failures.length - 1;
    const text = `${failureShort(first)}${more > 0 ? ` (+${count(more)} more)` : ''}`;
    return { tone: 'failed', text, detail: `Tampering found in this email's events: ${check.failures.map((failure) => failure.message).join('; ')}. Open the Integrity screen.` };
  }
  if (!check.latest) {
    const why = check.notes[0] ?? 'nothing is sealed yet';
    return { tone: 'quiet', text: 'Not sealed', detail: `This email's events are not sealed: ${why}` };
  }
  if (check.sealed === 0) {
    return {
      tone: 'quiet',
      text: `${plural(check.unsealed, 'event')} not sealed yet`,
      detail: `None of this email's events is sealed yet: the next \`mailtrail seal\` takes them. Newest checkpoint ${check.latest.checkpoint}.`,
    };
  }
  const unsealed = check.unsealed > 0 ? ` · ${plural(check.unsealed, 'event')} not sealed yet` : '';
  return {
    tone: 'sealed',
    text: `Sealed up to checkpoint ${check.latest.checkpoint} · checked ${checkedAt(check.checked_at)}${unsealed}`,
    detail: `${plural(check.sealed, 'sealed event')} of this email match the sealed log (checkpoint ${check.latest.checkpoint})${
      check.purged > 0 ? `, ${plural(check.purged, 'event')} purged by retention` : ''
    }${check.unsealed > 0 ? `; ${plural(check.unsealed, 'event')} not sealed yet` : ''}. Checked ${checkedAt(check.checked_at)}.`,
  };
}
