import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MailtrailError } from '../contract/errors';
import { openAdminDb, openReadableDb } from '../db/connection';
import { startEmbeddedPostgres } from '../db/embedded';
import { verify as verifyIntegrity } from '../service/integrity-service';
import { readBackup } from './backup-read';
import { restoreBackup } from './backup-restore';
import type { BackupManifest, BackupProgress } from './backup-run';
import { quoteIdentifier } from './backup-tables';

export interface BackupVerification {
  file: string;
  ok: boolean;
  /** One line per problem: what is wrong and where. */
  problems: string[];
  manifest: BackupManifest | null;
  restoreTested: boolean;
  durationMs: number;
}

export interface VerifyOptions {
  /** Restore into a scratch embedded PostgreSQL and compare (default true). */
  restoreTest?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
  /** Notes on the way (the scratch server starting); the CLI shows them on stderr. */
  onNote?: (line: string) => void;
}

/**
 * The restore test: a throwaway PostgreSQL in a temporary folder, the backup restored into it as
 * `backup restore` would, then every table's row count and the chain head compared with the
 * manifest, and the sealed log verified as `mailtrail verify --db` would.
 */
async function testRestore(file: string, manifest: BackupManifest, options: VerifyOptions): Promise<string[]> {
  const problems: string[] = [];
  const folder = await mkdtemp(join(tmpdir(), 'mailtrail-verify-'));
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>> | null = null;
  try {
    options.onNote?.('starting a scratch PostgreSQL for the test restore');
    server = await startEmbeddedPostgres({ dataDir: join(folder, 'pg'), persistent: false, throwaway: true });
    await server.createDatabase('restore_test');
    const url = server.url('restore_test');
    const admin = openAdminDb(url);
    try {
      await restoreBackup(file, { db: admin, journal: false, signal: options.signal, onProgress: options.onProgress });
      for (const table of manifest.tables) {
        const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::bigint AS n FROM ${quoteIdentifier(table.name)}`);
        const n = Number(rows[0]?.n ?? 0);
        if (n !== table.rows) problems.push(`table ${table.name}: the test restore holds ${n} rows, the manifest ${table.rows}`);
      }
      if (manifest.chain_head) {
        const { rows } = await admin.query<{ seq: number; hash: string }>(`SELECT seq, encode(chain_hash, 'hex') AS hash FROM mailtrail_integrity_entries ORDER BY seq DESC LIMIT 1`);
        const head = rows[0];
        if (!head || Number(head.seq) !== manifest.chain_head.sequence || head.hash !== manifest.chain_head.hash) {
          problems.push(`the sealed chain's head after the test restore is ${head ? `seq ${head.seq} ${head.hash.slice(0, 12)}…` : 'missing'}, the manifest's seq ${manifest.chain_head.sequence} ${manifest.chain_head.hash.slice(0, 12)}…`);
        } else {
          const viewer = openReadableDb(url, { statementTimeoutMs: 0 });
          try {
            const report = await verifyIntegrity(viewer, {});
            if (!report.intact) {
              problems.push(`the restored log does not verify against its sealed chain: ${report.failures[0]?.message ?? 'see `mailtrail verify`'}${report.failures.length + report.failures_omitted > 1 ? ` (and ${report.failures.length + report.failures_omitted - 1} more)` : ''}`);
            }
          } finally {
            await viewer.end().catch(() => undefined);
          }
        }
      }
    } finally {
      await admin.end().catch(() => undefined);
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    problems.push(`the test restore failed: ${error instanceof MailtrailError ? error.message : (error as Error).message}`);
  } finally {
    await server?.stop().catch(() => undefined);
    await rm(folder, { recursive: true, force: true }).catch(() => undefined);
  }
  return problems;
}

/**
 * `mailtrail backup verify FILE`: every section's and the manifest's checksums, the file's own, then
 * (unless restoreTest is false) a real restore into a scratch PostgreSQL. Never throws for a bad
 * file: its problems are the answer; throws only when the file cannot be opened at all.
 */
export async function verifyBackup(file: string, options: VerifyOptions = {}): Promise<BackupVerification> {
  const began = performance.now();
  const problems: string[] = [];
  const { manifest } = await readBackup(file, { signal: options.signal, onProgress: options.onProgress, problem: (line) => problems.push(line) }).catch((error: unknown) => {
    if (error instanceof MailtrailError && error.code === 'not_found') throw error;
    problems.push(error instanceof Error ? error.message : String(error));
    return { manifest: null };
  });
  let restoreTested = false;
  if (problems.length === 0 && manifest && options.restoreTest !== false) {
    problems.push(...(await testRestore(file, manifest, options)));
    restoreTested = true;
  }
  return { file, ok: problems.length === 0, problems, manifest, restoreTested, durationMs: Math.round(performance.now() - began) };
}
