import { createHash, type Hash } from 'node:crypto';
import { MailtrailError } from '../contract/errors';
import { BackupFormatError, countRows, FOOTER_BYTES, FOOTER_MAGIC, gunzip, readRecords, ZLIB_CHUNK_BYTES, type BackupRecord, type Footer, type TableSectionEnd, type TableSectionStart } from './backup-format';
import type { BackupManifest, BackupProgress } from './backup-run';
import { REQUIRED_TABLE } from './backup-tables';

/** What a reader does with the sections (restore COPYs them in; verify only checks). */
export interface SectionSink {
  startTable?(start: TableSectionStart): Promise<void>;
  block?(raw: Buffer): Promise<void>;
  endTable?(end: TableSectionEnd): Promise<void>;
}

export interface ReadOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((p: BackupProgress) => void) | undefined;
  sink?: SectionSink;
  /** Called with each problem found, one line each; may throw to stop at the first (restore does). */
  problem: (line: string) => void;
}

export interface ReadResult {
  manifest: BackupManifest | null;
  /** Rows and COPY bytes of each section read whole and intact, by table. */
  sections: Map<string, { rows: number; bytes: number; sha256: string }>;
}

/** The H record: what the writer knew before the first table. */
interface BackupHeader {
  format?: string;
  format_version?: number;
  tables?: string[];
}

// Blocks inflating at once on libuv's threadpool while the reader walks on.
const BLOCKS_IN_FLIGHT = 4;

const parseJson = <T>(record: BackupRecord, what: string, problem: (line: string) => void): T | null => {
  try {
    return JSON.parse(record.payload.toString('utf8')) as T;
  } catch {
    problem(`${what} at byte ${record.offset} is not readable JSON: the file is damaged`);
    return null;
  }
};

interface OpenSection {
  start: TableSectionStart;
  hash: Hash;
  rows: number;
  bytes: number;
  damaged: boolean;
}

/**
 * Reads a backup file start to end with flat memory, checking everything it can: the signature, the
 * order of its records, every block's gzip CRC, each table's row count and SHA-256 against its
 * section end and the manifest, the manifest against the sections, and the whole file's SHA-256
 * against its footer. Each problem goes to `options.problem` as one line naming what and where.
 */
