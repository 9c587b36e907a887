import { EVENT_ROW_FIELDS, type EventLines, type EventLinesFormat } from '../store/log-store';
import { canonicalJson } from './digest';

/**
 * A report's lines straight from PostgreSQL's `COPY (…) TO STDOUT` text, byte for byte, with no
 * string or object per event: the CSV rows (csv-layout.ts) or JSONL lines a file gets and the
 * canonical lines the digest hashes (digest.ts), the same bytes event-lines.ts makes from rows
 * (tests/unit/copy-event-lines.test.ts holds the two to each other).
 *
 * The COPY rows' columns are EventRow's (log-store.ts): id, email_id, event_type, event_category,
 * description, metadata, user_id, user_name, created_at (as DateStyle ISO writes it), created_by,
 * archived (t/f, or NULL outside an email's timeline). COPY's text format writes NULL as `\N`, a
 * backslash as `\\`, and \b \f \n \r \t \v as those two characters; every other byte as it is.
 *
 * metadata arrives as jsonb's text: keys sorted by length then bytes, `", "` and `": "` between
 * members, strings escaped as JSON.stringify escapes them, numbers as numeric writes them. It is
 * rewritten here in canonical form where that is certain (keys without escapes or characters from
 * U+E000 up, whose UTF-8 byte order is their code-unit order; numbers whose text JavaScript would
 * write the same); anything else goes the way the rows go, JSON.parse and canonicalJson.
 */

// The COPY row's columns, where EVENT_ROW_FIELDS puts them.
const FIELDS = EVENT_ROW_FIELDS.length;
const column = (name: (typeof EVENT_ROW_FIELDS)[number]): number => EVENT_ROW_FIELDS.indexOf(name);
const ID = column('id');
const EMAIL_ID = column('email_id');
const EVENT_TYPE = column('event_type');
const EVENT_CATEGORY = column('event_category');
const DESCRIPTION = column('description');
const METADATA = column('metadata');
const USER_ID = column('user_id');
const USER_NAME = column('user_name');
const CREATED_AT = column('created_at');
const CREATED_BY = column('created_by');
const ARCHIVED = column('archived');

const TAB = 0x09;
const LF = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DOT = 0x2e;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const N = 0x4e;

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const KEY_ARCHIVED_TRUE = ascii('{"archived":true,"created_at":');
const KEY_ARCHIVED_FALSE = ascii('{"archived":false,"created_at":');
const KEY_CREATED_AT = ascii('{"created_at":');
const KEY_CREATED_BY = ascii(',"created_by":');
const KEY_DESCRIPTION = ascii(',"description":');
const KEY_EMAIL_ID = ascii(',"email_id":');
const KEY_EVENT_CATEGORY = ascii(',"event_category":');
const KEY_EVENT_TYPE = ascii(',"event_type":');
const KEY_ID = ascii(',"id":');
const KEY_METADATA = ascii(',"metadata":');
const KEY_USER_ID = ascii(',"user_id":');
const KEY_USER_NAME = ascii(',"user_name":');
const NULL = ascii('null');
const TRUE = ascii('true');
const FALSE = ascii('false');
const HEX = ascii('0123456789abcdef');

// What COPY's two-character escapes stand for, by their second character (b f n r t v).
const COPY_ESCAPED = new Uint8Array(128);
COPY_ESCAPED[0x62] = 0x08;
COPY_ESCAPED[0x66] = 0x0c;
COPY_ESCAPED[0x6e] = 0x0a;
COPY_ESCAPED[0x72] = 0x0d;
COPY_ESCAPED[0x74] = 0x09;
COPY_ESCAPED[0x76] = 0x0b;
COPY_ESCAPED[BACKSLASH] = BACKSLASH;

// The bytes a JSON string holds as they are in COPY's text: all but controls, " and \ (COPY's escape).
const JSON_AS_IS = new Uint8Array(256);
for (let c = SPACE; c < 256; c += 1) JSON_AS_IS[c] = c === QUOTE || c === BACKSLASH ? 0 : 1;

