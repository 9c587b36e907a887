import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { constants as zlibConstants } from 'node:zlib';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { journalActor, journaled, toAdminError } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import { describeTarget, toMailtrailError, type AdminDb } from '../db/connection';
import { mailtrailVersion } from '../reports/report-model';
import { BACKUP_EXTENSION, BackupWriter, BLOCK_BYTES, countRows, FOOTER_BYTES, gzip, ZLIB_CHUNK_BYTES } from './backup-format';
import { columnList, discoverTables, quoteIdentifier, REQUIRED_TABLE, type TableShape } from './backup-tables';

export interface BackupProgress {
  table: string;
  rows: number;
  bytes: number;
  tablesDone: number;
  tablesTotal: number;
}

export interface BackupTableEntry {
  name: string;
  rows: number;
  /** SHA-256 (hex) of the table's COPY text, uncompressed. */
  sha256: string;
  /** Bytes of that COPY text. */
  bytes: number;
  /** The columns in the COPY text, in order: what restore copies into. */
  columns: string[];
}

export interface BackupManifest {
  format: 'mailtrail-backup';
  format_version: 1;
  mailtrail_version: string;
  /** The newest migration applied to the source ('none' for a database Mailtrail never migrated). */
  schema_version: string;
  /** host:port/database and user, never the password. */
  source: string;
  started_at: string;
  finished_at: string;
  tables: BackupTableEntry[];
  /** The last sealed entry of the hash chain, or null where nothing is sealed. */
  chain_head: { sequence: number; hash: string } | null;
  /** Tables Mailtrail knows that the source does not have (a seed-only database has none of its own). */
  absent_tables: string[];
  compression: 'gzip';
}

export interface BackupResult {
  file: string;
  bytes: number;
  manifest: BackupManifest;
  durationMs: number;
}

export interface BackupOptions {
  db: AdminDb;
  toDir: string;
  signal?: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
  /** Who the journal names; the CLI's and the desktop app's OS user by default. */
  actor?: string;
  /** gzip level of the blocks: 1 (fast, default) to 9 (small). */
  level?: number;
}

// Blocks compressing at once: libuv's threadpool has 4 threads; more in flight only holds more memory.
const BLOCKS_IN_FLIGHT = 4;
const DEFAULT_LEVEL = 1;
/**
 * A table whose first block shrinks less than this with string matching holds mostly hashes (the
 * sealed chain's entries shrink 2.2 times): its blocks are Huffman-coded only, about three times as
 * fast for a sixth less shrinking. Still gzip; readers see no difference.
 */
const MATCHING_PAYS_RATIO = 3;

const noop = () => undefined;

/** `20261128T194800.123Z`: sorts as the time does. */
const fileTime = (date: Date) => date.toISOString().replace(/[-:]/g, '');

const safeName = (database: string) => database.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60) || 'db';

export const backupFileName = (database: string, date: Date) => `mailtrail-${safeName(database)}-${fileTime(date)}${BACKUP_EXTENSION}`;

function cancelled(): MailtrailError {
  return new MailtrailError('internal', 'the backup was cancelled; no file was kept');
}

/** Opens NAME.part for writing, never over an existing file: a second backup in the same millisecond takes the next. */
async function openPart(toDir: string, database: string): Promise<{ file: string; part: string; handle: FileHandle }> {
  let time = Date.now();
  for (let attempt = 0; ; attempt += 1) {
    const file = join(toDir, backupFileName(database, new Date(time)));
    try {
      await stat(file);
      time += 1;
      continue;
    } catch {
      // Free: no finished backup by that name.
    }
    try {
      // Owner only: a backup holds the whole log, its users and the journal (Windows ignores the mode).
      return { file, part: `${file}.part`, handle: await open(`${file}.part`, 'wx', 0o600) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 100) throw error;
      time += 1;
    }
  }
}

interface TableCopy {
  rows: number;
  bytes: number;
  sha256: string;
}

