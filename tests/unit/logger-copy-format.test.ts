import { describe, expect, it } from 'vitest';
import { copyLine, copyTimestamp, copyValue, escapeCopyText } from '../../src-main/logger/batch-writer';

describe('COPY text format', () => {
  it('escapes backslash, tab, newline and carriage return, and nothing else', () => {
    expect(escapeCopyText('plain "quoted" æøå')).toBe('plain "quoted" æøå');
    expect(escapeCopyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(escapeCopyText('\\N')).toBe('\\\\N');
  });

  it('writes NULL as \\N, booleans as t/f, objects as escaped JSON, dates as zone-less timestamps', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue(undefined)).toBe('\\N');
    expect(copyValue(true)).toBe('t');
    expect(copyValue(42)).toBe('42');
    expect(copyValue({ path: 'C:\\x', text: 'a\nb' })).toBe('{"path":"C:\\\\\\\\x","text":"a\\\\nb"}');
    expect(copyValue(new Date(Date.UTC(2025, 11, 15, 10, 30, 0, 5)))).toBe('2025-12-15 10:30:00.005');
    expect(copyTimestamp(new Date(Date.UTC(2025, 0, 2, 3, 4, 5)))).toBe('2025-01-02 03:04:05.000');
  });

  it('refuses numbers PostgreSQL cannot store', () => {
    expect(() => copyValue(Number.NaN)).toThrow(/expected a finite number/);
  });

  it('joins a row with tabs and ends it with a newline', () => {
    expect(copyLine([1, 'a\tb', null, { k: 'v' }])).toBe('1\ta\\tb\t\\N\t{"k":"v"}\n');
  });
});
