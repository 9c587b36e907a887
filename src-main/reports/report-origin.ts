import { journalActor } from '../admin/journal';
import type { ReportSource } from '../contract/reports';
import type { AdminDb } from '../db/connection';
import type { LogSource } from '../source/open-source';
import type { LogStore } from '../store/log-store';
import { reportRegisterPath } from './register';

/** What a report's provenance and its records need from where it is made (the app, `serve`, the CLI). */
export interface ReportOrigin {
  /** Where the events come from: host and database name, or the cache file; never credentials. */
  source: ReportSource;
  /** generated_by: MAILTRAIL_ACTOR, else the OS user (as the journal names people). */
  actor: string;
  /** The zone of every event timestamp: the database's TimeZone, in which the hub wrote the zoneless created_at. */
  timeZone: string;
  /** The register of reports made on this machine; null records nothing (a REST download is the caller's file). */
  registerPath: string | null;
  /** Where `report.export` is journaled: the admin connection, when there is one. */
  journalDb: AdminDb | null;
  /** The sealed log's newest checkpoint (`N:HASH`) when the report is made, or null. */
  checkpoint: string | null;
  /** The source's store, whose streamEvents and streamEventLines read a scope whole: one statement, not the screens' pages. */
  store: Pick<LogStore, 'streamEvents' | 'streamEventLines'>;
}

/** PostgreSQL's host and database name from its URL, without the user or password. */
export function postgresSource(url: string | null): ReportSource {
  try {
    const parsed = new URL(url ?? '');
    const port = parsed.port && parsed.port !== '5432' ? `:${parsed.port}` : '';
    return { kind: 'postgres', host: `${parsed.hostname || 'localhost'}${port}`, database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) };
  } catch {
    return { kind: 'postgres', host: 'unknown', database: 'unknown' };
  }
}

/** The origin of reports made from an open log source, as it is now (the desktop's admin connection changes). */
export async function reportOriginOf(
  source: Pick<LogSource, 'service' | 'store' | 'databaseUrl' | 'admin'>,
  options: { env?: NodeJS.ProcessEnv; record?: boolean } = {},
): Promise<ReportOrigin> {
  const env = options.env ?? process.env;
  const status = await source.service['source/status']({});
  const described = source.store.source;
  const reportSource: ReportSource =
    described.kind === 'cache'
      ? { kind: 'cache', file: described.file ?? described.label, synced_at: described.syncedAt ?? null, origin: described.cachedFrom ?? null }
      : postgresSource(source.databaseUrl);
  return {
    source: reportSource,
    actor: journalActor(env),
    // Unknown only for a database that does not answer; the export then fails on its first page anyway.
    timeZone: status.timeZone ?? 'unknown',
    registerPath: options.record === false ? null : reportRegisterPath(env),
    journalDb: source.admin?.db ?? null,
    checkpoint: await source.store.latestCheckpoint(),
    store: source.store,
  };
}
