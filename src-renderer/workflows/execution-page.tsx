import { useEffect, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { ResponseOf } from '../../src-main/contract/operations';
import { useClient } from '../api/client-context';
import { hrefOf } from '../app/hash-router';
import { useTimeZone } from '../app/source-status';
import { JsonView } from '../components/json-view';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { formatAbsolute, formatShort } from '../lib/time';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { TableHead } from '../retention/preview-cards';
import { elapsedMs, executionsHref, idOf, msText, NO_EXECUTION_FILTERS, paramsText } from './workflow-text';
import { useWorkflowWrite } from './use-workflow-write';
import { StatusPill } from './workflows-page';

/** While an execution runs, it is read again this often. */
const POLL_MS = 500;

type ExecutionWithSteps = ResponseOf<'workflows/execution'>;

type ExecutionState = { status: 'loading' } | { status: 'error'; error: MailtrailError } | { status: 'ready'; execution: ExecutionWithSteps };

/** One execution (`#/workflow-executions/{id}`): its status, workflow, email, timings and steps. */
export function ExecutionPage({ executionIdText }: { executionIdText: string | undefined }) {
  const executionId = idOf(executionIdText);
  const { client } = useClient();
  const [state, setState] = useState<ExecutionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (executionId === null) return;
    let current = true;
    setState({ status: 'loading' });
    client['workflows/execution']({ executionId })
      .then((execution) => current && setState({ status: 'ready', execution }))
      .catch((error: unknown) => current && setState({ status: 'error', error: asMailtrailError(error) }));
    return () => {
      current = false;
    };
  }, [client, executionId, attempt]);

  // While a (re-)run is under way, it is read again until it ends.
  const underway = state.status === 'ready' && (state.execution.status === 'pending' || state.execution.status === 'running');
  useEffect(() => {
    if (!underway || executionId === null) return;
    let current = true;
    const timer = window.setTimeout(() => {
      client['workflows/execution']({ executionId })
        .then((execution) => current && setState({ status: 'ready', execution }))
        .catch(() => current && setAttempt((value) => value + 1));
    }, POLL_MS);
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [client, executionId, underway, state]);

  return (
    <div className="page workflows" data-testid="execution-page">
      <p className="workflows__back">
        <a href={executionsHref(NO_EXECUTION_FILTERS)} data-testid="execution-back">
          ← All executions
        </a>
      </p>
      {executionId === null ? (
        <EmptyState title="This is not an execution id" testId="execution-bad-id">
          <p>
            <code>{executionIdText ?? ''}</code> is not a whole number above 0. <a href="#/workflows">Go to Workflows</a>.
          </p>
        </EmptyState>
      ) : state.status === 'loading' ? (
        <LoadingState label={`Reading execution ${executionId}…`} testId="execution-loading" />
      ) : state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={() => setAttempt((value) => value + 1)} title={`Execution ${executionId} could not be read`} testId="execution-error" />
      ) : (
        <ExecutionView execution={state.execution} onRerun={(execution) => setState({ status: 'ready', execution })} />
      )}
    </div>
  );
}

