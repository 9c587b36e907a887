import { useEffect, useMemo, useRef, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import { DOCUMENT_MAX_EVENTS, type ReportFormat, type ReportScope } from '../../src-main/contract/reports';
import { useClient } from '../api/client-context';
import { ReportIcon } from '../components/icons';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { useModal } from '../retention/use-modal';
import { countScope } from '../../src-main/reports/scope-count';
import { browserExporter, desktopExporter, reportBridge, type ExportProgress, type ExportResult, type ReportExporter, type RunningExport } from './report-exporter';
import {
  byteRateText,
  elapsedText,
  eventsText,
  fileNameOf,
  formatCount,
  FORMAT_LABELS,
  FORMAT_PURPOSES,
  isDocumentFormat,
  rateOf,
  rateText,
  secondsLeftOf,
  shortDigest,
  sizeText,
  timeLeftText,
} from './report-text';

/** The desktop app writes through main; browser mode downloads from `serve`. */
export function useReportExporter(): ReportExporter {
  const { transport } = useClient();
  return useMemo(() => {
    const bridge = transport === 'desktop' ? reportBridge() : null;
    return bridge ? desktopExporter(bridge) : browserExporter();
  }, [transport]);
}

/** The data formats first, then the documents, the PDF before the HTML that reads like it. */
const SHOWN_FORMATS: readonly ReportFormat[] = ['csv', 'jsonl', 'pdf', 'html'];

type Step =
  | { step: 'form'; error?: MailtrailError; cancelled?: boolean }
  | { step: 'running'; format: ReportFormat; progress: ExportProgress | null; cancelling: boolean }
  | { step: 'saved'; format: ReportFormat; result: Extract<ExportResult, { state: 'saved' }> };

/** An Export button that opens the export dialog for what the screen shows. */
export function ExportButton({ scope, title, disabledReason, className = '' }: { scope: ReportScope | null; title: string; disabledReason?: string; className?: string }) {
  const [open, setOpen] = useState(false);
  const reason = scope ? disabledReason : (disabledReason ?? 'Nothing to export yet');
  return (
    <>
      <button
        type="button"
        className={`button button--secondary button--sm ${className}`}
        onClick={() => setOpen(true)}
        disabled={reason !== undefined}
        title={reason ?? 'Export these events as a report (CSV, JSONL, PDF or HTML) that a third party can verify'}
        data-testid="export-open"
      >
        <ReportIcon width={14} height={14} />
        <span>Export…</span>
      </button>
      {open && scope && <ExportDialog scope={scope} defaultTitle={title} onClose={() => setOpen(false)} />}
    </>
  );
}

/**
 * Export a report of a scope: the format (with what each is for), a title, then progress with
 * Cancel. Keyboard: focus stays in the dialog, Enter exports, Esc cancels (and stops a running export).
 */
export function ExportDialog({ scope, defaultTitle, onClose }: { scope: ReportScope; defaultTitle: string; onClose(): void }) {
  const { client } = useClient();
  const exporter = useReportExporter();
  const [format, setFormat] = useState<ReportFormat>('csv');
  const [title, setTitle] = useState(defaultTitle);
  const [step, setStep] = useState<Step>({ step: 'form' });
  const running = useRef<RunningExport | null>(null);
  const [expected, setExpected] = useState<{ count: number; exact: boolean } | null>(null);

  // Counted once per scope: the screen behind makes a new scope object on every render.
  const scopeKey = JSON.stringify(scope);
  useEffect(() => {
    let current = true;
    void countScope(client, JSON.parse(scopeKey) as ReportScope).then((count) => current && setExpected(count));
    return () => {
      current = false;
    };
  }, [client, scopeKey]);
  // Closing the dialog stops an export still running: nothing is saved.
  useEffect(() => () => running.current?.cancel(), []);

  const cancel = () => {
    if (running.current) {
      running.current.cancel();
      setStep((previous) => (previous.step === 'running' ? { ...previous, cancelling: true } : previous));
    } else onClose();
  };
  const ref = useModal(cancel);

  const start = () => {
    const chosen = format;
    setStep({ step: 'running', format: chosen, progress: null, cancelling: false });
    const job = exporter.start({ scope, format: chosen, title: title.trim() || defaultTitle }, (progress) =>
      setStep((previous) => (previous.step === 'running' ? { ...previous, progress } : previous)),
    );
    running.current = job;
    job.result
      .then((result) => setStep(result.state === 'saved' ? { step: 'saved', format: chosen, result } : { step: 'form', cancelled: true }))
      .catch((error: unknown) => setStep({ step: 'form', error: asMailtrailError(error) }))
      .finally(() => {
        running.current = null;
      });
  };

  return (
    <dialog ref={ref} className="retention-dialog report-dialog" aria-labelledby="export-title" data-testid="export-dialog">
      <h2 className="retention-dialog__title" id="export-title">
        Export a report
      </h2>
      {step.step === 'form' && (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            start();
          }}
        >
          {/* Enter on a format exports, as it does in the title field. */}
          <fieldset
            className="report-formats"
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          >
            <legend className="report-dialog__label">Format</legend>
            {SHOWN_FORMATS.map((name) => (
              <label key={name} className={`report-format${name === format ? ' is-chosen' : ''}`} data-testid={`export-format-${name}`}>
                <input type="radio" name="report-format" value={name} checked={name === format} onChange={() => setFormat(name)} autoFocus={name === format} />
                <span className="report-format__name">{FORMAT_LABELS[name]}</span>
                <span className="report-format__purpose">{FORMAT_PURPOSES[name]}</span>
              </label>
            ))}
          </fieldset>
          <label className="report-dialog__label" htmlFor="export-title-input">
            Title
          </label>
          <input
            id="export-title-input"
            className="field__input retention-dialog__input"
            value={title}
            maxLength={200}
            placeholder={defaultTitle}
            onChange={(event) => setTitle(event.target.value)}
            data-testid="export-title"
          />
          <ScopeNote format={format} expected={expected} />
          {step.cancelled && (
            <p className="muted" role="status" data-testid="export-cancelled">
              Export cancelled; no file was saved.
            </p>
          )}
          {step.error && (
            <p className="danger report-dialog__error" role="alert" data-testid="export-error">
              {sentence(step.error.message)}
            </p>
          )}
          <div className="retention-dialog__actions">
            <button type="button" className="button button--secondary" onClick={onClose} data-testid="export-cancel">
              Cancel
            </button>
            <button type="submit" className="button" data-testid="export-start">
              {exporter.transport === 'desktop' ? 'Export…' : 'Download'}
            </button>
          </div>
        </form>
      )}
      {step.step === 'running' && (
        <>
          <ExportProgressView format={step.format} progress={step.progress} expected={expected} transport={exporter.transport} />
          <div className="retention-dialog__actions">
            <button type="button" className="button button--secondary" onClick={cancel} disabled={step.cancelling} autoFocus data-testid="export-stop">
              {step.cancelling ? 'Cancelling…' : 'Cancel the export'}
            </button>
          </div>
        </>
      )}
      {step.step === 'saved' && (
        <>
          <div className="report-saved" role="status" data-testid="export-saved" data-file={step.result.file}>
            <p>
              <strong>Saved {FORMAT_LABELS[step.format]}</strong>{' '}
              <span className="mono" title={step.result.file} data-testid="export-file">
                {fileNameOf(step.result.file)}
              </span>
            </p>
            <p className="muted">
              {[
                step.result.events !== null ? eventsText(step.result.events) : null,
                step.result.bytes !== null ? sizeText(step.result.bytes) : null,
                step.result.sha256 ? `sha256 ${shortDigest(step.result.sha256)}` : null,
              ]
                .filter(Boolean)
                .join(' · ')}
            </p>
            <p className="muted">
              {exporter.transport === 'desktop' ? (
                <>
                  It is listed on the <a href="#/reports">Reports screen</a>, where Verify checks it.
                </>
              ) : (
                <>
                  Your browser saved it as a download; <a href="#/reports">Reports › Verify a file…</a> checks it.
                </>
              )}
            </p>
          </div>
          <div className="retention-dialog__actions">
            {step.result.id !== null && <OpenSavedReport id={step.result.id} />}
            <button type="button" className="button" onClick={onClose} autoFocus data-testid="export-close">
              Close
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}

/** Open or Reveal the file just written (desktop: main finds it by the report's id); a failure is said beside them. */
function OpenSavedReport({ id }: { id: string }) {
  const [bridge] = useState(reportBridge);
  const [failure, setFailure] = useState<string | null>(null);
  if (!bridge) return null;
  const act = async (action: 'openReport' | 'revealReport') => {
    const answer = await bridge[action](id);
    setFailure(answer.ok ? null : answer.error.message);
  };
  return (
    <>
      <button type="button" className="button button--secondary" onClick={() => void act('openReport')} data-testid="export-open-file">
        Open
      </button>
      <button type="button" className="button button--secondary" onClick={() => void act('revealReport')} data-testid="export-reveal-file">
        Show in folder
      </button>
      {failure && (
        <span className="danger" role="alert">
          {failure}
        </span>
      )}
    </>
  );
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** How many events the report will hold, and that PDF and HTML stop at DOCUMENT_MAX_EVENTS. */
function ScopeNote({ format, expected }: { format: ReportFormat; expected: { count: number; exact: boolean } | null }) {
  const limit = formatCount(DOCUMENT_MAX_EVENTS);
  const count = expected ? `${expected.exact ? '' : 'at least '}${eventsText(expected.count)}` : null;
  const over = expected !== null && expected.count > DOCUMENT_MAX_EVENTS;
  return (
    <p className={`report-dialog__note${isDocumentFormat(format) && over ? ' is-warning' : ''}`} data-testid="export-note">
      {count && <>This view holds {count}. </>}
      {isDocumentFormat(format)
        ? over
          ? `A ${FORMAT_LABELS[format]} holds the first ${limit} of them and says so; export CSV or JSONL for all.`
          : `A ${FORMAT_LABELS[format]} holds at most the first ${limit} events; CSV and JSONL hold every one.`
        : `CSV and JSONL hold every event; PDF and HTML the first ${limit}.`}
    </p>
  );
}

/** Rows so far (of how many, where known), the rate, time left and time spent. */
function ExportProgressView(props: { format: ReportFormat; progress: ExportProgress | null; expected: { count: number; exact: boolean } | null; transport: 'desktop' | 'browser' }) {
  const { format, progress, expected } = props;
  // Lines arrive for CSV and JSONL only; a PDF or HTML download is counted in bytes.
  const received = progress?.rows !== null && progress?.rows !== undefined && (props.transport === 'desktop' || !isDocumentFormat(format)) ? progress.rows : null;
  // A PDF or HTML reads the whole scope too (its summary counts every event); it keeps the first DOCUMENT_MAX_EVENTS.
  const total = expected?.exact ? expected.count : null;
  // A download's lines include the provenance and header lines: never more than the events shown.
  const rows = received !== null && total !== null ? Math.min(received, total) : received;
  const elapsed = progress?.elapsedMs ?? 0;
  const rate = rows !== null ? rateOf(rows, elapsed) : null;
  const left = rows !== null ? secondsLeftOf(rows, total, rate) : null;
  const percent = rows !== null && total ? Math.min(100, Math.round((rows / total) * 100)) : null;
  const unit = props.transport === 'browser' ? 'rows' : 'events';
  return (
    <div className="report-progress" role="status" aria-live="polite" data-testid="export-progress">
      <p>
        <strong>Exporting {FORMAT_LABELS[format]}…</strong>
      </p>
      <div
        className="sync-panel__bar"
        role="progressbar"
        aria-label="Export progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-valuetext={rows !== null ? `${formatCount(rows)} ${unit}` : 'starting'}
      >
        <div className={`sync-panel__fill${percent === null ? ' sync-panel__fill--waiting' : ''}`} style={percent === null ? undefined : { width: `${percent}%` }} />
      </div>
      <p className="report-progress__figures" data-testid="export-figures">
        {rows !== null && (
          <span data-testid="export-rows">
            {formatCount(rows)}
            {total !== null && ` of ${formatCount(total)}`} {unit}
          </span>
        )}
        {progress?.bytes != null && <span data-testid="export-bytes">{sizeText(progress.bytes)}</span>}
        {rows !== null && <span data-testid="export-rate">{rateText(rate, unit)}</span>}
        {rows === null && progress?.bytes != null && <span>{byteRateText(rateOf(progress.bytes, elapsed))}</span>}
        <span data-testid="export-time-left">{timeLeftText(left) ?? `${elapsedText(elapsed)} so far`}</span>
      </p>
    </div>
  );
}
