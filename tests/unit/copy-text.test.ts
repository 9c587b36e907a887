import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { CopyLines, CopyStatement, copyTextExtensionPath, loadCopyText, parseCopyLines } from '../../src-main/sync/copy-text';

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

// native/copy-text.c is an optional accelerator: built by npm install where a C compiler exists, never
// required. Where it is built, C and JavaScript must give the same rows; where it is not, sync must
// take the JavaScript path (issue 12, item 4).
const built = existsSync(copyTextExtensionPath());

describe(`reading COPY text in SQLite (native/copy-text.c ${built ? 'built' : 'not built: JavaScript only'})`, () => {
  const db = new Database(':memory:');
  afterAll(() => db.close());
  const loaded = loadCopyText(db);
  const parsers = built ? [true, false] : [false];

  it('loads the extension where it is built, and falls back to JavaScript where it is not (issue 12, item 4)', () => {
    expect(loaded).toBe(built);
    if (!built) expect(() => db.prepare('SELECT c0 FROM copy_text(?)').all('x')).toThrow(/no such table: copy_text/);
  });

  const select = (columns: number, native: boolean) =>
    new CopyStatement(db, native, columns, (source) => `SELECT ${Array.from({ length: columns }, (_, c) => `c${c}`).join(', ')} FROM ${source}`);
  const values = (result: Record<string, unknown>[]) => result.map((row) => Object.values(row));

  it('gives the same rows in C (where built) as in JavaScript, through the same statement', () => {
    for (const native of parsers) expect(values(select(4, native).all(copyText))).toEqual(rows);
  });

  it('gives NULL past a line\'s last field and drops fields past the sixteenth', () => {
    const ragged = Buffer.from(`a\n${Array.from({ length: 18 }, (_, i) => `f${i}`).join('\t')}\n\n`);
    const expected = [
      ['a', ...Array(15).fill(null)],
      Array.from({ length: 16 }, (_, i) => `f${i}`),
      ['', ...Array(15).fill(null)],
    ];
    for (const native of parsers) expect(values(select(16, native).all(ragged))).toEqual(expected);
  });

  it('gives no rows for no lines; copy_text (where built) says what it needs without its argument', () => {
    for (const native of parsers) expect(select(1, native).all(Buffer.alloc(0))).toEqual([]);
    if (built) expect(() => db.prepare('SELECT c0 FROM copy_text').all()).toThrow(/copy_text needs its data argument/);
  });
});
