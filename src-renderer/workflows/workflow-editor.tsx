import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { MailtrailError } from '../../src-main/contract/errors';
import type { ActionField, TryWorkflowResult, WorkflowActionInfo } from '../../src-main/contract/workflow-actions';
import type { Workflow } from '../../src-main/contract/workflows';
import { readAdminToken } from '../api/admin-token';
import { useClient } from '../api/client-context';
import { navigate } from '../app/hash-router';
import { useOffline } from '../app/offline-banner';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { JsonView } from '../components/json-view';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { useModal } from '../retention/use-modal';
import { isAccessRefusal, WriteAccessNotice, type WriteAccessWords } from '../retention/write-access';
import { adminConnectionBridge } from '../settings/admin-connection-section';
import {
  EMPTY_FORM,
  fieldApplies,
  fieldOfServerError,
  formOf,
  moveStep,
  newStep,
  requestOf,
  stepErrorsOf,
  touchedFollowingSteps,
  tryRequestOf,
  updateRequestOf,
  visibleErrors,
  withAction,
  type Catalogue,
  type FieldErrors,
  type ParamValue,
  type StepForm,
  type WorkflowForm,
} from './workflow-form';
import { idOf } from './workflow-text';

const EDITOR_WRITES: WriteAccessWords = {
  desktopTitle: 'Editing workflows needs an admin connection',
  desktopWrites: 'Creating, changing and deleting workflows write',
  refused: 'creating, changing and deleting workflows. The workflows, their executions and “Try on an email” still work.',
  tokenFor: 'to create, change and delete workflows',
};

type Loaded = { catalogue: WorkflowActionInfo[]; classifications: string[]; workflow: Workflow | null };
type LoadState = { status: 'loading' } | { status: 'error'; error: MailtrailError } | { status: 'ready'; data: Loaded };

/** `#/workflows/new` and `#/workflows/{id}/edit`: a workflow's fields and steps, tried on an email, saved through the admin path. */
export function WorkflowEditor({ workflowIdText }: { workflowIdText?: string | undefined }) {
  const offline = useOffline();
  const { client } = useClient();
  const isNew = workflowIdText === undefined;
  const workflowId = isNew ? null : idOf(workflowIdText);
  const [state, setState] = useState<LoadState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (offline || (!isNew && workflowId === null)) return;
    let current = true;
    setState({ status: 'loading' });
    Promise.all([
      client['workflows/actions']({}),
      client['workflows/classifications']({}).catch(() => ({ items: [] })),
      workflowId === null ? Promise.resolve(null) : client['workflows/get']({ workflowId }),
    ])
      .then(([actions, classifications, workflow]) => {
        if (current) setState({ status: 'ready', data: { catalogue: actions.items, classifications: classifications.items.map((item) => item.classification), workflow } });
      })
      .catch((error: unknown) => current && setState({ status: 'error', error: asMailtrailError(error) }));
    return () => {
      current = false;
    };
  }, [client, offline, isNew, workflowId, attempt]);

  const title = isNew ? 'New workflow' : state.status === 'ready' && state.data.workflow ? `Edit “${state.data.workflow.name}”` : 'Edit workflow';
  return (
    <div className="page workflow-editor" data-testid="workflow-editor">
      <header className="page-header">
        <div>
          <a className="workflow-editor__back" href="#/workflows" data-testid="workflow-editor-back">
            ← Workflows
          </a>
          <h1 className="page__title" data-testid="workflow-editor-title">
            {title}
          </h1>
          <p className="page__subtitle">
            When an email is classified with the trigger at the threshold or above, the steps run in order. Try it on an email before you save: nothing is written then.
          </p>
        </div>
      </header>
      {offline ? (
        <EmptyState title="Workflows need the live database" testId="workflows-offline">
          <p>The workflows are kept in PostgreSQL beside the log, and an offline cache has no copy. Open the live database to edit them.</p>
        </EmptyState>
      ) : !isNew && workflowId === null ? (
        <EmptyState title="This is not a workflow id" testId="workflow-editor-bad-id">
          <p>
            <code>{workflowIdText}</code> is not a workflow id (a whole number above 0). <a href="#/workflows">Go to the workflows</a>.
          </p>
        </EmptyState>
      ) : state.status === 'loading' ? (
        <LoadingState label="Reading the action catalogue…" testId="workflow-editor-loading" />
      ) : state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={() => setAttempt((value) => value + 1)} title="The workflow could not be read" testId="workflow-editor-error" />
      ) : (
        <EditorForm key={`${workflowId ?? 'new'}:${attempt}`} data={state.data} workflowId={workflowId} />
      )}
    </div>
  );
}