/** One table's COPY text into the writer as independently compressed blocks, several compressing at once. */
async function copyTable(
  client: pg.PoolClient,
  table: TableShape,
  writer: BackupWriter,
  level: number,
  signal: AbortSignal | undefined,
  progress: (rows: number, bytes: number) => void,
): Promise<TableCopy & { copied: number }> {
  const columns = columnList(table.columns);
  // COPY cannot read a partitioned table itself, only a query over it.
  const statement = table.partitioned
    ? `COPY (SELECT ${columns} FROM ${quoteIdentifier(table.name)}) TO STDOUT`
    : `COPY ${quoteIdentifier(table.name)} (${columns}) TO STDOUT`;
  const stream = client.query(copyTo(statement));
  const hash = createHash('sha256');
  const inFlight: Promise<Buffer>[] = [];
  let pieces: Buffer[] = [];
  let pieceBytes = 0;
  let rows = 0;
  let bytes = 0;
  let options: { level: number; chunkSize: number; strategy?: number } | null = null;
  const compress = async () => {
    const raw = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, pieceBytes);
    pieces = [];
    pieceBytes = 0;
    if (options === null) {
      // The first block, alone, decides how the table's blocks compress.
      const first = await gzip(raw, { level, chunkSize: ZLIB_CHUNK_BYTES });
      // A level above the default asks for the smallest file: it always matches.
      const matchingPays = level > DEFAULT_LEVEL || raw.length >= first.length * MATCHING_PAYS_RATIO;
      options = matchingPays ? { level, chunkSize: ZLIB_CHUNK_BYTES } : { level, chunkSize: ZLIB_CHUNK_BYTES, strategy: zlibConstants.Z_HUFFMAN_ONLY };
      inFlight.push(Promise.resolve(first));
      return;
    }
    const block = gzip(raw, options);
    block.catch(noop); // awaited in order below; this only keeps a failure from going unhandled meanwhile
    inFlight.push(block);
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (signal?.aborted) throw cancelled();
    hash.update(chunk);
    rows += countRows(chunk);
    bytes += chunk.length;
    pieces.push(chunk);
    pieceBytes += chunk.length;
    if (pieceBytes >= BLOCK_BYTES) {
      await compress();
      while (inFlight.length >= BLOCKS_IN_FLIGHT) await writer.record('D', await (inFlight.shift() as Promise<Buffer>));
      progress(rows, bytes);
    }
  }
  if (pieceBytes > 0) await compress();
  while (inFlight.length > 0) await writer.record('D', await (inFlight.shift() as Promise<Buffer>));
  progress(rows, bytes);
  return { rows, bytes, sha256: hash.digest('hex'), copied: (stream as unknown as { rowCount: number }).rowCount };
}

async function tableExists(client: pg.ClientBase, name: string): Promise<boolean> {
  const { rows } = await client.query<{ found: boolean }>('SELECT to_regclass($1) IS NOT NULL AS found', [name]);
  return rows[0]?.found === true;
}

async function schemaVersion(client: pg.ClientBase): Promise<string> {
  if (!(await tableExists(client, 'mailtrail_migrations'))) return 'none';
  const { rows } = await client.query<{ name: string | null }>('SELECT max(name) AS name FROM mailtrail_migrations');
  return rows[0]?.name ?? 'none';
}

async function chainHead(client: pg.ClientBase, present: boolean): Promise<BackupManifest['chain_head']> {
  if (!present) return null;
  const { rows } = await client.query<{ seq: number; hash: string }>(
    `SELECT seq, encode(chain_hash, 'hex') AS hash FROM mailtrail_integrity_entries ORDER BY seq DESC LIMIT 1`,
  );
  return rows[0] ? { sequence: Number(rows[0].seq), hash: rows[0].hash } : null;
}

/**
 * Writes one consistent backup of the database into a new file in `toDir` (see backup-format.ts):
 * one REPEATABLE READ READ ONLY transaction, every table COPYed out in it, the rows that reached the
 * file checked against the server's count of the snapshot's rows. The file is written as NAME.part, synced, read back and hashed, and only then
 * renamed; on any failure (or cancel) the part file is removed and a MailtrailError thrown.
 */
