import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import { ascii, isNull, Output, putBytes, putCertainMetadata, putJsonString, putJsonText, putJsonTimestamp } from '../reports/copy-event-lines';
import { copyField, parseCopyLines } from '../sync/copy-text';
import { canonicalMetadata, eventFromCopy, SEALED_COLUMNS, sealEvent } from './event-hash';

/**
 * An event's seal (event-hash.ts's sealEvent: the leaf hash and the column prints) straight from
 * COPY's text, byte for byte, with no string or object per event: what a seal and a verification
 * do a million times. The canonical event is written with the reports' byte path
 * (src-main/reports/copy-event-lines.ts: the same canonical JSON a report carries), its metadata
 * parsed only where that path is not certain of it; the prints are FNV-1a over the UTF-16 code
 * units of each column's canonical JSON, as columnPrint computes them from strings.
 * tests/unit/event-bytes.test.ts holds the two ways to each other.
 *
 * The rows' fields are SEALED_COLUMNS' (id, email_id, event_type, event_category, description,
 * metadata, user_id, created_at, created_by), then any others (the seal's and verify's xmin).
 */

const TAB = 0x09;
const LF = 0x0a;
const MINUS = 0x2d;
const COLUMNS = SEALED_COLUMNS.length;
// SEALED_COLUMNS' places.
const ID = 0;
const EMAIL_ID = 1;
const EVENT_TYPE = 2;
const EVENT_CATEGORY = 3;
const DESCRIPTION = 4;
const METADATA = 5;
const USER_ID = 6;
const CREATED_AT = 7;
const CREATED_BY = 8;
/** The most fields a row may have: the columns and a few more. */
const MAX_FIELDS = 16;

// The canonical event's keys in their sorted order, the leaf's 0x00 before the first (RFC 6962's leaf prefix).
const KEY_CREATED_AT = ascii('\u0000{"created_at":');
const KEY_CREATED_BY = ascii(',"created_by":');
const KEY_DESCRIPTION = ascii(',"description":');
const KEY_EMAIL_ID = ascii(',"email_id":');
const KEY_EVENT_CATEGORY = ascii(',"event_category":');
const KEY_EVENT_TYPE = ascii(',"event_type":');
const KEY_ID = ascii(',"id":');
const KEY_METADATA = ascii(',"metadata":');
const KEY_USER_ID = ascii(',"user_id":');
const NULL = ascii('null');
const EMPTY = ascii('""');
const HEX = ascii('0123456789abcdef');

/** Canonical bytes a row may take: several times its COPY bytes (escapes) plus the keys. */
const ROW_ROOM_FACTOR = 6;
const ROW_ROOM_FIXED = 512;

/** Splits and seals COPY rows one at a time; its fields, leaf and prints are the current row's. */
export class CopyEventSealer {
  /** The current row's fields, as byte ranges of the source. */
  readonly starts = new Int32Array(MAX_FIELDS);
  readonly ends = new Int32Array(MAX_FIELDS);
  fields = 0;
  /** The current row's leaf hash, SHA-256(0x00 ‖ canonical event), as a latin1 string of 32 characters (cheaper than a Buffer each). */
  leaf = '';
  /** The current row's column prints, in SEALED_COLUMNS' order. */
  readonly prints = new Uint32Array(COLUMNS);
  /** How many rows' metadata took the parsed way (JSON.parse and canonicalJson) rather than the byte path. */
  parsedMetadata = 0;
  private readonly out = new Output(64 * 1024);
  private readonly columnStarts = new Int32Array(COLUMNS);
  private readonly columnEnds = new Int32Array(COLUMNS);

