import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { RetentionPolicy, RetentionRunResult } from '../../src-main/contract/retention';
import { useClient } from '../api/client-context';
import { useOffline } from '../app/offline-banner';
import { useTimeZone } from '../app/source-status';
import { useAnalyticsQuery } from '../analytics/use-analytics-query';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { formatAbsolute } from '../lib/time';
import { useDebounced } from '../lib/use-debounced';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { HistoryCard, useRuns } from './history-card';
import { HoldsCard } from './holds-card';
import { CategoryTable, MonthChart, PreviewSummary } from './preview-cards';
import { fieldOf, parseDays, policyProblem, type DaysField } from './retention-days';
import { events, emails, formatInstant, policyText } from './retention-text';
import { RunDialog, RunProgressView } from './run-dialog';
import { isAccessRefusal, WriteAccessNotice } from './write-access';

export interface RetentionDays {
  archiveAfterDays: number | null;
  purgeAfterDays: number | null;
}

/** What every write on the screen does with an error: a refusal for want of rights is explained at the top. */
export type WriteErrorHandler = (error: unknown) => MailtrailError;

/** Retention (issue 13): the policy, what it would do, legal holds, runs with live progress, and their history. */
export function RetentionPage() {
  const offline = useOffline();
  return (
    <div className="page retention" data-testid="retention-page">
      <header className="page-header">
        <div>
          <h1 className="page__title">Retention</h1>
          <p className="page__subtitle">
            Archive old events into <code>email_activity_log_archive</code>, purge older ones, and keep what a legal hold protects. Preview first; every change is
            journaled.
          </p>
        </div>
      </header>
      {offline ? (
        <EmptyState title="Retention needs the live database" testId="retention-unavailable">
          <p>
            Retention needs the live database: it archives and deletes rows there. It is unavailable while you review an offline cache; connect to the live database
            to use it.
          </p>
        </EmptyState>
      ) : (
        <RetentionScreen />
      )}
    </div>
  );
}

