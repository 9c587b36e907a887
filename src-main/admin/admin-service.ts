import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import type { AdminDb, ReadableDb } from '../db/connection';
import { decodeId, encodeId } from '../service/cursor';
import { RETENTION_OPERATIONS, type RetentionApi, type RetentionOperations } from '../service/retention-service';
import { WORKFLOW_OPERATIONS, type WorkflowOperations } from '../service/workflows-service';
import { BACKUP_OPERATIONS, type BackupOperations, type BackupsApi } from '../service/backups-service';
import { listJournal } from './journal';

/**
 * What the admin operations run on, given to the service apart from the viewer's store: writes never
 * go through the store's read-only pool.
 */
export interface AdminAccess {
  /** The admin connection (src-main/source/open-source.ts chooses it); null when none is configured, and writes refuse. */
  db: AdminDb | null;
  /** Who the journal names for writes through this service: journalActor() in the CLI and desktop, SERVE_ACTOR in serve. */
  actor: string;
  /** Where the journal is read: the admin connection when there is one, else the viewer's (a SELECT); null for an offline cache. */
  journalDb: ReadableDb | null;
  /** Retention over the live database (reads on the viewer's pool, writes on `db`); absent for an offline cache. */
  retention?: RetentionApi | null;
  /** The workflows CRUD API over the live database (reads on the viewer's pool, writes on `db`); absent for an offline cache. */
  workflows?: WorkflowOperations | null;
  /** Backup jobs over the live database (reads on the viewer's pool, writes and runs on `db`); absent for an offline cache. */
  backups?: BackupsApi | null;
}

export const NO_ADMIN: AdminAccess = { db: null, actor: 'unknown', journalDb: null };

export type AdminOperations = Pick<MailtrailService, 'admin/journal'> & RetentionOperations & WorkflowOperations & BackupOperations;

const NO_RETENTION = 'retention needs the live PostgreSQL database and this is an offline cache; open the database to preview or run retention';

const NO_BACKUPS = 'backup jobs need the live PostgreSQL database and this is an offline cache; open the database to see or change backups';

const NO_WORKFLOWS = 'workflows need the live PostgreSQL database and this is an offline cache; open the database to read or change workflows';

/**
 * A capability's operations from its implementation as it is at each call (the desktop's admin
 * connection changes), or 503 saying why where there is none (an offline cache).
 */
function delegated<Name extends string, Operations extends Record<Name, unknown>>(names: readonly Name[], current: () => Operations | null | undefined, missing: string): Operations {
  return Object.fromEntries(
    names.map((name) => [
      name,
      (request: never) => {
        const implementation = current();
        if (!implementation) throw new MailtrailError('unavailable', missing);
        return (implementation[name] as (request: never) => Promise<unknown>)(request);
      },
    ]),
  ) as unknown as Operations;
}

/** The admin operations, implemented once; createLogService adds them to the log's. */
export function createAdminService(access: AdminAccess): AdminOperations {
  return {
    ...delegated<(typeof RETENTION_OPERATIONS)[number], RetentionOperations>(RETENTION_OPERATIONS, () => access.retention, NO_RETENTION),
    ...delegated<(typeof WORKFLOW_OPERATIONS)[number], WorkflowOperations>(WORKFLOW_OPERATIONS, () => access.workflows, NO_WORKFLOWS),
    ...delegated<(typeof BACKUP_OPERATIONS)[number], BackupOperations>(BACKUP_OPERATIONS, () => access.backups, NO_BACKUPS),
    async 'admin/journal'({ limit, cursor, actions, actors, from, to }) {
      const journalDb = access.db ?? access.journalDb;
      if (!journalDb) {
        throw new MailtrailError('not_found', 'the admin journal is kept in the live PostgreSQL database and an offline cache has no copy; open the live database to read it');
      }
      const rows = await listJournal(journalDb, { limit: limit + 1, beforeId: cursor ? decodeId(cursor) : undefined, actions, actors, from, to });
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > limit && last ? encodeId(last.id) : null };
    },
  };
}