/** Whether writes can go through at all, known before Save: the desktop's saved admin connection, the browser tab's admin token. */
function useWriteAccess(): [MailtrailError | null, () => void] {
  const { transport } = useClient();
  const [missing, setMissing] = useState<MailtrailError | null>(() =>
    transport === 'browser' && readAdminToken() === null ? new MailtrailError('unauthorized', 'this change needs the admin token') : null,
  );
  useEffect(() => {
    const bridge = transport === 'desktop' ? adminConnectionBridge() : null;
    if (!bridge) return;
    let current = true;
    void bridge.adminConnection().then((result) => {
      if (current && result.ok && result.value === null) setMissing(new MailtrailError('read_only', 'no admin connection is saved'));
    });
    return () => {
      current = false;
    };
  }, [transport]);
  return [missing, useCallback(() => setMissing(null), [])];
}

/** 0, 1, … count - 1: the steps' places, to move or filter as the steps are. */
const positions = (count: number) => Array.from({ length: count }, (_, at) => at);

function EditorForm({ data, workflowId }: { data: Loaded; workflowId: number | null }) {
  const { client, transport } = useClient();
  const catalogue = data.catalogue;
  const [form, setForm] = useState<WorkflowForm>(() => (data.workflow ? formOf(data.workflow, catalogue) : EMPTY_FORM));
  const [touched, setTouched] = useState<Set<string>>(() => new Set());
  const [showAll, setShowAll] = useState(false);
  const [serverErrors, setServerErrors] = useState<FieldErrors>({});
  const [generalError, setGeneralError] = useState<MailtrailError | null>(null);
  const [busy, setBusy] = useState(false);
  const [missingAccess, clearMissingAccess] = useWriteAccess();
  const [refusal, setRefusal] = useState<MailtrailError | null>(null);
  const [deleting, setDeleting] = useState(false);
  const [focusStep, setFocusStep] = useState<{ key: string; control: string } | null>(null);
  const stepsRef = useRef<HTMLOListElement>(null);

  const { request, errors: localErrors } = useMemo(() => requestOf(form, catalogue), [form, catalogue]);
  const errors = { ...visibleErrors(localErrors, touched, showAll), ...serverErrors };

  // After a move, keep the focus on the moved step's button so the keyboard can go on moving it.
  useEffect(() => {
    if (!focusStep) return;
    const step = stepsRef.current?.querySelector<HTMLElement>(`[data-step-key="${focusStep.key}"]`);
    // An arrow that the move disabled (the step reached an end) hands the focus to the other one.
    const candidates = [focusStep.control, focusStep.control === 'up' ? 'down' : 'up', 'action'];
    const control = candidates.map((name) => step?.querySelector<HTMLElement>(`[data-control="${name}"]`)).find((element) => element && !(element as HTMLButtonElement).disabled);
    control?.focus();
    setFocusStep(null);
  }, [focusStep]);

  const touch = (field: string) => setTouched((previous) => (previous.has(field) ? previous : new Set(previous).add(field)));
  /** A change clears the server's word on that field: it was about the value before. */
  const change = (field: string, next: (form: WorkflowForm) => WorkflowForm) => {
    setForm(next);
    touch(field);
    setServerErrors((previous) => Object.fromEntries(Object.entries(previous).filter(([key]) => !key.startsWith(field))));
  };
  const setStep = (index: number, field: string, update: (step: StepForm) => StepForm) =>
    change(`workflow_steps.${index}.${field}`, (previous) => ({ ...previous, steps: previous.steps.map((step, at) => (at === index ? update(step) : step)) }));
  const move = (from: number, to: number, control: string) => {
    const key = form.steps[from]?.key;
    // Step errors are keyed by position: the server's no longer point at the right step.
    setServerErrors((previous) => Object.fromEntries(Object.entries(previous).filter(([field]) => !field.startsWith('workflow_steps'))));
    setForm((previous) => ({ ...previous, steps: moveStep(previous.steps, from, to) }));
    setTouched((previous) => touchedFollowingSteps(previous, moveStep(positions(form.steps.length), from, to)));
    if (key) setFocusStep({ key, control });
  };
  const remove = (index: number) => {
    setServerErrors((previous) => Object.fromEntries(Object.entries(previous).filter(([field]) => !field.startsWith('workflow_steps'))));
    setForm((previous) => ({ ...previous, steps: previous.steps.filter((_, at) => at !== index) }));
    setTouched((previous) => touchedFollowingSteps(previous, positions(form.steps.length).filter((at) => at !== index)));
    touch('workflow_steps');
    // The focus goes to the step that took its place, else to the add control.
    const next = form.steps[index + 1] ?? form.steps[index - 1];
    if (next) setFocusStep({ key: next.key, control: 'action' });
    else document.querySelector<HTMLElement>('[data-testid="workflow-add-action"]')?.focus();
  };
  const add = (action: string) => {
    const step = newStep(action, catalogue);
    change('workflow_steps', (previous) => ({ ...previous, steps: [...previous.steps, step] }));
    setFocusStep({ key: step.key, control: 'action' });
  };

  const onWriteError = (caught: unknown) => {
    const failure = asMailtrailError(caught);
    if (isAccessRefusal(failure)) {
      setRefusal(failure);
      return;
    }
    const placed = fieldOfServerError(failure.message);
    if (placed && failure.code !== 'internal') {
      setServerErrors({ [placed.field]: placed.message });
      document.querySelector<HTMLElement>(`[data-field="${placed.field}"]`)?.focus();
    } else setGeneralError(failure);
  };

  const save = async () => {
    setShowAll(true);
    setGeneralError(null);
    if (Object.keys(localErrors).length > 0) {
      const first = Object.keys(localErrors)[0]!;
      document.querySelector<HTMLElement>(`[data-field="${first}"]`)?.focus();
      return;
    }
    setBusy(true);
    try {
      if (workflowId === null) await client['workflows/create'](request);
      else await client['workflows/update'](updateRequestOf(workflowId, request));
      navigate('#/workflows');
    } catch (caught) {
      onWriteError(caught);
    } finally {
      setBusy(false);
    }
  };

  const refusalShown = refusal ?? missingAccess;
  return (
    <>
      {/* Outside the form: the notice may hold a form of its own (the admin token's). */}
      {refusalShown && (
        <WriteAccessNotice
          refusal={refusalShown}
          transport={transport}
          onTokenSaved={() => {
            setRefusal(null);
            clearMissingAccess();
          }}
          words={EDITOR_WRITES}
        />
      )}
    <form
      className="workflow-editor__form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
      aria-label="Workflow"
    >
      <section className="card workflow-editor__card" aria-labelledby="workflow-fields-heading">
        <h2 className="card__title" id="workflow-fields-heading">
          Workflow
        </h2>
        <div className="workflow-editor__grid">
          <TextField label="Name" field="name" value={form.name} error={errors.name} onChange={(value) => change('name', (f) => ({ ...f, name: value }))} onBlur={() => touch('name')} required />
          <label className="field workflow-editor__trigger">
            <span className="field__label">Trigger (classification)</span>
            <input
              className="field__input mono"
              list="workflow-classifications"
              value={form.classification_trigger}
              onChange={(event) => change('classification_trigger', (f) => ({ ...f, classification_trigger: event.target.value }))}
              onBlur={() => touch('classification_trigger')}
              aria-invalid={errors.classification_trigger ? true : undefined}
              aria-describedby="error-classification_trigger help-classification_trigger"
              placeholder="e.g. invoice"
              required
              data-field="classification_trigger"
              data-testid="workflow-field-classification_trigger"
            />
            <datalist id="workflow-classifications">
              {data.classifications.map((classification) => (
                <option key={classification} value={classification} />
              ))}
            </datalist>
            <span className="field__help" id="help-classification_trigger">
              {data.classifications.length ? `Seen in the log: ${data.classifications.slice(0, 6).join(', ')}${data.classifications.length > 6 ? ' …' : ''}` : 'The classified event’s metadata.classification'}
            </span>
            <FieldError field="classification_trigger" error={errors.classification_trigger} />
          </label>
          <TextField
            label="Confidence threshold"
            field="confidence_threshold"
            value={form.confidence_threshold}
            inputMode="decimal"
            help="0 to 1, two decimals; empty: any confidence"
            error={errors.confidence_threshold}
            onChange={(value) => change('confidence_threshold', (f) => ({ ...f, confidence_threshold: value }))}
            onBlur={() => touch('confidence_threshold')}
            mono
          />
          <TextField
            label="Priority"
            field="priority"
            value={form.priority}
            inputMode="numeric"
            help="Matching workflows run lowest first"
            error={errors.priority}
            onChange={(value) => change('priority', (f) => ({ ...f, priority: value }))}
            onBlur={() => touch('priority')}
            mono
          />
          <label className="field workflow-editor__description">
            <span className="field__label">Description</span>
            <textarea
              className="field__input"
              rows={2}
              value={form.description}
              onChange={(event) => change('description', (f) => ({ ...f, description: event.target.value }))}
              aria-invalid={errors.description ? true : undefined}
              data-field="description"
              data-testid="workflow-field-description"
            />
            <FieldError field="description" error={errors.description} />
          </label>
          <label className="workflow-editor__check">
            <input type="checkbox" checked={form.enabled} onChange={(event) => change('enabled', (f) => ({ ...f, enabled: event.target.checked }))} data-testid="workflow-field-enabled" />
            <span>Enabled: runs on matching classified emails</span>
          </label>
        </div>
      </section>

      <section className="card workflow-editor__card" aria-labelledby="workflow-steps-heading" data-testid="workflow-steps-editor">
        <h2 className="card__title" id="workflow-steps-heading">
          Steps
        </h2>
        <p className="workflow-editor__note">In order; a step that fails stops the execution. Move a step with its arrows, or with Alt+↑ and Alt+↓ inside it.</p>
        {form.steps.length === 0 ? (
          <p className="muted workflow-editor__no-steps" data-testid="workflow-no-steps">
            No steps yet: add one from the catalogue below.
          </p>
        ) : (
          <ol className="workflow-editor__steps" ref={stepsRef}>
            {form.steps.map((step, index) => (
              <StepEditor
                key={step.key}
                step={step}
                index={index}
                count={form.steps.length}
                catalogue={catalogue}
                errors={errors}
                onAction={(action) => setStep(index, 'action', (current) => withAction(current, action, catalogue))}
                onValue={(name, value) => setStep(index, `params.${name}`, (current) => ({ ...current, values: { ...current.values, [name]: value } }))}
                onJson={(json) => setStep(index, 'params', (current) => ({ ...current, json }))}
                onMove={(to, control) => move(index, to, control)}
                onRemove={() => remove(index)}
              />
            ))}
          </ol>
        )}
        <FieldError field="workflow_steps" error={errors.workflow_steps} />
        <AddStep catalogue={catalogue} onAdd={add} />
      </section>

      <TryPanel request={request} errors={localErrors} onShowErrors={() => setShowAll(true)} />

      {generalError && (
        <p className="danger" role="alert" data-testid="workflow-save-error">
          {generalError.message}
        </p>
      )}
      <div className="workflow-editor__actions">
        <button type="submit" className="button button--primary" disabled={busy} data-testid="workflow-save">
          {busy ? 'Saving…' : workflowId === null ? 'Create workflow' : 'Save changes'}
        </button>
        <a className="button button--secondary" href="#/workflows" data-testid="workflow-cancel">
          Cancel
        </a>
        {workflowId !== null && (
          <button type="button" className="button button--danger workflow-editor__delete" onClick={() => setDeleting(true)} data-testid="workflow-delete">
            Delete…
          </button>
        )}
      </div>
      {deleting && workflowId !== null && (
        <DeleteDialog
          workflowId={workflowId}
          name={data.workflow?.name ?? `workflow ${workflowId}`}
          onClose={() => setDeleting(false)}
          onRefused={(failure) => {
            setDeleting(false);
            onWriteError(failure);
          }}
        />
      )}
    </form>
    </>
  );
}