// The first bytes csv-layout.ts's neutralise() puts a ' before: = + - @ tab CR and ' itself.
const RISKY_FIRST = new Uint8Array(128);
for (const c of [0x3d, 0x2b, MINUS, 0x40, TAB, 0x0d, APOSTROPHE]) RISKY_FIRST[c] = 1;

/** Growable output: a row never needs more than ROW_ROOM_FACTOR times its COPY bytes plus ROW_ROOM_FIXED. */
const ROW_ROOM_FACTOR = 6;
const ROW_ROOM_FIXED = 256;
const RUN_ROOM_FIXED = 16_384;
/** Canonical bytes a run of lines gathers before it is handed over. */
const RUN_BYTES = 1 << 20;

export class Output {
  bytes: Buffer;
  length = 0;
  constructor(size: number) {
    this.bytes = Buffer.allocUnsafe(size);
  }
  room(needed: number): void {
    if (this.length + needed <= this.bytes.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.length + needed));
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }
  put(part: Uint8Array): void {
    // A loop: set() costs more than the copy for the few bytes of a key.
    const bytes = this.bytes;
    let p = this.length;
    for (let i = 0; i < part.length; i += 1) bytes[p++] = part[i]!;
    this.length = p;
  }
  take(): Buffer {
    // Writes past the end of a typed array vanish without a word: a row that outgrew its room must not pass unseen.
    if (this.length > this.bytes.length) throw new Error('a report line outgrew the room kept for it');
    return this.bytes.subarray(0, this.length);
  }
}

/**
 * Turns a COPY text stream of events into a report's lines, a chunk at a time: push() each chunk as
 * it arrives (a row cut between chunks waits for the rest), end() when the COPY is done. The lines
 * come in runs of about RUN_BYTES: a file takes a few large writes at less cost than many small ones
 * (200 MB in 64 KB writes took twice the CPU of 1 MB writes).
 */
export class CopyEventLines {
  private rest: Buffer | null = null;
  /** How many events' metadata took the rows' way (JSON.parse and canonicalJson) rather than the byte path. */
  parsedMetadata = 0;
  private readonly starts = new Int32Array(FIELDS);
  private readonly ends = new Int32Array(FIELDS);
  private canonical: Output | null = null;
  private written: Output | null = null;
  private events = 0;

  constructor(private readonly format: EventLinesFormat) {}

  /** A run of lines once the chunks pushed so far make one, else null. */
  push(chunk: Buffer): EventLines | null {
    const last = chunk.lastIndexOf(LF);
    if (last < 0) {
      this.rest = this.rest ? Buffer.concat([this.rest, chunk]) : Buffer.from(chunk);
      return null;
    }
    let rows = chunk;
    let end = last + 1;
    if (this.rest) {
      rows = Buffer.concat([this.rest, chunk.subarray(0, end)]);
      end = rows.length;
    }
    this.rest = last + 1 < chunk.length ? Buffer.from(chunk.subarray(last + 1)) : null;
    this.lines(rows, end);
    return this.canonical!.length >= RUN_BYTES ? this.take() : null;
  }

  /** The last run, or null; throws where the stream ended inside a row, which COPY's never does. */
  end(): EventLines | null {
    if (this.rest) throw new Error('the COPY stream ended inside a row');
    return this.events > 0 ? this.take() : null;
  }

  private take(): EventLines {
    const run = { lines: this.written!.take(), canonical: this.canonical!.take(), events: this.events };
    this.canonical = null;
    this.written = null;
    this.events = 0;
    return run;
  }

