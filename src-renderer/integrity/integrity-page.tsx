import { useEffect, useRef } from 'react';
import type { IntegrityFailure, IntegrityReport, IntegrityStatus, VerificationProgress } from '../../src-main/contract/integrity';
import { hrefOf } from '../app/hash-router';
import { useTimeZone } from '../app/source-status';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { formatDuration } from '../lib/time';
import { TableHead } from '../retention/preview-cards';
import { formatInstant } from '../retention/retention-text';
import { rateText } from '../retention/run-progress';
import {
  count,
  KEY_SOURCE_TEXT,
  KIND_LABELS,
  phaseText,
  plural,
  progressFigures,
  verificationPercent,
  verificationRate,
} from './integrity-text';
import { useIntegrityStatus, type IntegrityStatusApi } from './use-integrity-status';

/** Tamper evidence (issue 15): the newest signed checkpoint, the last verification, a verification run with progress, and what it found. */
export function IntegrityPage() {
  const api = useIntegrityStatus();
  const { state } = api;
  return (
    <div className="page integrity" data-testid="integrity-page">
      <header className="page-header">
        <div>
          <h1 className="page__title">Integrity</h1>
          <p className="page__subtitle">
            Every sealed event checked against the hash chain and the signed checkpoints that <code>mailtrail seal</code> writes: edits, deletions, insertions and
            forged checkpoints are named here.
          </p>
        </div>
      </header>
      {state.status === 'loading' ? (
        <LoadingState label="Reading the sealed log…" testId="integrity-loading" />
      ) : state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={api.retry} title="The integrity status could not be read" testId="integrity-error" />
      ) : !state.data.available ? (
        <EmptyState title="Integrity cannot be checked on this source" testId="integrity-unavailable">
          <p data-testid="integrity-unavailable-reason">{capitalise(state.data.unavailable ?? 'this source does not carry the sealed chain')}.</p>
          <p>Verification needs the live PostgreSQL database, with its integrity tables (migrations/0013) and at least one seal.</p>
        </EmptyState>
      ) : (
        <IntegrityScreen status={state.data} api={api} />
      )}
    </div>
  );
}

const isKeyNote = (note: string): boolean => /public key/.test(note);

const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

function IntegrityScreen({ status, api }: { status: IntegrityStatus; api: IntegrityStatusApi }) {
  const report = status.last;
  return (
    <>
      <div className="integrity__cards">
        <CheckpointCard status={status} />
        <VerificationCard status={status} api={api} />
      </div>
      {report && report.failures.length > 0 && !status.running && <FailuresCard report={report} emails={status.failure_emails} />}
    </>
  );
}

function CheckpointCard({ status }: { status: IntegrityStatus }) {
  const timeZone = useTimeZone();
  const latest = status.latest;
  return (
    <section className="card integrity-card" aria-labelledby="integrity-checkpoint-heading" data-testid="integrity-checkpoint">
      <h2 className="card__title" id="integrity-checkpoint-heading">
        Last checkpoint
      </h2>
      {latest ? (
        <dl className="integrity-facts">
          <dt>Checkpoint</dt>
          <dd data-testid="integrity-checkpoint-number">#{latest.checkpoint}</dd>
          <dt>Covers</dt>
          <dd data-testid="integrity-checkpoint-seq">
            seq 1–{count(latest.last_seq)} ({plural(status.sealed_events, 'entry', 'entries')} in the chain)
          </dd>
          <dt>Sealed at</dt>
          <dd data-testid="integrity-checkpoint-sealed">{formatInstant(latest.sealed_at, timeZone)}</dd>
          <dt>Key id</dt>
          <dd className="mono" data-testid="integrity-checkpoint-key">
            {latest.key_id}
          </dd>
        </dl>
      ) : (
        <div data-testid="integrity-never-sealed">
          <p>
            <strong>The log was never sealed</strong>, so there is nothing to verify yet. Make a signing key once, then seal (from cron, say) with the admin
            connection:
          </p>
          <pre className="integrity-command">
            <code>
              mailtrail keygen --out seal.key{'\n'}mailtrail seal --key seal.key --head head.json
            </code>
          </pre>
          <p className="muted">Keep the key and the head file where the database’s writers cannot reach them.</p>
        </div>
      )}
    </section>
  );
}

function VerificationCard({ status, api }: { status: IntegrityStatus; api: IntegrityStatusApi }) {
  const timeZone = useTimeZone();
  const report = status.last;
  const running = status.running;
  // Verify now and Stop take each other's place: the keyboard's focus follows, instead of falling to the page.
  const button = useRef<HTMLButtonElement>(null);
  const wasRunning = useRef(running !== null);
  useEffect(() => {
    if (wasRunning.current === (running !== null)) return;
    wasRunning.current = running !== null;
    if (document.activeElement === null || document.activeElement === document.body) button.current?.focus();
  }, [running]);
  return (
    <section className="card integrity-card" aria-labelledby="integrity-verification-heading" data-testid="integrity-verification">
      <div className="card__header">
        <h2 className="card__title" id="integrity-verification-heading">
          Verification
        </h2>
        {running ? (
          <button ref={button} type="button" className="button button--secondary" onClick={api.stop} disabled={running.cancelling || api.busy} data-testid="integrity-stop">
            Stop
          </button>
        ) : (
          <button
            ref={button}
            type="button"
            className="button"
            onClick={api.verify}
            disabled={api.busy || status.latest === null}
            title={status.latest === null ? 'Seal the log first: there is nothing to verify' : 'Check every sealed event, the chain and the checkpoints now'}
            data-testid="integrity-verify"
          >
            Verify now
          </button>
        )}
      </div>
      {api.actionError && (
        <p className="danger" role="alert" data-testid="integrity-action-error">
          {capitalise(api.actionError.message)}
        </p>
      )}
      {running ? (
        <ProgressView progress={running} />
      ) : report ? (
        <ReportSummary report={report} timeZone={timeZone} />
      ) : (
        <p className="muted" data-testid="integrity-never-verified">
          Not verified on this machine yet. A verification reads every sealed event once, through the viewer’s read-only connection.
        </p>
      )}
      {!running && status.stopped && (!report || status.stopped.at > report.checked_at) && (
        <p className="notice integrity-stopped" data-testid="integrity-stopped">
          The verification started after that was {status.stopped.outcome === 'cancelled' ? 'stopped' : 'not finished'} at{' '}
          {formatInstant(status.stopped.at, timeZone)}
          {status.stopped.outcome === 'failed' ? `: ${status.stopped.message}` : ''}.
        </p>
      )}
    </section>
  );
}

