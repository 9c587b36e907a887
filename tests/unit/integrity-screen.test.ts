import { describe, expect, it } from 'vitest';
import { MailtrailError } from '../../src-main/contract/errors';
import type { EmailIntegrity, IntegrityFailure } from '../../src-main/contract/integrity';
import { badgeView, failureShort, phaseText, progressFigures, verificationPercent, verificationRate } from '../../src-renderer/integrity/integrity-text';

const failure = (fields: Partial<IntegrityFailure> & Pick<IntegrityFailure, 'kind' | 'message'>): IntegrityFailure => ({
  event_id: null,
  seq: null,
  seq_to: null,
  checkpoint: null,
  columns: [],
  ...fields,
});

const check = (fields: Partial<EmailIntegrity> = {}): EmailIntegrity => ({
  email_id: 7,
  latest: { checkpoint: 4, last_seq: 900, sealed_at: '2026-11-28T10:00:00.000Z', key_id: 'abcd' },
  sealed: 12,
  unsealed: 0,
  purged: 0,
  failures: [],
  key_source: 'database',
  notes: [],
  checked_at: '2026-11-28T17:20:01.000Z',
  ...fields,
});

const at = (iso: string) => iso.slice(11, 19);

describe("the timeline's integrity badge", () => {
  it('says sealed up to the checkpoint and when it was checked, and counts events not sealed yet', () => {
    expect(badgeView(check(), null, at)).toMatchObject({ tone: 'sealed', text: 'Sealed up to checkpoint 4 · checked 17:20:01' });
    expect(badgeView(check({ unsealed: 2 }), null, at)?.text).toBe('Sealed up to checkpoint 4 · checked 17:20:01 · 2 events not sealed yet');
    expect(badgeView(check({ sealed: 0, unsealed: 1 }), null, at)).toMatchObject({ tone: 'quiet', text: '1 event not sealed yet' });
  });

  it('names the first failure in red, as "event 5523 edited: description", and counts the rest', () => {
    const edited = failure({ kind: 'edited', message: 'edited event 5523 (seq 5523): description', event_id: 5523, seq: 5523, columns: ['description'] });
    const deleted = failure({ kind: 'deleted', message: 'deleted event 5524 (seq 5524)', event_id: 5524, seq: 5524 });
    const view = badgeView(check({ failures: [edited, deleted] }), null, at);
    expect(view).toMatchObject({ tone: 'failed', text: 'event 5523 edited: description (+1 more)' });
    expect(view?.detail).toContain('deleted event 5524 (seq 5524)');
  });

  it('stays grey and quiet where nothing is sealed or the source cannot answer', () => {
    expect(badgeView(check({ latest: null, sealed: 0, unsealed: 3, notes: ['nothing is sealed yet'] }), null, at)).toMatchObject({ tone: 'quiet', text: 'Not sealed' });
    const offline = new MailtrailError('unavailable', 'the offline cache does not carry the sealed chain yet');
    expect(badgeView(null, offline, at)).toMatchObject({ tone: 'quiet', text: 'Integrity not available', detail: expect.stringContaining('offline cache') });
    expect(badgeView(null, null, at)).toBeNull();
  });

  it('words each failure kind briefly', () => {
    expect(failureShort(failure({ kind: 'inserted', message: 'x', event_id: 9 }))).toBe('event 9 inserted into a sealed period');
    expect(failureShort(failure({ kind: 'bad_signature', message: 'x', checkpoint: 3 }))).toBe('checkpoint 3: bad signature');
    expect(failureShort(failure({ kind: 'deleted', message: 'deleted 50 events: seq 400–449 (ids 400–449)' }))).toBe('deleted 50 events: seq 400–449 (ids 400–449)');
  });
});

describe("a verification's progress", () => {
  const progress = { chain: { done: 300_000, total: 1_000_000 }, events: { done: 100_000, total: 1_000_000 }, elapsed_ms: 2_000, cancelling: false };

  it('is the share of both walks done, its rate in entries a second, and what it is doing', () => {
    expect(verificationPercent(progress)).toBe(20);
    expect(verificationRate(progress)).toBe(100_000);
    expect(progressFigures(progress)).toBe('chain 300,000 of 1,000,000 · events 100,000 of 1,000,000');
    expect(phaseText(progress)).toBe('Checking the chain and the events');
    expect(phaseText({ ...progress, chain: { done: 1_000_000, total: 1_000_000 } })).toBe('Checking the events against their entries');
    expect(phaseText({ ...progress, cancelling: true })).toBe('Stopping…');
  });

  it('has no rate in its first second, and an empty chain is 0 %', () => {
    expect(verificationRate({ ...progress, elapsed_ms: 500 })).toBeNull();
    expect(verificationPercent({ chain: { done: 0, total: 0 }, events: { done: 0, total: 0 } })).toBe(0);
  });
});