function FieldError({ field, error }: { field: string; error: string | undefined }) {
  return error ? (
    <span className="field__error danger" id={`error-${field}`} role="alert" data-testid={`field-error-${field}`}>
      {error}
    </span>
  ) : null;
}

function TextField(props: {
  label: string;
  field: string;
  value: string;
  error: string | undefined;
  onChange(value: string): void;
  onBlur?(): void;
  help?: string | null | undefined;
  inputMode?: 'decimal' | 'numeric' | 'email' | 'url' | undefined;
  required?: boolean;
  mono?: boolean;
  multiline?: boolean;
}) {
  const common = {
    className: `field__input${props.mono ? ' mono' : ''}`,
    value: props.value,
    onBlur: props.onBlur,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': `error-${props.field} help-${props.field}`,
    'aria-required': props.required || undefined,
    'data-field': props.field,
    'data-testid': `workflow-field-${props.field}`,
  } as const;
  return (
    <label className="field">
      <span className="field__label">
        {props.label}
        {props.required && <span aria-hidden="true"> *</span>}
      </span>
      {props.multiline ? (
        <textarea {...common} rows={3} onChange={(event) => props.onChange(event.target.value)} />
      ) : (
        <input {...common} inputMode={props.inputMode} onChange={(event) => props.onChange(event.target.value)} />
      )}
      {props.help && (
        <span className="field__help" id={`help-${props.field}`}>
          {props.help}
        </span>
      )}
      <FieldError field={props.field} error={props.error} />
    </label>
  );
}

