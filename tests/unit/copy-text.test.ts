import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { CopyLines, CopyStatement, parseCopyLines, zoneless } from '../../src-main/sync/copy-text';

// Rows as PostgreSQL's COPY text format writes them: tabs between fields, \N for NULL, backslash
// escapes for tab, newline, carriage return, backslash and the rest, and UTF-8 of one to four bytes.
const rows = [
  ['1', 'Rechnung für Müller', '{"note": "tab\there"}', null],
  ['2', 'İstanbul 東京 📎 a\\b', 'line\nbreak\r\f\b\v', 'ok'],
  ['3', '', '\\N as text', 'trailing \\'],
  ['\\', '\\N', '\t', null],
];
const escape = (value: string | null) =>
  value === null
    ? '\\N'
    : value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\f/g, '\\f').replace(/\x08/g, '\\b').replace(/\v/g, '\\v');
const copyText = Buffer.from(rows.map((row) => `${row.map(escape).join('\t')}\n`).join(''), 'utf8');

/** The runs of lines a stream cut into `chunks` gives, parsed in JavaScript. */
function readAll(chunks: Buffer[]): (string | null)[][] {
  const gathered = new CopyLines();
  const runs = chunks.map((chunk) => gathered.push(chunk));
  runs.push(gathered.end());
  return runs.flatMap((lines) => (lines ? parseCopyLines(lines) : []));
}

describe('reading COPY text in JavaScript', () => {
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

  it('decodes an all-ASCII run after one that held a multi-byte character', () => {
    const ascii = Buffer.from('3\tplain\t\\N\tx\n');
    const euro = Buffer.from('4\t€\t\\N\ty\n');
    expect(readAll([euro.subarray(0, 3), euro.subarray(3), ascii])).toEqual([
      ['4', '€', null, 'y'],
      ['3', 'plain', null, 'x'],
    ]);
  });

  it('keeps a last line that has no newline', () => {
    expect(readAll([Buffer.from('5\tlast')])).toEqual([['5', 'last']]);
  });
});

describe('a statement over COPY lines', () => {
  const db = new Database(':memory:');
  afterAll(() => db.close());
  const select = (columns: number) =>
    new CopyStatement(db, columns, (source) => `SELECT ${Array.from({ length: columns }, (_, c) => `c${c}`).join(', ')} FROM ${source}`);
  const values = (result: Record<string, unknown>[]) => result.map((row) => Object.values(row));

  it('gives the rows through SQLite, bound in groups and one by one', () => {
    const many = Buffer.concat(Array.from({ length: 50 }, () => copyText));
    expect(values(select(4).all(many))).toEqual(Array.from({ length: 50 }, () => rows).flat());
  });

  it("gives NULL past a line's last field and drops fields past the last column", () => {
    const ragged = Buffer.from(`a\n${Array.from({ length: 18 }, (_, i) => `f${i}`).join('\t')}\n\n`);
    const expected = [
      ['a', ...Array(15).fill(null)],
      Array.from({ length: 16 }, (_, i) => `f${i}`),
      ['', ...Array(15).fill(null)],
    ];
    expect(values(select(16).all(ragged))).toEqual(expected);
  });

  it('gives no rows for no lines', () => {
    expect(select(1).all(Buffer.alloc(0))).toEqual([]);
  });
});

describe('the cache\'s created_at form', () => {
  it('puts a T for the first space only, as node-pg and eventFromCopy read PostgreSQL\'s text', () => {
    const db = new Database(':memory:');
    const form = db.prepare(`SELECT ${zoneless('t')} FROM (SELECT ? AS t)`).pluck();
    const texts = ['2025-12-15 10:30:00.123456', '2025-12-15 10:30:00', '0044-03-15 12:00:00.5 BC', '12025-01-01 00:00:00', 'infinity', null];
    expect(texts.map((text) => form.get(text))).toEqual(texts.map((text) => (text === null ? null : text.replace(' ', 'T'))));
    db.close();
  });
});
