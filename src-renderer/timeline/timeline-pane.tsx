import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { ActivityEvent, EmailOverview, EmailSummary } from '../../src-main/contract/schemas';
import { useClient } from '../api/client-context';
import { useTimeZone } from '../app/source-status';
import { BackIcon } from '../components/icons';
import { EmptyState, ErrorState, ListFooter, LoadingState } from '../components/states';
import { hrefOf } from '../app/hash-router';
import { formatDuration, formatShort } from '../lib/time';
import { asMailtrailError, useKeysetPages, useVirtualRowsLoadingMore } from '../lib/use-keyset-pages';
import { useNow } from '../lib/use-now';
import { ExportButton } from '../reports/export-dialog';
import { defaultTitle, emailScope } from '../reports/report-scope';
import { IntegrityBadge } from './integrity-badge';
import { LegalHoldBanner } from './legal-hold-banner';
import { TimelineEvent } from './timeline-event';

const PAGE_SIZE = 500;

export type TimelineOrder = 'desc' | 'asc';

export interface TimelinePaneProps {
  emailId: number;
  order: TimelineOrder;
  onOrderChange(order: TimelineOrder): void;
  onBack(): void;
  /** What Back returns to, in words: "the email list" or "Activity". */
  backLabel?: string;
}

type HeaderState = { status: 'loading' } | { status: 'ready'; email: EmailSummary } | { status: 'error'; error: MailtrailError };

