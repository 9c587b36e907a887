import { closeSync, existsSync, fstatSync, openSync, readSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { MailtrailError } from '../../contract/errors';
import { registerCacheFunctions } from './cache-text';

/** `PRAGMA application_id`: "MTRL", so `file` and SQLite tools can tell a Mailtrail cache. */
export const CACHE_APPLICATION_ID = 0x4d54524c;
/**
 * `PRAGMA user_version`: the cache format; a newer one is refused, never rewritten. 2 added
 * email_messages.status and classification (issue 11, item 10); 3 the search tables (issue 12,
 * item 1); 4 the archive (issue 13, item 5); 5 the sealed chain (issue 15, item 6). A sync
 * migrates an older one in place.
 */
export const CACHE_SCHEMA_VERSION = 5;

const SQLITE_MAGIC = 'SQLite format 3\0';
const HEADER_BYTES = 100;
const MMAP_BYTES = 2 ** 32;

export type CacheDb = Database.Database;

/** What the cache says about itself (cache_info). */
export interface CacheInfo {
  source: string;
  since: string | null;
  until: string | null;
  syncedAt: string | null;
  timeZone: string | null;
  rowCount: number;
  highId: number;
  /** Rollups count exactly the events up to this id; a sync counts the rest once they are all in. */
  rollupHighId: number;
  messagesHighId: number;
  /** The search tables hold every event up to this id (format 3). */
  searchHighId: number;
  /**
   * The sealed chain the cache holds consistently (format 5): entries up to chainSeq and checkpoints up
   * to chainCheckpoint, copied in one snapshot with their events; null where the source had no
   * integrity tables or no sync copied the chain yet. Rows past them are a copy an interrupted sync left.
   */
  chainSeq: number | null;
  chainCheckpoint: number | null;
  state: 'syncing' | 'complete';
}

const INFO_KEYS: Record<keyof CacheInfo, string> = {
  source: 'source_database',
  since: 'since',
  until: 'until',
  syncedAt: 'synced_at',
  timeZone: 'time_zone',
  rowCount: 'row_count',
  highId: 'high_id',
  rollupHighId: 'rollup_high_id',
  messagesHighId: 'messages_high_id',
  searchHighId: 'search_high_id',
  chainSeq: 'chain_seq',
  chainCheckpoint: 'chain_checkpoint',
  state: 'state',
};
const NUMERIC_INFO = new Set<keyof CacheInfo>(['rowCount', 'highId', 'rollupHighId', 'messagesHighId', 'searchHighId']);
const NULLABLE_NUMERIC_INFO = new Set<keyof CacheInfo>(['chainSeq', 'chainCheckpoint']);

// Columns after created_by are what PostgreSQL computed from metadata at sync time, so the
// rollups and the slowest-executions list use exactly PostgreSQL's ->> text and integer cast.
const SCHEMA = `
CREATE TABLE cache_info (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE email_activity_log (
  id INTEGER PRIMARY KEY,
  email_id INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  event_category TEXT NOT NULL,
  description TEXT NOT NULL,
  metadata TEXT,
  user_id INTEGER,
  created_at TEXT,
  created_by TEXT,
  error_type TEXT,
  workflow_name TEXT,
  workflow_status TEXT,
  execution_time_ms INTEGER,
  duration_bucket INTEGER
);
CREATE TABLE users (id INTEGER PRIMARY KEY, user_name TEXT, email TEXT);
CREATE TABLE email_messages (id INTEGER PRIMARY KEY, subject TEXT, sender_email TEXT, sender_name TEXT, received_date TEXT, status TEXT, classification TEXT);
CREATE TABLE email_activity_daily_rollup (
  day TEXT NOT NULL, event_type TEXT NOT NULL, event_category TEXT NOT NULL,
  error_type TEXT NOT NULL, workflow_name TEXT NOT NULL, status TEXT NOT NULL,
  count INTEGER NOT NULL, first_occurrence TEXT, last_occurrence TEXT,
  PRIMARY KEY (day, event_type, event_category, error_type, workflow_name, status)
) WITHOUT ROWID;
CREATE TABLE email_workflow_duration_rollup (
  day TEXT NOT NULL, workflow_name TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (day, workflow_name, bucket)
) WITHOUT ROWID;
`;

// The events a retention run moved to email_activity_log_archive (issue 13, item 5), with the log's
// columns and its own rollups, so the timeline shows them marked archived and analytics can add
// them; `mailtrail sync` keeps it by comparing per-day counts, as it does for the log's deletions.
const ARCHIVE_SCHEMA = `
CREATE TABLE IF NOT EXISTS email_activity_log_archive (
  id INTEGER PRIMARY KEY, email_id INTEGER NOT NULL, event_type TEXT NOT NULL, event_category TEXT NOT NULL,
  description TEXT NOT NULL, metadata TEXT, user_id INTEGER, created_at TEXT, created_by TEXT,
  error_type TEXT, workflow_name TEXT, workflow_status TEXT, execution_time_ms INTEGER, duration_bucket INTEGER
);
CREATE INDEX IF NOT EXISTS archive_email_created ON email_activity_log_archive (email_id, created_at);
CREATE INDEX IF NOT EXISTS archive_created ON email_activity_log_archive (created_at);
CREATE TABLE IF NOT EXISTS email_activity_archive_daily_rollup (
  day TEXT NOT NULL, event_type TEXT NOT NULL, event_category TEXT NOT NULL,
  error_type TEXT NOT NULL, workflow_name TEXT NOT NULL, status TEXT NOT NULL,
  count INTEGER NOT NULL, first_occurrence TEXT, last_occurrence TEXT,
  PRIMARY KEY (day, event_type, event_category, error_type, workflow_name, status)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS email_workflow_archive_duration_rollup (
  day TEXT NOT NULL, workflow_name TEXT NOT NULL, bucket INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (day, workflow_name, bucket)
) WITHOUT ROWID;
`;

// The sealed chain (issue 15, item 6; docs/integrity.md, "Offline"), as PostgreSQL's tables of
// migrations/0013 hold it, so `verify --cache` checks the cached events as `verify --db` checks the
// log: the entries and checkpoints appended by each sync, the keys, the purge seams and the retention
// runs they name (id and purge cutoff) replaced whole. Not unique on event_id: a tampered source is
// copied as it is, for verify to name.
const CHAIN_SCHEMA = `
CREATE TABLE IF NOT EXISTS mailtrail_integrity_entries (
  seq INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, created_at TEXT,
  leaf_hash BLOB NOT NULL, column_prints BLOB NOT NULL, chain_hash BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS mailtrail_integrity_entries_event_id ON mailtrail_integrity_entries (event_id);
CREATE TABLE IF NOT EXISTS mailtrail_integrity_checkpoints (checkpoint INTEGER PRIMARY KEY, body TEXT NOT NULL, checkpoint_hash BLOB NOT NULL, signature BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS mailtrail_integrity_keys (key_id TEXT PRIMARY KEY, public_key TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mailtrail_integrity_purged (run_id INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS mailtrail_retention_runs (id INTEGER PRIMARY KEY, purge_cutoff TEXT);
`;

/** Whether the cache has the archive (format 4); an older one, not yet synced again, shows the log alone. */
export function hasArchive(db: CacheDb): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'email_activity_archive_daily_rollup'`).get() !== undefined;
}

// The search indexes: descriptions lowered as PostgreSQL's lower() does, in a trigram index
// (case_sensitive 1), and each metadata key path with its ->> text, so a search finds its
// events by index as PostgreSQL's pg_trgm and jsonb_path_ops indexes do. A sync fills them in bulk
// after its events (fillSearchTables: five times faster than a trigger per row); they cover the
// events up to search_high_id, and a delete trigger keeps them when a sync removes events.
// The trigram index keeps no positions (detail=none) and flushes every 64 MiB instead of 1 MiB: it
// fills in 4.4 s instead of 9.8 s for 1.78M events and is a third of the size. Without positions it
// answers which events hold every trigram of a text, and the query checks the text itself on those.
const METADATA_ROWS = (row: string, from = '', condition = 'true') => `SELECT key, value, event_id FROM (SELECT
    CASE WHEN t.path = '$' THEN t.key WHEN instr(t.fullkey, '"') = 0 THEN substr(t.fullkey, 3) END AS key,
    CASE t.type WHEN 'text' THEN t.atom WHEN 'integer' THEN CAST(t.atom AS TEXT) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
      WHEN 'real' THEN ${row}.metadata -> t.fullkey ELSE mt_jsonb_text(t.value) END AS value,
    ${row}.id AS event_id
  FROM ${from}json_tree(${row}.metadata) t
  WHERE t.fullkey <> '$' AND t.type <> 'null' AND instr(t.path, '[') = 0 AND typeof(t.key) = 'text' AND ${condition}) WHERE key IS NOT NULL`;
const SEARCH_SCHEMA = `
CREATE VIRTUAL TABLE IF NOT EXISTS activity_text USING fts5(description, content='', contentless_delete=1, detail=none, tokenize='trigram case_sensitive 1');
INSERT INTO activity_text (activity_text, rank) VALUES ('hashsize', ${64 << 20});
CREATE TABLE IF NOT EXISTS activity_metadata (key TEXT NOT NULL, value TEXT NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY (key, value, event_id)) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS activity_search_delete AFTER DELETE ON email_activity_log BEGIN
  DELETE FROM activity_text WHERE rowid = old.id;
  DELETE FROM activity_metadata WHERE (key, value, event_id) IN (${METADATA_ROWS('old')});
END;
`;

/** Lowered as pgLower does; SQLite's own lower() is the same for ASCII and spares a call into JavaScript. */
const LOWERED = `CASE WHEN a.description GLOB '*[^ -~]*' THEN mt_lower(a.description) ELSE lower(a.description) END`;

/** Adds the events with ids in (afterId, upToId], or the listed ids, to the search tables; call inside a transaction. */
export function fillSearchTables(db: CacheDb, events: { afterId: number; upToId: number } | { ids: number[] }): void {
  const [condition, params] = 'ids' in events ? ['a.id IN (SELECT value FROM json_each(?))', [JSON.stringify(events.ids)]] : ['a.id > ? AND a.id <= ?', [events.afterId, events.upToId]];
  db.prepare(`INSERT INTO activity_text (rowid, description) SELECT a.id, ${LOWERED} FROM email_activity_log a WHERE ${condition}`).run(...params);
  db.prepare(
    `INSERT OR IGNORE INTO activity_metadata (key, value, event_id) SELECT * FROM (${METADATA_ROWS('a', 'email_activity_log a, ', condition)}) ORDER BY 1, 2, 3`,
  ).run(...params);
}

/** Whether the cache has its search tables (format 3); an older one, not yet synced again, searches by scan. */
export function hasSearchTables(db: CacheDb): boolean {
  const names = db.prepare(`SELECT name FROM sqlite_master WHERE name IN ('activity_text', 'activity_metadata')`).pluck().all() as string[];
  return names.length === 2;
}

// The rowid is the event's id and ends every index, so (email_id, created_at) orders by (email_id, created_at, id).
// Most events have no user (fetched, classified, rules...), so the user index holds only those that do.
const INDEXES = [
  'CREATE INDEX IF NOT EXISTS log_email_created ON email_activity_log (email_id, created_at)',
  'CREATE INDEX IF NOT EXISTS log_created ON email_activity_log (created_at)',
  'CREATE INDEX IF NOT EXISTS log_type_created ON email_activity_log (event_type, created_at)',
  'CREATE INDEX IF NOT EXISTS log_category_created ON email_activity_log (event_category, created_at)',
  'CREATE INDEX IF NOT EXISTS log_user_created ON email_activity_log (user_id, created_at) WHERE user_id IS NOT NULL',
  `CREATE INDEX IF NOT EXISTS log_slowest ON email_activity_log (execution_time_ms DESC, id) WHERE event_type = 'workflow_executed'`,
];
const INDEX_NAMES = INDEXES.map((statement) => /INDEX IF NOT EXISTS (\w+)/.exec(statement)![1]!);

/** Whether the log's indexes exist: a first sync loads without them and builds them once at the end. */
export function hasIndexes(db: CacheDb): boolean {
  const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'email_activity_log'`).pluck().all() as string[];
  return INDEX_NAMES.every((name) => names.includes(name));
}

