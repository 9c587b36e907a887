import { describe, expect, it } from 'vitest';
import { parseDays, policyProblem, daysText } from '../../src-renderer/retention/retention-days';
import { confirmationMatches, confirmationPhrase, phraseText } from '../../src-renderer/retention/run-confirmation';
import { percentOf, progressRate, RATE_WINDOW_MS, stalledMs, timeLeftMs, timeLeftText } from '../../src-renderer/retention/run-progress';

describe('the Retention screen (issue 13, item 6)', () => {
  it('reads a day field as whole days within the contract\'s bounds, or off', () => {
    expect(parseDays({ off: false, text: ' 30 ' })).toEqual({ ok: true, days: 30 });
    expect(parseDays({ off: true, text: 'garbage' })).toEqual({ ok: true, days: null });
    for (const text of ['', '0', '-3', '2.5', '1e3', '36501', 'thirty']) expect(parseDays({ off: false, text })).toMatchObject({ ok: false });
    expect(parseDays({ off: false, text: '36500' })).toEqual({ ok: true, days: 36_500 });
    expect(policyProblem(60, 20)).toMatch(/purge must be at least as many days as archive/);
    expect(policyProblem(30, 30)).toBeNull();
    expect(policyProblem(null, 20)).toBeNull();
    expect([daysText(1), daysText(1200), daysText(null)]).toEqual(['1 day', '1,200 days', 'off']);
  });

  it('asks to type the events to archive, else to purge, else "run", forgiving separators but not a digit', () => {
    expect(confirmationPhrase({ archive: { events: 12_345 }, purge: { events: 7 } })).toBe('12345');
    expect(confirmationPhrase({ archive: { events: 0 }, purge: { events: 7 } })).toBe('7');
    expect(confirmationPhrase({ archive: { events: 0 }, purge: { events: 0 } })).toBe('run');
    expect(phraseText('12345')).toBe('12,345');
    for (const typed of ['12345', '12,345', ' 12 345 ', '12.345', '12_345']) expect(confirmationMatches(typed, '12345')).toBe(true);
    for (const typed of ['1234', '123456', '12,34,5', '', 'run', '12345x']) expect(confirmationMatches(typed, '12345')).toBe(false);
    expect(confirmationMatches(' RUN ', 'run')).toBe(true);
    expect(confirmationMatches('ru', 'run')).toBe(false);
  });

  it('measures the rate over the recent samples and the time left at that rate', () => {
    expect(progressRate([])).toBeNull();
    expect(progressRate([{ at: 1000, done: 0 }])).toBeNull();
    expect(progressRate([{ at: 0, done: 0 }, { at: 2000, done: 50_000 }])).toBe(25_000);
    // Older samples fall out of the window: the rate follows a slowdown.
    const samples = [{ at: 0, done: 0 }, { at: 20_000, done: 1_000_000 }, { at: 20_000 + RATE_WINDOW_MS, done: 1_100_000 }];
    expect(progressRate(samples)).toBe(10_000);
    expect(timeLeftMs(100, 1100, 100)).toBe(10_000);
    expect(timeLeftMs(1100, 1100, null)).toBe(0);
    expect(timeLeftMs(100, 1100, 0)).toBeNull();
    expect([timeLeftText(null), timeLeftText(400), timeLeftText(42_000), timeLeftText(5 * 60_000), timeLeftText(150 * 60_000)]).toEqual([
      'unknown',
      'less than a second',
      'about 42 s',
      'about 5 min',
      'about 2 h 30 min',
    ]);
    expect([percentOf(50, 200), percentOf(0, 0), percentOf(300, 200)]).toEqual([25, 100, 100]);
    // A run whose row says running but whose count stands still (its process killed) is noticed.
    expect(stalledMs([])).toBe(0);
    expect(stalledMs([{ at: 0, done: 5 }, { at: 1000, done: 9 }])).toBe(0);
    expect(stalledMs([{ at: 0, done: 5 }, { at: 1000, done: 9 }, { at: 31_000, done: 9 }, { at: 40_000, done: 9 }])).toBe(39_000);
  });
});

describe('retention times and words (issue 13, item 6)', () => {
  it('shows instants in the zone the log is shown in, named, and months in words', async () => {
    const { formatInstant, monthText, policyShortText, policyText } = await import('../../src-renderer/retention/retention-text');
    expect(formatInstant('2026-11-28T11:37:05.120Z', 'Europe/Copenhagen')).toBe('2026-11-28 12:37:05 Europe/Copenhagen');
    expect(formatInstant('2026-07-01T00:00:00Z', 'UTC')).toBe('2026-07-01 00:00:00 UTC');
    expect(formatInstant(null, 'UTC')).toBe('');
    expect(monthText('2025-11')).toBe('Nov 2025');
    expect(policyText({ archive_after_days: 30, purge_after_days: null })).toBe('archive 30 days · purge off');
    expect(policyShortText({ archive_after_days: null, purge_after_days: 90 })).toBe('off / 90 d');
  });
});