  /** Splits the row that starts at `at` into its fields; returns where the next row starts. */
  split(source: Uint8Array, at: number): number {
    const { starts, ends } = this;
    let field = 0;
    starts[0] = at;
    let index = at;
    for (;;) {
      const c = source[index];
      if (c === undefined) throw new Error('a COPY row without its newline');
      if (c <= LF && (c === TAB || c === LF)) {
        if (field >= MAX_FIELDS) throw new Error(`a COPY row of more than ${MAX_FIELDS} fields`);
        ends[field] = index;
        field += 1;
        if (c === LF) break;
        starts[field] = index + 1;
      }
      index += 1;
    }
    if (field < COLUMNS) throw new Error(`a COPY row of ${field} fields, fewer than the ${COLUMNS} columns sealed`);
    this.fields = field;
    return index + 1;
  }

  /** A field of the current row that holds a whole number (an id, xmin), as a number. */
  integer(source: Uint8Array, field: number): number {
    return integerAt(source, this.starts[field]!, this.ends[field]!);
  }

  /**
   * Seals the current row: `leaf` and `prints` as sealEvent(eventFromCopy(fields)) gives them.
   * `utf8` says the source is valid UTF-8 (isUtf8): where it is not, the row goes the strings' way,
   * whose decoding replaces what is not.
   */
  seal(source: Buffer, utf8: boolean): void {
    if (!utf8) {
      this.sealFields(this.fieldsOf(source));
      return;
    }
    const { starts, ends, columnStarts, columnEnds } = this;
    const out = this.out;
    out.length = 0;
    out.room(ROW_ROOM_FACTOR * (ends[this.fields - 1]! - starts[0]!) + ROW_ROOM_FIXED);
    out.put(KEY_CREATED_AT);
    columnStarts[CREATED_AT] = out.length;
    putJsonTimestamp(source, starts[CREATED_AT]!, ends[CREATED_AT]!, out);
    columnEnds[CREATED_AT] = out.length;
    out.put(KEY_CREATED_BY);
    columnStarts[CREATED_BY] = out.length;
    putJsonText(source, starts[CREATED_BY]!, ends[CREATED_BY]!, out);
    columnEnds[CREATED_BY] = out.length;
    out.put(KEY_DESCRIPTION);
    columnStarts[DESCRIPTION] = out.length;
    putText(source, starts[DESCRIPTION]!, ends[DESCRIPTION]!, out);
    columnEnds[DESCRIPTION] = out.length;
    out.put(KEY_EMAIL_ID);
    columnStarts[EMAIL_ID] = out.length;
    putInteger(source, starts[EMAIL_ID]!, ends[EMAIL_ID]!, out);
    columnEnds[EMAIL_ID] = out.length;
    out.put(KEY_EVENT_CATEGORY);
    columnStarts[EVENT_CATEGORY] = out.length;
    putText(source, starts[EVENT_CATEGORY]!, ends[EVENT_CATEGORY]!, out);
    columnEnds[EVENT_CATEGORY] = out.length;
    out.put(KEY_EVENT_TYPE);
    columnStarts[EVENT_TYPE] = out.length;
    putText(source, starts[EVENT_TYPE]!, ends[EVENT_TYPE]!, out);
    columnEnds[EVENT_TYPE] = out.length;
    out.put(KEY_ID);
    columnStarts[ID] = out.length;
    putInteger(source, starts[ID]!, ends[ID]!, out);
    columnEnds[ID] = out.length;
    out.put(KEY_METADATA);
    columnStarts[METADATA] = out.length;
    if (!putCertainMetadata(source, starts[METADATA]!, ends[METADATA]!, out)) {
      // The seal's own way (event-hash.ts): parsed, a number past a double kept as jsonb's text.
      this.parsedMetadata += 1;
      const text = copyField(source.toString('utf8', starts[METADATA]!, ends[METADATA]!)) as string;
      const canonical = canonicalMetadata(text);
      out.room(Buffer.byteLength(canonical) + ROW_ROOM_FIXED);
      out.length += out.bytes.write(canonical, out.length, 'utf8');
    }
    columnEnds[METADATA] = out.length;
    out.put(KEY_USER_ID);
    columnStarts[USER_ID] = out.length;
    if (isNull(source, starts[USER_ID]!, ends[USER_ID]!)) out.put(NULL);
    else putInteger(source, starts[USER_ID]!, ends[USER_ID]!, out);
    columnEnds[USER_ID] = out.length;
    out.bytes[out.length++] = 0x7d;
    const bytes = out.take();
    // 'binary' is latin1: one character a byte.
    this.leaf = hash('sha256', bytes, 'binary');
    const prints = this.prints;
    for (let column = 0; column < COLUMNS; column += 1) prints[column] = fnv1aUtf16(bytes, columnStarts[column]!, columnEnds[column]!);
  }