function StepEditor(props: {
  step: StepForm;
  index: number;
  count: number;
  catalogue: Catalogue;
  errors: FieldErrors;
  onAction(action: string): void;
  onValue(name: string, value: ParamValue): void;
  onJson(json: string): void;
  onMove(to: number, control: string): void;
  onRemove(): void;
}) {
  const { step, index, count, catalogue, errors } = props;
  const info = catalogue.find((item) => item.code === step.action);
  const at = `workflow_steps.${index}`;
  const onKeyDown = (event: KeyboardEvent) => {
    if (!event.altKey || (event.key !== 'ArrowUp' && event.key !== 'ArrowDown')) return;
    event.preventDefault();
    const control = (event.target as HTMLElement).dataset.control ?? 'action';
    props.onMove(event.key === 'ArrowUp' ? index - 1 : index + 1, control);
  };
  const stepErrors = stepErrorsOf(errors, index);
  return (
    <li className={`workflow-step${stepErrors.length ? ' has-error' : ''}`} data-step-key={step.key} data-testid="workflow-step" data-action={step.action} onKeyDown={onKeyDown}>
      <div className="workflow-step__head">
        <span className="workflow-step__number mono" aria-hidden="true">
          {index + 1}
        </span>
        <label className="field workflow-step__action">
          <span className="visually-hidden">Step {index + 1} action</span>
          <select className="field__input" value={step.action} onChange={(event) => props.onAction(event.target.value)} data-control="action" data-field={`${at}.action`} data-testid="workflow-step-action">
            {!info && <option value={step.action}>{step.action} (not in the catalogue)</option>}
            {catalogue.map((item) => (
              <option key={item.code} value={item.code}>
                {item.name} ({item.code})
              </option>
            ))}
          </select>
        </label>
        <div className="workflow-step__tools">
          <button type="button" className="button button--secondary button--sm" aria-label={`Move step ${index + 1} up`} title="Move up (Alt+↑)" disabled={index === 0} onClick={() => props.onMove(index - 1, 'up')} data-control="up" data-testid="workflow-step-up">
            ↑
          </button>
          <button type="button" className="button button--secondary button--sm" aria-label={`Move step ${index + 1} down`} title="Move down (Alt+↓)" disabled={index === count - 1} onClick={() => props.onMove(index + 1, 'down')} data-control="down" data-testid="workflow-step-down">
            ↓
          </button>
          <button type="button" className="button button--secondary button--sm" aria-label={`Remove step ${index + 1}`} title="Remove this step" onClick={props.onRemove} data-control="remove" data-testid="workflow-step-remove">
            ✕
          </button>
        </div>
      </div>
      {info?.description && <p className="muted workflow-step__description">{info.description}</p>}
      {info && !info.runnable && <p className="danger">No handler for this action is registered in this engine: the step would fail.</p>}
      <div className="workflow-step__params">
        {info?.fields === null || !info ? (
          <label className="field workflow-step__json">
            <span className="field__label">Params (JSON)</span>
            <textarea className="field__input mono" rows={3} value={step.json} onChange={(event) => props.onJson(event.target.value)} data-field={`${at}.params`} data-testid="workflow-step-json" />
            <FieldError field={`${at}.params`} error={errors[`${at}.params`]} />
          </label>
        ) : info.fields.length === 0 ? (
          <p className="muted workflow-step__none">No params.</p>
        ) : (
          info.fields
            .filter((field) => fieldApplies(field, step.values))
            .map((field) => <ParamField key={`${field.name}:${field.when?.equals ?? ''}`} field={field} at={at} value={step.values[field.name] ?? ''} error={errors[`${at}.params.${field.name}`]} onChange={(value) => props.onValue(field.name, value)} />)
        )}
        {errors[`${at}.params`] && info?.fields !== null && info && <FieldError field={`${at}.params`} error={errors[`${at}.params`]} />}
      </div>
    </li>
  );
}