export async function readBackup(file: string, options: ReadOptions): Promise<ReadResult> {
  const { sink, signal, onProgress } = options;
  const problem = options.problem;
  const sections = new Map<string, { rows: number; bytes: number; sha256: string }>();
  const end: { footer: Footer | null; sha256: string | null; trailing: number } = { footer: null, sha256: null, trailing: 0 };
  let manifest: BackupManifest | null = null;
  let header: BackupHeader | null = null;
  let section: OpenSection | null = null;
  let tablesDone = 0;
  let lastOffset = 0;
  let lastPlace = 'its header';
  const blocks: { offset: number; raw: Promise<Buffer> }[] = [];
  const started = new Set<string>();

  const takeBlock = async () => {
    const next = blocks.shift() as { offset: number; raw: Promise<Buffer> };
    let raw: Buffer;
    try {
      raw = await next.raw;
    } catch (error) {
      if (section && !section.damaged) problem(`table ${section.start.name}: the block at byte ${next.offset} is corrupt (${(error as Error).message}): a byte of the file changed`);
      if (section) section.damaged = true;
      return;
    }
    if (!section) return;
    section.hash.update(raw);
    section.rows += countRows(raw);
    section.bytes += raw.length;
    await sink?.block?.(raw);
    onProgress?.({ table: section.start.name, rows: section.rows, bytes: section.bytes, tablesDone, tablesTotal: header?.tables?.length ?? 0 });
  };
  const drain = async () => {
    while (blocks.length > 0) await takeBlock();
  };

  try {
    for await (const record of readRecords(file, end, signal)) {
      lastOffset = record.offset;
      if (record.kind === 'D') {
        if (!section) {
          problem(`a data block at byte ${record.offset} belongs to no table: the file is damaged`);
          continue;
        }
        const raw = gunzip(record.payload, { chunkSize: ZLIB_CHUNK_BYTES });
        raw.catch(() => undefined); // awaited in order by takeBlock
        blocks.push({ offset: record.offset, raw });
        if (blocks.length >= BLOCKS_IN_FLIGHT) await takeBlock();
        continue;
      }
      await drain();
      if (signal?.aborted) throw new MailtrailError('internal', 'cancelled');
      switch (record.kind) {
        case 'H': {
          if (header) problem(`a second header at byte ${record.offset}: the file is damaged`);
          header = parseJson<BackupHeader>(record, 'the header', problem);
          if (header && (header.format !== 'mailtrail-backup' || header.format_version !== 1)) {
            problem(`the header says format ${JSON.stringify(header.format)} version ${String(header.format_version)}; this Mailtrail reads mailtrail-backup version 1`);
          }
          break;
        }
        case 'T': {
          if (section) problem(`table ${section.start.name}: its section has no end before byte ${record.offset}: the file is damaged`);
          const start = parseJson<TableSectionStart>(record, 'a table header', problem);
          section = start ? { start, hash: createHash('sha256'), rows: 0, bytes: 0, damaged: false } : null;
          if (start) {
            started.add(start.name);
            lastPlace = `table ${start.name}'s section`;
            await sink?.startTable?.(start);
          }
          break;
        }
        case 'E': {
          const ended = parseJson<TableSectionEnd>(record, 'a table end', problem);
          if (!section || !ended) break;
          const name = section.start.name;
          const sha256 = section.hash.digest('hex');
          if (!section.damaged) {
            if (ended.sha256 !== sha256 || ended.rows !== section.rows || ended.bytes !== section.bytes) {
              problem(`table ${name}: its rows do not match their checksum (${section.rows} rows read, ${ended.rows} written): a byte of the file changed`);
            } else {
              sections.set(name, { rows: section.rows, bytes: section.bytes, sha256 });
              await sink?.endTable?.(ended);
            }
          }
          section = null;
          tablesDone += 1;
          lastPlace = `table ${name}'s section`;
          break;
        }
        case 'M':
          if (section) problem(`table ${section.start.name}: its section has no end: the file is damaged`);
          manifest = parseJson<BackupManifest>(record, 'the manifest', problem);
          lastPlace = 'its manifest';
          break;
      }
    }
    await drain();
  } catch (error) {
    if (error instanceof BackupFormatError) {
      problem(error.message);
      return { manifest, sections };
    }
    throw error;
  }

  if (!header) problem(`the file has no header: it is damaged`);
  if (!manifest) {
    problem(`the file is truncated: it ends after ${lastPlace} (near byte ${lastOffset}), before its manifest`);
    return { manifest, sections };
  }
  if (!end.footer) {
    if (end.trailing < FOOTER_BYTES) problem(`the file is truncated: it ends ${end.trailing} bytes after its manifest, inside its ${FOOTER_BYTES}-byte footer`);
    else if (end.trailing > FOOTER_BYTES) problem(`the file has ${end.trailing - FOOTER_BYTES} unexpected bytes after its manifest and footer: bytes were added after it was written`);
    else problem(`the file's footer is damaged (it does not begin with ${FOOTER_MAGIC.toString('latin1')}): bytes changed after it was written`);
  } else if (end.footer.sha256 !== end.sha256) {
    problem(`the file's SHA-256 does not match its footer: bytes changed after it was written`);
  }
  const listed = new Set<string>();
  for (const table of manifest.tables ?? []) {
    listed.add(table.name);
    const read = sections.get(table.name);
    if (!read) {
      // A section read but damaged was named by its damage already.
      if (!started.has(table.name)) problem(`table ${table.name}: the manifest lists ${table.rows} rows, but its section is missing from the file`);
      continue;
    }
    if (read.rows !== table.rows || read.sha256 !== table.sha256) {
      problem(`table ${table.name}: the manifest says ${table.rows} rows (sha256 ${table.sha256.slice(0, 12)}…), the file holds ${read.rows} (sha256 ${read.sha256.slice(0, 12)}…)`);
    }
  }
  for (const name of sections.keys()) if (!listed.has(name)) problem(`table ${name}: in the file but not in its manifest`);
  if (!listed.has(REQUIRED_TABLE)) problem(`the backup holds no ${REQUIRED_TABLE}: the log itself is missing`);
  return { manifest, sections };
}
