import { describe, expect, it } from 'vitest';
import { byteable, CopyEventSealer, fnv1aUtf16 } from '../../src-main/integrity/event-bytes';
import { columnPrint, eventFromCopy, sealEvent } from '../../src-main/integrity/event-hash';
import { parseCopyLines } from '../../src-main/sync/copy-text';
import { CHARACTERS, copyField, digits, jsonbText, jsonbValue, numericText, random, text, type JsonbValue } from '../support/copy-text-events';

/**
 * The seal's byte path (event-bytes.ts) must give every event the leaf hash and column prints the
 * strings' way gives it (sealEvent(eventFromCopy(fields)), what seals before it wrote): databases
 * sealed by either must verify with the other. Here on COPY text as PostgreSQL writes it, for events
 * drawn at random around every edge; the integration tests seal and verify a real PostgreSQL's.
 */

type Fields = (string | null)[];

const line = (fields: Fields) => `${fields.map(copyField).join('\t')}\n`;

/** Each row's seal both ways, on the COPY text of all of them at once. */
function expectSameSeals(rows: Fields[], source = Buffer.from(rows.map(line).join(''))): void {
  const sealer = new CopyEventSealer();
  const utf8 = byteable(source);
  const expected = parseCopyLines(source);
  let at = 0;
  for (let index = 0; index < expected.length; index += 1) {
    at = sealer.split(source, at);
    sealer.seal(source, utf8);
    const { leaf, prints } = sealEvent(eventFromCopy(expected[index]!));
    const label = `row ${index + 1}: ${JSON.stringify(expected[index])}`;
    expect(Buffer.from(sealer.leaf, 'latin1').toString('hex'), label).toBe(leaf.toString('hex'));
    expect(sealer.printsHex(), label).toBe(prints);
    expect(sealer.fieldsOf(source), label).toEqual(expected[index]);
  }
  expect(at).toBe(source.length);
}

function randomTimestamp(next: () => number): string | null {
  const pick = next();
  if (pick < 0.08) return null;
  if (pick < 0.1) return ['infinity', '-infinity'][Math.floor(next() * 2)]!;
  const year = pick < 0.2 ? `0${digits(next, 3)}` : `20${digits(next, 2)}`;
  const fraction = next() < 0.5 ? `.${digits(next, 1 + Math.floor(next() * 6))}` : '';
  return `${year}-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 10)} 1${Math.floor(next() * 10)}:0${Math.floor(next() * 10)}:0${Math.floor(next() * 10)}${fraction}${pick < 0.15 ? ' BC' : ''}`;
}

function randomId(next: () => number, index: number): string {
  const pick = next();
  if (pick < 0.05) return `-${index}`;
  // Past 15 digits a double may round: the strings' way writes String(Number(text)).
  if (pick < 0.1) return `${1 + Math.floor(next() * 9)}${digits(next, 14 + Math.floor(next() * 6))}`;
  return String(index);
}

function randomRow(next: () => number, index: number): Fields {
  const metadata = next() < 0.1 ? null : next() < 0.8 ? { members: Array.from({ length: Math.floor(next() * 7) }, () => [text(next, 8), jsonbValue(next, 1)] as [string, JsonbValue]) } : jsonbValue(next);
  return [
    randomId(next, index),
    randomId(next, Math.floor(next() * 1000)),
    next() < 0.03 ? null : text(next, 8),
    next() < 0.03 ? null : text(next, 6),
    next() < 0.03 ? null : text(next, 40),
    metadata === null ? null : jsonbText(metadata),
    next() < 0.4 ? null : randomId(next, Math.floor(next() * 50)),
    randomTimestamp(next),
    next() < 0.2 ? null : text(next, 8),
    // The seal's and verify's xmin, which the seal does not hash.
    String(Math.floor(next() * 2 ** 32)),
  ];
}

const row = (metadata: string | null, changes: Partial<Record<number, string | null>> = {}): Fields => {
  const fields: Fields = ['7', '42', 'fetched', 'system', 'Email fetched', metadata, null, '2025-05-01 10:00:00.123', 'system', '1234'];
  for (const [index, value] of Object.entries(changes)) fields[Number(index)] = value ?? null;
  return fields;
};

