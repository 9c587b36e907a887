import { useClient } from '../api/client-context';
import { useAdminWrite, WriteAccessNotice, type WriteAccessWords } from '../retention/write-access';

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
  const { busy, write, refusal, error, clearRefusal } = useAdminWrite();
  const notice = refusal ? (
    <WriteAccessNotice refusal={refusal} transport={transport} onTokenSaved={clearRefusal} words={WORKFLOW_WRITES} />
  ) : error ? (
    <p className="danger" role="alert" data-testid="workflow-write-error">
      {error.message}
    </p>
  ) : null;
  return { busy, write, notice };
}
