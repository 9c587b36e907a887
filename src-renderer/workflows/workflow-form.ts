import type { z } from 'zod';
import type { RequestOf } from '../../src-main/contract/operations';
import { builtInParamsOf, type ActionField, type WorkflowActionInfo } from '../../src-main/contract/workflow-actions';
import { CreateWorkflowRequest, type Workflow } from '../../src-main/contract/workflows';

// The workflow editor's pure parts: the form as typed, the request it makes, and the messages on its
// fields, from the same zod schemas the server checks with (contract/workflows.ts for the workflow,
// contract/workflow-actions.ts for a built-in step's params). Keys name fields as the server's 400s
// do: `name`, `confidence_threshold`, `workflow_steps.1.params.status`.

/** A param as the form holds it: text for text, numbers and lists (one item a line or comma), a boolean for a checkbox. */
export type ParamValue = string | boolean;

export interface StepForm {
  /** Stable across reordering, for React's keys and focus. */
  key: string;
  action: string;
  values: Record<string, ParamValue>;
  /** The params as JSON, for an action whose fields are not known (a hub's without a schema). */
  json: string;
}

export interface WorkflowForm {
  name: string;
  description: string;
  classification_trigger: string;
  /** Empty: runs at any confidence (null). */
  confidence_threshold: string;
  priority: string;
  enabled: boolean;
  steps: StepForm[];
}

export type FieldErrors = Record<string, string>;
export type Catalogue = readonly WorkflowActionInfo[];

let nextKey = 0;
const stepKey = () => `step-${++nextKey}`;

export const EMPTY_FORM: WorkflowForm = {
  name: '',
  description: '',
  classification_trigger: '',
  confidence_threshold: '0.70',
  priority: '100',
  enabled: true,
  steps: [],
};

const fieldsOf = (catalogue: Catalogue, action: string): ActionField[] | null => catalogue.find((item) => item.code === action)?.fields ?? null;

/** Whether a field shows (and is sent): notify's `url` only when `channel` is webhook. */
export const fieldApplies = (field: ActionField, values: Record<string, ParamValue>): boolean => field.when === null || values[field.when.field] === field.when.equals;

/** A param's stored value as the form shows it. */
function formValueOf(field: ActionField, value: unknown): ParamValue {
  if (field.type === 'boolean') return typeof value === 'boolean' ? value : field.default === true;
  if (value === undefined || value === null) return '';
  if (field.type === 'string[]') return Array.isArray(value) ? value.map(String).join('\n') : String(value);
  return String(value);
}

/** A new step of an action: booleans at their defaults, the rest empty (the action fills its defaults). */
export function newStep(action: string, catalogue: Catalogue): StepForm {
  return stepOf({ action, params: {} }, catalogue);
}

export function stepOf(step: { action: string; params: Record<string, unknown> }, catalogue: Catalogue): StepForm {
  const fields = fieldsOf(catalogue, step.action);
  const values: Record<string, ParamValue> = {};
  for (const field of fields ?? []) {
    // A discriminator with one value chosen (notify's channel) starts at its first choice, so its fields show.
    const stored = step.params[field.name] ?? (field.type === 'enum' && field.required && field.when === null && fields?.some((other) => other.when?.field === field.name) ? field.choices?.[0] : undefined);
    values[field.name] = formValueOf(field, stored);
  }
  return { key: stepKey(), action: step.action, values, json: JSON.stringify(step.params ?? {}, null, 2) };
}

/** The form of a stored workflow. */
export function formOf(workflow: Workflow, catalogue: Catalogue): WorkflowForm {
  return {
    name: workflow.name,
    description: workflow.description ?? '',
    classification_trigger: workflow.classification_trigger ?? '',
    confidence_threshold: workflow.confidence_threshold === null ? '' : workflow.confidence_threshold.toFixed(2),
    priority: workflow.priority === null ? '' : String(workflow.priority),
    enabled: workflow.enabled,
    steps: workflow.workflow_steps.map((step) => stepOf(step, catalogue)),
  };
}

/** Changing a step's action starts its params afresh (another action's params mean nothing to it). */
export const withAction = (step: StepForm, action: string, catalogue: Catalogue): StepForm => ({ ...newStep(action, catalogue), key: step.key });

/** The steps with one moved from `from` to `to` (clamped); the same list when it cannot move. */
export function moveStep<T>(steps: T[], from: number, to: number): T[] {
  const target = Math.max(0, Math.min(steps.length - 1, to));
  if (from < 0 || from >= steps.length || target === from) return steps;
  const next = [...steps];
  const [moved] = next.splice(from, 1);
  next.splice(target, 0, moved!);
  return next;
}