/** The seed's "Log" view of one email: its whole trail, virtualised and paged by cursor. */
export function TimelinePane({ emailId, order, onOrderChange, onBack, backLabel = 'the email list' }: TimelinePaneProps) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const now = useNow();
  const [header, setHeader] = useState<HeaderState>({ status: 'loading' });
  const [headerAttempt, setHeaderAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    setHeader({ status: 'loading' });
    client['emails/get']({ emailId })
      .then((email) => current && setHeader({ status: 'ready', email }))
      .catch((error: unknown) => current && setHeader({ status: 'error', error: asMailtrailError(error) }));
    return () => {
      current = false;
    };
  }, [client, emailId, headerAttempt]);

  // Status, classification, processing time and errors come after the header, so they never delay it.
  const [overview, setOverview] = useState<EmailOverview | null>(null);
  const headerReady = header.status === 'ready';
  useEffect(() => {
    setOverview(null);
    if (!headerReady) return;
    let current = true;
    client['emails/overview']({ emailId })
      .then((answer) => current && setOverview(answer))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [client, emailId, headerReady]);

  const fetchPage = useCallback(
    (cursor: string | undefined) => client['emails/timeline']({ emailId, order, limit: PAGE_SIZE, cursor }),
    [client, emailId, order],
  );
  const { state, hasMore, loadingMore, moreError, loadMore, retry } = useKeysetPages<ActivityEvent>(
    `timeline:${emailId}:${order}`,
    fetchPage,
  );
  const events = state.items;

  const [expanded, setExpanded] = useState<ReadonlySet<number>>(() => new Set());
  useEffect(() => setExpanded(new Set()), [emailId]);
  const toggle = useCallback((eventId: number) => {
    setExpanded((previous) => {
      const next = new Set(previous);
      if (next.has(eventId)) next.delete(eventId);
      else next.add(eventId);
      return next;
    });
  }, []);

  const scrollRef = useRef<HTMLDivElement>(null);
  // Stable callbacks: a new getItemKey would make the virtualizer recompute every row's offset on each frame.
  const getItemKey = useCallback((index: number) => events[index]?.id ?? 'footer', [events]);
  const getScrollElement = useCallback(() => scrollRef.current, []);
  const estimateSize = useCallback((index: number) => (index === 0 ? 72 : 98), []);
  const virtualizer = useVirtualizer({
    count: events.length + 1,
    getScrollElement,
    estimateSize,
    overscan: 6,
    getItemKey,
  });
  const virtualItems = useVirtualRowsLoadingMore(virtualizer, events.length, { hasMore, loadMore }, 30);
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [emailId, order]);

  if (header.status === 'error') {
    const notFound = header.error.code === 'not_found';
    return (
      <section className="timeline-pane" aria-label={`Email ${emailId}`} data-testid="timeline-pane">
        <ErrorState
          error={header.error}
          title={notFound ? `No email with id ${emailId} in the log` : `Could not open email ${emailId}`}
          hint={
            notFound
              ? 'Neither the emails table nor the activity log knows this id. Check the link for a typo, or search for the email by subject or sender.'
              : undefined
          }
          onRetry={notFound ? undefined : () => setHeaderAttempt((value) => value + 1)}
          testId="timeline-error"
        >
          <button type="button" className="button button--secondary" onClick={onBack} data-testid="back-to-emails">
            Back to {backLabel}
          </button>
        </ErrorState>
      </section>
    );
  }

  const email = header.status === 'ready' ? header.email : null;
  const complete = state.status === 'ready' && !hasMore;
  // The overview's exact count stands in for "500+" while later pages are not loaded yet.
  const total = hasMore && overview ? Math.max(overview.event_count, events.length) : events.length;
  const countLabel =
    state.status === 'ready'
      ? `${total.toLocaleString('en')}${hasMore && !overview ? '+' : ''} ${total === 1 ? 'event' : 'events'}`
      : '';

  return (
    <section className="timeline-pane" aria-label={`Timeline of email ${emailId}`} data-testid="timeline-pane">
      <header className="timeline-header" data-testid="timeline-header">
        <div className="timeline-header__top">
          <button type="button" className="icon-button" onClick={onBack} aria-label={`Back to ${backLabel} (Esc)`} title="Back (Esc)" data-testid="timeline-back">
            <BackIcon width={16} height={16} />
          </button>
          <h1
            className={`timeline-header__subject${email?.subject ? '' : ' is-missing'}`}
            data-testid="timeline-subject"
            title={email?.subject ?? undefined}
          >
            {header.status === 'loading' ? 'Loading…' : (email?.subject ?? '(no subject recorded)')}
          </h1>
        </div>
        <p className="timeline-header__meta">
          <span className="timeline-header__sender" data-testid="timeline-sender">
            {email?.sender_email ?? (email ? 'unknown sender' : '')}
          </span>
          <span className="timeline-header__item mono" data-testid="timeline-email-id">
            #{emailId}
          </span>
          {email?.received_date && (
            <span className="timeline-header__item" data-testid="timeline-received">
              received {formatShort(email.received_date)}
            </span>
          )}
        </p>
        <div className="timeline-header__bar">
          <EmailFacts emailId={emailId} overview={overview}>
            <IntegrityBadge emailId={emailId} timelineLoaded={state.status !== 'loading'} />
          </EmailFacts>
          <div className="timeline-header__tools">
            <span className="timeline-header__count" data-testid="timeline-count">
              {countLabel}
            </span>
            <ExportButton scope={emailScope(emailId)} title={`${defaultTitle(emailScope(emailId))}${email?.subject ? `: ${email.subject}` : ''}`} />
            <div className="segmented" role="group" aria-label="Order">
              <button
                type="button"
                className="segmented__option"
                aria-pressed={order === 'desc'}
                onClick={() => onOrderChange('desc')}
                data-testid="order-desc"
              >
                Newest first
              </button>
              <button
                type="button"
                className="segmented__option"
                aria-pressed={order === 'asc'}
                onClick={() => onOrderChange('asc')}
                data-testid="order-asc"
              >
                Oldest first
              </button>
            </div>
          </div>
        </div>
      </header>
      <LegalHoldBanner emailId={emailId} timelineLoaded={state.status !== 'loading'} />
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The timeline could not be loaded" testId="timeline-error" />
      ) : state.status === 'loading' && events.length === 0 ? (
        <LoadingState label="Loading the timeline…" testId="timeline-loading" />
      ) : events.length === 0 ? (
        <EmptyState title="No events logged for this email" testId="timeline-empty">
          <p>The hub has not logged any activity for this email yet, or retention has archived it.</p>
        </EmptyState>
      ) : (
        <div
          ref={scrollRef}
          className="scroller timeline"
          role="feed"
          aria-busy={loadingMore}
          aria-label="Events"
          data-testid="timeline-scroll"
          data-order={order}
          data-complete={complete}
          tabIndex={0}
        >
          <div className="virtual" style={{ height: virtualizer.getTotalSize() }}>
            <div className="virtual__window" style={{ transform: `translateY(${virtualItems[0]?.start ?? 0}px)` }}>
              {virtualItems.map((item) => {
                const event = events[item.index];
                return (
                  <div key={item.key} ref={virtualizer.measureElement} data-index={item.index}>
                    {event ? (
                      <TimelineEvent
                        event={event}
                        previous={events[item.index - 1]}
                        timeZone={timeZone}
                        now={now}
                        expanded={expanded.has(event.id)}
                        onToggle={toggle}
                      />
                    ) : (
                      <ListFooter
                        loadingMore={loadingMore}
                        error={moreError}
                        onRetry={retry}
                        end={
                          hasMore ? (
                            ''
                          ) : (
                            <span data-testid="timeline-end">
                              {order === 'desc' ? 'Start of the trail' : 'Latest event'} · {events.length.toLocaleString('en')}{' '}
                              {events.length === 1 ? 'event' : 'events'}
                            </span>
                          )
                        }
                      />
                    )}
                  </div>
                );
              })}
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

/** The email's status and classification (email_messages), its processing time (first to last event) and its errors. */
function EmailFacts({ emailId, overview, children }: { emailId: number; overview: EmailOverview | null; children?: ReactNode }) {
  if (!overview) return <div className="timeline-header__facts" data-testid="timeline-facts" aria-busy="true" />;
  const { status, classification, processing_ms: processing, error_count: errors, notice } = overview;
  return (
    <div className="timeline-header__facts" data-testid="timeline-facts">
      {status && (
        <span className="fact" title="Status (email_messages.status)" data-testid="timeline-status">
          <span className="fact__label">Status</span> {status}
        </span>
      )}
      {classification && (
        <span className="fact" title="Classification (email_messages.classification)" data-testid="timeline-classification">
          <span className="fact__label">Class</span> {classification}
        </span>
      )}
      {processing !== null && overview.event_count > 1 && (
        <span className="fact" title="Processing time: from the first to the last event of the trail" data-testid="timeline-processing">
          <span className="fact__label">Took</span> {formatDuration(processing).slice(1)}
        </span>
      )}
      {errors > 0 && (
        <a
          className="fact fact--error"
          href={hrefOf('activity', { email: String(emailId), type: 'error' })}
          title="Show this email's error events in Activity"
          data-testid="timeline-errors"
        >
          {errors.toLocaleString('en')} {errors === 1 ? 'error' : 'errors'}
        </a>
      )}
      {notice && (
        <span className="fact fact--notice" title={notice} data-testid="timeline-facts-notice">
          status not in this cache
        </span>
      )}
      {children}
    </div>
  );
}