  /** The current row's fields as strings (COPY's escapes undone), as CopyRows gives them. */
  fieldsOf(source: Buffer): (string | null)[] {
    const { starts, ends } = this;
    const row = parseCopyLines(source.subarray(starts[0]!, ends[this.fields - 1]! + 1))[0];
    if (!row) throw new Error('a COPY row that does not parse');
    return row;
  }

  /** Seals an event from its fields as strings (the rows' way, for what the byte path does not take). */
  sealFields(fields: readonly (string | null)[]): void {
    const { leaf, prints } = sealEvent(eventFromCopy(fields));
    this.leaf = leaf.toString('latin1');
    for (let column = 0; column < COLUMNS; column += 1) this.prints[column] = Number.parseInt(prints.slice(column * 8, column * 8 + 8), 16);
  }

  /** The prints as an entry keeps them: 8 hex digits a column. */
  printsHex(): string {
    let text = '';
    for (let column = 0; column < COLUMNS; column += 1) text += this.prints[column]!.toString(16).padStart(8, '0');
    return text;
  }
}

/** Whether a run of COPY lines may take the byte path (valid UTF-8, as PostgreSQL's UTF8 databases always give). */
export const byteable = (source: Buffer): boolean => isUtf8(source);

/** A COPY text field of a NOT NULL text column as the seal writes it: a NULL (which the seed's table refuses) as "". */
function putText(source: Uint8Array, start: number, end: number, out: Output): void {
  if (isNull(source, start, end)) out.put(EMPTY);
  else putJsonString(source, start, end, out);
}

/**
 * A whole number as String(Number(text)) writes it: COPY's text itself up to 15 digits (exact in a
 * double); a longer one, which a double may round, or one Number would rewrite, through Number as
 * eventFromCopy does.
 */
function putInteger(source: Uint8Array, start: number, end: number, out: Output): void {
  const first = source[start] === MINUS ? start + 1 : start;
  const digits = end - first;
  // A leading zero Number would drop, and -0 it writes as 0: PostgreSQL writes neither, but the check costs one comparison.
  if (digits >= 1 && digits <= 15 && (source[first] !== 0x30 || (digits === 1 && first === start))) {
    putBytes(source, start, end, out);
    return;
  }
  const text = String(Number(Buffer.prototype.toString.call(source, 'latin1', start, end)));
  out.room(text.length + ROW_ROOM_FIXED);
  out.length += out.bytes.write(text, out.length, 'latin1');
}

