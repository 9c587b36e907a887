import { useCallback, useEffect, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import { EXECUTION_STATUSES, type Workflow, type WorkflowExecution } from '../../src-main/contract/workflows';
import { useClient } from '../api/client-context';
import { hrefOf, navigate } from '../app/hash-router';
import { useOffline } from '../app/offline-banner';
import { useTimeZone } from '../app/source-status';
import { ClearFiltersHint, EmptyState, ErrorState, LoadMoreFooter, LoadingState } from '../components/states';
import { formatAbsolute, formatShort } from '../lib/time';
import { asMailtrailError, useKeysetPages } from '../lib/use-keyset-pages';
import { TableHead } from '../retention/preview-cards';
import { useWorkflowWrite } from './use-workflow-write';
import {
  executionFiltersFromParams,
  executionHref,
  executionsHref,
  executionsRequestOf,
  idOf,
  isExecutionFiltered,
  msText,
  NO_EXECUTION_FILTERS,
  statusLabel,
  stepsText,
  thresholdText,
  type ExecutionFilters,
  type ExecutionStatus,
} from './workflow-text';

const PAGE_SIZE = 50;

interface WorkflowFigures {
  /** By workflow name, as the analytics rollups key them. */
  success: Map<string, { success_rate: number | null; p95_ms: number | null; total: number }>;
  /** By workflow id: the newest execution. */
  lastRun: Map<number, WorkflowExecution>;
}

type WorkflowsState = { status: 'loading' } | { status: 'error'; error: MailtrailError } | { status: 'ready'; items: Workflow[]; figures: WorkflowFigures };

/** The workflows of email_workflows, each with its success rate and last run, and the execution history below. */
export function WorkflowsPage({ params }: { params: URLSearchParams }) {
  const offline = useOffline();
  const filters = executionFiltersFromParams(params);
  const setFilters = useCallback((next: ExecutionFilters) => navigate(executionsHref(next), { replace: true }), []);
  const workflows = useWorkflows(offline);
  return (
    <div className="page workflows" data-testid="workflows-page">
      <header className="page-header">
        <div>
          <h1 className="page__title">Workflows</h1>
          <p className="page__subtitle">
            What runs when an email is classified: each enabled workflow whose trigger and threshold match, lowest priority first. Below, every execution, newest first.
          </p>
        </div>
        {!offline && (
          <a className="button button--primary workflows__new" href="#/workflows/new" data-testid="workflow-new">
            New workflow
          </a>
        )}
      </header>
      {offline ? (
        <EmptyState title="Workflows need the live database" testId="workflows-offline">
          <p>The workflows and their executions are kept in PostgreSQL beside the log, and an offline cache has no copy. Open the live database to read them.</p>
        </EmptyState>
      ) : (
        <>
          <WorkflowsCard state={workflows.state} retry={workflows.retry} replace={workflows.replace} />
          <section className="card workflows-history" aria-labelledby="workflows-history-heading" data-testid="workflow-executions">
            <h2 className="card__title" id="workflows-history-heading">
              Executions
            </h2>
            <ExecutionFilterBar filters={filters} setFilters={setFilters} workflows={workflows.state.status === 'ready' ? workflows.state.items : []} />
            <ExecutionList key={JSON.stringify(filters)} filters={filters} clear={() => setFilters(NO_EXECUTION_FILTERS)} />
          </section>
        </>
      )}
    </div>
  );
}

function useWorkflows(offline: boolean) {
  const { client } = useClient();
  const [state, setState] = useState<WorkflowsState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (offline) return;
    let current = true;
    (async () => {
      const { items } = await client['workflows/list']({ includeDisabled: true });
      // The figures are extras: a workflow list without them beats none.
      const [analytics, lastRuns] = await Promise.all([
        client['analytics/workflows']({}).catch(() => null),
        Promise.all(items.map((workflow) => client['workflows/executions']({ workflowId: workflow.id, limit: 1 }).catch(() => null))),
      ]);
      const success = new Map((analytics?.workflows ?? []).flatMap((row) => (row.workflow === null ? [] : [[row.workflow, row] as const])));
      const lastRun = new Map(items.flatMap((workflow, index) => {
        const newest = lastRuns[index]?.items[0];
        return newest ? [[workflow.id, newest] as const] : [];
      }));
      return { items, figures: { success, lastRun } };
    })()
      .then((ready) => current && setState({ status: 'ready', ...ready }))
      .catch((error: unknown) => current && setState({ status: 'error', error: asMailtrailError(error) }));
    return () => {
      current = false;
    };
  }, [client, offline, attempt]);
  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((value) => value + 1);
  }, []);
  /** The workflow as an update answered it, in place. */
  const replace = useCallback((workflow: Workflow) => {
    setState((previous) => (previous.status === 'ready' ? { ...previous, items: previous.items.map((item) => (item.id === workflow.id ? workflow : item)) } : previous));
  }, []);
  return { state, retry, replace };
}