function ParamField({ field, at, value, error, onChange }: { field: ActionField; at: string; value: ParamValue; error: string | undefined; onChange(value: ParamValue): void }) {
  const key = `${at}.params.${field.name}`;
  const help = [field.help, field.default !== undefined && field.type !== 'boolean' ? `default: ${Array.isArray(field.default) ? field.default.join(', ') : String(field.default)}` : null]
    .filter(Boolean)
    .join(' · ');
  const testId = `workflow-param-${field.name}`;
  if (field.type === 'boolean') {
    return (
      <label className="workflow-editor__check workflow-step__param workflow-step__param--wide" title={field.help ?? undefined}>
        <input type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} data-field={key} data-testid={testId} />
        <span className="mono">{field.name}</span>
        {field.help && <span className="muted"> · {field.help}</span>}
      </label>
    );
  }
  const label = (
    <span className="field__label mono">
      {field.name}
      {field.required && <span aria-hidden="true"> *</span>}
    </span>
  );
  const described = { 'aria-invalid': error ? true : undefined, 'aria-describedby': `error-${key} help-${key}`, 'data-field': key, 'data-testid': testId } as const;
  return (
    <label className={`field workflow-step__param${field.type === 'string[]' ? ' workflow-step__param--wide' : ''}`}>
      {label}
      {field.type === 'enum' ? (
        <select className="field__input" value={String(value)} onChange={(event) => onChange(event.target.value)} {...described}>
          {(!field.required || value === '') && <option value="">{field.default !== undefined ? `default (${String(field.default)})` : '—'}</option>}
          {(field.choices ?? []).map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      ) : field.type === 'string[]' ? (
        <textarea className="field__input mono" rows={2} value={String(value)} onChange={(event) => onChange(event.target.value)} placeholder="one a line, or separated by commas" {...described} />
      ) : (
        <input
          className="field__input mono"
          inputMode={field.type === 'number' ? 'numeric' : field.format === 'email' ? 'email' : field.format === 'url' ? 'url' : undefined}
          value={String(value)}
          onChange={(event) => onChange(event.target.value)}
          aria-required={field.required || undefined}
          {...described}
        />
      )}
      {help && (
        <span className="field__help" id={`help-${key}`}>
          {help}
        </span>
      )}
      <FieldError field={key} error={error} />
    </label>
  );
}

