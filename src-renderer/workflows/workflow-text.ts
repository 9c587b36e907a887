import type { RequestOf } from '../../src-main/contract/operations';
import { EXECUTION_STATUSES, type Workflow } from '../../src-main/contract/workflows';
import { hrefOf } from '../app/route';

// The Workflows screens' pure parts: filters as the address holds them, and the words for a workflow.

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** The execution history's filters: `#/workflows/executions?workflow=3&status=failed&email=42`. */
export interface ExecutionFilters {
  workflow: number | null;
  status: ExecutionStatus | null;
  email: number | null;
}

export const NO_EXECUTION_FILTERS: ExecutionFilters = { workflow: null, status: null, email: null };

/** A positive whole id, or null: what the API would take, so a mangled address shows all instead of an error. */
export function idOf(text: string | null | undefined): number | null {
  const trimmed = text?.trim() ?? '';
  if (!/^[1-9]\d{0,15}$/.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : null;
}

/** An id from metadata, where the hub may have written it as a number or a string. */
const idOfValue = (value: unknown): number | null =>
  typeof value === 'number' ? (Number.isSafeInteger(value) && value > 0 ? value : null) : typeof value === 'string' ? idOf(value) : null;

export function executionFiltersFromParams(params: URLSearchParams): ExecutionFilters {
  const status = params.get('status')?.trim().toLowerCase() ?? '';
  return {
    workflow: idOf(params.get('workflow')),
    status: (EXECUTION_STATUSES as readonly string[]).includes(status) ? (status as ExecutionStatus) : null,
    email: idOf(params.get('email')),
  };
}

export const executionsHref = (filters: ExecutionFilters): string =>
  hrefOf('workflows/executions', {
    workflow: filters.workflow === null ? undefined : String(filters.workflow),
    status: filters.status ?? undefined,
    email: filters.email === null ? undefined : String(filters.email),
  });

export function executionsRequestOf(filters: ExecutionFilters): RequestOf<'workflows/executions'> {
  return {
    workflowId: filters.workflow ?? undefined,
    status: filters.status ?? undefined,
    emailId: filters.email ?? undefined,
  };
}

export const isExecutionFiltered = (filters: ExecutionFilters): boolean => Object.values(filters).some((value) => value !== null);

export const executionHref = (executionId: number): string => hrefOf(`workflow-executions/${executionId}`);

/** "extract_invoice → link_entity → set_status". */
export const stepsText = (steps: Workflow['workflow_steps']): string => steps.map((step) => step.action).join(' → ');

/** "≥ 0.70", or "any" for a workflow that runs at any confidence. */
export const thresholdText = (threshold: number | null): string => (threshold === null ? 'any' : `≥ ${threshold.toFixed(2)}`);

/** A step's params on one line: `entity_type=vendor · create_missing=true`; '—' when it has none. */
export function paramsText(params: unknown): string {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return params === undefined || params === null ? '—' : JSON.stringify(params);
  const parts = Object.entries(params).map(([key, value]) => `${key}=${typeof value === 'string' && /^[\w.:@/+-]+$/.test(value) ? value : JSON.stringify(value)}`);
  return parts.length ? parts.join(' · ') : '—';
}

/** "1.2 s", "340 ms", "" when not known. */
export function msText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** Milliseconds between two of the tables' zoneless timestamps, or null where one is missing. */
export function elapsedMs(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const parse = (text: string) => Date.parse(`${text.replace(' ', 'T').replace(/(Z|[+-]\d\d:?\d\d)$/, '')}Z`);
  const ms = parse(to) - parse(from);
  return Number.isFinite(ms) && ms >= 0 ? ms : null;
}

/**
 * Where a timeline event leads. The engine's `workflow_executed` names its execution_id after the
 * seed's five fields, as a step's event (`status_changed`, `ticket_created` …) and the failure's
 * `error` do: those open that execution. An older `workflow_executed` (the seed's five fields
 * only) leads to that workflow's executions on that email (one, unless it was re-run).
 */
export function executionLinkOf(event: { email_id: number; event_type: string; metadata: Record<string, unknown> | null }): string | null {
  const metadata = event.metadata ?? {};
  const execution = idOfValue(metadata.execution_id);
  if (execution !== null) return executionHref(execution);
  if (event.event_type !== 'workflow_executed') return null;
  const workflow = idOfValue(metadata.workflow_id);
  return workflow === null ? null : executionsHref({ workflow, status: null, email: event.email_id });
}

export const STATUS_LABELS: Record<ExecutionStatus, string> = { pending: 'Pending', running: 'Running', completed: 'Completed', failed: 'Failed' };
/** An execution's status or a step's outcome (`succeeded`, `skipped` …), capitalised. */
export const statusLabel = (status: string): string => STATUS_LABELS[status as ExecutionStatus] ?? status.charAt(0).toUpperCase() + status.slice(1);