  private lines(source: Buffer, end: number): void {
    const csv = this.format === 'csv';
    // Sized for a run (canonical lines ~1.7 times COPY's bytes, CSV ~1.0) plus a row's room: most runs never grow.
    const canonical = (this.canonical ??= new Output(2 * RUN_BYTES + RUN_ROOM_FIXED));
    const written = (this.written ??= csv ? new Output(RUN_BYTES + RUN_ROOM_FIXED) : canonical);
    const { starts, ends } = this;
    let events = 0;
    let at = 0;
    while (at < end) {
      // The row's fields: tab-separated, the row ends at LF (COPY escapes both inside a field).
      let field = 0;
      starts[0] = at;
      let index = at;
      for (;;) {
        const c = source[index]!;
        if (c <= LF && (c === TAB || c === LF)) {
          if (field >= FIELDS) throw new Error(`a COPY row of more than ${FIELDS} fields`);
          ends[field] = index;
          field += 1;
          if (c === LF) break;
          starts[field] = index + 1;
        }
        index += 1;
      }
      if (field !== FIELDS) throw new Error(`a COPY row of ${field} fields, not ${FIELDS}`);
      const room = ROW_ROOM_FACTOR * (index - at) + ROW_ROOM_FIXED;
      canonical.room(room);
      if (!canonicalLine(source, starts, ends, canonical)) this.parsedMetadata += 1;
      if (csv) {
        written.room(room);
        csvRow(source, starts, ends, canonical, written);
      }
      events += 1;
      at = index + 1;
    }
    this.events += events;
  }
}

export const isNull = (source: Uint8Array, start: number, end: number): boolean =>
  end - start === 2 && source[start] === BACKSLASH && source[start + 1] === N;

export function putBytes(source: Uint8Array, start: number, end: number, out: Output): void {
  const bytes = out.bytes;
  let p = out.length;
  for (let i = start; i < end; i += 1) bytes[p++] = source[i]!;
  out.length = p;
}

/** A COPY text field as a JSON string, escaped as JSON.stringify escapes it. */
export function putJsonString(source: Uint8Array, start: number, end: number, out: Output): void {
  const bytes = out.bytes;
  let p = out.length;
  bytes[p++] = QUOTE;
  for (let i = start; i < end; i += 1) {
    let c = source[i]!;
    // Nearly every byte: one look-up, then as it is.
    if (JSON_AS_IS[c] === 1) {
      bytes[p++] = c;
      continue;
    }
    if (c === QUOTE) {
      bytes[p++] = BACKSLASH;
      bytes[p++] = QUOTE;
      continue;
    }
    if (c === BACKSLASH) {
      i += 1;
      c = COPY_ESCAPED[source[i]!]!;
      if (c >= SPACE && c !== BACKSLASH) {
        bytes[p++] = c;
        continue;
      }
    }
    bytes[p++] = BACKSLASH;
    // JSON.stringify's short forms; other control characters as \u00xx, lower-case.
    switch (c) {
      case 0x08:
        bytes[p++] = 0x62;
        break;
      case 0x09:
        bytes[p++] = 0x74;
        break;
      case 0x0a:
        bytes[p++] = 0x6e;
        break;
      case 0x0c:
        bytes[p++] = 0x66;
        break;
      case 0x0d:
        bytes[p++] = 0x72;
        break;
      case BACKSLASH:
        bytes[p++] = BACKSLASH;
        break;
      default:
        bytes[p++] = 0x75;
        bytes[p++] = 0x30;
        bytes[p++] = 0x30;
        bytes[p++] = HEX[c >> 4]!;
        bytes[p++] = HEX[c & 15]!;
    }
  }
  bytes[p++] = QUOTE;
  out.length = p;
}

/** A nullable text field as JSON: null, or the string. */
export function putJsonText(source: Uint8Array, start: number, end: number, out: Output): void {
  if (isNull(source, start, end)) out.put(NULL);
  else putJsonString(source, start, end, out);
}

