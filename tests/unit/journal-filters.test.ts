import { describe, expect, it } from 'vitest';
import {
  durationText,
  journalFiltersFromParams,
  journalHref,
  journalRequestOf,
  NO_JOURNAL_FILTERS,
  parametersText,
} from '../../src-renderer/journal/journal-filters';

describe('the Journal view’s filters and cells (issue 13, item 1)', () => {
  it('reads the filters from the address, dropping what the API would refuse, and writes them back', () => {
    const filters = journalFiltersFromParams(new URLSearchParams('action=Retention.Run&actor=%20anna%20&from=2026-11-01&to=2026-13-01'));
    expect(filters).toEqual({ action: 'retention.run', actor: 'anna', from: '2026-11-01', to: '' });
    expect(journalFiltersFromParams(new URLSearchParams('action=drop%20table'))).toEqual(NO_JOURNAL_FILTERS);
    expect(journalHref(filters)).toBe('#/journal?action=retention.run&actor=anna&from=2026-11-01');
    expect(journalHref(NO_JOURNAL_FILTERS)).toBe('#/journal');
    expect(journalRequestOf(filters)).toEqual({ actions: ['retention.run'], actors: ['anna'], from: '2026-11-01', to: undefined });
  });

  it('shows parameters on one line, quoting only what needs it', () => {
    expect(parametersText({ email_id: 42, reason: 'Litigation hold', dry_run: false, policy: 'default' })).toBe(
      'email_id=42 · reason="Litigation hold" · dry_run=false · policy=default',
    );
    expect(parametersText({ cutoffs: { archive: '2026-10-29' } })).toBe('cutoffs={"archive":"2026-10-29"}');
    expect(parametersText({})).toBe('—');
  });

  it('says how long a finished write took, and nothing for one still started', () => {
    expect(durationText({ at: '2026-11-28T10:00:00.123456', finished_at: '2026-11-28T10:00:00.523456' })).toBe('0.4 s');
    expect(durationText({ at: '2026-11-28T10:00:00.1', finished_at: '2026-11-28T10:00:00.102' })).toBe('< 0.1 s');
    expect(durationText({ at: '2026-11-28T10:00:00', finished_at: '2026-11-28T10:00:42' })).toBe('42 s');
    expect(durationText({ at: '2026-11-28T10:00:00', finished_at: '2026-11-28T10:03:05' })).toBe('3 min 5 s');
    expect(durationText({ at: '2026-11-28T10:00:00', finished_at: '2026-11-28T12:30:00' })).toBe('2 h 30 min');
    expect(durationText({ at: '2026-11-28T10:00:00', finished_at: null })).toBeNull();
  });
});