/** A whole number's COPY text as a number (ids, transaction ids: never past 2^53). */
export function integerAt(source: Uint8Array, start: number, end: number): number {
  let i = start;
  const negative = source[i] === MINUS;
  if (negative) i += 1;
  let value = 0;
  for (; i < end; i += 1) {
    const digit = source[i]! - 0x30;
    if (digit < 0 || digit > 9) return Number(Buffer.prototype.toString.call(source, 'latin1', start, end));
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/**
 * FNV-1a over the UTF-16 code units of the UTF-8 bytes start..end (valid UTF-8): what
 * event-hash.ts's fnv1a computes over the column's canonical JSON as a string.
 */
export function fnv1aUtf16(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i += 1) {
    const c = bytes[i]!;
    if (c < 0x80) {
      h = Math.imul(h ^ c, 0x01000193);
      continue;
    }
    let point: number;
    if (c < 0xe0) {
      point = ((c & 0x1f) << 6) | (bytes[i + 1]! & 0x3f);
      i += 1;
    } else if (c < 0xf0) {
      point = ((c & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f);
      i += 2;
    } else {
      point = (((c & 0x07) << 18) | ((bytes[i + 1]! & 0x3f) << 12) | ((bytes[i + 2]! & 0x3f) << 6) | (bytes[i + 3]! & 0x3f)) - 0x10000;
      i += 3;
      h = Math.imul(h ^ (0xd800 + (point >> 10)), 0x01000193);
      point = 0xdc00 + (point & 0x3ff);
    }
    h = Math.imul(h ^ point, 0x01000193);
  }
  return h >>> 0;
}

/** Writes `length` bytes of `bytes` from `start` as lower-case hex. */
export function putHex(bytes: Uint8Array, start: number, length: number, out: Output): void {
  const target = out.bytes;
  let p = out.length;
  for (let i = start; i < start + length; i += 1) {
    const c = bytes[i]!;
    target[p++] = HEX[c >> 4]!;
    target[p++] = HEX[c & 15]!;
  }
  out.length = p;
}

/** Writes a latin1 string's characters (a hash kept as one) as lower-case hex. */
export function putLatin1Hex(text: string, out: Output): void {
  const target = out.bytes;
  let p = out.length;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    target[p++] = HEX[c >> 4]!;
    target[p++] = HEX[c & 15]!;
  }
  out.length = p;
}

/** Writes a 32-bit print as 8 lower-case hex digits. */
export function putPrintHex(print: number, out: Output): void {
  const target = out.bytes;
  let p = out.length;
  for (let shift = 28; shift >= 0; shift -= 4) target[p++] = HEX[(print >>> shift) & 15]!;
  out.length = p;
}

/** Writes a whole number in decimal. */
export function putDecimal(value: number, out: Output): void {
  out.length += out.bytes.write(String(value), out.length, 'latin1');
}

/**
 * The chain (event-hash.ts's chainHash) carried in one buffer of 64 bytes: the last chain hash, then
 * the leaf to link; hashes as latin1 strings, so no Buffer is made per entry.
 */
export class ChainLink {
  /** The last chain hash in bytes 0..32; bytes 32..64 hold the last leaf linked. */
  readonly bytes = Buffer.alloc(64);

  constructor(start: Buffer) {
    start.copy(this.bytes, 0);
  }

  /** Links a leaf (a latin1 string of 32 characters); returns the new chain hash, as such a string too. */
  link(leaf: string): string {
    this.bytes.write(leaf, 32, 32, 'latin1');
    const chain = hash('sha256', this.bytes, 'binary');
    this.bytes.write(chain, 0, 32, 'latin1');
    return chain;
  }

  get chain(): Buffer {
    return Buffer.from(this.bytes.subarray(0, 32));
  }
}

/** Whether a hash kept as a latin1 string is the one `hex` writes (lower-case, as encode(…, 'hex') and SQLite's lower(hex()) give it). */
export function latin1IsHex(latin1: string, hex: string | null): boolean {
  if (hex === null || hex.length !== 2 * latin1.length) return false;
  for (let i = 0; i < latin1.length; i += 1) {
    const c = latin1.charCodeAt(i);
    if (hex.charCodeAt(2 * i) !== HEX[c >> 4] || hex.charCodeAt(2 * i + 1) !== HEX[c & 15]) return false;
  }
  return true;
}

type Row = (string | null)[];

/**
 * A verification's walk over events in id order (the log, the archive): each event's id, and its
 * seal checked against an entry's, without the event's fields as strings unless they are asked for
 * (an event without an entry).
 */
export interface EventRows {
  readonly needsFill: boolean;
  fill(): Promise<void>;
  advance(): void;
  /** The current event's id; Infinity after the last. */
  readonly id: number;
  /** The current event's fields as strings (SEALED_COLUMNS, then any others). */
  fields(): Row;
  /** Seals the current event: its leaf hash (a latin1 string) and prints. */
  seal(): void;
  readonly leaf: string;
  /** The current event's column prints, hex (after seal). */
  prints(): string;
}

/** PostgreSQL's events as COPY runs, sealed from their bytes (CopyEventSealer). */
export class CopyEventRows implements EventRows {
  /** The current row's fields and, after seal(), its leaf and prints. */
  readonly sealer = new CopyEventSealer();
  /** The run of COPY lines that holds the current row. */
  run: Buffer | null = null;
  private utf8 = true;
  /** Where the row after the current one starts, in `run`. */
  private next = 0;
  private ended = false;
  id = Infinity;

  constructor(private readonly runs: { next(): Promise<Buffer | null> }) {}

  get needsFill(): boolean {
    return this.id === Infinity && !this.ended;
  }

  async fill(): Promise<void> {
    while (this.needsFill) {
      const run = await this.runs.next();
      if (run === null) {
        this.ended = true;
        return;
      }
      this.run = run;
      this.utf8 = byteable(run);
      this.next = 0;
      this.advance();
    }
  }

  advance(): void {
    const run = this.run;
    if (run === null || this.next >= run.length) {
      this.id = Infinity;
      this.run = null;
      return;
    }
    this.next = this.sealer.split(run, this.next);
    this.id = this.sealer.integer(run, 0);
  }

  fields(): Row {
    return this.sealer.fieldsOf(this.run as Buffer);
  }

  /** Seals the current row: the sealer's leaf and prints. */
  seal(): void {
    this.sealer.seal(this.run as Buffer, this.utf8);
  }

  get leaf(): string {
    return this.sealer.leaf;
  }

  prints(): string {
    return this.sealer.printsHex();
  }
}

/** Events given as rows of strings (the offline cache's statements), sealed the strings' way. */
export class FieldEventRows implements EventRows {
  private readonly sealer = new CopyEventSealer();

  constructor(private readonly rows: { readonly current: Row | null; readonly needsFill: boolean; advance(): void; fill(): Promise<void> }) {}

  get needsFill(): boolean {
    return this.rows.needsFill;
  }

  fill(): Promise<void> {
    return this.rows.fill();
  }

  advance(): void {
    this.rows.advance();
  }

  get id(): number {
    const row = this.rows.current;
    return row === null ? Infinity : Number(row[0]);
  }

  fields(): Row {
    return this.rows.current as Row;
  }

  seal(): void {
    this.sealer.sealFields(this.rows.current as Row);
  }

  get leaf(): string {
    return this.sealer.leaf;
  }

  prints(): string {
    return this.sealer.printsHex();
  }
}

/**
 * A verification's walk over entries (by seq, by event id): their numbers and hashes read where they
 * stand, a string made only for a field the walk keeps (a date, prints, where something failed).
 */
export interface EntryRows {
  readonly needsFill: boolean;
  fill(): Promise<void>;
  advance(): void;
  /** Whether there is a current row (false after the last). */
  readonly present: boolean;
  integer(field: number): number;
  text(field: number): string | null;
  /** Writes a hash field (hex, 32 bytes) into `bytes` at `offset`; zeros where it is not a whole hash, which then matches nothing. */
  hashInto(field: number, bytes: Buffer, offset: number): void;
  /** Whether a hash field (hex) is the hash `latin1` (a latin1 string). */
  hashIs(field: number, latin1: string): boolean;
}

const ENTRY_FIELDS = 8;
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i += 1) HEX_VALUE[HEX[i]!] = i;