/** created_at as the rows carry it: DateStyle ISO's text with its first space a T. */
export function putJsonTimestamp(source: Uint8Array, start: number, end: number, out: Output): void {
  if (isNull(source, start, end)) {
    out.put(NULL);
    return;
  }
  const from = out.length;
  putJsonString(source, start, end, out);
  const bytes = out.bytes;
  for (let p = from + 1; p < out.length; p += 1) {
    if (bytes[p] === SPACE) {
      bytes[p] = 0x54;
      break;
    }
  }
}

/** Writes the event's canonical line; false where its metadata had to be parsed. */
function canonicalLine(source: Uint8Array, starts: Int32Array, ends: Int32Array, out: Output): boolean {
  const archived = starts[ARCHIVED]!;
  if (isNull(source, archived, ends[ARCHIVED]!)) out.put(KEY_CREATED_AT);
  else out.put(source[archived] === 0x74 ? KEY_ARCHIVED_TRUE : KEY_ARCHIVED_FALSE);
  putJsonTimestamp(source, starts[CREATED_AT]!, ends[CREATED_AT]!, out);
  out.put(KEY_CREATED_BY);
  putJsonText(source, starts[CREATED_BY]!, ends[CREATED_BY]!, out);
  out.put(KEY_DESCRIPTION);
  putJsonText(source, starts[DESCRIPTION]!, ends[DESCRIPTION]!, out);
  out.put(KEY_EMAIL_ID);
  putBytes(source, starts[EMAIL_ID]!, ends[EMAIL_ID]!, out);
  out.put(KEY_EVENT_CATEGORY);
  putJsonString(source, starts[EVENT_CATEGORY]!, ends[EVENT_CATEGORY]!, out);
  out.put(KEY_EVENT_TYPE);
  putJsonString(source, starts[EVENT_TYPE]!, ends[EVENT_TYPE]!, out);
  out.put(KEY_ID);
  putBytes(source, starts[ID]!, ends[ID]!, out);
  out.put(KEY_METADATA);
  // Where the canonical metadata starts, for the CSV cell made from it.
  metadataStart = out.length;
  const direct = putCanonicalMetadata(source, starts[METADATA]!, ends[METADATA]!, out);
  metadataEnd = out.length;
  out.put(KEY_USER_ID);
  const userId = starts[USER_ID]!;
  if (isNull(source, userId, ends[USER_ID]!)) out.put(NULL);
  else putBytes(source, userId, ends[USER_ID]!, out);
  out.put(KEY_USER_NAME);
  putJsonText(source, starts[USER_NAME]!, ends[USER_NAME]!, out);
  const bytes = out.bytes;
  bytes[out.length++] = CLOSE_BRACE;
  bytes[out.length++] = LF;
  return direct;
}

let metadataStart = 0;
let metadataEnd = 0;

// ---- CSV ----

/** A COPY text field as csv-layout.ts writes a text cell: neutralised, quoted where it must be. */
function putCsvText(source: Uint8Array, start: number, end: number, out: Output): void {
  const bytes = out.bytes;
  if (start === end) {
    bytes[out.length++] = QUOTE;
    bytes[out.length++] = QUOTE;
    return;
  }
  const from = out.length;
  let p = from;
  const first = source[start]!;
  const risky = first === BACKSLASH ? source[start + 1] === 0x74 || source[start + 1] === 0x72 : first < 128 && RISKY_FIRST[first] === 1;
  if (risky) bytes[p++] = APOSTROPHE;
  // Most cells need no quotes: written as they are, and written again quoted at the first byte that needs them.
  for (let i = start; i < end; i += 1) {
    let c = source[i]!;
    if (c === BACKSLASH) {
      i += 1;
      c = COPY_ESCAPED[source[i]!]!;
      if (c === LF || c === 0x0d) {
        putCsvQuoted(source, start, end, risky, out, from);
        return;
      }
    } else if (c === QUOTE || c === COMMA) {
      putCsvQuoted(source, start, end, risky, out, from);
      return;
    }
    bytes[p++] = c;
  }
  out.length = p;
}

