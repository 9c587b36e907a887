import { describe, expect, it } from 'vitest';
import { fillingScan, MAX_FILLING_SCAN, MAX_SCAN_BUDGET, textIndexable } from '../../src-main/store/activity-scan';
import { metadataContainment, nestedPath } from '../../src-main/store/postgres/filters';
import { trigramQuery } from '../../src-main/store/sqlite/activity.query';

describe('search by index (issue 12, item 1)', () => {
  it('serves a text through trigrams only with three letters or digits in a row', () => {
    expect(['pdf', ' T-2025-000001 ', '100%', 'færdig_nu'].map(textIndexable)).toEqual([true, true, true, true]);
    expect(['', 'ab', '%', '_', 'a b c', 'æøå', 'ø1'].map(textIndexable)).toEqual([false, false, false, false, false, false, false]);
  });

  it('compares metadata as text: containment of the string and of the JSON it spells, at the key and the nested path', () => {
    expect(metadataContainment('execution_time_ms', '1250')).toEqual(['{"execution_time_ms":"1250"}', '{"execution_time_ms":1250}']);
    expect(metadataContainment('flag', 'true')).toEqual(['{"flag":"true"}', '{"flag":true}']);
    expect(metadataContainment('n', '1.50')).toEqual(['{"n":"1.50"}', '{"n":1.50}']);
    expect(metadataContainment('status', 'failed')).toEqual(['{"status":"failed"}']);
    expect(metadataContainment('note', 'null')).toEqual(['{"note":"null"}']);
    expect(metadataContainment('context.endpoint', '/pdf')).toEqual(['{"context.endpoint":"/pdf"}', '{"context":{"endpoint":"/pdf"}}']);
    expect(nestedPath('a..b')).toBeNull();
    expect(nestedPath('plain')).toBeNull();
  });

  it('widens a stretch only when the density found says it will fill the page', () => {
    expect(fillingScan(0, 51, 1000)).toBeNull();
    expect(fillingScan(20, 51, 1000)).toBe(5_100);
    expect(fillingScan(10, 51, 1000)).toBeNull();
    expect(fillingScan(1, 51, 1000)).toBeNull();
    expect(MAX_FILLING_SCAN).toBeLessThan(MAX_SCAN_BUDGET);
    // Over a million events, 3 in 1,000 means some 3,000 matches to gather: a stretch of 34,000 rows costs less.
    expect(fillingScan(3, 51, 1000, 1_000_000)).toBe(34_000);
    expect(fillingScan(3, 51, 1000, 300_000)).toBeNull();
    // Found once in 1,000 of 10 million: the widest stretch (24 ms at 10 million) beats the index (155 ms).
    expect(fillingScan(1, 51, 1000, 10_000_000)).toBe(MAX_SCAN_BUDGET);
    expect(fillingScan(1, 51, 1000, 100_000_000)).toBe(MAX_SCAN_BUDGET);
  });

  it("asks the cache's trigram index for every trigram of the lowered text, quotes doubled", () => {
    expect(trigramQuery('PDF')).toBe('"pdf"');
    expect(trigramQuery('Ab"cd')).toBe('"ab""" AND "b""c" AND """cd"');
    expect(trigramQuery('aaaaa')).toBe('"aaa"');
    // A character beyond the BMP is one character, as FTS5's trigram tokenizer counts them.
    expect(trigramQuery('x😀yz')).toBe('"x😀y" AND "😀yz"');
  });
});
