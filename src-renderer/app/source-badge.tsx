import { DatabaseIcon } from '../components/icons';
import { SOURCE_KIND_LABELS, useSource } from './source-status';

/** The header's data source: what it is, where it is, and whether it answers. */
export function SourceBadge() {
  const { status, error, refresh } = useSource();
  if (!status && !error) {
    return (
      <div className="source" data-testid="source-status" data-state="checking" role="status">
        <span className="source__dot" aria-hidden="true" />
        <span className="source__kind">Checking data source…</span>
      </div>
    );
  }
  const state = error ? 'unreachable' : (status?.state ?? 'unreachable');
  const message = error?.message ?? status?.message ?? null;
  return (
    <div className="source" data-testid="source-status" data-state={state} data-kind={status?.kind} role="status">
      <DatabaseIcon width={15} height={15} className="source__icon" />
      <span className="source__kind" data-testid="source-kind">
        {status ? SOURCE_KIND_LABELS[status.kind] : 'Data source'}
      </span>
      {status && (
        <span className="source__label" data-testid="source-label" title={status.label}>
          {status.label}
        </span>
      )}
      <span className={`source__state source__state--${state}`} data-testid="source-state" title={message ?? undefined}>
        <span className="source__dot" aria-hidden="true" />
        {state === 'connected' ? 'Connected' : 'Unreachable'}
      </span>
      {state === 'unreachable' && (
        <>
          {message && (
            <span className="source__message" data-testid="source-message">
              {message}
            </span>
          )}
          <button type="button" className="link-button" onClick={refresh}>
            Check again
          </button>
        </>
      )}
    </div>
  );
}
