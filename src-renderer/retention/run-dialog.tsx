import { useEffect, useState, type ReactNode } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { RetentionPreview, RetentionRun, RetentionRunResult } from '../../src-main/contract/retention';
import { useClient } from '../api/client-context';
import { formatAbsolute } from '../lib/time';
import { asMailtrailError } from '../lib/use-keyset-pages';
import type { RunsState } from './history-card';
import { useModal } from './use-modal';
import type { RetentionDays, WriteErrorHandler } from './retention-page';
import { daysText } from './retention-days';
import { count, emails, events, STATUS_LABELS } from './retention-text';
import { confirmationMatches, confirmationPhrase, phraseText } from './run-confirmation';
import { doneOf, PHASE_LABELS, percentOf, plannedOf, progressRate, rateText, STALLED_MS, stalledMs, timeLeftMs, timeLeftText, type ProgressSample } from './run-progress';
import { isAccessRefusal, WriteAccessNotice } from './write-access';

type DialogState =
  | { step: 'planning' }
  | { step: 'plan-error'; error: MailtrailError }
  | { step: 'confirm'; plan: RetentionPreview; error?: MailtrailError }
  | { step: 'starting'; plan: RetentionPreview }
  | { step: 'started'; result: RetentionRunResult };

/**
 * Run: counts the plan again for the days in the form, asks to type what it will do, starts the run,
 * then follows it from the runs table until it is no longer running. Closing lets a run go on.
 */
export function RunDialog(props: {
  days: RetentionDays;
  runs: RunsState;
  refusal: MailtrailError | null;
  onWriteError: WriteErrorHandler;
  onTokenSaved(): void;
  onStarted(): void;
  onClose(ran: boolean): void;
}) {
  const { client, transport } = useClient();
  const { days, runs } = props;
  const [state, setState] = useState<DialogState>({ step: 'planning' });
  const [typed, setTyped] = useState('');
  const ref = useModal(() => props.onClose(state.step === 'started'));

  // The plan is counted once, when the dialog opens: what is confirmed is what was shown.
  const { archiveAfterDays, purgeAfterDays } = days;
  useEffect(() => {
    let current = true;
    client['retention/preview']({ archiveAfterDays, purgeAfterDays })
      .then((plan) => current && setState((previous) => (previous.step === 'planning' ? { step: 'confirm', plan } : previous)))
      .catch((error: unknown) => current && setState({ step: 'plan-error', error: asMailtrailError(error) }));
    return () => {
      current = false;
    };
  }, [client, archiveAfterDays, purgeAfterDays]);

  const start = (plan: RetentionPreview) => {
    setState({ step: 'starting', plan });
    client['retention/run']({ ...days, dryRun: false })
      .then((result) => {
        runs.watch(result.run_id);
        setState({ step: 'started', result });
        props.onStarted();
      })
      .catch((error: unknown) => setState({ step: 'confirm', plan, error: props.onWriteError(error) }));
  };

  const run = state.step === 'started' ? runs.items.find((item) => item.id === state.result.run_id) : undefined;
  const finished = run !== undefined && run.status !== 'running';
  const [stopping, setStopping] = useState<{ error: MailtrailError | null } | null>(null);
  // Any process may stop the run: it ends after the batch in flight, cancelled and resumable.
  const stop = (runId: number) => {
    setStopping({ error: null });
    client['retention/cancel']({ runId }).catch((error: unknown) => setStopping({ error: props.onWriteError(error) }));
  };
  const stopRequested = run?.cancel_requested_at != null || (stopping !== null && stopping.error === null);

  return (
    <dialog ref={ref} className="retention-dialog retention-dialog--run" aria-labelledby="run-title" data-testid="run-dialog">
      <h2 className="retention-dialog__title" id="run-title">
        {state.step === 'started' ? `Retention run #${state.result.run_id ?? '?'}` : 'Run retention'}
      </h2>
      {state.step === 'planning' && <p className="muted">Counting what the run would do…</p>}
      {state.step === 'plan-error' && (
        <p className="danger" role="alert">
          The plan could not be counted: {state.error.message}
        </p>
      )}
      {(state.step === 'confirm' || state.step === 'starting') && (
        <ConfirmStep
          plan={state.plan}
          days={days}
          typed={typed}
          setTyped={setTyped}
          starting={state.step === 'starting'}
          onStart={() => start(state.plan)}
          error={state.step === 'confirm' ? state.error : undefined}
          access={props.refusal && state.step === 'confirm' && state.error && isAccessRefusal(state.error) ? (
            <WriteAccessNotice refusal={props.refusal} transport={transport} onTokenSaved={props.onTokenSaved} />
          ) : null}
          onCancel={() => props.onClose(false)}
        />
      )}
      {state.step === 'started' && (
        <>
          {state.result.resumed_run && (
            <p className="notice" data-testid="run-resumed">
              This took up run #{state.result.run_id} that had stopped, with its own cutoffs.
            </p>
          )}
          {run ? <RunProgressView run={run} samples={runs.samplesOf(run.id)} /> : <p className="muted">Starting…</p>}
          {stopping?.error && (
            <p className="danger" role="alert" data-testid="run-stop-error">
              The run could not be stopped: {stopping.error.message}
            </p>
          )}
          {!finished && stopRequested && (
            <p className="muted" data-testid="run-stopping">
              Stopping after the batch in flight; Run retention takes it up again where it stopped.
            </p>
          )}
          <div className="retention-dialog__actions">
            {run && !finished && (
              <button type="button" className="button button--secondary" onClick={() => stop(run.id)} disabled={stopRequested} data-testid="run-stop">
                Stop the run
              </button>
            )}
            <button type="button" className="button" onClick={() => props.onClose(true)} autoFocus data-testid="run-close">
              {finished ? 'Close' : 'Close; the run goes on'}
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}

function ConfirmStep(props: {
  plan: RetentionPreview;
  days: RetentionDays;
  typed: string;
  setTyped(text: string): void;
  starting: boolean;
  onStart(): void;
  error: MailtrailError | undefined;
  access: ReactNode;
  onCancel(): void;
}) {
  const { plan } = props;
  const phrase = confirmationPhrase(plan);
  const matches = confirmationMatches(props.typed, phrase);
  const zone = plan.cutoffs.time_zone;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (matches && !props.starting) props.onStart();
      }}
    >
      <p>
        Archive after {daysText(props.days.archiveAfterDays)}, purge after {daysText(props.days.purgeAfterDays)}. Right now this run would:
      </p>
      <ul className="retention-dialog__plan" data-testid="run-plan">
        <li data-testid="run-plan-archive">
          <strong>archive {events(plan.archive.events)}</strong> of {emails(plan.archive.emails)}
          {plan.cutoffs.archive ? `, created before ${formatAbsolute(plan.cutoffs.archive, zone)}` : ' (archiving is off)'}
        </li>
        <li data-testid="run-plan-purge">
          <strong>delete {events(plan.purge.events)}</strong> for good
          {plan.cutoffs.purge ? `, created before ${formatAbsolute(plan.cutoffs.purge, zone)}` : ' (purging is off)'}
        </li>
        <li>
          keep {events(plan.held.events)} of {emails(plan.held.emails)} under legal hold
        </li>
      </ul>
      {props.access}
      {props.error && !isAccessRefusal(props.error) && (
        <p className="danger" role="alert" data-testid="run-error">
          {props.error.message.charAt(0).toUpperCase() + props.error.message.slice(1)}
        </p>
      )}
      <label className="retention-dialog__confirm" htmlFor="run-confirmation">
        Type <strong className="mono" data-testid="run-phrase">{phraseText(phrase)}</strong> to confirm
      </label>
      <input
        id="run-confirmation"
        className="field__input mono retention-dialog__input"
        autoComplete="off"
        spellCheck={false}
        autoFocus
        value={props.typed}
        onChange={(event) => props.setTyped(event.target.value)}
        data-testid="run-confirmation"
      />
      <div className="retention-dialog__actions">
        <button type="button" className="button button--secondary" onClick={props.onCancel} data-testid="run-cancel">
          Cancel
        </button>
        <button type="submit" className="button button--danger" disabled={!matches || props.starting} data-testid="run-start">
          {props.starting ? 'Starting…' : 'Start the run'}
        </button>
      </div>
    </form>
  );
}

