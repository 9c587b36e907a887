import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { MailtrailError } from '../contract/errors';

/**
 * The .mtbackup file, written and read as a stream (docs/backups.md, "The file"):
 *
 *   MAGIC (8 bytes)
 *   records: kind (1 byte) | payload length (uint32 big-endian) | payload
 *     H  header JSON (format, version, source, started_at)
 *     T  a table's section begins: JSON {name, columns}
 *     D  a block of that table's COPY text, gzip-compressed on its own (a gzip member)
 *     E  the section ends: JSON {name, rows, bytes, sha256} of the COPY text
 *     M  the manifest JSON (every table's rows, bytes, sha256; schema version; chain head)
 *   FOOTER (48 bytes): FOOTER_MAGIC (8) | offset of the M record (uint64) | SHA-256 of every byte before the footer (32)
 *
 * A truncated file has no footer; a flipped byte fails the file's SHA-256, and inside a block its
 * gzip CRC and its table's SHA-256. Blocks compress independently, so several compress at once on
 * libuv's threadpool and a reader holds one block at a time.
 */
export const MAGIC = Buffer.from('MTBACKUP', 'latin1');
export const FOOTER_MAGIC = Buffer.from('MTBEND01', 'latin1');
export const FOOTER_BYTES = 48;
export const RECORD_HEAD_BYTES = 5;
export const BACKUP_EXTENSION = '.mtbackup';
/** A record larger than this is a corrupt length, not a record: blocks are about BLOCK_BYTES. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;
/** Raw COPY text per compressed block: large enough for gzip, small enough to hold a few in flight. */
export const BLOCK_BYTES = 1024 * 1024;
/**
 * zlib's output buffer, room for a whole block (its raw text a socket read past BLOCK_BYTES, or that
 * compressed). zlib's default, 16 KB, hands a block over in up to 70 pieces, each a trip through the
 * main thread: a tenth of a 10M backup's time.
 */
export const ZLIB_CHUNK_BYTES = BLOCK_BYTES + 128 * 1024;

export type RecordKind = 'H' | 'T' | 'D' | 'E' | 'M';
const KINDS = new Set<string>(['H', 'T', 'D', 'E', 'M']);

export const gzip = promisify(gzipCallback);
export const gunzip = promisify(gunzipCallback);

export interface TableSectionStart {
  name: string;
  columns: string[];
}

export interface TableSectionEnd {
  name: string;
  rows: number;
  bytes: number;
  sha256: string;
}

/** Appends records to a file handle, hashing every byte; `finish` writes the footer. */
export class BackupWriter {
  private readonly hash: Hash = createHash('sha256');
  private position = 0;

  constructor(private readonly file: FileHandle) {}

  get bytesWritten(): number {
    return this.position;
  }