/** Builds the missing indexes, each in its own transaction (an interrupted build leaves none half-made). */
export function createIndexes(db: CacheDb, onIndex?: () => void): void {
  for (const statement of INDEXES) {
    db.exec(statement);
    onIndex?.();
  }
}

const refuse = (file: string, why: string) => new MailtrailError('bad_request', `${file} ${why}`);

/**
 * Checks the file's header without opening it in SQLite, so a file we refuse is never touched:
 * not SQLite, not ours, from a newer Mailtrail, or shorter than its header says.
 * Returns false for a missing or empty file (a new cache).
 */
export function checkCacheHeader(file: string): boolean {
  if (!existsSync(file)) return false;
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw refuse(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check the path and its permissions`);
  }
  try {
    const size = fstatSync(fd).size;
    if (fstatSync(fd).isDirectory()) throw refuse(file, 'is a directory, not a Mailtrail cache; give a file name');
    if (size === 0) return false;
    const header = Buffer.alloc(HEADER_BYTES);
    const read = readSync(fd, header, 0, HEADER_BYTES, 0);
    const notOurs = 'is not a Mailtrail cache; give a file made by `mailtrail sync`, or a new file name to sync into';
    if (read < HEADER_BYTES || header.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
      throw refuse(file, `${notOurs} (it is not a SQLite database)`);
    }
    if (header.readUInt32BE(68) !== CACHE_APPLICATION_ID) throw refuse(file, `${notOurs} (it is another program's SQLite database)`);
    const version = header.readUInt32BE(60);
    if (version > CACHE_SCHEMA_VERSION) {
      throw refuse(file, `is a Mailtrail cache of a newer format (${version}, this Mailtrail reads ${CACHE_SCHEMA_VERSION}); update Mailtrail, or sync into a new file`);
    }
    const rawPageSize = header.readUInt16BE(16);
    const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
    const pages = header.readUInt32BE(28);
    const pagesValid = header.readUInt32BE(92) === header.readUInt32BE(24);
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0 || size % pageSize !== 0 || (pagesValid && pages * pageSize > size)) {
      throw refuse(file, 'is a damaged Mailtrail cache (truncated or corrupt); delete it and run `mailtrail sync` again');
    }
    if (version < 1) throw refuse(file, 'is an unfinished Mailtrail cache with no schema; delete it and run `mailtrail sync` again');
    return true;
  } finally {
    closeSync(fd);
  }
}