/** PostgreSQL's entries as COPY runs, read from their bytes. */
export class CopyEntryRows implements EntryRows {
  private readonly starts = new Int32Array(ENTRY_FIELDS);
  private readonly ends = new Int32Array(ENTRY_FIELDS);
  private run: Buffer | null = null;
  private next = 0;
  private ended = false;
  present = false;

  constructor(private readonly runs: { next(): Promise<Buffer | null> }) {}

  get needsFill(): boolean {
    return !this.present && !this.ended;
  }

  async fill(): Promise<void> {
    while (this.needsFill) {
      const run = await this.runs.next();
      if (run === null) {
        this.ended = true;
        return;
      }
      this.run = run;
      this.next = 0;
      this.advance();
    }
  }

  advance(): void {
    const run = this.run;
    if (run === null || this.next >= run.length) {
      this.present = false;
      this.run = null;
      return;
    }
    const { starts, ends } = this;
    let field = 0;
    let index = this.next;
    starts[0] = index;
    for (;;) {
      const c = run[index];
      if (c === undefined) throw new Error('a COPY row without its newline');
      if (c === TAB || c === LF) {
        if (field >= ENTRY_FIELDS) throw new Error(`a COPY row of more than ${ENTRY_FIELDS} fields`);
        ends[field] = index;
        field += 1;
        if (c === LF) break;
        starts[field] = index + 1;
      }
      index += 1;
    }
    for (; field < ENTRY_FIELDS; field += 1) starts[field] = ends[field] = index;
    this.next = index + 1;
    this.present = true;
  }

