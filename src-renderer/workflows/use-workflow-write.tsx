import { useCallback, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import { useClient } from '../api/client-context';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { isAccessRefusal, WriteAccessNotice, type WriteAccessWords } from '../retention/write-access';

export const WORKFLOW_WRITES: WriteAccessWords = {
  desktopTitle: 'Changing workflows needs an admin connection',
  desktopWrites: 'Switching a workflow on or off and re-running an execution write',
  refused: 'switching workflows on or off and re-running executions. The workflows and their executions still show.',
  tokenFor: 'to switch workflows on or off and re-run failed executions',
};

/**
 * One admin write of the Workflows screens at a time: a refusal for want of rights shows what the write
 * needs (as retention's screen does); any other error is shown as it came.
 */
export function useWorkflowWrite() {
  const { transport } = useClient();
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<MailtrailError | null>(null);
  const [error, setError] = useState<MailtrailError | null>(null);
  const write = useCallback(async <T,>(action: () => Promise<T>): Promise<T | null> => {
    setBusy(true);
    setError(null);
    setRefusal(null);
    try {
      return await action();
    } catch (caught) {
      const failure = asMailtrailError(caught);
      if (isAccessRefusal(failure)) setRefusal(failure);
      else setError(failure);
      return null;
    } finally {
      setBusy(false);
    }
  }, []);
  const notice = refusal ? (
    <WriteAccessNotice refusal={refusal} transport={transport} onTokenSaved={() => setRefusal(null)} words={WORKFLOW_WRITES} />
  ) : error ? (
    <p className="danger" role="alert" data-testid="workflow-write-error">
      {error.message}
    </p>
  ) : null;
  return { busy, write, notice };
}
