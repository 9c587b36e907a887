import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EmailCount, EmailSummary } from '../../src-main/contract/schemas';
import { useClient } from '../api/client-context';
import { EmptyState, ErrorState, ListFooter, LoadingState } from '../components/states';
import { SearchIcon } from '../components/icons';
import { useDebounced } from '../lib/use-debounced';
import { useKeysetPages, useVirtualRowsLoadingMore } from '../lib/use-keyset-pages';
import { useListKeyboard } from '../lib/use-list-keyboard';
import { formatShort } from '../lib/time';

const ROW_HEIGHT = 64;
const PAGE_SIZE = 200;

export interface EmailListProps {
  query: string;
  openEmailId: number | null;
  onQueryChange(query: string): void;
  onOpen(emailId: number): void;
  onBack(): void;
}

/**
 * The exact number of emails the search matches, asked for once the first page is shown, so the
 * count never delays the list; null until it arrives (or when it fails: the list still says "200+").
 */
function useEmailCount(query: string, listReady: boolean): EmailCount | null {
  const { client } = useClient();
  const [answer, setAnswer] = useState<{ query: string; count: EmailCount } | null>(null);
  useEffect(() => {
    if (!listReady) return;
    let current = true;
    client['emails/count']({ query })
      .then((count) => current && setAnswer({ query, count }))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [client, query, listReady]);
  return answer?.query === query ? answer.count : null;
}

/** "4,235 emails matching “39”", or "at least …" when the count stopped at its bound. */
export function countText(loaded: number, hasMore: boolean, count: EmailCount | null, query: string): string {
  const suffix = query ? ` matching “${query}”` : ', newest id first';
  const plural = (n: number) => (n === 1 ? 'email' : 'emails');
  if (!hasMore) return `${loaded.toLocaleString('en')} ${plural(loaded)}${suffix}`;
  if (!count) return `${loaded.toLocaleString('en')}+ emails${suffix} · counting…`;
  if (count.exact) return `${count.count.toLocaleString('en')} ${plural(count.count)}${suffix}`;
  const bound = count.searched.toLocaleString('en');
  // Past the bound the count is of the newest emails only: say so rather than print a vague total.
  if (!query) return `more than ${bound} emails${suffix}`;
  return `at least ${Math.max(count.count, loaded).toLocaleString('en')} emails${suffix} (counted in the newest ${bound})`;
}

/** Search by id, subject or sender, with the results in a virtualised, keyset-paged list. */
export function EmailList({ query, openEmailId, onQueryChange, onOpen, onBack }: EmailListProps) {
  const { client } = useClient();
  const [text, setText] = useState(query);
  const debounced = useDebounced(text, 250);
  const searchRef = useRef<HTMLInputElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);

  useEffect(() => setText((current) => (current.trim() === query.trim() ? current : query)), [query]);
  // Only what the user typed updates the URL; a URL change (Back, a link) only updates the field.
  const lastDebounced = useRef(debounced);
  useEffect(() => {
    if (debounced === lastDebounced.current) return;
    lastDebounced.current = debounced;
    if (debounced.trim() !== query.trim()) onQueryChange(debounced.trim());
  }, [debounced, query, onQueryChange]);

  const fetchPage = useCallback(
    (cursor: string | undefined) => client['emails/search']({ query, limit: PAGE_SIZE, cursor }),
    [client, query],
  );
  const { state, hasMore, loadingMore, moreError, loadMore, retry } = useKeysetPages<EmailSummary>(`search:${query}`, fetchPage);
  const emails = state.items;
  const count = useEmailCount(query, state.status === 'ready');

  const [selected, setSelected] = useState(-1);
  useEffect(() => {
    const index = openEmailId === null ? -1 : emails.findIndex((email) => email.id === openEmailId);
    setSelected((current) => (index >= 0 ? index : Math.min(current, emails.length - 1)));
  }, [emails, openEmailId]);

  const virtualizer = useVirtualizer({
    count: emails.length + 1,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const virtualItems = useVirtualRowsLoadingMore(virtualizer, emails.length, { hasMore, loadMore });

  useListKeyboard({
    count: emails.length,
    selected,
    select: setSelected,
    virtualizer,
    open: (index) => {
      const email = emails[index];
      if (email) onOpen(email.id);
    },
    back: openEmailId !== null ? onBack : undefined,
  });

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target?.closest('input, textarea, select, [contenteditable="true"]');
      if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        searchRef.current?.focus();
        searchRef.current?.select();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);

  const selectedEmail = emails[selected];
  return (
    <section className="email-list" aria-label="Emails" data-testid="email-list-pane">
      <div className="search">
        <SearchIcon className="search__icon" width={15} height={15} />
        <input
          ref={searchRef}
          type="search"
          className="search__input"
          placeholder="Search by #id, subject or sender"
          aria-label="Search emails by id (#1042 for that id alone), subject or sender"
          aria-controls="email-results"
          aria-activedescendant={selectedEmail ? `email-row-${selectedEmail.id}` : undefined}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              event.preventDefault();
              event.currentTarget.blur();
              if (openEmailId !== null) onBack();
            }
          }}
          data-testid="email-search"
          spellCheck={false}
          autoComplete="off"
        />
        <kbd className="search__kbd" aria-hidden="true">
          /
        </kbd>
      </div>
      <div className="list-meta" data-testid="email-count" aria-live="polite">
        {state.status === 'ready' && (emails.length === 0 ? 'No matches' : countText(emails.length, hasMore, count, query))}
        {state.status === 'loading' && (query ? `Searching for “${query}”…` : 'Loading emails…')}
      </div>
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The email search failed" />
      ) : state.status === 'loading' && emails.length === 0 ? (
        <LoadingState label={query ? `Searching for “${query}”…` : 'Loading emails…'} />
      ) : emails.length === 0 ? (
        <EmptyState title={query ? `No email matches “${query}”` : 'The log has no emails yet'} testId="email-empty">
          {query ? (
            <p>
              Search looks at the email id, the subject and the sender. Try fewer words, part of the sender’s address, or
              an exact id such as <code>1042</code> (<code>#1042</code> for that id alone).{' '}
              <button type="button" className="link-button" onClick={() => setText('')}>
                Clear the search
              </button>
            </p>
          ) : (
            <p>Emails appear here once the hub logs activity for them.</p>
          )}
        </EmptyState>
      ) : (
        <div
          ref={scrollRef}
          className="scroller"
          id="email-results"
          role="listbox"
          aria-label="Search results"
          data-testid="email-results"
          tabIndex={-1}
        >
          <div className="virtual" style={{ height: virtualizer.getTotalSize() }}>
            {virtualItems.map((item) => {
              const style = { transform: `translateY(${item.start}px)`, height: item.size };
              if (item.index === emails.length) {
                return (
                  <div key="footer" className="virtual__row" style={style}>
                    <ListFooter
                      loadingMore={loadingMore}
                      error={moreError}
                      onRetry={retry}
                      end={hasMore ? '' : `End of results · ${emails.length.toLocaleString('en')} emails`}
                    />
                  </div>
                );
              }
              const email = emails[item.index]!;
              const isOpen = email.id === openEmailId;
              const isSelected = item.index === selected;
              return (
                <div
                  key={email.id}
                  id={`email-row-${email.id}`}
                  role="option"
                  aria-selected={isSelected}
                  className={`email-row virtual__row${isSelected ? ' is-selected' : ''}${isOpen ? ' is-open' : ''}`}
                  style={style}
                  onClick={() => {
                    setSelected(item.index);
                    onOpen(email.id);
                  }}
                  data-testid="email-row"
                  data-email-id={email.id}
                  data-selected={isSelected || undefined}
                >
                  <div className="email-row__top">
                    <span className={`email-row__subject${email.subject ? '' : ' is-missing'}`}>
                      {email.subject ?? '(no subject recorded)'}
                    </span>
                    <span className="email-row__date">{formatShort(email.received_date)}</span>
                  </div>
                  <div className="email-row__bottom">
                    <span className="email-row__sender">{email.sender_email ?? 'unknown sender'}</span>
                    <span className="email-row__id">#{email.id}</span>
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      )}
    </section>
  );
}