function putCsvQuoted(source: Uint8Array, start: number, end: number, risky: boolean, out: Output, from: number): void {
  const bytes = out.bytes;
  let p = from;
  bytes[p++] = QUOTE;
  if (risky) bytes[p++] = APOSTROPHE;
  for (let i = start; i < end; i += 1) {
    let c = source[i]!;
    if (c === BACKSLASH) {
      i += 1;
      c = COPY_ESCAPED[source[i]!]!;
    } else if (c === QUOTE) {
      bytes[p++] = QUOTE;
    }
    bytes[p++] = c;
  }
  bytes[p++] = QUOTE;
  out.length = p;
}

/** A number as csv-layout.ts writes it: a negative one behind a ', as a formula would start with -. */
function putCsvNumber(source: Uint8Array, start: number, end: number, out: Output): void {
  if (source[start] === MINUS) out.bytes[out.length++] = APOSTROPHE;
  putBytes(source, start, end, out);
}

/** The canonical metadata (already in `canonical`) as its CSV cell; JSON's null is an empty cell. */
function putCsvMetadata(canonical: Uint8Array, start: number, end: number, out: Output): void {
  if (end - start === 4 && canonical[start] === 0x6e && canonical[start + 1] === 0x75) return;
  let quoted = false;
  for (let i = start; i < end; i += 1) {
    const c = canonical[i]!;
    if (c === QUOTE || c === COMMA) {
      quoted = true;
      break;
    }
  }
  const bytes = out.bytes;
  let p = out.length;
  if (quoted) bytes[p++] = QUOTE;
  // Canonical JSON begins with { [ " a digit, t, f, n or -: only - is a formula's start.
  if (canonical[start] === MINUS) bytes[p++] = APOSTROPHE;
  for (let i = start; i < end; i += 1) {
    const c = canonical[i]!;
    if (c === QUOTE) bytes[p++] = QUOTE;
    bytes[p++] = c;
  }
  if (quoted) bytes[p++] = QUOTE;
  out.length = p;
}

function csvRow(source: Uint8Array, starts: Int32Array, ends: Int32Array, canonical: Output, out: Output): void {
  const bytes = out.bytes;
  putCsvNumber(source, starts[ID]!, ends[ID]!, out);
  bytes[out.length++] = COMMA;
  putCsvNumber(source, starts[EMAIL_ID]!, ends[EMAIL_ID]!, out);
  bytes[out.length++] = COMMA;
  const createdAt = starts[CREATED_AT]!;
  if (!isNull(source, createdAt, ends[CREATED_AT]!)) {
    const from = out.length;
    putCsvText(source, createdAt, ends[CREATED_AT]!, out);
    for (let p = from; p < out.length; p += 1) {
      if (bytes[p] === SPACE) {
        bytes[p] = 0x54;
        break;
      }
    }
  }
  bytes[out.length++] = COMMA;
  putCsvText(source, starts[EVENT_TYPE]!, ends[EVENT_TYPE]!, out);
  bytes[out.length++] = COMMA;
  putCsvText(source, starts[EVENT_CATEGORY]!, ends[EVENT_CATEGORY]!, out);
  bytes[out.length++] = COMMA;
  putCsvText(source, starts[DESCRIPTION]!, ends[DESCRIPTION]!, out);
  bytes[out.length++] = COMMA;
  putCsvMetadata(canonical.bytes, metadataStart, metadataEnd, out);
  bytes[out.length++] = COMMA;
  const userId = starts[USER_ID]!;
  if (!isNull(source, userId, ends[USER_ID]!)) putCsvNumber(source, userId, ends[USER_ID]!, out);
  bytes[out.length++] = COMMA;
  const userName = starts[USER_NAME]!;
  if (!isNull(source, userName, ends[USER_NAME]!)) putCsvText(source, userName, ends[USER_NAME]!, out);
  bytes[out.length++] = COMMA;
  const createdBy = starts[CREATED_BY]!;
  if (!isNull(source, createdBy, ends[CREATED_BY]!)) putCsvText(source, createdBy, ends[CREATED_BY]!, out);
  bytes[out.length++] = COMMA;
  const archived = starts[ARCHIVED]!;
  if (!isNull(source, archived, ends[ARCHIVED]!)) out.put(source[archived] === 0x74 ? TRUE : FALSE);
  bytes[out.length++] = 0x0d;
  bytes[out.length++] = LF;
}

