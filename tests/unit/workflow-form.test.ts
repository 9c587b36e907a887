import { describe, expect, it } from 'vitest';
import { actionFieldsOf, BUILT_IN_ACTION_PARAMS, type WorkflowActionInfo } from '../../src-main/contract/workflow-actions';
import {
  EMPTY_FORM,
  fieldOfServerError,
  formOf,
  moveStep,
  newStep,
  requestOf,
  stepErrorsOf,
  touchedFollowingSteps,
  tryRequestOf,
  visibleErrors,
  withAction,
  type WorkflowForm,
} from '../../src-renderer/workflows/workflow-form';

// The workflow editor's form logic (issue 16, item 5): form → request, and the errors on its fields,
// over the catalogue as the server derives it from the built-ins' zod.
const CATALOGUE: WorkflowActionInfo[] = [
  ...Object.entries(BUILT_IN_ACTION_PARAMS).map(([code, schema]) => ({
    code,
    name: code,
    description: null,
    category: null,
    enabled: true,
    runnable: true,
    fields: actionFieldsOf(schema),
    previews: true,
  })),
  { code: 'hub_archive', name: 'Archive', description: null, category: null, enabled: true, runnable: true, fields: null, previews: false },
];

const form = (changes: Partial<WorkflowForm> = {}): WorkflowForm => ({ ...EMPTY_FORM, name: 'Invoice review', classification_trigger: 'invoice', ...changes });
const step = (action: string, values: Record<string, string | boolean> = {}) => {
  const made = newStep(action, CATALOGUE);
  return { ...made, values: { ...made.values, ...values } };
};

describe('requestOf: the form as create’s request', () => {
  it('makes the request with typed params, leaving empty optional fields out', () => {
    const { request, errors } = requestOf(
      form({
        description: '  ',
        confidence_threshold: '0.85',
        priority: '30',
        steps: [
          step('extract_invoice'),
          step('link_entity', { entity_type: 'vendor', entity_id: '12' }),
          step('set_status', { status: ' processed ', reason: '' }),
          step('flag_bankruptcy', { keywords: 'konkurs, insolvent\nkurator' }),
          step('notify', { channel: 'webhook', url: 'https://hooks.example/x', to: 'ignored@example.com' }),
        ],
      }),
      CATALOGUE,
    );
    expect(errors).toEqual({});
    expect(request).toEqual({
      name: 'Invoice review',
      description: null,
      classification_trigger: 'invoice',
      confidence_threshold: 0.85,
      priority: 30,
      enabled: true,
      workflow_steps: [
        { action: 'extract_invoice', params: {} },
        // create_missing at its default (true) is left out: the stored step stays as the seed writes it.
        { action: 'link_entity', params: { entity_type: 'vendor', entity_id: 12 } },
        { action: 'set_status', params: { status: 'processed' } },
        { action: 'flag_bankruptcy', params: { keywords: ['konkurs', 'insolvent', 'kurator'] } },
        // Only the fields of the chosen channel are sent.
        { action: 'notify', params: { channel: 'webhook', url: 'https://hooks.example/x' } },
      ],
    });
  });

  it('names each field the contract’s zod refuses, as the server’s 400 would', () => {
    const { errors } = requestOf(form({ name: ' ', classification_trigger: '', confidence_threshold: '1.5', priority: '2.5', steps: [] }), CATALOGUE);
    expect(errors).toEqual({
      name: 'must not be empty',
      classification_trigger: 'must not be empty',
      confidence_threshold: 'must be between 0 and 1',
      priority: 'must be a whole number',
      workflow_steps: 'must have at least one step',
    });
    expect(requestOf(form({ confidence_threshold: '0.755', steps: [step('extract_invoice')] }), CATALOGUE).errors).toEqual({
      confidence_threshold: 'must have at most two decimals (the column is NUMERIC(3, 2))',
    });
    expect(requestOf(form({ confidence_threshold: 'abc', steps: [step('extract_invoice')] }), CATALOGUE).errors.confidence_threshold).toMatch(/^must be a number from 0 to 1/);
    // Empty: any confidence.
    expect(requestOf(form({ confidence_threshold: '', steps: [step('extract_invoice')] }), CATALOGUE).request.confidence_threshold).toBeNull();
  });

  it('checks each built-in step with its own zod and names the param', () => {
    const { errors } = requestOf(
      form({
        steps: [
          step('set_status'),
          step('notify', { channel: 'email', to: 'not an address' }),
          step('link_entity', { entity_type: 'vendor', entity_id: 'x' }),
          step('notify', { channel: 'webhook', url: 'ftp://files.example' }),
        ],
      }),
      CATALOGUE,
    );
    expect(Object.keys(errors).sort()).toEqual(['workflow_steps.0.params.status', 'workflow_steps.1.params.to', 'workflow_steps.2.params.entity_id', 'workflow_steps.3.params.url']);
    expect(errors['workflow_steps.2.params.entity_id']).toBe('must be a number');
    expect(errors['workflow_steps.0.params.status']).toBe('is required');
    expect(errors['workflow_steps.3.params.url']).toBe('must be an http:// or https:// URL');
    expect(stepErrorsOf(errors, 1)).toEqual([`to: ${errors['workflow_steps.1.params.to']}`]);
  });

  it('takes a hub action’s params as JSON, and refuses JSON that is not an object', () => {
    const archive = { ...step('hub_archive'), json: '{"folder": "done"}' };
    expect(requestOf(form({ steps: [archive] }), CATALOGUE).request.workflow_steps).toEqual([{ action: 'hub_archive', params: { folder: 'done' } }]);
    expect(requestOf(form({ steps: [{ ...archive, json: '[1]' }] }), CATALOGUE).errors).toEqual({ 'workflow_steps.0.params': expect.stringMatching(/^must be a JSON object/) });
  });
});

