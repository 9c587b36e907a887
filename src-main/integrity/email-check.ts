import type { CheckpointBody, IntegrityFailure } from '../contract/integrity';
import { eventFromCopy, sealEvent } from './event-hash';
import { classifyUnsealed, Failures, reportEdits, type ChainSource, type Edited } from './verify';

/** What an entry recorded of its event: its place, its leaf hash and its column prints (hex). */
export interface SealedEntry {
  seq: number;
  leaf: string;
  prints: string;
}

/**
 * One email's events against their entries (the timeline's badge), judged as a full verification
 * judges each event (verify.ts): a sealed event's content against its leaf hash, with the columns
 * an edit changed and swapped pairs; an unsealed one against the newest checkpoint. Not the chain,
 * and not the email's events deleted with their rows (an entry does not say whose email it was):
 * those are a full verification's. `events` are the email's rows (log and archive) as COPY text fields.
 */
export function checkEmailEvents(
  events: readonly (string | null)[][],
  entryOf: (eventId: number) => SealedEntry | undefined,
  latest: CheckpointBody | null,
  xidOf: ChainSource['xidOf'],
): { sealed: number; unsealed: number; failures: IntegrityFailure[] } {
  const failures = new Failures();
  const counts = { sealed: 0, unsealed: 0 };
  const edited: Edited[] = [];
  for (const fields of events) {
    const eventId = Number(fields[0]);
    const entry = entryOf(eventId);
    if (!entry) {
      classifyUnsealed(fields, latest, xidOf, failures, counts);
      continue;
    }
    counts.sealed += 1;
    const { leaf, prints } = sealEvent(eventFromCopy(fields));
    if (leaf.toString('hex') !== entry.leaf) edited.push({ eventId, seq: entry.seq, recorded: entry.prints, now: prints });
  }
  reportEdits(edited, failures);
  return { ...counts, failures: failures.list };
}
