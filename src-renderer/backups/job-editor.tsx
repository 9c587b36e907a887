import { useState, type ReactNode } from 'react';
import type { BackupJob } from '../../src-main/contract/backups';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { Transport } from '../api/client';
import { useClient } from '../api/client-context';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { useModal } from '../retention/use-modal';
import { isAccessRefusal, WriteAccessNotice, type WriteAccessWords } from '../retention/write-access';
import { draftOf, draftProblems, draftRequest, NEW_JOB_DRAFT, schedulePreview, type DraftField, type JobDraft } from './backup-text';

/** Adds or changes a backup job; every field is checked as it is typed, by the contract's own rules. */
export function JobEditor(props: { job: BackupJob | null; onClose(changed: boolean): void; transport: Transport; words: WriteAccessWords }) {
  const { client } = useClient();
  const ref = useModal(() => props.onClose(false));
  const [draft, setDraft] = useState<JobDraft>(props.job ? draftOf(props.job) : NEW_JOB_DRAFT);
  const [touched, setTouched] = useState<Set<DraftField>>(new Set());
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<MailtrailError | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const problems = draftProblems(draft);
  const valid = Object.keys(problems).length === 0;
  const preview = schedulePreview(draft);

  const set = <K extends DraftField>(field: K, value: JobDraft[K]) => {
    setDraft((previous) => ({ ...previous, [field]: value }));
    setTouched((previous) => new Set(previous).add(field));
  };
  // A field speaks once it was typed in, or once the user tried to save.
  const problemOf = (field: DraftField) => (touched.has(field) ? problems[field] : undefined);

  const save = async () => {
    setTouched(new Set(Object.keys(draft) as DraftField[]));
    if (!valid) return;
    setSaving(true);
    setFailure(null);
    try {
      const request = draftRequest(draft) as Parameters<(typeof client)['backups/create-job']>[0];
      if (props.job) await client['backups/update-job']({ jobId: props.job.id, ...request });
      else await client['backups/create-job'](request);
      props.onClose(true);
    } catch (error) {
      setFailure(asMailtrailError(error));
      setSaving(false);
    }
  };

  const remove = async () => {
    if (!props.job) return;
    setSaving(true);
    setFailure(null);
    try {
      await client['backups/delete-job']({ jobId: props.job.id });
      props.onClose(true);
    } catch (error) {
      setFailure(asMailtrailError(error));
      setSaving(false);
    }
  };

  const text = (field: 'name' | 'schedule' | 'time_zone' | 'destination' | 'keep_last' | 'keep_days' | 'notify_webhook_url' | 'notify_emails' | 'dead_man_hours', label: string, options: { hint?: ReactNode; mono?: boolean; placeholder?: string; narrow?: boolean } = {}) => (
    <Field id={`backup-job-${field}`} label={label} problem={problemOf(field)} hint={options.hint}>
      <input
        id={`backup-job-${field}`}
        className={`field__input backup-editor__input${options.mono ? ' mono' : ''}${options.narrow ? ' backup-editor__input--narrow' : ''}`}
        value={draft[field]}
        placeholder={options.placeholder}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={problemOf(field) ? true : undefined}
        aria-describedby={problemOf(field) ? `backup-job-${field}-problem` : undefined}
        onChange={(event) => set(field, event.target.value)}
        data-testid={`backup-job-field-${field}`}
      />
    </Field>
  );

  return (
    <dialog ref={ref} className="retention-dialog backup-editor" aria-labelledby="backup-editor-title" data-testid="backup-job-editor">
      <h2 className="retention-dialog__title" id="backup-editor-title">
        {props.job ? `Edit "${props.job.name}"` : 'New backup job'}
      </h2>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <div className="backup-editor__grid">
          {text('name', 'Name', { placeholder: 'Nightly' })}
          {text('destination', 'Directory', { mono: true, placeholder: '/var/backups/mailtrail', hint: 'Where the backup files go, on the machine that runs the job.' })}
          {text('schedule', 'Schedule', {
            mono: true,
            hint: preview ? <span data-testid="backup-job-schedule-preview">{preview}</span> : 'minute hour day month weekday, e.g. 0 3 * * * for 03:00 every day',
          })}
          {text('time_zone', 'Time zone', { placeholder: 'UTC', hint: 'The schedule’s wall clock: Europe/Copenhagen, America/New_York, UTC…' })}
          {text('keep_last', 'Keep the last', { narrow: true, hint: 'backups; empty keeps all. The newest verified one is always kept.' })}
          {text('keep_days', 'Keep days', { narrow: true, hint: 'days of backups; empty for no age rule.' })}
          {text('notify_webhook_url', 'Webhook', { mono: true, placeholder: 'https://hooks.example.com/backups', hint: 'A JSON POST with an Idempotency-Key, retried with backoff.' })}
          {text('notify_emails', 'E-mail to', { placeholder: 'ops@example.com, it@example.com', hint: 'Sent through MAILTRAIL_SMTP_URL of the process that runs the job.' })}
          {text('dead_man_hours', 'Alert after', { narrow: true, hint: 'hours without a successful backup, even when nothing ran; empty for none.' })}
        </div>
        <div className="backup-editor__switches">
          <Check label="Verify each backup after it is written (a restore into a scratch PostgreSQL)" checked={draft.verify_after} onChange={(value) => set('verify_after', value)} testId="backup-job-field-verify_after" />
          <Check label="Notify on success too" checked={draft.notify_on_success} onChange={(value) => set('notify_on_success', value)} testId="backup-job-field-notify_on_success" />
          <Check label="Enabled: runs on its schedule" checked={draft.enabled} onChange={(value) => set('enabled', value)} testId="backup-job-field-enabled" />
        </div>
        {failure && isAccessRefusal(failure) ? (
          <WriteAccessNotice refusal={failure} transport={props.transport} onTokenSaved={() => setFailure(null)} words={props.words} />
        ) : failure ? (
          <p className="danger" role="alert" data-testid="backup-job-save-error">
            {failure.message.charAt(0).toUpperCase() + failure.message.slice(1)}
          </p>
        ) : null}
        <div className="retention-dialog__actions">
          {props.job &&
            (confirmDelete ? (
              <button type="button" className="button button--danger backup-editor__delete" onClick={() => void remove()} disabled={saving} data-testid="backup-job-delete-confirm">
                Delete it; its history stays
              </button>
            ) : (
              <button type="button" className="button button--secondary backup-editor__delete" onClick={() => setConfirmDelete(true)} disabled={saving} data-testid="backup-job-delete">
                Delete…
              </button>
            ))}
          <button type="button" className="button button--secondary" onClick={() => props.onClose(false)} data-testid="backup-job-cancel">
            Cancel
          </button>
          <button type="submit" className="button" disabled={saving || (!valid && touched.size > 0)} data-testid="backup-job-save">
            {saving ? 'Saving…' : props.job ? 'Save' : 'Add job'}
          </button>
        </div>
      </form>
    </dialog>
  );
}

function Field(props: { id: string; label: string; problem: string | undefined; hint?: ReactNode; children: ReactNode }) {
  return (
    <>
      <label className="backup-editor__label" htmlFor={props.id}>
        {props.label}
      </label>
      <div className="backup-editor__control">
        {props.children}
        {props.problem ? (
          <p className="field-note backup-editor__problem" id={`${props.id}-problem`} role="alert" data-testid={`${props.id}-problem`}>
            {props.problem}
          </p>
        ) : props.hint ? (
          <p className="muted backup-editor__hint">{props.hint}</p>
        ) : null}
      </div>
    </>
  );
}

function Check(props: { label: string; checked: boolean; onChange(value: boolean): void; testId: string }) {
  return (
    <label className="backup-editor__check">
      <input type="checkbox" checked={props.checked} onChange={(event) => props.onChange(event.target.checked)} data-testid={props.testId} />
      {props.label}
    </label>
  );
}