/** Opens our cache read-only for viewing, refusing a file that is not one or is damaged. */
export function openCacheForReading(file: string): CacheDb {
  if (!checkCacheHeader(file)) throw refuse(file, 'does not exist or is empty; run `mailtrail sync --db URL --cache FILE` first');
  const db = openChecked(file, true);
  return db;
}

/**
 * A second read-only connection to a cache that openCacheForReading has checked: an export's
 * statement keeps its connection busy between batches, and the screens' queries go on beside it.
 */
export function openCacheReader(file: string): CacheDb {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma(`mmap_size = ${MMAP_BYTES}`);
  registerCacheFunctions(db);
  return db;
}

/** Opens (or creates) a cache for `mailtrail sync`; a refused file is never written to. */
export function openCacheForWriting(file: string): CacheDb {
  if (!checkCacheHeader(file)) createCacheFile(file);
  const db = openChecked(file, false);
  registerCacheFunctions(db);
  migrateCache(db);
  // WAL with NORMAL syncs only at checkpoints: always consistent, and a bulk load is not held up by an fsync every few MB.
  db.pragma('synchronous = NORMAL');
  db.pragma('wal_autocheckpoint = 65536');
  // SQLite's sorter builds an index from sorted pieces of a cache's worth each, written to temporary
  // files and merged, on a second thread that PostgreSQL, done with its COPY, leaves free. Small
  // pieces sort faster: 4 MB ones built a million events' indexes in 3.0 s, one in memory in 4.9 s.
  db.pragma('cache_size = -4096');
  db.pragma('temp_store = FILE');
  db.pragma('threads = 2');
  return db;
}