function ProgressView({ progress }: { progress: VerificationProgress }) {
  const percent = verificationPercent(progress);
  return (
    <div className="retention-progress" role="status" aria-live="polite" data-testid="integrity-progress">
      <div className="retention-progress__head">
        <strong data-testid="integrity-progress-phase">{phaseText(progress)}</strong>
        <span className="muted">{formatDuration(progress.elapsed_ms).slice(1)}</span>
      </div>
      <div className="sync-panel__bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label="Entries checked">
        <div className="sync-panel__fill" style={{ width: `${percent}%` }} />
      </div>
      <p className="retention-progress__figures" data-testid="integrity-progress-figures">
        {progressFigures(progress)} · {rateText(verificationRate(progress)).replace('events/s', 'entries/s')}
      </p>
    </div>
  );
}

function ReportSummary({ report, timeZone }: { report: IntegrityReport; timeZone: string | null }) {
  const failures = report.failures.length + report.failures_omitted;
  // The keys' note says in command-line words what the line above says in the screen's.
  const notes = report.notes.filter((note) => !isKeyNote(note));
  return (
    <div className="integrity-report" data-testid="integrity-report" data-intact={report.intact}>
      <p className="integrity-report__verdict">
        {report.intact ? (
          <span className="integrity-verdict integrity-verdict--intact" data-testid="integrity-verdict">
            Intact
          </span>
        ) : (
          <span className="integrity-verdict integrity-verdict--failed" data-testid="integrity-verdict">
            {plural(failures, 'failure')}
          </span>
        )}
        <span>
          last verified <span data-testid="integrity-checked-at">{formatInstant(report.checked_at, timeZone)}</span>
          {report.latest ? ` up to checkpoint ${report.latest.checkpoint}` : ''}, in {formatDuration(report.elapsed_ms).slice(1)}
        </span>
      </p>
      <p className="integrity-report__figures" data-testid="integrity-report-figures">
        {plural(report.events_checked, 'event')} checked ({count(report.archived)} archived) · {count(report.purged)} purged by retention ·{' '}
        {count(report.unsealed)} not sealed yet · {plural(report.checkpoints, 'checkpoint')}
      </p>
      <p className="integrity-report__keys" data-testid="integrity-key-source">
        Signatures checked with {KEY_SOURCE_TEXT[report.key_source]}.
      </p>
      {notes.length > 0 && (
        <ul className="integrity-report__notes" data-testid="integrity-notes">
          {notes.map((note) => (
            <li key={note}>{capitalise(note)}.</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function FailuresCard({ report, emails }: { report: IntegrityReport; emails: Record<string, number> }) {
  return (
    <section className="card integrity-failures" aria-labelledby="integrity-failures-heading" data-testid="integrity-failures">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="integrity-failures-heading">
            Failures found
          </h2>
          <p className="card__subtitle">
            {plural(report.failures.length, 'failure')}
            {report.failures_omitted > 0 ? `, and ${count(report.failures_omitted)} more not listed` : ''}. An event still in the log links to its email’s timeline.
          </p>
        </div>
      </div>
      <div className="retention-table-wrap">
        <table className="data-table integrity-failures__table">
          <TableHead columns={['Kind', 'What', 'Event', ['Seq'], ['Checkpoint'], 'Columns']} />
          <tbody>
            {report.failures.map((failure, index) => (
              <FailureRow key={`${failure.kind}:${failure.seq ?? ''}:${failure.event_id ?? ''}:${index}`} failure={failure} emailId={failure.event_id === null ? undefined : emails[String(failure.event_id)]} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function FailureRow({ failure, emailId }: { failure: IntegrityFailure; emailId: number | undefined }) {
  const seq = failure.seq === null ? '' : failure.seq_to === null ? count(failure.seq) : `${count(failure.seq)}–${count(failure.seq_to)}`;
  return (
    <tr className="data-table__row" data-testid="integrity-failure" data-kind={failure.kind} data-event-id={failure.event_id ?? ''}>
      <td>
        <span className={`integrity-kind integrity-kind--${failure.kind}`}>{KIND_LABELS[failure.kind]}</span>
      </td>
      <td className="integrity-failures__message">{failure.message}</td>
      <td className="mono">
        {failure.event_id === null ? (
          ''
        ) : emailId !== undefined ? (
          <a href={hrefOf(`emails/${emailId}`)} title={`Open email ${emailId}'s timeline`} data-testid="integrity-failure-link">
            {failure.event_id} <span className="muted">in #{emailId}</span>
          </a>
        ) : (
          <span title="The event is no longer in the log or the archive">{failure.event_id}</span>
        )}
      </td>
      <td className="num mono">{seq}</td>
      <td className="num mono">{failure.checkpoint ?? ''}</td>
      <td>{failure.columns.join(', ')}</td>
    </tr>
  );
}
