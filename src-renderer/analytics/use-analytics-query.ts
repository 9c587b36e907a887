import { useCallback, useEffect, useRef, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import { asMailtrailError } from '../lib/use-keyset-pages';

export type QueryState<T> =
  | { status: 'loading'; data: T | null }
  | { status: 'error'; data: null; error: MailtrailError }
  | { status: 'ready'; data: T };

/** One answer per key; a new key keeps the old data on screen while loading, and late answers for old keys are dropped. */
export function useAnalyticsQuery<T>(key: string, fetch: () => Promise<T>) {
  const [state, setState] = useState<QueryState<T>>({ status: 'loading', data: null });
  const [attempt, setAttempt] = useState(0);
  const fetchRef = useRef(fetch);
  fetchRef.current = fetch;
  useEffect(() => {
    let current = true;
    setState((previous) => ({ status: 'loading', data: previous.data }));
    fetchRef
      .current()
      .then((data) => current && setState({ status: 'ready', data }))
      .catch((error: unknown) => current && setState({ status: 'error', data: null, error: asMailtrailError(error) }));
    return () => {
      current = false;
    };
  }, [key, attempt]);
  const retry = useCallback(() => setAttempt((value) => value + 1), []);
  return { state, retry };
}