function AddStep({ catalogue, onAdd }: { catalogue: Catalogue; onAdd(action: string): void }) {
  const [action, setAction] = useState(catalogue[0]?.code ?? '');
  return (
    <div className="workflow-editor__add" role="group" aria-label="Add a step">
      <label className="field">
        <span className="field__label">Add a step</span>
        <select className="field__input" value={action} onChange={(event) => setAction(event.target.value)} data-testid="workflow-add-action">
          {catalogue.map((item) => (
            <option key={item.code} value={item.code} disabled={!item.enabled}>
              {item.name} ({item.code})
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="button button--secondary" onClick={() => action && onAdd(action)} disabled={!action} data-testid="workflow-add-step">
        Add step
      </button>
    </div>
  );
}

const OUTCOME_LABELS: Record<string, string> = { would_run: 'Would run', no_change: 'No change', would_fail: 'Would fail' };
const OUTCOME_PILLS: Record<string, string> = { would_run: 'succeeded', no_change: 'cancelled', would_fail: 'failed' };

type TryState = { status: 'idle' } | { status: 'running' } | { status: 'error'; error: MailtrailError } | { status: 'done'; result: TryWorkflowResult };

function TryPanel({ request, errors, onShowErrors }: { request: ReturnType<typeof requestOf>['request']; errors: FieldErrors; onShowErrors(): void }) {
  const { client } = useClient();
  const [emailText, setEmailText] = useState('');
  const [state, setState] = useState<TryState>({ status: 'idle' });
  const emailId = idOf(emailText);
  const emailInvalid = emailText.trim() !== '' && emailId === null;
  // Only what the dry run needs must be right: a name or priority being typed does not stop a try.
  const blocking = Object.keys(errors).filter((key) => key.startsWith('workflow_steps') || key === 'classification_trigger' || key === 'confidence_threshold');
  const run = useCallback(() => {
    if (emailId === null) return;
    if (blocking.length > 0) {
      onShowErrors();
      setState({ status: 'error', error: new MailtrailError('bad_request', `fix the marked fields first (${blocking.join(', ')})`) });
      return;
    }
    setState({ status: 'running' });
    client['workflows/try'](tryRequestOf(request, emailId))
      .then((result) => setState({ status: 'done', result }))
      .catch((error: unknown) => setState({ status: 'error', error: asMailtrailError(error) }));
  }, [client, emailId, request, blocking, onShowErrors]);
  return (
    <section className="card workflow-editor__card workflow-try" aria-labelledby="workflow-try-heading" data-testid="workflow-try">
      <h2 className="card__title" id="workflow-try-heading">
        Try on an email
      </h2>
      <p className="workflow-editor__note">What the steps would do on one email, as they are now in this form, and whether the trigger matches its latest classified event. Nothing is written or sent.</p>
      <div className="workflow-try__row">
        <label className="field">
          <span className="field__label">Email id</span>
          <input
            className="field__input mono workflow-try__email"
            inputMode="numeric"
            placeholder="e.g. 42"
            value={emailText}
            onChange={(event) => setEmailText(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                run();
              }
            }}
            aria-invalid={emailInvalid || undefined}
            data-testid="workflow-try-email"
          />
        </label>
        <button type="button" className="button button--secondary" onClick={run} disabled={emailId === null || state.status === 'running'} data-testid="workflow-try-run">
          {state.status === 'running' ? 'Trying…' : 'Try'}
        </button>
        {emailInvalid && <span className="danger">An email id is a whole number above 0.</span>}
      </div>
      {state.status === 'error' && (
        <p className="danger" role="alert" data-testid="workflow-try-error">
          {state.error.message}
        </p>
      )}
      {state.status === 'done' && <TryResult result={state.result} />}
    </section>
  );
}

function TryResult({ result }: { result: TryWorkflowResult }) {
  return (
    <div className="workflow-try__result" data-testid="workflow-try-result" aria-live="polite">
      <p className="workflow-try__email-line">
        Email <a href={`#/emails/${result.email.id}`}>#{result.email.id}</a> · <span className="mono">{result.email.sender_email ?? '—'}</span> · “{result.email.subject ?? 'no subject'}” · status{' '}
        <span className="mono">{result.email.status ?? 'none'}</span>
      </p>
      <p className={`workflow-try__trigger ${result.trigger.matches ? 'is-match' : 'is-no-match'}`} data-testid="workflow-try-trigger" data-matches={result.trigger.matches}>
        <strong>{result.trigger.matches ? 'The trigger matches' : 'The trigger does not match'}</strong>: {result.trigger.reason}.
      </p>
      <ol className="workflow-try__steps">
        {result.steps.map((step) => (
          <li key={step.step_index} className="workflow-try__step" data-testid="workflow-try-step" data-action={step.action} data-outcome={step.outcome}>
            <div className="workflow-try__step-head">
              <span className="mono workflow-step__number">{step.step_index + 1}</span>
              <span className="mono">{step.action}</span>
              <span className={`pill workflow-try__outcome journal-outcome--${OUTCOME_PILLS[step.outcome] ?? 'cancelled'}`}>{OUTCOME_LABELS[step.outcome] ?? step.outcome}</span>
            </div>
            <p className="workflow-try__summary" data-testid="workflow-try-summary">
              {step.summary}
            </p>
            {Object.keys(step.details).length > 0 && (
              <details className="workflow-try__details">
                <summary>Details</summary>
                <JsonView value={step.details} label={`Step ${step.step_index + 1} details`} />
              </details>
            )}
          </li>
        ))}
      </ol>
    </div>
  );
}

function DeleteDialog({ workflowId, name, onClose, onRefused }: { workflowId: number; name: string; onClose(): void; onRefused(error: unknown): void }) {
  const { client } = useClient();
  const ref = useModal(onClose);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<MailtrailError | null>(null);
  const confirm = () => {
    setBusy(true);
    client['workflows/delete']({ workflowId })
      .then(() => navigate('#/workflows'))
      .catch((caught: unknown) => {
        const failure = asMailtrailError(caught);
        if (isAccessRefusal(failure)) onRefused(failure);
        else {
          setError(failure);
          setBusy(false);
        }
      });
  };
  return (
    <dialog ref={ref} className="retention-dialog" aria-labelledby="workflow-delete-title" data-testid="workflow-delete-dialog">
      <h2 className="retention-dialog__title" id="workflow-delete-title">
        Delete “{name}”?
      </h2>
      <p>A workflow that has run is switched off instead, so its executions keep its name; one that never ran is deleted. Either way it stops running.</p>
      {error && (
        <p className="danger" role="alert">
          {error.message}
        </p>
      )}
      <div className="retention-dialog__actions">
        <button type="button" className="button button--secondary" onClick={onClose} autoFocus data-testid="workflow-delete-cancel">
          Keep it
        </button>
        <button type="button" className="button button--danger" onClick={confirm} disabled={busy} data-testid="workflow-delete-confirm">
          {busy ? 'Deleting…' : 'Delete workflow'}
        </button>
      </div>
    </dialog>
  );
}
