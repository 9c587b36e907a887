import { useCallback, useEffect, useRef, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { ActivityEvent, ActivityPage } from '../../src-main/contract/schemas';
import { asMailtrailError } from '../lib/use-keyset-pages';

export const LIVE_INTERVAL_MS = 3_000;

/** Newest first, as the log pages are: created_at, then id. */
const isNewer = (a: ActivityEvent, b: ActivityEvent): boolean =>
  a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id);

export interface LiveOptions {
  enabled: boolean;
  /** A new filter starts over: what was prepended for the old one is dropped. */
  filterKey: string;
  shown: ActivityEvent[];
  fetchFirstPage(): Promise<ActivityPage>;
  isScrolledDown(): boolean;
  onPrepend(count: number): void;
}

/**
 * Live mode: every few seconds, while the tab is visible, fetch the first page and keep what is
 * newer than the newest event shown, to be prepended; counts what arrived while scrolled down.
 */
export function useLiveEvents({ enabled, filterKey, shown, fetchFirstPage, isScrolledDown, onPrepend }: LiveOptions) {
  const [fresh, setFresh] = useState<ActivityEvent[]>([]);
  const [unseen, setUnseen] = useState(0);
  const [lastChecked, setLastChecked] = useState<number | null>(null);
  const [liveError, setLiveError] = useState<MailtrailError | null>(null);
  const latest = useRef({ fresh, shown, fetchFirstPage, isScrolledDown, onPrepend });
  latest.current = { fresh, shown, fetchFirstPage, isScrolledDown, onPrepend };

  // Appended pages keep the first row; only a reload (new filters, Retry) starts over.
  const firstShown = shown[0];
  useEffect(() => {
    setFresh([]);
    setUnseen(0);
  }, [filterKey, firstShown]);

  useEffect(() => {
    if (!enabled) {
      setLastChecked(null);
      setLiveError(null);
      return;
    }
    let cancelled = false;
    let busy = false;
    let timer: number | undefined;
    const check = async () => {
      if (busy || document.hidden) return;
      busy = true;
      try {
        const page = await latest.current.fetchFirstPage();
        if (cancelled) return;
        const { fresh: prepended, shown: loaded, isScrolledDown: scrolled, onPrepend: prepend } = latest.current;
        const newest = prepended[0] ?? loaded[0];
        const known = new Set([...prepended, ...loaded.slice(0, page.items.length)].map((event) => event.id));
        const arrived = page.items.filter((event) => !known.has(event.id) && (!newest || isNewer(event, newest)));
        setLastChecked(Date.now());
        setLiveError(null);
        if (arrived.length > 0) {
          if (scrolled()) setUnseen((count) => count + arrived.length);
          prepend(arrived.length);
          setFresh((current) => [...arrived, ...current]);
        }
      } catch (error) {
        if (!cancelled) setLiveError(asMailtrailError(error));
      } finally {
        busy = false;
      }
    };
    const start = () => {
      if (timer === undefined && !document.hidden) timer = window.setInterval(() => void check(), LIVE_INTERVAL_MS);
    };
    const stop = () => {
      window.clearInterval(timer);
      timer = undefined;
    };
    // A hidden tab does not poll; coming back checks at once.
    const onVisibility = () => {
      if (document.hidden) stop();
      else {
        void check();
        start();
      }
    };
    void check();
    start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      cancelled = true;
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [enabled, filterKey]);

  const clearUnseen = useCallback(() => setUnseen(0), []);
  return { fresh, unseen, lastChecked, liveError, clearUnseen };
}