/**
 * Brings an older cache to CACHE_SCHEMA_VERSION in one transaction. Version 1 lacked the
 * messages' status and classification: the columns are added and the messages' high-water mark
 * reset, so this sync copies email_messages whole once and fills them.
 */
function migrateCache(db: CacheDb): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= CACHE_SCHEMA_VERSION) return;
  db.transaction(() => {
    if (version < 2) {
      db.exec('ALTER TABLE email_messages ADD COLUMN status TEXT');
      db.exec('ALTER TABLE email_messages ADD COLUMN classification TEXT');
      writeCacheInfo(db, { messagesHighId: 0 });
    }
    // The search tables start empty, search_high_id at 0: this sync fills them.
    if (version < 3) {
      db.exec(SEARCH_SCHEMA);
      db.exec('DELETE FROM activity_text; DELETE FROM activity_metadata');
      writeCacheInfo(db, { searchHighId: 0 });
    }
    // The archive starts empty: this sync's per-day comparison fills it.
    if (version < 4) db.exec(ARCHIVE_SCHEMA);
    // The chain starts empty (chain_seq unset): this sync copies it whole.
    if (version < 5) db.exec(CHAIN_SCHEMA);
    db.pragma(`user_version = ${CACHE_SCHEMA_VERSION}`);
    db.prepare(`UPDATE cache_info SET value = ? WHERE key = 'schema_version'`).run(String(CACHE_SCHEMA_VERSION));
  })();
}

