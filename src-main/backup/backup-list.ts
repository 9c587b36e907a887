import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MailtrailError } from '../contract/errors';
import { BACKUP_EXTENSION, readManifestRecord } from './backup-format';
import type { BackupManifest } from './backup-run';

export interface BackupListing {
  file: string;
  bytes: number;
  /** The file's modification time, ISO 8601 UTC. */
  modified: string;
  manifest: BackupManifest | null;
  /** Why the manifest could not be read (truncated, not a backup…); null when it could. */
  problem: string | null;
}

/** A listing reads each file's footer and manifest only; `backup verify` reads the rest. */
async function describe(file: string): Promise<BackupListing> {
  const info = await stat(file);
  const listing = { file, bytes: info.size, modified: info.mtime.toISOString() };
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    return { ...listing, manifest: null, problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  try {
    const read = await readManifestRecord(handle, info.size);
    if (typeof read === 'string') return { ...listing, manifest: null, problem: read };
    try {
      const manifest = JSON.parse(read.payload.toString('utf8')) as BackupManifest;
      if (manifest.format !== 'mailtrail-backup' || !Array.isArray(manifest.tables)) return { ...listing, manifest: null, problem: 'damaged: its manifest is not a backup manifest' };
      return { ...listing, manifest, problem: null };
    } catch {
      return { ...listing, manifest: null, problem: 'damaged: its manifest is not readable JSON' };
    }
  } finally {
    await handle.close();
  }
}

/** The backups in `dir` (files ending .mtbackup; unfinished .part files are not backups), newest first. */
export async function listBackups(dir: string): Promise<BackupListing[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new MailtrailError('not_found', `the backup folder ${dir} does not exist`);
    if (code === 'ENOTDIR') throw new MailtrailError('bad_request', `${dir} is a file, not a folder of backups`);
    throw new MailtrailError('internal', `cannot read the backup folder ${dir}: ${code ?? (error as Error).message}`);
  }
  const listings: BackupListing[] = [];
  for (const name of names.filter((entry) => entry.endsWith(BACKUP_EXTENSION))) {
    const file = join(dir, name);
    try {
      listings.push(await describe(file));
    } catch (error) {
      // Removed between readdir and stat (a pruning job): not a backup any more.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const time = (listing: BackupListing) => listing.manifest?.started_at ?? listing.modified;
  return listings.sort((a, b) => (time(a) < time(b) ? 1 : time(a) > time(b) ? -1 : a.file < b.file ? 1 : -1));
}
