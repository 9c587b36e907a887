import { migrate } from '../db/migrate';
import { refreshRoleGrants } from '../db/roles';
import { openWritableTarget } from '../source/open-source';
import type { CommandIo } from './io';

/** `mailtrail migrate [--db URL]`: applies migrations/ in order; a second run applies nothing. */
export async function runMigrate(options: { db: string | undefined }, io: CommandIo): Promise<number> {
  const target = await openWritableTarget({ db: options.db, onProgress: io.note });
  try {
    const report = await migrate(target.db);
    for (const name of report.applied) io.out(`applied ${name}`);
    for (const skipped of report.skipped) io.out(`skipped ${skipped}`);
    io.out(`migrated ${target.description}: ${report.applied.length} applied, ${report.alreadyApplied.length} already applied`);
    // New tables need the roles' grants (`mailtrail roles`); where the roles exist they are brought up to date here.
    const client = await target.db.connect();
    try {
      const { note } = await refreshRoleGrants(client);
      if (note) io.note(note);
    } finally {
      client.release();
    }
    return 0;
  } finally {
    await target.close();
  }
}