async function writeBackup(options: BackupOptions, client: pg.PoolClient, database: string): Promise<BackupResult> {
  const began = performance.now();
  const startedAt = new Date().toISOString();
  const { signal, onProgress } = options;
  const level = options.level ?? DEFAULT_LEVEL;
  const url = (options.db.options as { connectionString?: string }).connectionString;
  const source = url ? describeTarget(url) : database;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  // A backup reads for minutes at ten million events; the admin connection's 60 s is for writes.
  await client.query('SET LOCAL statement_timeout = 0');
  const plan = await discoverTables(client);
  if (!plan.tables.some((table) => table.name === REQUIRED_TABLE)) {
    throw new MailtrailError('unavailable', `the database ${source} has no ${REQUIRED_TABLE}: it is not a Mailtrail (or hub) database`);
  }
  const [schema_version, chain_head] = [await schemaVersion(client), await chainHead(client, plan.tables.some((table) => table.name === 'mailtrail_integrity_entries'))];

  await mkdir(options.toDir, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    throw new MailtrailError('bad_request', `cannot create the backup folder ${options.toDir}: ${error.code ?? error.message}`);
  });
  let opened: Awaited<ReturnType<typeof openPart>>;
  try {
    opened = await openPart(options.toDir, database);
  } catch (error) {
    throw new MailtrailError('bad_request', `cannot write a backup into ${options.toDir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const { file, part, handle } = opened;
  let closed = false;
  try {
    const writer = new BackupWriter(handle);
    await writer.magic();
    await writer.json('H', { format: 'mailtrail-backup', format_version: 1, mailtrail_version: mailtrailVersion(), source, started_at: startedAt, tables: plan.tables.map((table) => table.name) });
    const tables: BackupTableEntry[] = [];
    for (const [index, table] of plan.tables.entries()) {
      if (signal?.aborted) throw cancelled();
      await writer.json('T', { name: table.name, columns: table.columns });
      const copy = await copyTable(client, table, writer, level, signal, (rows, bytes) =>
        onProgress?.({ table: table.name, rows, bytes, tablesDone: index, tablesTotal: plan.tables.length }),
      );
      // The server's own count of what COPY read from the snapshot (its `COPY n`), against the rows
      // that reached the file: one scan of each table, not a second one for count(*).
      if (copy.rows !== copy.copied) {
        throw new MailtrailError('internal', `${table.name}: the backup wrote ${copy.rows} rows but the snapshot holds ${copy.copied}; no file was kept`);
      }
      await writer.json('E', { name: table.name, rows: copy.rows, bytes: copy.bytes, sha256: copy.sha256 });
      tables.push({ name: table.name, rows: copy.rows, sha256: copy.sha256, bytes: copy.bytes, columns: table.columns });
      onProgress?.({ table: table.name, rows: copy.rows, bytes: copy.bytes, tablesDone: index + 1, tablesTotal: plan.tables.length });
    }
    await client.query('COMMIT');
    const manifest: BackupManifest = {
      format: 'mailtrail-backup',
      format_version: 1,
      mailtrail_version: mailtrailVersion(),
      schema_version,
      source,
      started_at: startedAt,
      finished_at: new Date().toISOString(),
      tables,
      chain_head,
      absent_tables: plan.absent,
      compression: 'gzip',
    };
    const manifestOffset = await writer.json('M', manifest);
    const sha256 = await writer.finish(manifestOffset);
    await handle.sync();
    await handle.close();
    closed = true;
    // What the disk holds is what was written: read back and hashed before the name says "finished".
    const size = (await stat(part)).size;
    if (size !== writer.bytesWritten || (await sha256OfPrefix(part, size - FOOTER_BYTES)) !== sha256) {
      throw new MailtrailError('internal', `${part} reads back differently from what was written (${size} of ${writer.bytesWritten} bytes); no file was kept`);
    }
    if (signal?.aborted) throw cancelled();
    await rename(part, file);
    await syncFolder(options.toDir);
    return { file, bytes: size, manifest, durationMs: Math.round(performance.now() - began) };
  } catch (error) {
    if (!closed) await handle.close().catch(noop);
    await unlink(part).catch(noop);
    throw error;
  }
}

async function sha256OfPrefix(file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  if (bytes > 0) {
    for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) hash.update(chunk);
  }
  return hash.digest('hex');
}

/** The rename itself made durable; Windows cannot open a folder for fsync, and needs none. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const folder = await open(dir, 'r').catch(() => null);
  await folder?.sync().catch(noop);
  await folder?.close().catch(noop);
}

/** `mailtrail backup run`: a backup through the admin connection, journaled as backup.run where the database has a journal. */
export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  if (options.signal?.aborted) throw cancelled();
  const url = (options.db.options as { connectionString?: string }).connectionString;
  let found: { database: string; journal: boolean } | undefined;
  try {
    ({ rows: [found] } = await options.db.query<{ database: string; journal: boolean }>(
      `SELECT current_database() AS database, to_regclass('mailtrail_admin_journal') IS NOT NULL AS journal`,
    ));
  } catch (error) {
    throw toMailtrailError(error, url);
  }
  const database = found?.database ?? 'db';
  // The backup's own connection is taken once the journal has its entry: a pool of one still works.
  const backup = async () => {
    let client: pg.PoolClient;
    try {
      client = await options.db.connect();
    } catch (error) {
      throw toMailtrailError(error, url);
    }
    let broken: Error | undefined;
    try {
      return await writeBackup(options, client, database);
    } catch (error) {
      // A failed backup may leave its connection inside a COPY: the pool closes it rather than reuse it.
      broken = error instanceof Error ? error : new Error(String(error));
      throw error instanceof MailtrailError ? error : toAdminError(error);
    } finally {
      client.release(broken);
    }
  };
  // A seed-only database has no journal to write to; the backup is a read and still runs.
  if (!found?.journal) return backup();
  return journaled(options.db, { actor: options.actor ?? journalActor(), action: 'backup.run', parameters: { to: options.toDir } }, backup);
}
