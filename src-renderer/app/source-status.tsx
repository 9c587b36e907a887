import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { SourceStatus } from '../../src-main/contract/schemas';
import { useClient } from '../api/client-context';
import { asMailtrailError } from '../lib/use-keyset-pages';

const REFRESH_MS = 15_000;

export interface SourceState {
  status: SourceStatus | null;
  /** Set when the status itself could not be fetched (the server or bridge is gone). */
  error: MailtrailError | null;
  checkedAt: number | null;
  refresh(): void;
}

const SourceContext = createContext<SourceState>({ status: null, error: null, checkedAt: null, refresh: () => {} });

export const SOURCE_KIND_LABELS: Record<SourceStatus['kind'], string> = {
  postgres: 'Live PostgreSQL',
  embedded: 'Embedded demo',
  cache: 'Offline cache',
};

/** Asks the source how it is doing now and every 15 s, so the header shows a lost connection. */
export function SourceStatusProvider({ children }: { children: ReactNode }) {
  const { client } = useClient();
  const [state, setState] = useState<Omit<SourceState, 'refresh'>>({ status: null, error: null, checkedAt: null });
  const refresh = useCallback(() => {
    client['source/status']({})
      .then((status) => setState({ status, error: null, checkedAt: Date.now() }))
      .catch((error: unknown) => setState((previous) => ({ ...previous, error: asMailtrailError(error), checkedAt: Date.now() })));
  }, [client]);
  useEffect(() => {
    refresh();
    const timer = window.setInterval(refresh, REFRESH_MS);
    window.addEventListener('online', refresh);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener('online', refresh);
    };
  }, [refresh]);
  return <SourceContext.Provider value={{ ...state, refresh }}>{children}</SourceContext.Provider>;
}

export const useSource = (): SourceState => useContext(SourceContext);

/** The zone of the log's zoneless timestamps; null until known. */
export const useTimeZone = (): string | null => useSource().status?.timeZone ?? null;
