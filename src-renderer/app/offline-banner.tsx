import { DatabaseIcon } from '../components/icons';
import { useSource } from './source-status';

/** "2025-12-15T12:45:07" (UTC, zoneless) as "2025-12-15 12:45 UTC". */
export function syncTimeText(syncedAt: string): string {
  return `${syncedAt.replace('T', ' ').slice(0, 16)} UTC`;
}

/** Says, above every screen, that the data is a snapshot: when it was taken and from where. */
export function OfflineBanner() {
  const { status } = useSource();
  if (status?.kind !== 'cache') return null;
  const source = status.cachedFrom ?? 'the live database';
  return (
    <div className="offline-banner" role="status" data-testid="offline-banner" data-synced-at={status.syncedAt ?? ''}>
      <DatabaseIcon width={15} height={15} className="offline-banner__icon" aria-hidden="true" />
      <p>
        <strong>Offline review</strong> — reading a cache{' '}
        {status.syncedAt ? (
          <>
            synced <time dateTime={`${status.syncedAt}Z`}>{syncTimeText(status.syncedAt)}</time>
          </>
        ) : (
          'whose sync never finished'
        )}{' '}
        from <span className="offline-banner__source">{source}</span>. Changes in the live log since then are not shown.
      </p>
    </div>
  );
}

/** True while the app reads an offline cache, so screens that need the live database can say why they are unavailable. */
export const useOffline = (): boolean => useSource().status?.kind === 'cache';
