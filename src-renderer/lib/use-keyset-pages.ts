import { useCallback, useEffect, useRef, useState } from 'react';
import { MailtrailError } from '../../src-main/contract/errors';

export interface KeysetPage<T> {
  items: T[];
  nextCursor: string | null;
}

export type PagesState<T> =
  | { status: 'loading'; items: T[] }
  | { status: 'error'; items: T[]; error: MailtrailError }
  | { status: 'ready'; items: T[] };

export const asMailtrailError = (error: unknown): MailtrailError =>
  error instanceof MailtrailError ? error : new MailtrailError('internal', error instanceof Error ? error.message : String(error));

/**
 * Keyset pages of one query, appended as the user scrolls. A new `key` starts over; answers for an
 * older key are dropped, so fast typing never shows stale results. A page may be empty and still
 * not the last (a bounded search that found nothing in its stretch of the log): the hook asks on,
 * reporting each such page as `lastPage`, so lists only ever see pages with rows or the end.
 */
export function useKeysetPages<T, P extends KeysetPage<T> = KeysetPage<T>>(key: string, fetchPage: (cursor: string | undefined) => Promise<P>) {
  const [state, setState] = useState<PagesState<T>>({ status: 'loading', items: [] });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<MailtrailError | null>(null);
  const [lastPage, setLastPage] = useState<P | null>(null);
  const cursor = useRef<string | null>(null);
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const busy = useRef(false);
  const [attempt, setAttempt] = useState(0);

  const fetchWithRows = useCallback(async (from: string | undefined, current: number): Promise<P> => {
    let page = await fetchRef.current(from);
    while (page.items.length === 0 && page.nextCursor !== null && current === generation.current) {
      setLastPage(page);
      // A retry after a failure resumes from here instead of searching the same stretch again.
      cursor.current = page.nextCursor;
      page = await fetchRef.current(page.nextCursor);
    }
    if (current === generation.current) setLastPage(page);
    return page;
  }, []);

  useEffect(() => {
    const current = ++generation.current;
    cursor.current = null;
    busy.current = true;
    setLoadingMore(false);
    setMoreError(null);
    setLastPage(null);
    setState((previous) => ({ status: 'loading', items: previous.status === 'loading' ? previous.items : [] }));
    fetchWithRows(undefined, current)
      .then((page) => {
        if (current !== generation.current) return;
        cursor.current = page.nextCursor;
        setState({ status: 'ready', items: page.items });
      })
      .catch((error: unknown) => {
        if (current !== generation.current) return;
        setState({ status: 'error', items: [], error: asMailtrailError(error) });
      })
      .finally(() => {
        if (current === generation.current) busy.current = false;
      });
  }, [key, attempt, fetchWithRows]);

  const loadMore = useCallback(() => {
    if (busy.current || cursor.current === null) return;
    const current = generation.current;
    busy.current = true;
    setLoadingMore(true);
    setMoreError(null);
    fetchWithRows(cursor.current, current)
      .then((page) => {
        if (current !== generation.current) return;
        cursor.current = page.nextCursor;
        setState((previous) => ({ status: 'ready', items: [...previous.items, ...page.items] }));
      })
      .catch((error: unknown) => {
        if (current === generation.current) setMoreError(asMailtrailError(error));
      })
      .finally(() => {
        if (current !== generation.current) return;
        busy.current = false;
        setLoadingMore(false);
      });
  }, [fetchWithRows]);

  const retry = useCallback(() => {
    if (moreError) loadMore();
    else setAttempt((value) => value + 1);
  }, [moreError, loadMore]);

  return {
    state,
    hasMore: state.status === 'ready' && cursor.current !== null,
    loadingMore,
    moreError,
    lastPage,
    loadMore,
    retry,
  };
}

/**
 * The rows a virtual list shows now, asking for the next page once they come within `margin`
 * rows of the end of what is loaded.
 */
export function useVirtualRowsLoadingMore<Row extends { index: number }>(
  virtualizer: { getVirtualItems(): Row[] },
  loaded: number,
  paging: { hasMore: boolean; loadMore(): void },
  margin = 20,
): Row[] {
  const rows = virtualizer.getVirtualItems();
  const lastVisible = rows[rows.length - 1]?.index ?? 0;
  const { hasMore, loadMore } = paging;
  useEffect(() => {
    if (hasMore && lastVisible >= loaded - margin) loadMore();
  }, [hasMore, lastVisible, loaded, margin, loadMore]);
  return rows;
}
