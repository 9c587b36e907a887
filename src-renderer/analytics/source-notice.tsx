import type { AnalyticsSource } from '../../src-main/contract/analytics';

/** Said calmly when an answer came from the live table rather than Mailtrail's rollups. */
export function SourceNotice({ source }: { source: AnalyticsSource | null | undefined }) {
  if (!source?.notice) return null;
  return (
    <p className="notice" role="status" data-testid="analytics-notice">
      <span className="notice__mark" aria-hidden="true">
        i
      </span>
      {source.notice.charAt(0).toUpperCase() + source.notice.slice(1)}
    </p>
  );
}
