import { describe, expect, it } from 'vitest';
import { CopyTextReader } from '../../src-main/sync/copy-text';

// Two rows as PostgreSQL's COPY text format writes them: tabs between fields, \N for NULL,
// backslash escapes for tab, newline and backslash, and UTF-8 of one to four bytes.
const rows = [
  ['1', 'Rechnung für Müller', '{"note": "tab\there"}', null],
  ['2', 'İstanbul 東京 📎 a\\b', 'line\nbreak', 'ok'],
];
const escape = (value: string | null) =>
  value === null ? '\\N' : value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n');
const copyText = Buffer.from(rows.map((row) => `${row.map(escape).join('\t')}\n`).join(''), 'utf8');

function readAll(chunks: Buffer[]): (string | null)[][] {
  const reader = new CopyTextReader();
  return chunks.flatMap((chunk) => reader.push(chunk));
}

describe('reading COPY text', () => {
  it('gives each row its fields, NULLs and escapes decoded', () => {
    expect(readAll([copyText])).toEqual(rows);
  });

  it('gives the same rows however the stream is cut, even inside a multi-byte character', () => {
    for (let cut = 1; cut < copyText.length; cut++) {
      expect(readAll([copyText.subarray(0, cut), copyText.subarray(cut)])).toEqual(rows);
    }
    const byteByByte = [...copyText].map((byte) => Buffer.from([byte]));
    expect(readAll(byteByByte)).toEqual(rows);
  });

  it('decodes an all-ASCII chunk after one that ended inside a character', () => {
    const ascii = Buffer.from('3\tplain\t\\N\tx\n');
    const euro = Buffer.from('4\t€\t\\N\ty\n');
    expect(readAll([euro.subarray(0, 3), euro.subarray(3), ascii])).toEqual([
      ['4', '€', null, 'y'],
      ['3', 'plain', null, 'x'],
    ]);
  });
});