describe('an event sealed straight from COPY text', () => {
  it('hashes and prints as the strings\' way for 5,000 random events', () => {
    const next = random(15);
    expectSameSeals(Array.from({ length: 5000 }, (_, index) => randomRow(next, index + 1)));
  });

  it('hashes and prints as the strings\' way at every edge', () => {
    const metadata = [
      '{"a": 1.50, "b": 1000, "c": 0, "d": 12345678901234567890, "e": 0.1, "f": 0.0000001, "g": -0, "h": 1000000000000000000000, "m": -0.5}',
      '{"size": 1e400}',
      `{"size": 1${'0'.repeat(400)}}`,
      '{"z": 2, "é": 1, "aa": 3, "Z": 4, "ø": 5, "😀": 6, "\ue000": 7, "\ufb00": 8, "𝄞": {"😀": [1, "𝄞"]}}',
      '{"s": "line\\nbreak\\ttab\\\\back \\"quote\\" \\u0001\\u001f /slash \u007f æøå \\u0000"}',
      '{"we\\"ird": 1, "new\\nline": 2, "back\\\\slash": 3, "\\u0000": 4}',
      '[3, "=cmd", {"b": 2, "a": 1}, [], {}]',
      '5', '-3', '-0', '1.50', '"x"', 'null', 'true', '{}', '[]', '0.5', '9007199254740993',
      null,
    ];
    const rows = metadata.map((text, index) => row(text, { 0: String(index + 1) }));
    const descriptions = ['', 'tab\there', 'line1\r\nline2', 'C:\\new\\table', 'quote "x"', '\u0001ctrl\u001f\u007f', 'æøå ÆØÅ 😀 𝄞', '\v\b\f', '\\N', '\u2028\u2029', ...CHARACTERS];
    descriptions.forEach((description, index) => rows.push(row(null, { 0: String(100 + index), 4: description, 8: index % 2 ? description : null, 2: index % 3 ? description : 'x' })));
    rows.push(
      row('{"a": 1}', { 0: '-9', 1: '-4', 6: '-12', 7: null, 8: null }),
      row(null, { 2: null, 3: null, 4: null, 6: '0' }),
      row(null, { 7: '0044-03-15 12:00:00 BC' }),
      row(null, { 7: '-infinity' }),
      row(null, { 7: '2025-05-01 10:00:00.5' }),
      row(null, { 0: '9007199254740993', 1: '12345678901234567890', 6: '123456789012345' }),
    );
    expectSameSeals(rows);
  });

  it('takes the strings\' way for a run that is not valid UTF-8, as their decoding replaces it', () => {
    const valid = Buffer.from(line(row('{"a": "x"}', { 4: 'before' })));
    const invalid = Buffer.concat([Buffer.from('8\t42\tfetched\tsystem\tbad \xff\xfe byte', 'latin1'), Buffer.from('\t{"b": 2}\t\\N\t2025-05-01 10:00:00\tsystem\t1\n')]);
    const source = Buffer.concat([valid, invalid]);
    expect(byteable(source)).toBe(false);
    expectSameSeals([], source);
  });

  it('prints over UTF-16 code units, as columnPrint does over strings', () => {
    for (const sample of ['', 'a', '"æøå"', '"😀𝄞"', '{"\ue000":"\uffee"}', '"\u2028 \u07ff \u0800 \uffff"']) {
      const bytes = Buffer.from(sample);
      expect(fnv1aUtf16(bytes, 0, bytes.length).toString(16).padStart(8, '0'), sample).toBe(columnPrint(sample));
    }
  });

  it('splits rows with more fields than the columns, and refuses rows with fewer', () => {
    const sealer = new CopyEventSealer();
    const source = Buffer.from('1\t2\tthree\n');
    expect(() => sealer.split(source, 0)).toThrow(/3 fields/);
    expect(() => sealer.split(Buffer.from(line(row(null)).slice(0, -1)), 0)).toThrow(/newline/);
    const numbers = Buffer.from(line(row(null, { 0: '123', 9: '4294967295' })));
    sealer.split(numbers, 0);
    expect(sealer.fields).toBe(10);
    expect(sealer.integer(numbers, 0)).toBe(123);
    expect(sealer.integer(numbers, 9)).toBe(4294967295);
  });
});