describe('the form of a stored workflow', () => {
  it('round-trips: a stored workflow’s form makes the same request', () => {
    const workflow = {
      id: 3,
      name: 'Bankruptcy Alert',
      description: 'Flags, notifies and opens a ticket',
      classification_trigger: 'bankruptcy',
      confidence_threshold: 0.8,
      workflow_steps: [
        { action: 'flag_bankruptcy', params: {} },
        { action: 'notify', params: { channel: 'email', to: 'finance@bmc-hub.dk', reason: 'Bankruptcy notice received' } },
        { action: 'create_ticket', params: { priority: 'urgent' } },
        { action: 'link_entity', params: { entity_type: 'customer', create_missing: false } },
      ],
      priority: 5,
      enabled: false,
      created_at: null,
    };
    const made = formOf(workflow, CATALOGUE);
    expect(made.confidence_threshold).toBe('0.80');
    expect(made.steps[1]!.values).toEqual(expect.objectContaining({ channel: 'email', to: 'finance@bmc-hub.dk' }));
    const { request, errors } = requestOf(made, CATALOGUE);
    expect(errors).toEqual({});
    const { id: _id, created_at: _created, ...columns } = workflow;
    expect(request).toEqual(columns);
  });

  it('starts a new notify step on its first channel, and a changed action afresh', () => {
    expect(newStep('notify', CATALOGUE).values.channel).toBe('webhook');
    expect(newStep('link_entity', CATALOGUE).values).toEqual({ entity_type: '', entity_id: '', create_missing: true });
    const status = step('set_status', { status: 'done' });
    const changed = withAction(status, 'create_ticket', CATALOGUE);
    expect(changed.key).toBe(status.key);
    expect(changed.values).toEqual({ priority: '', subject: '' });
  });
});

describe('moving steps, server errors, what is shown', () => {
  it('moves a step up and down, clamped at the ends', () => {
    const steps = [step('extract_invoice'), step('link_entity'), step('set_status')];
    const actions = (list: typeof steps) => list.map((item) => item.action);
    expect(actions(moveStep(steps, 2, 0))).toEqual(['set_status', 'extract_invoice', 'link_entity']);
    expect(actions(moveStep(steps, 0, 1))).toEqual(['link_entity', 'extract_invoice', 'set_status']);
    expect(moveStep(steps, 0, -1)).toBe(steps);
    expect(moveStep(steps, 2, 5)).toBe(steps);
  });

  it('puts a server error on the field it names', () => {
    expect(fieldOfServerError('name: a workflow named "Invoice Processing" exists already (id 2); choose another name')).toEqual({
      field: 'name',
      message: 'a workflow named "Invoice Processing" exists already (id 2); choose another name',
    });
    expect(fieldOfServerError('workflow_steps.1.params.status: Too small')).toEqual({ field: 'workflow_steps.1.params.status', message: 'Too small' });
    expect(fieldOfServerError('the database is unreachable')).toBeNull();
  });

  it('shows the errors of touched fields as one types, and all after Save', () => {
    const errors = { name: 'must not be empty', 'workflow_steps.0.params.status': 'required' };
    expect(visibleErrors(errors, new Set(['name']), false)).toEqual({ name: 'must not be empty' });
    expect(visibleErrors(errors, new Set(['workflow_steps.0']), false)).toEqual({ 'workflow_steps.0.params.status': 'required' });
    expect(visibleErrors(errors, new Set(), true)).toEqual(errors);
  });

  it('keeps a step\'s touched fields with the step when steps move or go', () => {
    const touched = new Set(['name', 'workflow_steps.0.params.status', 'workflow_steps.2.params.entity_type', 'workflow_steps.10']);
    const places = Array.from({ length: 11 }, (_, at) => at);
    // The first step moved to the end: its field is now the last step's, the others move up one.
    expect(touchedFollowingSteps(touched, moveStep(places, 0, 10))).toEqual(
      new Set(['name', 'workflow_steps.10.params.status', 'workflow_steps.1.params.entity_type', 'workflow_steps.9']),
    );
    // The third step removed: its fields go with it, those after it move up one.
    expect(touchedFollowingSteps(touched, places.filter((at) => at !== 2))).toEqual(new Set(['name', 'workflow_steps.0.params.status', 'workflow_steps.9']));
    // What the user sees follows: the error of the step they touched, where that step now is.
    const errors = { 'workflow_steps.1.params.status': 'required', 'workflow_steps.0.params.status': 'required' };
    expect(visibleErrors(errors, touchedFollowingSteps(new Set(['workflow_steps.0.params.status']), [1, 0]), false)).toEqual({ 'workflow_steps.1.params.status': 'required' });
  });

  it('tries a draft without a name, on the email given', () => {
    const { request } = requestOf(form({ name: '', priority: 'ab', steps: [step('extract_invoice')] }), CATALOGUE);
    const tried = tryRequestOf(request, 42);
    expect(tried).not.toHaveProperty('name');
    // A priority being typed does not stop a try: the dry run does not read it.
    expect(tried).not.toHaveProperty('priority');
    expect(tried).toEqual(expect.objectContaining({ emailId: 42, classification_trigger: 'invoice' }));
  });
});