// ---- metadata: jsonb's text to canonical JSON ----

/** Thrown inside the fast path where the text is not certain to stay as it is; the caller falls back. */
const UNCERTAIN = -1;

// The scanner's position in the source and the output buffer while it runs (one metadata at a time).
let scan = 0;
let scanEnd = 0;

/** Writes the metadata in canonical form; false where it went the rows' way. */
function putCanonicalMetadata(source: Uint8Array, start: number, end: number, out: Output): boolean {
  if (putCertainMetadata(source, start, end, out)) return true;
  // The rows' way: jsonb's text parsed and written canonically (COPY's only escape in it is \\).
  let text = Buffer.prototype.toString.call(source, 'utf8', start, end);
  if (text.includes('\\')) text = text.replaceAll('\\\\', '\\');
  const line = canonicalJson(JSON.parse(text));
  out.room(Buffer.byteLength(line) + ROW_ROOM_FIXED);
  out.length += out.bytes.write(line, out.length, 'utf8');
  return false;
}

/**
 * Writes the metadata (jsonb's text in COPY, or \N) in canonical form where the byte path is certain
 * of it (see the top of this file); false, with nothing written, where it is not. The seal's leaf
 * hashes (src-main/integrity/event-bytes.ts) share it.
 */
export function putCertainMetadata(source: Uint8Array, start: number, end: number, out: Output): boolean {
  if (isNull(source, start, end)) {
    out.put(NULL);
    return true;
  }
  const from = out.length;
  scan = start;
  scanEnd = end;
  membersTop = 0;
  if (canonicalValue(source, out) !== UNCERTAIN && scan === end) return true;
  out.length = from;
  return false;
}

function skipSpaces(source: Uint8Array): void {
  while (scan < scanEnd && source[scan] === SPACE) scan += 1;
}

/** Writes the value at `scan` canonically and moves past it; UNCERTAIN where the fast path cannot. */
function canonicalValue(source: Uint8Array, out: Output): number {
  skipSpaces(source);
  if (scan >= scanEnd) return UNCERTAIN;
  const c = source[scan]!;
  if (c === QUOTE) return canonicalString(source, out);
  if (c === OPEN_BRACE) return canonicalObject(source, out);
  if (c === OPEN_BRACKET) return canonicalArray(source, out);
  if (c === 0x74) return literal(source, TRUE, out);
  if (c === 0x66) return literal(source, FALSE, out);
  if (c === 0x6e) return literal(source, NULL, out);
  return canonicalNumber(source, out);
}

function literal(source: Uint8Array, word: Uint8Array, out: Output): number {
  if (scan + word.length > scanEnd) return UNCERTAIN;
  for (let i = 0; i < word.length; i += 1) if (source[scan + i] !== word[i]) return UNCERTAIN;
  scan += word.length;
  out.put(word);
  return 0;
}

/** A JSON string as jsonb writes it (its escapes are JSON.stringify's), COPY's \\ undone. */
function canonicalString(source: Uint8Array, out: Output): number {
  const bytes = out.bytes;
  let p = out.length;
  bytes[p++] = QUOTE;
  let i = scan + 1;
  for (;;) {
    if (i >= scanEnd) return UNCERTAIN;
    const c = source[i]!;
    if (c === QUOTE) break;
    if (c === BACKSLASH) {
      // COPY's \\ is one backslash, the start of a JSON escape; a JSON \\ arrives as \\\\.
      bytes[p++] = BACKSLASH;
      i += 2;
      if (source[i] === BACKSLASH) {
        bytes[p++] = BACKSLASH;
        i += 2;
      } else {
        bytes[p++] = source[i]!;
        i += 1;
      }
      continue;
    }
    bytes[p++] = c;
    i += 1;
  }
  bytes[p++] = QUOTE;
  out.length = p;
  scan = i + 1;
  return 0;
}