  integer(field: number): number {
    return integerAt(this.run as Buffer, this.starts[field]!, this.ends[field]!);
  }

  text(field: number): string | null {
    return copyField((this.run as Buffer).toString('utf8', this.starts[field]!, this.ends[field]!));
  }

  hashInto(field: number, bytes: Buffer, offset: number): void {
    const run = this.run as Buffer;
    const start = this.starts[field]!;
    if (this.ends[field]! - start === 64) {
      let i = 0;
      for (; i < 32; i += 1) {
        const high = HEX_VALUE[run[start + 2 * i]!]!;
        const low = HEX_VALUE[run[start + 2 * i + 1]!]!;
        if (high < 0 || low < 0) break;
        bytes[offset + i] = (high << 4) | low;
      }
      if (i === 32) return;
    }
    bytes.fill(0, offset, offset + 32);
  }

  hashIs(field: number, latin1: string): boolean {
    const run = this.run as Buffer;
    const start = this.starts[field]!;
    if (this.ends[field]! - start !== 2 * latin1.length) return false;
    for (let i = 0; i < latin1.length; i += 1) {
      const c = latin1.charCodeAt(i);
      if (run[start + 2 * i] !== HEX[c >> 4] || run[start + 2 * i + 1] !== HEX[c & 15]) return false;
    }
    return true;
  }
}

/** Entries given as rows of strings (the offline cache's statements). */
export class FieldEntryRows implements EntryRows {
  constructor(private readonly rows: { readonly current: Row | null; readonly needsFill: boolean; advance(): void; fill(): Promise<void> }) {}

  get needsFill(): boolean {
    return this.rows.needsFill;
  }

  fill(): Promise<void> {
    return this.rows.fill();
  }

  advance(): void {
    this.rows.advance();
  }

  get present(): boolean {
    return this.rows.current !== null;
  }

  integer(field: number): number {
    return Number(this.rows.current?.[field]);
  }

  text(field: number): string | null {
    return this.rows.current?.[field] ?? null;
  }

  hashInto(field: number, bytes: Buffer, offset: number): void {
    const hex = this.text(field) ?? '';
    if (hex.length !== 64 || bytes.write(hex, offset, 32, 'hex') !== 32) bytes.fill(0, offset, offset + 32);
  }

  hashIs(field: number, latin1: string): boolean {
    return latin1IsHex(latin1, this.text(field));
  }
}