function RetentionScreen() {
  const { client, transport } = useClient();
  const timeZone = useTimeZone();
  const [policyVersion, setPolicyVersion] = useState(0);
  const policy = useAnalyticsQuery(`policy:${policyVersion}`, () => client['retention/policy']({}));
  // Holds and runs change what a preview counts: each bumps this.
  const [dataVersion, setDataVersion] = useState(0);
  const changed = useCallback(() => setDataVersion((value) => value + 1), []);
  const [refusal, setRefusal] = useState<MailtrailError | null>(null);
  const onWriteError: WriteErrorHandler = useCallback((error) => {
    const failure = asMailtrailError(error);
    if (isAccessRefusal(failure)) setRefusal(failure);
    return failure;
  }, []);

  const [archive, setArchive] = useState<DaysField>({ off: false, text: '' });
  const [purge, setPurge] = useState<DaysField>({ off: false, text: '' });
  const saved = policy.state.data;
  // The form follows the stored policy whenever it is (re)loaded: after a save, or a change elsewhere.
  useEffect(() => {
    if (!saved) return;
    setArchive(fieldOf(saved.archive_after_days));
    setPurge(fieldOf(saved.purge_after_days));
  }, [saved]);

  const archiveDays = parseDays(archive);
  const purgeDays = parseDays(purge);
  const archiveValue = archiveDays.ok ? archiveDays.days : undefined;
  const purgeValue = purgeDays.ok ? purgeDays.days : undefined;
  // One object per pair of values, so that what depends on the days (the debounce, the dialog) sees a change only when they change.
  const days = useMemo<RetentionDays | null>(
    () => (archiveValue !== undefined && purgeValue !== undefined ? { archiveAfterDays: archiveValue, purgeAfterDays: purgeValue } : null),
    [archiveValue, purgeValue],
  );
  const problem = days ? policyProblem(days.archiveAfterDays, days.purgeAfterDays) : null;
  const usable = days && !problem ? days : null;
  const dirty = !!saved && !!days && (days.archiveAfterDays !== saved.archive_after_days || days.purgeAfterDays !== saved.purge_after_days);

  // The preview follows the fields, a moment after typing stops, and only for days the server would take.
  const previewDays = useDebounced(usable, 350);
  const previewKey = previewDays ? `${previewDays.archiveAfterDays}:${previewDays.purgeAfterDays}:${dataVersion}` : null;
  const preview = useAnalyticsQuery(`preview:${previewKey}`, () =>
    previewDays ? client['retention/preview'](previewDays) : new Promise<never>(() => undefined),
  );

  const runs = useRuns(dataVersion);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [dryRun, setDryRun] = useState<DryRunState>({ status: 'idle' });
  const startDryRun = () => {
    if (!usable) return;
    setDryRun({ status: 'running' });
    client['retention/run']({ ...usable, dryRun: true })
      .then((result) => {
        setRefusal(null);
        setDryRun({ status: 'done', result });
      })
      .catch((error: unknown) => setDryRun({ status: 'error', error: onWriteError(error) }));
  };
  const running = runs.items.find((run) => run.status === 'running');
  // When a run ends, what the preview and holds show has changed: count again.
  const runningId = running?.id;
  const lastRunning = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (lastRunning.current !== undefined && runningId === undefined) changed();
    lastRunning.current = runningId;
  }, [runningId, changed]);

  if (policy.state.status === 'error') {
    return <ErrorState error={policy.state.error} onRetry={policy.retry} title="The retention policy could not be loaded" />;
  }
  if (!saved) return <LoadingState label="Loading the retention policy…" />;

  return (
    <>
      {refusal && <WriteAccessNotice refusal={refusal} transport={transport} onTokenSaved={() => setRefusal(null)} />}
      <div className="retention__top">
        <PolicyCard
          saved={saved}
          archive={archive}
          purge={purge}
          setArchive={setArchive}
          setPurge={setPurge}
          problem={problem}
          dirty={dirty}
          usable={usable}
          timeZone={timeZone}
          onSaved={() => {
            setRefusal(null);
            setPolicyVersion((value) => value + 1);
          }}
          onWriteError={onWriteError}
        />
        <section className="card retention-actions" aria-labelledby="retention-run-heading">
          <div className="card__header">
            <h2 className="card__title" id="retention-run-heading">
              Run
            </h2>
          </div>
          <p className="muted">
            Archives, then purges, in small batches; readers keep working. One run at a time; a stopped run continues where it stopped next time.
            {dirty && ' It uses the days in the form, which are not saved.'}
          </p>
          <div className="retention-actions__buttons">
            <button type="button" className="button" disabled={!usable} onClick={() => setDialogOpen(true)} data-testid="retention-run">
              Run retention…
            </button>
            <button type="button" className="button button--secondary" disabled={!usable || dryRun.status === 'running'} onClick={startDryRun} data-testid="retention-dry-run">
              {dryRun.status === 'running' ? 'Planning…' : 'Dry run'}
            </button>
          </div>
          {running && !dialogOpen && <RunProgressView run={running} samples={runs.samplesOf(running.id)} />}
          <DryRunResult state={dryRun} />
        </section>
      </div>
      <PreviewSummary state={preview.state} retry={preview.retry} pending={!usable} />
      <div className="retention__grid">
        <MonthChart state={preview.state} />
        <CategoryTable state={preview.state} />
      </div>
      <HoldsCard onChanged={changed} onWriteError={onWriteError} clearRefusal={() => setRefusal(null)} version={dataVersion} />
      <HistoryCard runs={runs} />
      {dialogOpen && usable && (
        <RunDialog
          days={usable}
          runs={runs}
          refusal={refusal}
          onWriteError={onWriteError}
          onTokenSaved={() => setRefusal(null)}
          onStarted={() => {
            setRefusal(null);
            runs.refresh();
          }}
          onClose={(ran) => {
            setDialogOpen(false);
            if (ran) changed();
          }}
        />
      )}
    </>
  );
}

function DayInput({ label, name, field, setField, hint }: { label: string; name: string; field: DaysField; setField(field: DaysField): void; hint: string }) {
  const parsed = parseDays(field);
  const id = `retention-${name}`;
  return (
    <div className="retention-days">
      <label className="retention-days__label" htmlFor={id}>
        {label}
      </label>
      <div className="retention-days__inputs">
        <input
          id={id}
          className="field__input retention-days__input"
          inputMode="numeric"
          value={field.off ? '' : field.text}
          disabled={field.off}
          placeholder={field.off ? 'off' : 'days'}
          onChange={(event) => setField({ ...field, text: event.target.value })}
          aria-invalid={!parsed.ok || undefined}
          aria-describedby={`${id}-hint`}
          data-testid={`retention-${name}-days`}
        />
        <span className="muted">days</span>
        <label className="retention-days__off">
          <input type="checkbox" checked={field.off} onChange={(event) => setField({ ...field, off: event.target.checked })} data-testid={`retention-${name}-off`} />
          Off
        </label>
      </div>
      <p className={`retention-days__hint${parsed.ok ? '' : ' danger'}`} id={`${id}-hint`}>
        {parsed.ok ? hint : parsed.message}
      </p>
    </div>
  );
}