/**
 * A number whose text JavaScript writes back unchanged: numeric's plain decimal (never an exponent)
 * with at most 15 significant digits (so it is the shortest that reads back as the same double), no
 * trailing zero after a point, not -0, below 1e21 and, below 1, not below 1e-6: String(Number(text))
 * is then the text itself (tests/unit/copy-event-lines.test.ts tries many).
 */
function canonicalNumber(source: Uint8Array, out: Output): number {
  const start = scan;
  let i = start;
  if (source[i] === MINUS) i += 1;
  const digitsStart = i;
  while (i < scanEnd && source[i]! >= 0x30 && source[i]! <= 0x39) i += 1;
  const integerDigits = i - digitsStart;
  if (integerDigits === 0 || integerDigits > 21 || (integerDigits > 1 && source[digitsStart] === 0x30)) return UNCERTAIN;
  let significant = 0;
  let leadingZeros = 0;
  const integerZero = integerDigits === 1 && source[digitsStart] === 0x30;
  if (!integerZero) {
    // Trailing zeros of an integer part are not significant digits (1000 is one).
    let last = i - 1;
    while (last > digitsStart && source[last] === 0x30) last -= 1;
    significant = last - digitsStart + 1;
  }
  if (source[i] === DOT) {
    i += 1;
    const fractionStart = i;
    while (i < scanEnd && source[i]! >= 0x30 && source[i]! <= 0x39) i += 1;
    const fractionDigits = i - fractionStart;
    if (fractionDigits === 0 || source[i - 1] === 0x30) return UNCERTAIN;
    if (integerZero) {
      while (source[fractionStart + leadingZeros] === 0x30) leadingZeros += 1;
      if (leadingZeros > 5) return UNCERTAIN;
      significant = fractionDigits - leadingZeros;
    } else {
      significant = integerDigits + fractionDigits;
    }
  } else if (integerZero && source[start] === MINUS) {
    return UNCERTAIN;
  }
  if (significant > 15) return UNCERTAIN;
  const next = i < scanEnd ? source[i]! : COMMA;
  if (next !== COMMA && next !== SPACE && next !== CLOSE_BRACE && next !== CLOSE_BRACKET) return UNCERTAIN;
  putBytes(source, start, i, out);
  scan = i;
  return 0;
}

function canonicalArray(source: Uint8Array, out: Output): number {
  scan += 1;
  out.bytes[out.length++] = OPEN_BRACKET;
  skipSpaces(source);
  if (source[scan] === CLOSE_BRACKET) {
    scan += 1;
    out.bytes[out.length++] = CLOSE_BRACKET;
    return 0;
  }
  for (;;) {
    if (canonicalValue(source, out) === UNCERTAIN) return UNCERTAIN;
    skipSpaces(source);
    const c = source[scan];
    scan += 1;
    if (c === CLOSE_BRACKET) break;
    if (c !== COMMA) return UNCERTAIN;
    out.bytes[out.length++] = COMMA;
  }
  out.bytes[out.length++] = CLOSE_BRACKET;
  return 0;
}

// Objects' members while they are sorted, nested objects above their parent's: where each member's
// text starts in the output, and its key in the source. An object of more members falls back.
const MEMBERS = 4096;
const memberStarts = new Int32Array(MEMBERS);
const keyStarts = new Int32Array(MEMBERS);
const keyEnds = new Int32Array(MEMBERS);
const order = new Int32Array(MEMBERS);
let membersTop = 0;
let scratch = Buffer.allocUnsafe(4096);