/** A run's progress as the runs table has it: phase, events moved of planned, rate and time left. */
export function RunProgressView({ run, samples }: { run: RetentionRun; samples: readonly ProgressSample[] }) {
  const done = doneOf(run);
  const planned = plannedOf(run);
  const rate = run.status === 'running' ? progressRate(samples) : null;
  const percent = percentOf(done, planned);
  return (
    <div className="retention-progress" role="status" aria-live="polite" data-testid="run-progress" data-run-id={run.id} data-status={run.status}>
      <div className="retention-progress__head">
        <strong data-testid="run-progress-phase">{run.status === 'running' ? PHASE_LABELS[run.phase] : STATUS_LABELS[run.status]}</strong>
        <span className="muted">run #{run.id}</span>
      </div>
      <div className="sync-panel__bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label="Events done">
        <div className={`sync-panel__fill retention-progress__fill--${run.status}`} style={{ width: `${percent}%` }} />
      </div>
      <p className="retention-progress__figures" data-testid="run-progress-figures">
        {count(done)} of {events(planned)} · archived {count(run.archived_events)}, purged {count(run.purged_events)}
        {run.status === 'running' && ` · ${rateText(rate)} · time left ${timeLeftText(timeLeftMs(done, planned, rate))}`}
      </p>
      {run.status === 'running' && stalledMs(samples) >= STALLED_MS && (
        <p className="muted" data-testid="run-progress-stalled">
          No progress for {timeLeftText(stalledMs(samples)).replace('about ', '')}. If the process running it was stopped, Run retention takes it up where it stopped.
        </p>
      )}
      {run.error && (
        <p className="danger" data-testid="run-progress-error">
          {run.error}
        </p>
      )}
    </div>
  );
}