function PolicyCard(props: {
  saved: RetentionPolicy;
  archive: DaysField;
  purge: DaysField;
  setArchive(field: DaysField): void;
  setPurge(field: DaysField): void;
  problem: string | null;
  dirty: boolean;
  usable: RetentionDays | null;
  timeZone: string | null;
  onSaved(): void;
  onWriteError: WriteErrorHandler;
}) {
  const { client } = useClient();
  const { saved, usable, dirty } = props;
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<MailtrailError | null>(null);
  const save = () => {
    if (!usable) return;
    setSaving(true);
    setError(null);
    client['retention/set-policy'](usable)
      .then(() => props.onSaved())
      .catch((failure: unknown) => setError(props.onWriteError(failure)))
      .finally(() => setSaving(false));
  };
  const reset = () => {
    props.setArchive(fieldOf(saved.archive_after_days));
    props.setPurge(fieldOf(saved.purge_after_days));
  };
  const savedText = useMemo(
    () => (saved.updated_at ? `Saved ${formatInstant(saved.updated_at, props.timeZone)} by ${saved.updated_by}` : 'The default policy (the seed’s); never saved'),
    [saved, props.timeZone],
  );
  return (
    <section className="card retention-policy" aria-labelledby="retention-policy-heading" data-testid="retention-policy">
      <div className="card__header">
        <h2 className="card__title" id="retention-policy-heading">
          Policy
        </h2>
        <span className="card__meta" data-testid="retention-policy-saved" title={savedText}>
          {policyText(saved)}
        </span>
      </div>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          save();
        }}
      >
        <DayInput label="Archive events older than" name="archive" field={props.archive} setField={props.setArchive} hint="moved from the log into the archive table" />
        <DayInput label="Purge events older than" name="purge" field={props.purge} setField={props.setPurge} hint="deleted from the archive (and from the log when archiving is off)" />
        {props.problem && (
          <p className="retention-policy__problem danger" role="alert" data-testid="retention-policy-problem">
            {props.problem}
          </p>
        )}
        {error && !['read_only', 'unauthorized'].includes(error.code) && (
          <p className="retention-policy__problem danger" role="alert" data-testid="retention-policy-error">
            {error.message}
          </p>
        )}
        <div className="retention-policy__actions">
          <button type="submit" className="button" disabled={!dirty || !usable || saving} data-testid="retention-policy-save">
            {saving ? 'Saving…' : 'Save policy'}
          </button>
          <button type="button" className="button button--secondary" disabled={!dirty} onClick={reset} data-testid="retention-policy-reset">
            Reset
          </button>
          <span className="muted retention-policy__saved">{dirty ? (usable ? 'Not saved: the preview shows these days' : 'Not saved') : savedText}</span>
        </div>
      </form>
    </section>
  );
}

type DryRunState = { status: 'idle' } | { status: 'running' } | { status: 'done'; result: RetentionRunResult } | { status: 'error'; error: MailtrailError };

function DryRunResult({ state }: { state: DryRunState }) {
  if (state.status === 'error') {
    if (['read_only', 'unauthorized'].includes(state.error.code)) return null;
    return (
      <p className="danger" role="alert" data-testid="retention-dry-run-error">
        The dry run failed: {state.error.message}
      </p>
    );
  }
  if (state.status !== 'done') return null;
  const { result } = state;
  const zone = result.cutoffs.time_zone;
  return (
    <div className="retention-dry-run" role="status" data-testid="retention-dry-run-result">
      <strong>Dry run, nothing written:</strong> a run now would archive {events(result.archive.events)} of {emails(result.archive.emails)}
      {result.cutoffs.archive ? ` (before ${formatAbsolute(result.cutoffs.archive, zone)})` : ''}, purge {events(result.purge.events)}
      {result.cutoffs.purge ? ` (before ${formatAbsolute(result.cutoffs.purge, zone)})` : ''}, and keep {events(result.held.events)} of {emails(result.held.emails)} under
      legal hold{result.resumed_run ? '; it would take up the run that was stopped, with its own cutoffs' : ''}.
    </div>
  );
}