/**
 * An object: members written one after the other as `"key":value` (a comma before each while their
 * keys come in order), then, where they did not, put in code-unit order of their keys with commas
 * between. Keys are compared as UTF-8 bytes, which is code-unit order unless a key holds a character
 * from U+E000 up (0xEE or more as a first byte): those, and keys with escapes, fall back.
 */
function canonicalObject(source: Uint8Array, out: Output): number {
  scan += 1;
  out.bytes[out.length++] = OPEN_BRACE;
  skipSpaces(source);
  if (source[scan] === CLOSE_BRACE) {
    scan += 1;
    out.bytes[out.length++] = CLOSE_BRACE;
    return 0;
  }
  const first = membersTop;
  const from = out.length;
  let sorted = true;
  for (;;) {
    skipSpaces(source);
    if (source[scan] !== QUOTE) return UNCERTAIN;
    const keyStart = scan + 1;
    let keyEnd = keyStart;
    for (;;) {
      if (keyEnd >= scanEnd) return UNCERTAIN;
      const c = source[keyEnd]!;
      if (c === QUOTE) break;
      if (c === BACKSLASH || c >= 0xee) return UNCERTAIN;
      keyEnd += 1;
    }
    const member = membersTop;
    if (member >= MEMBERS) return UNCERTAIN;
    if (member > first && sorted && compareKeys(source, keyStarts[member - 1]!, keyEnds[member - 1]!, keyStart, keyEnd) > 0) sorted = false;
    memberStarts[member] = out.length;
    keyStarts[member] = keyStart;
    keyEnds[member] = keyEnd;
    membersTop = member + 1;
    if (member > first && sorted) out.bytes[out.length++] = COMMA;
    putBytes(source, keyStart - 1, keyEnd + 1, out);
    scan = keyEnd + 1;
    skipSpaces(source);
    if (source[scan] !== COLON) return UNCERTAIN;
    scan += 1;
    out.bytes[out.length++] = COLON;
    if (canonicalValue(source, out) === UNCERTAIN) return UNCERTAIN;
    // The nested objects' members are written: their slots are free again.
    membersTop = member + 1;
    skipSpaces(source);
    const c = source[scan];
    scan += 1;
    if (c === CLOSE_BRACE) break;
    if (c !== COMMA) return UNCERTAIN;
  }
  if (!sorted) sortMembers(source, out, from, first, membersTop);
  membersTop = first;
  out.bytes[out.length++] = CLOSE_BRACE;
  return 0;
}

function compareKeys(source: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const length = Math.min(aEnd - aStart, bEnd - bStart);
  for (let i = 0; i < length; i += 1) {
    const difference = source[aStart + i]! - source[bStart + i]!;
    if (difference !== 0) return difference;
  }
  return aEnd - aStart - (bEnd - bStart);
}

/**
 * Rewrites the members first..last (written from `from`, with commas only between those written
 * while still in order) in key order, with a comma between each.
 */
function sortMembers(source: Uint8Array, out: Output, from: number, first: number, last: number): void {
  // Insertion sort: an object has a handful of members.
  for (let m = first; m < last; m += 1) {
    let at = m;
    while (at > first && compareKeys(source, keyStarts[order[at - 1]!]!, keyEnds[order[at - 1]!]!, keyStarts[m]!, keyEnds[m]!) > 0) {
      order[at] = order[at - 1]!;
      at -= 1;
    }
    order[at] = m;
  }
  const length = out.length - from;
  if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
  out.bytes.copy(scratch, 0, from, out.length);
  const bytes = out.bytes;
  let p = from;
  for (let k = first; k < last; k += 1) {
    const m = order[k]!;
    // A member's text starts at its key's quote: the comma written before it, if any, is left out.
    let start = memberStarts[m]! - from;
    if (scratch[start] === COMMA) start += 1;
    const end = m + 1 < last ? memberStarts[m + 1]! - from : length;
    if (k > first) bytes[p++] = COMMA;
    for (let i = start; i < end; i += 1) bytes[p++] = scratch[i]!;
  }
  out.length = p;
}
