import { useCallback, useEffect, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { IntegrityStatus } from '../../src-main/contract/integrity';
import { useClient } from '../api/client-context';
import { asMailtrailError } from '../lib/use-keyset-pages';

/** While a verification is going, its progress is read this often (a small answer from memory). */
export const POLL_MS = 500;

export type StatusState = { status: 'loading' } | { status: 'ready'; data: IntegrityStatus } | { status: 'error'; error: MailtrailError };

export interface IntegrityStatusApi {
  state: StatusState;
  retry(): void;
  /** Starts a verification (or joins the one going); its error, if any, is in `actionError`. */
  verify(): void;
  stop(): void;
  actionError: MailtrailError | null;
  busy: boolean;
}

/** The integrity status, polled while a verification runs, as the Retention screen polls a run. */
export function useIntegrityStatus(): IntegrityStatusApi {
  const { client } = useClient();
  const [state, setState] = useState<StatusState>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const [actionError, setActionError] = useState<MailtrailError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    client['integrity/status']({})
      .then((data) => current && setState({ status: 'ready', data }))
      .catch((error: unknown) => current && setState({ status: 'error', error: asMailtrailError(error) }));
    return () => {
      current = false;
    };
  }, [client, tick]);

  const running = state.status === 'ready' && state.data.running !== null;
  useEffect(() => {
    if (!running) return;
    const timer = window.setTimeout(() => setTick((value) => value + 1), POLL_MS);
    return () => window.clearTimeout(timer);
  }, [running, state]);

  const act = useCallback(
    (action: () => Promise<IntegrityStatus>) => {
      setBusy(true);
      setActionError(null);
      action()
        .then((data) => setState({ status: 'ready', data }))
        .catch((error: unknown) => setActionError(asMailtrailError(error)))
        .finally(() => setBusy(false));
    },
    [],
  );
  const verify = useCallback(() => act(() => client['integrity/verify']({})), [act, client]);
  const stop = useCallback(() => act(() => client['integrity/cancel']({})), [act, client]);
  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setTick((value) => value + 1);
  }, []);
  return { state, retry, verify, stop, actionError, busy };
}