function ExecutionView({ execution, onRerun }: { execution: ExecutionWithSteps; onRerun(execution: ExecutionWithSteps): void }) {
  const timeZone = useTimeZone();
  const { client } = useClient();
  const { busy, write, notice } = useWorkflowWrite();
  const rerun = () =>
    void write(async () => {
      await client['workflows/rerun']({ executionId: execution.id });
      return client['workflows/execution']({ executionId: execution.id });
    }).then((next) => next && onRerun(next));
  const when = (timestamp: string | null) => (timestamp ? formatAbsolute(timestamp, timeZone) : '—');
  return (
    <>
      <header className="page-header">
        <div>
          <h1 className="page__title" data-testid="execution-title">
            Execution #{execution.id} <StatusPill status={execution.status} />
          </h1>
          <p className="page__subtitle">
            {execution.workflow_name ?? `Workflow ${execution.workflow_id} (deleted)`} on email {execution.email_id}
          </p>
        </div>
        {execution.status === 'failed' && (
          <button
            type="button"
            className="button"
            onClick={rerun}
            disabled={busy}
            title="Run its failed steps again, from the first unfinished one; the steps that succeeded are not repeated"
            data-testid="execution-rerun"
          >
            Re-run
          </button>
        )}
      </header>
      {notice}
      <section className="card" aria-label="Execution" data-testid="execution-facts">
        <dl className="integrity-facts">
          <dt>Workflow</dt>
          <dd>
            <a href={executionsHref({ ...NO_EXECUTION_FILTERS, workflow: execution.workflow_id })} data-testid="execution-workflow">
              {execution.workflow_name ?? `workflow ${execution.workflow_id}`}
            </a>
          </dd>
          <dt>Email</dt>
          <dd>
            <a href={hrefOf(`emails/${execution.email_id}`)} data-testid="execution-email">
              Email {execution.email_id}’s timeline
            </a>{' '}
            ·{' '}
            <a href={executionsHref({ ...NO_EXECUTION_FILTERS, email: execution.email_id })} data-testid="execution-email-executions">
              its executions
            </a>
          </dd>
          <dt>Triggered by</dt>
          <dd className="mono" data-testid="execution-trigger">
            {execution.trigger_event_id === null ? '—' : `classified event ${execution.trigger_event_id}`}
          </dd>
          <dt>Started</dt>
          <dd data-testid="execution-started">{when(execution.started_at)}</dd>
          <dt>Finished</dt>
          <dd data-testid="execution-finished">
            {when(execution.completed_at)}
            {execution.execution_time_ms !== null && ` (${msText(execution.execution_time_ms)})`}
          </dd>
          <dt>Steps done</dt>
          <dd className="mono" data-testid="execution-steps-done">
            {execution.steps_completed ?? 0} of {execution.steps_total ?? execution.steps.length}
          </dd>
          {execution.error_message && (
            <>
              <dt>Error</dt>
              <dd className="danger" data-testid="execution-error-message">
                {execution.error_message}
              </dd>
            </>
          )}
        </dl>
      </section>
      <section className="card" aria-labelledby="execution-steps-heading" data-testid="execution-steps">
        <h2 className="card__title" id="execution-steps-heading">
          Steps
        </h2>
        {execution.steps.length === 0 ? (
          <p className="muted">No step has started: the steps are copied from the workflow when a worker takes the execution.</p>
        ) : (
          <div className="retention-table-wrap">
            <table className="data-table workflows-steps">
              <TableHead columns={[['#'], 'Action', 'Params', 'Started', ['Took'], 'Outcome', ['Attempts'], 'Error']} />
              <tbody>
                {execution.steps.map((step) => (
                  <tr key={step.step_index} className="data-table__row" data-testid="execution-step" data-action={step.action} data-outcome={step.outcome} data-attempts={step.attempts}>
                    <td className="num mono">{step.step_index + 1}</td>
                    <td className="mono">{step.action}</td>
                    <td className="mono workflows-steps__params" title={paramsText(step.params)}>
                      {paramsText(step.params)}
                    </td>
                    <td className="nowrap" title={when(step.started_at)}>
                      {step.started_at ? formatShort(step.started_at) : '—'}
                    </td>
                    <td className="num mono">{msText(elapsedMs(step.started_at, step.finished_at))}</td>
                    <td>
                      <StatusPill status={step.outcome} />
                    </td>
                    <td className="num mono">{step.attempts}</td>
                    <td className="danger workflows-steps__error" data-testid="execution-step-error">
                      {step.error_message ?? ''}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {execution.result_json != null && (
        <section className="card" aria-label="Result" data-testid="execution-result">
          <h2 className="card__title">Result</h2>
          <JsonView value={execution.result_json} label={`result of execution ${execution.id}`} />
        </section>
      )}
    </>
  );
}