function WorkflowsCard({ state, retry, replace }: { state: WorkflowsState; retry(): void; replace(workflow: Workflow): void }) {
  const timeZone = useTimeZone();
  const { client } = useClient();
  const { busy, write, notice } = useWorkflowWrite();
  const toggle = (workflow: Workflow) =>
    void write(() => client['workflows/update']({ workflowId: workflow.id, enabled: !workflow.enabled })).then((updated) => updated && replace(updated));
  return (
    <section className="card workflows-list" aria-labelledby="workflows-list-heading" data-testid="workflows-list">
      <h2 className="card__title" id="workflows-list-heading">
        Workflows
      </h2>
      {notice}
      {state.status === 'loading' ? (
        <LoadingState label="Reading the workflows…" testId="workflows-loading" />
      ) : state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The workflows could not be read" testId="workflows-error" />
      ) : state.items.length === 0 ? (
        <EmptyState title="No workflows yet" testId="workflows-empty">
          <p>
            Migration 0015 creates the seed’s three (Invoice Processing, Time Confirmation, Bankruptcy Alert); run <code>mailtrail migrate</code>.
          </p>
        </EmptyState>
      ) : (
        <div className="retention-table-wrap">
          <table className="data-table workflows-table">
            <TableHead columns={['Name', 'Trigger', 'Enabled', 'Steps', 'Last run', ['Success']]} />
            <tbody>
              {state.items.map((workflow) => {
                const success = state.figures.success.get(workflow.name);
                const last = state.figures.lastRun.get(workflow.id);
                return (
                  <tr key={workflow.id} className="data-table__row" data-testid="workflow-row" data-workflow-id={workflow.id} data-enabled={workflow.enabled}>
                    <td>
                      <div className="workflows-table__name">
                        <a href={executionsHref({ ...NO_EXECUTION_FILTERS, workflow: workflow.id })} title={`${workflow.name}'s executions`} data-testid="workflow-name">
                          {workflow.name}
                        </a>
                        <a className="button button--secondary button--sm" href={`#/workflows/${workflow.id}/edit`} aria-label={`Edit ${workflow.name}`} data-testid="workflow-edit">
                          Edit
                        </a>
                      </div>
                      <div className="muted workflows-table__sub" title="Matching workflows run lowest priority first" data-testid="workflow-priority">
                        priority {workflow.priority ?? '—'}
                      </div>
                      {workflow.description && (
                        <div className="muted workflows-table__description" title={workflow.description}>
                          {workflow.description}
                        </div>
                      )}
                    </td>
                    <td className="nowrap">
                      <div className="mono" data-testid="workflow-trigger">
                        {workflow.classification_trigger ?? '—'}
                      </div>
                      <div className="muted workflows-table__sub mono" title="The classified event's confidence it needs" data-testid="workflow-threshold">
                        {thresholdText(workflow.confidence_threshold)}
                      </div>
                    </td>
                    <td>
                      <button
                        type="button"
                        role="switch"
                        aria-checked={workflow.enabled}
                        aria-label={`${workflow.name} enabled`}
                        className={`workflow-switch${workflow.enabled ? ' is-on' : ''}`}
                        disabled={busy}
                        onClick={() => toggle(workflow)}
                        title={workflow.enabled ? 'Enabled: runs on matching classified emails. Click to switch it off.' : 'Disabled: does not run. Click to switch it on.'}
                        data-testid="workflow-enabled"
                      >
                        <span className="workflow-switch__track" aria-hidden="true">
                          <span className="workflow-switch__thumb" />
                        </span>
                        <span className="workflow-switch__label">{workflow.enabled ? 'Enabled' : 'Disabled'}</span>
                      </button>
                    </td>
                    <td className="mono workflows-table__steps" data-testid="workflow-steps">
                      {stepsText(workflow.workflow_steps)}
                    </td>
                    <td className="nowrap" data-testid="workflow-last-run">
                      {last ? (
                        <a href={executionHref(last.id)} title={last.started_at ? formatAbsolute(last.started_at, timeZone) : undefined}>
                          <div>{last.started_at ? formatShort(last.started_at) : `#${last.id}`}</div>
                          <div className="workflows-table__sub">{statusLabel(last.status)}</div>
                        </a>
                      ) : (
                        <span className="muted" title="No execution of it is stored (runs logged by the hub without the engine count in the success rate only)">
                          none stored
                        </span>
                      )}
                    </td>
                    <td className="num mono nowrap" title={success ? `${success.total.toLocaleString('en')} executions logged` : 'No workflow_executed event names it'}>
                      <div data-testid="workflow-success">{success?.success_rate == null ? '—' : `${success.success_rate.toFixed(1)} %`}</div>
                      <div className="muted workflows-table__sub" title="95th percentile of its execution time">
                        {success?.p95_ms == null ? '' : `p95 ${msText(success.p95_ms)}`}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ExecutionFilterBar({ filters, setFilters, workflows }: { filters: ExecutionFilters; setFilters(next: ExecutionFilters): void; workflows: Workflow[] }) {
  const [email, setEmail] = useState(filters.email === null ? '' : String(filters.email));
  useEffect(() => setEmail(filters.email === null ? '' : String(filters.email)), [filters.email]);
  const emailInvalid = email.trim() !== '' && idOf(email) === null;
  const applyEmail = () => {
    if (!emailInvalid && idOf(email) !== filters.email) setFilters({ ...filters, email: idOf(email) });
  };
  return (
    <div className="filters" role="group" aria-label="Execution filters">
      <label className="field">
        <span className="filter-select__label">Workflow</span>
        <select
          className="field__input"
          value={filters.workflow ?? ''}
          onChange={(event) => setFilters({ ...filters, workflow: idOf(event.target.value) })}
          data-testid="executions-filter-workflow"
        >
          <option value="">All workflows</option>
          {workflows.map((workflow) => (
            <option key={workflow.id} value={workflow.id}>
              {workflow.name}
            </option>
          ))}
          {filters.workflow !== null && !workflows.some((workflow) => workflow.id === filters.workflow) && <option value={filters.workflow}>Workflow {filters.workflow}</option>}
        </select>
      </label>
      <label className="field">
        <span className="filter-select__label">Status</span>
        <select
          className="field__input"
          value={filters.status ?? ''}
          onChange={(event) => setFilters({ ...filters, status: (event.target.value || null) as ExecutionStatus | null })}
          data-testid="executions-filter-status"
        >
          <option value="">Any status</option>
          {EXECUTION_STATUSES.map((status) => (
            <option key={status} value={status}>
              {statusLabel(status)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="filter-select__label">Email id</span>
        <input
          type="search"
          inputMode="numeric"
          className="field__input mono workflows__email-filter"
          placeholder="e.g. 42"
          value={email}
          aria-invalid={emailInvalid || undefined}
          title={emailInvalid ? 'An email id is a whole number above 0' : 'Press Enter to filter by this email'}
          onChange={(event) => setEmail(event.target.value)}
          onKeyDown={(event) => event.key === 'Enter' && applyEmail()}
          onBlur={applyEmail}
          data-testid="executions-filter-email"
        />
      </label>
      {emailInvalid && (
        <span className="danger" role="alert" data-testid="executions-filter-email-error">
          An email id is a whole number above 0.
        </span>
      )}
    </div>
  );
}

function ExecutionList({ filters, clear }: { filters: ExecutionFilters; clear(): void }) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const filterKey = JSON.stringify(filters);
  const fetchPage = useCallback(
    (cursor: string | undefined) => client['workflows/executions']({ ...executionsRequestOf(JSON.parse(filterKey) as ExecutionFilters), limit: PAGE_SIZE, cursor }),
    [client, filterKey],
  );
  const { state, hasMore, loadingMore, moreError, loadMore, retry } = useKeysetPages<WorkflowExecution>(`executions:${filterKey}`, fetchPage);
  const items = state.items;
  if (state.status === 'error') return <ErrorState error={state.error} onRetry={retry} title="The executions could not be loaded" testId="executions-error" />;
  if (state.status === 'loading' && items.length === 0) return <LoadingState label="Loading the executions…" testId="executions-loading" />;
  if (items.length === 0) {
    return (
      <EmptyState title={isExecutionFiltered(filters) ? 'No executions match these filters' : 'No workflow has run yet'} testId="executions-empty">
        {isExecutionFiltered(filters) ? (
          <ClearFiltersHint onClear={clear} />
        ) : (
          <p>
            An execution appears here when <code>mailtrail worker</code> (or <code>serve --admin</code>) runs a workflow on a classified email.
          </p>
        )}
      </EmptyState>
    );
  }
  return (
    <>
      <p className="filters__count" data-testid="executions-count" aria-live="polite">
        {items.length.toLocaleString('en')}
        {hasMore ? '+' : ''} {items.length === 1 ? 'execution' : 'executions'}
      </p>
      <div className="retention-table-wrap">
        <table className="data-table workflows-executions">
          <TableHead columns={[['Execution'], 'Workflow', ['Email'], 'Status', ['Steps'], 'Started', ['Took'], 'Error']} />
          <tbody>
            {items.map((execution) => (
              <tr key={execution.id} className="data-table__row" data-testid="execution-row" data-execution-id={execution.id} data-status={execution.status}>
                <td className="num mono">
                  <a href={executionHref(execution.id)} data-testid="execution-link">
                    #{execution.id}
                  </a>
                </td>
                <td>{execution.workflow_name ?? <span className="muted">workflow {execution.workflow_id} (deleted)</span>}</td>
                <td className="num mono">
                  <a href={hrefOf(`emails/${execution.email_id}`)} title={`Email ${execution.email_id}'s timeline`}>
                    {execution.email_id}
                  </a>
                </td>
                <td>
                  <StatusPill status={execution.status} />
                </td>
                <td className="num mono">
                  {execution.steps_completed ?? 0}/{execution.steps_total ?? '?'}
                </td>
                <td className="nowrap" title={execution.started_at ? formatAbsolute(execution.started_at, timeZone) : undefined}>{execution.started_at ? formatShort(execution.started_at) : '—'}</td>
                <td className="num mono">{msText(execution.execution_time_ms)}</td>
                <td className="danger workflows-executions__error" title={execution.error_message ?? undefined}>
                  {execution.error_message ?? ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMoreFooter hasMore={hasMore} loadingMore={loadingMore} error={moreError} onRetry={retry} onLoadMore={loadMore} end="No older executions." testId="executions-more" />
    </>
  );
}

const STATUS_PILL: Record<string, string> = { completed: 'succeeded', succeeded: 'succeeded', failed: 'failed', running: 'started', pending: 'cancelled' };

export function StatusPill({ status }: { status: string }) {
  return (
    <span className={`pill journal-outcome--${STATUS_PILL[status] ?? 'cancelled'}`} data-testid="execution-status">
      {statusLabel(status)}
    </span>
  );
}
