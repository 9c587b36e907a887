import { describe, expect, it } from 'vitest';
import {
  byteRateText,
  countLines,
  elapsedText,
  fileNameFromDisposition,
  fileNameOf,
  rateOf,
  rateText,
  secondsLeftOf,
  shortDigest,
  sizeText,
  timeLeftText,
  totalsFromTail,
} from '../../src-renderer/reports/report-text';

describe('the figures an export shows while it runs and once it is saved', () => {
  it('sizes as a file manager shows them', () => {
    expect(sizeText(0)).toBe('0 B');
    expect(sizeText(812)).toBe('812 B');
    expect(sizeText(1024)).toBe('1.00 KB');
    expect(sizeText(14_540)).toBe('14.2 KB');
    expect(sizeText(3_565_158)).toBe('3.40 MB');
    expect(sizeText(250 * 1024 * 1024)).toBe('250 MB');
    expect(sizeText(1.5 * 1024 ** 3)).toBe('1.50 GB');
  });

  it('rates only once there is time to go by', () => {
    expect(rateOf(500, 100)).toBeNull();
    expect(rateOf(12_400, 1_000)).toBe(12_400);
    expect(rateText(12_400)).toBe('12,400 events/s');
    expect(rateText(310.4, 'rows')).toBe('310 rows/s');
    expect(rateText(null)).toBe('…');
    expect(byteRateText(2.4 * 1024 * 1024)).toBe('2.40 MB/s');
    expect(byteRateText(null)).toBe('…');
  });

  it('time left needs a total and a rate', () => {
    expect(secondsLeftOf(1_000, null, 500)).toBeNull();
    expect(secondsLeftOf(1_000, 5_000, null)).toBeNull();
    expect(secondsLeftOf(1_000, 5_000, 500)).toBe(8);
    expect(secondsLeftOf(6_000, 5_000, 500)).toBe(0);
    expect(timeLeftText(null)).toBeNull();
    expect(timeLeftText(0)).toBe('almost done');
    expect(timeLeftText(0.4)).toBe('about 1 s left');
    expect(timeLeftText(40)).toBe('about 40 s left');
    expect(timeLeftText(185)).toBe('about 3 min left');
    expect(timeLeftText(2 * 3600 + 15 * 60)).toBe('about 2 h left');
    expect(elapsedText(12_300)).toBe('12 s');
    expect(elapsedText(185_000)).toBe('3 min 5 s');
  });

  it('a digest shortened for a column keeps both ends', () => {
    const sha = '3f2a9c01'.padEnd(56, '0') + '77be0d4e';
    expect(shortDigest(sha)).toBe('3f2a9c01…77be0d4e');
    expect(shortDigest('abc')).toBe('abc');
  });

  it('file names without their folders, from either system', () => {
    expect(fileNameOf('C:\\Users\\anna\\Documents\\errors.csv')).toBe('errors.csv');
    expect(fileNameOf('/home/anna/errors.jsonl')).toBe('errors.jsonl');
  });

  it('the download’s file name from Content-Disposition, never with folders', () => {
    expect(fileNameFromDisposition('attachment; filename="mailtrail-email-42-2026-05-31.csv"')).toBe('mailtrail-email-42-2026-05-31.csv');
    expect(fileNameFromDisposition("attachment; filename=\"fejl.csv\"; filename*=UTF-8''fejl-%C3%A6%C3%B8%C3%A5.csv")).toBe('fejl-æøå.csv');
    expect(fileNameFromDisposition('attachment; filename=plain.jsonl')).toBe('plain.jsonl');
    expect(fileNameFromDisposition('attachment; filename="../../etc/passwd"')).toBe('passwd');
    expect(fileNameFromDisposition('attachment; filename=".."')).toBeNull();
    expect(fileNameFromDisposition('attachment')).toBeNull();
    expect(fileNameFromDisposition(null)).toBeNull();
  });

  it('rows received are the line ends in each chunk', () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    expect(countLines(encode(''))).toBe(0);
    expect(countLines(encode('{"report":1}\n{"id":1}\n{"id":2'))).toBe(2);
    expect(countLines(encode('æøå\r\n\n'))).toBe(2);
  });
});

describe('the totals a downloaded report ends with', () => {
  const sha = 'ab'.repeat(32);
  it('from a JSONL report’s last line', () => {
    expect(totalsFromTail(`{"id":1}\n{"end":{"events":12,"matched":12,"sha256":"${sha}"}}\n`, 'jsonl')).toEqual({ events: 12, sha256: sha });
    expect(totalsFromTail('{"id":1}\n{"id":2}\n', 'jsonl')).toBeNull();
  });
  it('from a CSV report’s last rows', () => {
    expect(totalsFromTail(`1,42,2026-05-01T10:00:00,read\r\n\r\nevents,12\r\nmatched,12\r\nsha256,${sha}\r\n`, 'csv')).toEqual({ events: 12, sha256: sha });
    expect(totalsFromTail('1,42,2026-05-01T10:00:00,read\r\n', 'csv')).toBeNull();
  });
  it('none from a document', () => {
    expect(totalsFromTail('%%EOF', 'pdf')).toBeNull();
  });
});
