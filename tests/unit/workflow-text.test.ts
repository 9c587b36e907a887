import { describe, expect, it } from 'vitest';
import {
  elapsedMs,
  executionFiltersFromParams,
  executionLinkOf,
  executionsHref,
  executionsRequestOf,
  idOf,
  msText,
  paramsText,
  statusLabel,
  stepsText,
  thresholdText,
} from '../../src-renderer/workflows/workflow-text';

describe('the execution history filters in the address', () => {
  it('reads what the API takes and drops the rest', () => {
    expect(executionFiltersFromParams(new URLSearchParams('workflow=3&status=FAILED&email=42'))).toEqual({ workflow: 3, status: 'failed', email: 42 });
    expect(executionFiltersFromParams(new URLSearchParams('workflow=0&status=done&email=4x'))).toEqual({ workflow: null, status: null, email: null });
    expect(executionFiltersFromParams(new URLSearchParams('email=99999999999999999999'))).toEqual({ workflow: null, status: null, email: null });
  });

  it('round-trips through an href and becomes the request', () => {
    const filters = { workflow: 7, status: 'completed' as const, email: 12 };
    const href = executionsHref(filters);
    expect(href).toBe('#/workflows/executions?workflow=7&status=completed&email=12');
    expect(executionFiltersFromParams(new URLSearchParams(href.split('?')[1]))).toEqual(filters);
    expect(executionsRequestOf(filters)).toEqual({ workflowId: 7, status: 'completed', emailId: 12 });
    expect(executionsHref({ workflow: null, status: null, email: null })).toBe('#/workflows/executions');
    expect(executionsRequestOf({ workflow: null, status: null, email: null })).toEqual({ workflowId: undefined, status: undefined, emailId: undefined });
  });

  it('takes only whole positive ids', () => {
    expect(idOf(' 42 ')).toBe(42);
    for (const text of ['', '0', '-1', '1.5', '1e3', 'abc', '01', null, undefined]) expect(idOf(text)).toBeNull();
  });
});

describe('where a timeline event leads', () => {
  it('a step event names its execution', () => {
    expect(executionLinkOf({ email_id: 5, event_type: 'ticket_created', metadata: { workflow_id: 2, execution_id: 81 } })).toBe('#/workflow-executions/81');
    expect(executionLinkOf({ email_id: 5, event_type: 'error', metadata: { error_type: 'workflow_failed', execution_id: '9' } })).toBe('#/workflow-executions/9');
  });

  it("the engine's workflow_executed names its execution after the seed's five fields, and opens it", () => {
    const event = {
      email_id: 5,
      event_type: 'workflow_executed',
      metadata: { workflow_id: 2, workflow_name: 'Invoice Processing', status: 'failed', steps_completed: 1, execution_time_ms: 40, execution_id: 314 },
    };
    expect(executionLinkOf(event)).toBe('#/workflow-executions/314');
    // An id that is no id falls back to the runs of that workflow on that email.
    expect(executionLinkOf({ ...event, metadata: { ...event.metadata, execution_id: 'x' } })).toBe('#/workflows/executions?workflow=2&email=5');
    expect(executionLinkOf({ ...event, metadata: { ...event.metadata, execution_id: null } })).toBe('#/workflows/executions?workflow=2&email=5');
  });

  it("the seed's workflow_executed, without an execution id, leads to that workflow's runs on that email", () => {
    const event = { email_id: 5, event_type: 'workflow_executed', metadata: { workflow_id: 2, workflow_name: 'Invoice Processing', status: 'completed', steps_completed: 3, execution_time_ms: 40 } };
    expect(executionLinkOf(event)).toBe('#/workflows/executions?workflow=2&email=5');
  });

  it('other events and mangled metadata lead nowhere', () => {
    expect(executionLinkOf({ email_id: 5, event_type: 'classified', metadata: { classification: 'invoice' } })).toBeNull();
    expect(executionLinkOf({ email_id: 5, event_type: 'workflow_executed', metadata: { workflow_id: 'x' } })).toBeNull();
    expect(executionLinkOf({ email_id: 5, event_type: 'workflow_executed', metadata: { workflow_id: -1 } })).toBeNull();
    expect(executionLinkOf({ email_id: 5, event_type: 'workflow_executed', metadata: null })).toBeNull();
    expect(executionLinkOf({ email_id: 5, event_type: 'linked', metadata: { execution_id: 1.5 } })).toBeNull();
  });
});

describe('the words for a workflow and its steps', () => {
  it('names steps, thresholds, params and durations', () => {
    expect(stepsText([{ action: 'extract_invoice', params: {} }, { action: 'set_status', params: { status: 'processed' } }])).toBe('extract_invoice → set_status');
    expect(thresholdText(0.7)).toBe('≥ 0.70');
    expect(thresholdText(null)).toBe('any');
    expect(paramsText({ entity_type: 'vendor', create_missing: true, reason: 'bankruptcy notice' })).toBe('entity_type=vendor · create_missing=true · reason="bankruptcy notice"');
    expect(paramsText({})).toBe('—');
    expect(paramsText(null)).toBe('—');
    expect(msText(340)).toBe('340 ms');
    expect(msText(1234)).toBe('1.2 s');
    expect(msText(125_000)).toBe('2 min 5 s');
    expect(msText(null)).toBe('');
  });

  it('measures a step between two zoneless timestamps', () => {
    expect(elapsedMs('2026-11-28 18:56:41.100', '2026-11-28 18:56:41.350')).toBe(250);
    expect(elapsedMs('2026-11-28T18:56:41', '2026-11-28T18:56:43')).toBe(2000);
    expect(elapsedMs('2026-11-28 18:56:41', null)).toBeNull();
    expect(elapsedMs('2026-11-28 18:56:42', '2026-11-28 18:56:41')).toBeNull();
  });
});

describe('status words', () => {
  it("labels an execution's status and a step's outcome", () => {
    expect(statusLabel('failed')).toBe('Failed');
    expect(statusLabel('succeeded')).toBe('Succeeded');
  });
});
