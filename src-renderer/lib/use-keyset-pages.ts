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
 * older key are dropped, so fast typing never shows stale results.
 */
export function useKeysetPages<T>(key: string, fetchPage: (cursor: string | undefined) => Promise<KeysetPage<T>>) {
  const [state, setState] = useState<PagesState<T>>({ status: 'loading', items: [] });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<MailtrailError | null>(null);
  const cursor = useRef<string | null>(null);
  const generation = useRef(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const busy = useRef(false);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const current = ++generation.current;
    cursor.current = null;
    busy.current = true;
    setLoadingMore(false);
    setMoreError(null);
    setState((previous) => ({ status: 'loading', items: previous.status === 'loading' ? previous.items : [] }));
    fetchRef
      .current(undefined)
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
  }, [key, attempt]);

  const loadMore = useCallback(() => {
    if (busy.current || cursor.current === null) return;
    const current = generation.current;
    busy.current = true;
    setLoadingMore(true);
    setMoreError(null);
    fetchRef
      .current(cursor.current)
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
  }, []);

  const retry = useCallback(() => {
    if (moreError) loadMore();
    else setAttempt((value) => value + 1);
  }, [moreError, loadMore]);

  return {
    state,
    hasMore: state.status === 'ready' && cursor.current !== null,
    loadingMore,
    moreError,
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