/** A number as typed, or NaN for text that is not one ("", "1,5" and "abc" are not). */
const numberOf = (text: string): number => (/^\s*-?(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : Number.NaN);

/** A step's params from its fields (those that apply, empty ones left out), or the errors of those that cannot be read. */
export function paramsOf(step: StepForm, catalogue: Catalogue, at: string): { params: Record<string, unknown>; errors: FieldErrors } {
  const fields = fieldsOf(catalogue, step.action);
  const errors: FieldErrors = {};
  if (fields === null) {
    try {
      const parsed: unknown = JSON.parse(step.json.trim() || '{}');
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      return { params: parsed as Record<string, unknown>, errors };
    } catch {
      return { params: {}, errors: { [`${at}.params`]: 'must be a JSON object, e.g. {"folder": "done"}' } };
    }
  }
  const params: Record<string, unknown> = {};
  for (const field of fields) {
    if (!fieldApplies(field, step.values)) continue;
    const value = step.values[field.name];
    if (field.type === 'boolean') {
      // At its default it is left out, as the seed's workflows write their steps (the action fills it).
      if (field.default === undefined || (value === true) !== field.default) params[field.name] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') continue;
    if (field.type === 'number') {
      const number = numberOf(text);
      if (Number.isNaN(number)) errors[`${at}.params.${field.name}`] = 'must be a number';
      else params[field.name] = number;
    } else if (field.type === 'string[]') {
      params[field.name] = text.split(/[\n,]/).map((item) => item.trim()).filter(Boolean);
    } else {
      params[field.name] = text;
    }
  }
  return { params, errors };
}

const pathOf = (issue: z.core.$ZodIssue) => issue.path.map(String).join('.');

/** The request a form makes (create's shape), and every field's first error: the contract's zod, then each built-in step's own. */
export function requestOf(form: WorkflowForm, catalogue: Catalogue): { request: RequestOf<'workflows/create'>; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const steps = form.steps.map((step, index) => {
    const at = `workflow_steps.${index}`;
    const { params, errors: own } = paramsOf(step, catalogue, at);
    Object.assign(errors, own);
    if (!step.action) errors[`${at}.action`] = 'choose an action';
    return { action: step.action, params };
  });
  const thresholdText = form.confidence_threshold.trim();
  const threshold = thresholdText === '' ? null : numberOf(thresholdText);
  const priority = numberOf(form.priority);
  const request = {
    name: form.name,
    description: form.description.trim() === '' ? null : form.description,
    classification_trigger: form.classification_trigger.trim(),
    confidence_threshold: threshold,
    workflow_steps: steps,
    priority,
    enabled: form.enabled,
  };
  if (threshold !== null && Number.isNaN(threshold)) errors.confidence_threshold = 'must be a number from 0 to 1, e.g. 0.75; leave it empty for any confidence';
  if (Number.isNaN(priority)) errors.priority = 'must be a whole number';
  const parsed = CreateWorkflowRequest.safeParse(request);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = pathOf(issue);
      if (path && !(path in errors)) errors[path] = issue.message;
    }
  }
  steps.forEach((step, index) => {
    const schema = builtInParamsOf(step.action);
    const at = `workflow_steps.${index}.params`;
    if (!schema || Object.keys(errors).some((key) => key.startsWith(`${at}.`))) return;
    const checked = schema.safeParse(step.params);
    if (checked.success) return;
    for (const issue of checked.error.issues) {
      const key = issue.path.length ? `${at}.${pathOf(issue)}` : at;
      // A field the user did not reach yet (the union's branch) is still named on the field.
      if (!(key in errors)) errors[key] = issue.message;
    }
  });
  return { request, errors };
}

/** The draft for "try on an email": what a dry run reads of the form (not its priority or description, which may be half typed), and the email id. */
export function tryRequestOf(request: RequestOf<'workflows/create'>, emailId: number): RequestOf<'workflows/try'> {
  const { name, classification_trigger, confidence_threshold, workflow_steps, enabled } = request;
  return { classification_trigger, confidence_threshold, workflow_steps, enabled, ...(name.trim() ? { name } : {}), emailId };
}

/**
 * Where a server's error belongs: its message starts with the field it names (`name: a workflow named …`,
 * `workflow_steps.1.params.status: …`); the field and the rest, or null when it names none.
 */
export function fieldOfServerError(message: string): { field: string; message: string } | null {
  const match = /^((?:name|description|classification_trigger|confidence_threshold|priority|enabled|workflow_steps)(?:\.[\w]+)*): (.+)$/s.exec(message);
  return match ? { field: match[1]!, message: match[2]! } : null;
}

/** The errors that belong to one step (any key under `workflow_steps.N`), for its summary. */
export const stepErrorsOf = (errors: FieldErrors, index: number): string[] =>
  Object.entries(errors)
    .filter(([key]) => key === `workflow_steps.${index}` || key.startsWith(`workflow_steps.${index}.`))
    .map(([key, message]) => `${key.replace(`workflow_steps.${index}.`, '').replace(/^params\./, '')}: ${message}`);

/**
 * The touched step fields after steps moved or went: they follow their steps, not the positions.
 * `previousIndexOf[i]` is where the step now at i was before; a step not in it is gone.
 */
export function touchedFollowingSteps(touched: ReadonlySet<string>, previousIndexOf: readonly number[]): Set<string> {
  const nowAt = new Map(previousIndexOf.map((before, now) => [before, now]));
  const next = new Set<string>();
  for (const field of touched) {
    const step = /^workflow_steps\.(\d+)(\..*)?$/.exec(field);
    if (!step) next.add(field);
    else if (nowAt.has(Number(step[1]))) next.add(`workflow_steps.${nowAt.get(Number(step[1]))}${step[2] ?? ''}`);
  }
  return next;
}

/** A form's errors the user should see: those of fields touched, or all once Save or Try was pressed. */
export function visibleErrors(errors: FieldErrors, touched: ReadonlySet<string>, all: boolean): FieldErrors {
  if (all) return errors;
  return Object.fromEntries(Object.entries(errors).filter(([key]) => [...touched].some((field) => key === field || key.startsWith(`${field}.`))));
}

/** The request to update a stored workflow with the form: every column (PUT replaces those given). */
export const updateRequestOf = (workflowId: number, request: RequestOf<'workflows/create'>): RequestOf<'workflows/update'> => ({ workflowId, ...request });
