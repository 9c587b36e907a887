import { useEffect, type ReactNode } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import { useSource } from '../app/source-status';

/** What the user can do about each kind of error. */
export function adviceFor(error: MailtrailError): string {
  switch (error.code) {
    case 'unavailable':
      return 'Check that the data source is running and reachable, then retry. The header shows its state.';
    case 'timeout':
      return 'The query took too long. Narrow the filters or the date range and retry.';
    case 'bad_request':
      return 'Check what was entered and try again.';
    case 'not_found':
      return 'Check the id or search for the email by subject or sender.';
    case 'read_only':
      return 'This data source is read-only.';
    default:
      return 'Retry. If it keeps happening, this is a bug in Mailtrail: note what you did and report it.';
  }
}

const TITLES: Record<MailtrailError['code'], string> = {
  unavailable: 'Cannot reach the data source',
  timeout: 'The query timed out',
  bad_request: 'That request was not valid',
  not_found: 'Not found',
  read_only: 'Read-only source',
  internal: 'Something went wrong',
  method_not_allowed: 'That request was not valid',
  too_large: 'That request was too large',
  unauthorized: 'This server needs its API token',
  conflict: 'Another operation is in the way',
};

export function LoadingState({ label, testId = 'loading-state' }: { label: string; testId?: string }) {
  return (
    <div className="state state--loading" role="status" aria-live="polite" data-testid={testId}>
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** An empty filtered list's way out: the filters cleared in one click. */
export function ClearFiltersHint({ onClear }: { onClear: () => void }) {
  return (
    <p>
      Change a filter or{' '}
      <button type="button" className="link-button" onClick={onClear}>
        clear them all
      </button>
      .
    </p>
  );
}

export function EmptyState({
  title,
  children,
  testId = 'empty-state',
  icon,
}: {
  title: string;
  children?: ReactNode;
  testId?: string;
  icon?: ReactNode;
}) {
  return (
    <div className="state" data-testid={testId}>
      {icon && <div className="state__icon">{icon}</div>}
      <h2 className="state__title">{title}</h2>
      {children && <div className="state__body">{children}</div>}
    </div>
  );
}

export function ErrorState({
  error,
  title,
  hint,
  onRetry,
  children,
  testId = 'error-state',
}: {
  error: MailtrailError;
  title?: string;
  /** Replaces the error's own message and the generic advice when the title already says what happened. */
  hint?: ReactNode;
  onRetry?: () => void;
  children?: ReactNode;
  testId?: string;
}) {
  const { refresh } = useSource();
  // A lost connection shows in the header at once, not at the next periodic check.
  useEffect(() => {
    if (error.code === 'unavailable' || error.code === 'timeout') refresh();
  }, [error, refresh]);
  return (
    <div className="state state--error" role="alert" data-testid={testId} data-error-code={error.code}>
      <h2 className="state__title">{title ?? TITLES[error.code]}</h2>
      {hint ? (
        <p className="state__body" data-testid="error-message">
          {hint}
        </p>
      ) : (
        <>
          <p className="state__message" data-testid="error-message">
            {error.message.charAt(0).toUpperCase() + error.message.slice(1)}
          </p>
          <p className="state__body">{adviceFor(error)}</p>
        </>
      )}
      <div className="state__actions">
        {onRetry && (
          <button
            type="button"
            className="button"
            onClick={() => {
              refresh();
              onRetry();
            }}
            data-testid="retry-button"
          >
            Retry
          </button>
        )}
        {children}
      </div>
    </div>
  );
}

/** A slim row at the end of a list: loading the next page, its error, or the end. */
export function ListFooter({
  loadingMore,
  error,
  onRetry,
  end,
}: {
  loadingMore: boolean;
  error: MailtrailError | null;
  onRetry: () => void;
  end: ReactNode;
}) {
  if (error) {
    return (
      <div className="list-footer list-footer--error" role="alert" data-testid="list-footer-error">
        Could not load more: {error.message}.{' '}
        <button type="button" className="link-button" onClick={onRetry}>
          Retry
        </button>
      </div>
    );
  }
  if (loadingMore) {
    return (
      <div className="list-footer" role="status" data-testid="list-footer-loading">
        <span className="spinner spinner--sm" aria-hidden="true" /> Loading more…
      </div>
    );
  }
  return <div className="list-footer">{end}</div>;
}

/** The end of a list paged by a button: Load more, the next page loading or its error, or the end. */
export function LoadMoreFooter({
  hasMore,
  loadingMore,
  error,
  onRetry,
  onLoadMore,
  end,
  testId,
}: {
  hasMore: boolean;
  loadingMore: boolean;
  error: MailtrailError | null;
  onRetry: () => void;
  onLoadMore: () => void;
  end: string;
  testId: string;
}) {
  if (loadingMore || error) return <ListFooter loadingMore={loadingMore} error={error} onRetry={onRetry} end="" />;
  if (!hasMore) return <p className="muted workflows__end">{end}</p>;
  return (
    <button type="button" className="button button--secondary workflows__more" onClick={onLoadMore} data-testid={testId}>
      Load more
    </button>
  );
}