  private async write(buffer: Buffer): Promise<void> {
    this.hash.update(buffer);
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesWritten } = await this.file.write(buffer, offset, buffer.length - offset, this.position + offset);
      offset += bytesWritten;
    }
    this.position += buffer.length;
  }

  async magic(): Promise<void> {
    await this.write(MAGIC);
  }

  async record(kind: RecordKind, payload: Buffer): Promise<number> {
    const offset = this.position;
    const head = Buffer.alloc(RECORD_HEAD_BYTES);
    head.write(kind, 0, 'latin1');
    head.writeUInt32BE(payload.length, 1);
    await this.write(Buffer.concat([head, payload]));
    return offset;
  }

  json(kind: RecordKind, value: unknown): Promise<number> {
    return this.record(kind, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  /** Writes the footer; returns the SHA-256 of the file before it. */
  async finish(manifestOffset: number): Promise<string> {
    const digest = this.hash.digest();
    const footer = Buffer.alloc(FOOTER_BYTES);
    FOOTER_MAGIC.copy(footer, 0);
    footer.writeBigUInt64BE(BigInt(manifestOffset), 8);
    digest.copy(footer, 16);
    let offset = 0;
    while (offset < footer.length) {
      const { bytesWritten } = await this.file.write(footer, offset, footer.length - offset, this.position + offset);
      offset += bytesWritten;
    }
    this.position += footer.length;
    return digest.toString('hex');
  }
}

export interface BackupRecord {
  kind: RecordKind;
  payload: Buffer;
  /** Where the record starts in the file. */
  offset: number;
}

export interface Footer {
  manifestOffset: number;
  sha256: string;
}

/** A file that cannot be read as a backup: the message says where and why. */
export class BackupFormatError extends MailtrailError {
  constructor(message: string) {
    super('bad_request', message);
  }
}

export function parseFooter(buffer: Buffer): Footer | null {
  if (buffer.length !== FOOTER_BYTES || !buffer.subarray(0, 8).equals(FOOTER_MAGIC)) return null;
  return { manifestOffset: Number(buffer.readBigUInt64BE(8)), sha256: buffer.subarray(16, 48).toString('hex') };
}

/**
 * The records of a backup file in order, read with flat memory. When the stream ends, `result.footer`
 * holds the footer (or null when the file ends without one) and `result.sha256` the hash of every byte
 * before it. Throws BackupFormatError for a file that is not a backup or is cut inside a record.
 */
export async function* readRecords(
  file: string,
  result: { footer: Footer | null; sha256: string | null; trailing: number },
  signal?: AbortSignal,
): AsyncGenerator<BackupRecord> {
  const hash = createHash('sha256');
  const stream = createReadStream(file, { highWaterMark: 1024 * 1024, signal });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let position = 0; // bytes of the file consumed into records (and the magic)
  let sawMagic = false;
  let sawManifest = false;
  const take = (count: number): Buffer => {
    const joined = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    const taken = joined.subarray(0, count);
    const rest = joined.subarray(count);
    pending = rest.length ? [rest] : [];
    pendingBytes = rest.length;
    hash.update(taken);
    position += count;
    return taken;
  };
  const peek = (count: number): Buffer => {
    const joined = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending, pendingBytes);
    pending = [joined];
    return joined.subarray(0, count);
  };
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      for (;;) {
        if (!sawMagic) {
          if (pendingBytes < MAGIC.length) break;
          if (!take(MAGIC.length).equals(MAGIC)) throw new BackupFormatError(`${file} is not a Mailtrail backup (it does not begin with ${MAGIC.toString('latin1')})`);
          sawMagic = true;
          continue;
        }
        // After the manifest only the footer follows: keep it for the end.
        if (sawManifest || pendingBytes < RECORD_HEAD_BYTES) break;
        const head = peek(RECORD_HEAD_BYTES);
        const kind = head.toString('latin1', 0, 1);
        const length = head.readUInt32BE(1);
        if (!KINDS.has(kind) || length > MAX_RECORD_BYTES) {
          throw new BackupFormatError(`${file} is damaged at byte ${position}: a record there has kind ${JSON.stringify(kind)} and length ${length}, which no backup writes`);
        }
        if (pendingBytes < RECORD_HEAD_BYTES + length) break;
        const offset = position;
        const record = take(RECORD_HEAD_BYTES + length);
        if (kind === 'M') sawManifest = true;
        yield { kind: kind as RecordKind, payload: record.subarray(RECORD_HEAD_BYTES), offset };
      }
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'AbortError') throw new MailtrailError('internal', 'cancelled');
    if (error instanceof MailtrailError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MailtrailError('not_found', `${file}: no such file`);
    if (code === 'EISDIR') throw new MailtrailError('bad_request', `${file} is a folder, not a backup file`);
    throw new MailtrailError('internal', `cannot read ${file}: ${(error as Error).message}`);
  }
  if (!sawMagic) throw new BackupFormatError(`${file} is not a Mailtrail backup (it is shorter than its ${MAGIC.length}-byte signature)`);
  const rest = pending.length ? Buffer.concat(pending, pendingBytes) : Buffer.alloc(0);
  result.sha256 = hash.digest('hex');
  result.footer = sawManifest ? parseFooter(rest) : null;
  result.trailing = rest.length;
}

/** Reads a file's footer and manifest only (what `backup list` shows), without reading its sections. */
export async function readManifestRecord(handle: FileHandle, size: number): Promise<{ footer: Footer; payload: Buffer } | string> {
  if (size < MAGIC.length + FOOTER_BYTES) return 'too short to be a backup';
  const magic = Buffer.alloc(MAGIC.length);
  await handle.read(magic, 0, MAGIC.length, 0);
  if (!magic.equals(MAGIC)) return 'not a Mailtrail backup';
  const tail = Buffer.alloc(FOOTER_BYTES);
  await handle.read(tail, 0, FOOTER_BYTES, size - FOOTER_BYTES);
  const footer = parseFooter(tail);
  if (!footer) return 'truncated or unfinished: it has no footer';
  const recordBytes = size - FOOTER_BYTES - footer.manifestOffset;
  if (footer.manifestOffset < MAGIC.length || recordBytes < RECORD_HEAD_BYTES || recordBytes > MAX_RECORD_BYTES) return 'damaged: its footer points outside the file';
  const record = Buffer.alloc(recordBytes);
  await handle.read(record, 0, recordBytes, footer.manifestOffset);
  if (record.toString('latin1', 0, 1) !== 'M' || record.readUInt32BE(1) !== recordBytes - RECORD_HEAD_BYTES) return 'damaged: its footer does not point at its manifest';
  return { footer, payload: record.subarray(RECORD_HEAD_BYTES) };
}

/** Lines (rows) in a block of COPY text: every row ends with a newline, newlines inside values are escaped. */
export function countRows(block: Buffer): number {
  let rows = 0;
  let at = block.indexOf(10);
  while (at !== -1) {
    rows += 1;
    at = block.indexOf(10, at + 1);
  }
  return rows;
}