/** Whether the cache's email_messages has status and classification (a version 1 cache, not yet synced again, has not). */
export function hasMessageStatus(db: CacheDb): boolean {
  const columns = db.prepare(`SELECT name FROM pragma_table_info('email_messages')`).pluck().all() as string[];
  return columns.includes('status') && columns.includes('classification');
}

/** A new, empty cache, made beside the file and renamed into place, so a kill never leaves half a header. */
function createCacheFile(file: string): void {
  const creating = `${file}.creating`;
  rmSync(creating, { force: true });
  const db = new Database(creating);
  try {
    db.pragma('page_size = 8192');
    db.pragma('journal_mode = WAL');
    db.transaction(() => {
      db.exec(SCHEMA);
      db.exec(SEARCH_SCHEMA);
      db.exec(ARCHIVE_SCHEMA);
      db.exec(CHAIN_SCHEMA);
      writeCacheInfo(db, { rollupHighId: 0, searchHighId: 0 });
      db.pragma(`application_id = ${CACHE_APPLICATION_ID}`);
      db.pragma(`user_version = ${CACHE_SCHEMA_VERSION}`);
    })();
  } finally {
    db.close();
  }
  renameSync(creating, file);
}

function openChecked(file: string, readonly: boolean): CacheDb {
  let db: CacheDb | undefined;
  try {
    db = new Database(file, { readonly, fileMustExist: true });
    // Pages mapped rather than copied: the check below and every later read touch the file's pages directly.
    db.pragma(`mmap_size = ${MMAP_BYTES}`);
    // Reading every page of the log's tables once finds damage past the header before any screen
    // trips over it. The search tables are left out: they are a third of a cache, and damage there
    // shows as an error from a search, which a sync repairs (it refills them from the events).
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'activity_text%' AND name <> 'activity_metadata' AND name NOT LIKE 'sqlite_%'`)
      .pluck()
      .all() as string[];
    for (const table of tables) {
      const [check] = db.pragma(`quick_check("${table}")`) as { quick_check: string }[];
      if (check?.quick_check !== 'ok') throw new Error(check?.quick_check ?? 'quick_check failed');
    }
    readCacheInfo(db);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof MailtrailError) throw error;
    throw refuse(file, 'is a damaged Mailtrail cache (truncated or corrupt); delete it and run `mailtrail sync` again');
  }
}

export function readCacheInfo(db: CacheDb): CacheInfo {
  const rows = db.prepare('SELECT key, value FROM cache_info').all() as { key: string; value: string | null }[];
  const values = new Map(rows.map((row) => [row.key, row.value]));
  const info = {} as Record<keyof CacheInfo, unknown>;
  for (const [field, key] of Object.entries(INFO_KEYS) as [keyof CacheInfo, string][]) {
    const value = values.get(key) ?? null;
    info[field] = NUMERIC_INFO.has(field) ? Number(value ?? 0) : NULLABLE_NUMERIC_INFO.has(field) && value !== null ? Number(value) : value;
  }
  if (info.state !== 'complete') info.state = 'syncing';
  // A new cache starts at 0; caches made before rollup_high_id counted each batch into the rollups as it was written.
  if (!values.has(INFO_KEYS.rollupHighId)) info.rollupHighId = info.highId;
  return info as CacheInfo;
}

/** Writes fields of cache_info; call inside the transaction whose rows they describe. */
export function writeCacheInfo(db: CacheDb, fields: Partial<CacheInfo>): void {
  const upsert = db.prepare('INSERT INTO cache_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  for (const [field, value] of Object.entries(fields) as [keyof CacheInfo, unknown][]) {
    upsert.run(INFO_KEYS[field], value === null || value === undefined ? null : String(value));
  }
  if ('rowCount' in fields || 'state' in fields) {
    upsert.run('schema_version', String(CACHE_SCHEMA_VERSION));
  }
}
