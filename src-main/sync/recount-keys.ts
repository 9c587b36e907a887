import { CACHE_KEYS_FINGERPRINT, sqlite as rollupKeys } from '../store/rollup-keys';
import { liveDailySql, liveDurationSql } from '../store/sqlite/analytics.query';
import { hasArchive, readCacheInfo, writeCacheInfo, type CacheDb } from '../store/sqlite/cache-file';

const FINGERPRINT_KEY = 'rollup_keys';

/**
 * A cache keeps the rollup keys it computed while syncing. When store/rollup-keys.ts has changed
 * since (or the cache predates the fingerprint), its key columns and rollups are computed again
 * from the cached metadata, in one transaction, before this sync adds to them.
 */
export function recountIfKeysChanged(db: CacheDb): void {
  const recorded = db.prepare('SELECT value FROM cache_info WHERE key = ?').pluck().get(FINGERPRINT_KEY);
  if (recorded === CACHE_KEYS_FINGERPRINT) return;
  db.transaction(() => {
    const info = readCacheInfo(db);
    if (info.rowCount > 0 || info.highId > 0) {
      for (const statement of rollupKeys.recompute()) db.exec(statement);
      db.exec('DELETE FROM email_activity_daily_rollup; DELETE FROM email_workflow_duration_rollup');
      db.exec(`INSERT INTO email_activity_daily_rollup ${liveDailySql([])}`);
      db.exec(`INSERT INTO email_workflow_duration_rollup ${liveDurationSql([])}`);
      writeCacheInfo(db, { rollupHighId: info.highId });
      // The archive's key columns are not recomputed: it is emptied, and this sync's per-day comparison copies it again.
      if (hasArchive(db)) db.exec('DELETE FROM email_activity_log_archive; DELETE FROM email_activity_archive_daily_rollup; DELETE FROM email_workflow_archive_duration_rollup');
    }
    db.prepare('INSERT INTO cache_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(
      FINGERPRINT_KEY,
      CACHE_KEYS_FINGERPRINT,
    );
  })();
}
