import { useRef, useState } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import type { ReportRecord, ReportVerification } from '../../src-main/contract/reports';
import { useClient } from '../api/client-context';
import { useAnalyticsQuery } from '../analytics/use-analytics-query';
import { useTimeZone } from '../app/source-status';
import { CopyIcon, ReportIcon } from '../components/icons';
import { EmptyState, ErrorState, LoadingState } from '../components/states';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { formatInstant } from '../retention/retention-text';
import { reportBridge, verifyFileOverHttp } from './report-exporter';
import { eventsText, fileNameOf, formatCount, FORMAT_LABELS, shortDigest } from './report-text';

const REPORTS_LIMIT = 200;

type Checked = { status: 'checking' } | { status: 'done'; verification: ReportVerification; file?: string } | { status: 'error'; error: MailtrailError };

/** The reports made on this machine (from the journal), with open, reveal and verify; and "Verify a file…". */
export function ReportsPage() {
  const { client, transport } = useClient();
  const bridge = transport === 'desktop' ? reportBridge() : null;
  const { state, retry } = useAnalyticsQuery('reports', () => client['reports/list']({ limit: REPORTS_LIMIT }));
  const [fileCheck, setFileCheck] = useState<Checked | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const verifyPicked = async (file: File) => {
    setFileCheck({ status: 'checking' });
    try {
      setFileCheck({ status: 'done', verification: await verifyFileOverHttp(file), file: file.name });
    } catch (error) {
      setFileCheck({ status: 'error', error: asMailtrailError(error) });
    }
  };
  const verifyFile = async () => {
    if (!bridge) {
      input.current?.click();
      return;
    }
    setFileCheck({ status: 'checking' });
    const answer = await bridge.verifyReportFile();
    if (!answer.ok) setFileCheck({ status: 'error', error: asMailtrailError(answer.error) });
    else setFileCheck(answer.value ? { status: 'done', verification: answer.value.verification, file: answer.value.file } : null);
  };

  return (
    <div className="page" data-testid="reports-page">
      <header className="page-header">
        <div>
          <h1 className="page__title">Reports</h1>
          <p className="page__subtitle">
            Audit reports made on this machine, newest first. Each carries a SHA-256 digest of its events and provenance: Verify recomputes it, so anyone can check that nothing was altered.
          </p>
        </div>
        <div className="page-header__tools reports-page__tools">
          <button type="button" className="button" onClick={() => void verifyFile()} disabled={fileCheck?.status === 'checking'} data-testid="verify-file">
            Verify a file…
          </button>
          {!bridge && (
            <input
              ref={input}
              type="file"
              accept=".csv,.jsonl,.pdf,.html,.htm"
              className="visually-hidden"
              tabIndex={-1}
              aria-hidden="true"
              onChange={(event) => {
                const file = event.target.files?.[0];
                event.target.value = '';
                if (file) void verifyPicked(file);
              }}
              data-testid="verify-file-input"
            />
          )}
        </div>
      </header>
      {fileCheck && (
        <section className="report-file-check" aria-label="Verification of a file" data-testid="verify-file-result">
          {fileCheck.status === 'checking' ? (
            <LoadingState label="Checking the file…" testId="verify-file-checking" />
          ) : fileCheck.status === 'error' ? (
            <p className="danger" role="alert" data-testid="verify-file-error">
              The file could not be checked: {fileCheck.error.message}
            </p>
          ) : (
            <VerificationResult verification={fileCheck.verification} file={fileCheck.file} />
          )}
          <button type="button" className="button button--secondary button--sm" onClick={() => setFileCheck(null)} data-testid="verify-file-dismiss">
            Dismiss
          </button>
        </section>
      )}
      {state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={retry} title="The reports could not be listed" />
      ) : state.status === 'loading' && !state.data ? (
        <LoadingState label="Reading the reports…" />
      ) : (state.data?.items.length ?? 0) === 0 ? (
        <EmptyState title="No report made yet" testId="reports-empty" icon={<ReportIcon width={22} height={22} />}>
          <p>Export from an email’s timeline, Activity, Analytics or a user’s audit: every report made here is listed on this screen.</p>
        </EmptyState>
      ) : (
        <ReportsTable reports={state.data!.items} canOpen={bridge !== null} />
      )}
    </div>
  );
}

function ReportsTable({ reports, canOpen }: { reports: ReportRecord[]; canOpen: boolean }) {
  const timeZone = useTimeZone();
  return (
    <section className="card reports-card">
      <div className="reports-table-wrap">
        <table className="data-table reports-table" data-testid="reports-table">
          <thead>
            <tr>
              <th scope="col">Made ({timeZone ?? 'local time'})</th>
              <th scope="col">Report</th>
              <th scope="col" className="num">
                Events
              </th>
              <th scope="col">SHA-256</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          {reports.map((report) => (
            <ReportRow key={report.id} report={report} timeZone={timeZone} canOpen={canOpen} />
          ))}
        </table>
      </div>
    </section>
  );
}

/** One report, its actions, and what verifying it found (in a row beneath it). */
function ReportRow({ report, timeZone, canOpen }: { report: ReportRecord; timeZone: string | null; canOpen: boolean }) {
  const { client } = useClient();
  const bridge = canOpen ? reportBridge() : null;
  const [checked, setChecked] = useState<Checked | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const verify = () => {
    setChecked({ status: 'checking' });
    client['reports/verify']({ id: report.id })
      .then((verification) => setChecked({ status: 'done', verification }))
      .catch((error: unknown) => setChecked({ status: 'error', error: asMailtrailError(error) }));
  };
  const act = async (action: 'openReport' | 'revealReport') => {
    if (!bridge) return;
    setActionError(null);
    const answer = await bridge[action](report.id);
    if (!answer.ok) setActionError(answer.error.message);
  };
  return (
    <tbody className="reports-table__group" data-testid="report-row" data-report-id={report.id} data-format={report.format}>
      <tr className="data-table__row">
        <td>
          <div className="reports-table__stack reports-table__when">
            <span>{formatInstant(report.generated_at, timeZone, false)}</span>
            <span className="muted">{report.generated_by}</span>
          </div>
        </td>
        <td className="reports-table__report">
          <div className="reports-table__stack">
            <span>
              <span className="pill reports-table__format" data-testid="report-format">
                {FORMAT_LABELS[report.format]}
              </span>
              <span className="reports-table__title" data-testid="report-title">
                {report.title}
              </span>
            </span>
            <span className="muted" data-testid="report-scope">
              {report.scope_text}
            </span>
            <span className="reports-table__path mono" title={report.path} data-testid="report-path">
              {report.path}
            </span>
          </div>
        </td>
        <td className="num" data-testid="report-events">
          {formatCount(report.events)}
        </td>
        <td>
          <DigestCell sha256={report.sha256} />
        </td>
        <td className="reports-table__actions-cell">
          <div className="reports-table__actions">
            <button type="button" className="button button--sm" onClick={verify} disabled={checked?.status === 'checking'} data-testid="report-verify">
              {checked?.status === 'checking' ? 'Verifying…' : 'Verify'}
            </button>
            {bridge && (
              <>
                <button type="button" className="button button--secondary button--sm" onClick={() => void act('openReport')} data-testid="report-open">
                  Open
                </button>
                <button type="button" className="button button--secondary button--sm" onClick={() => void act('revealReport')} data-testid="report-reveal">
                  Reveal
                </button>
              </>
            )}
          </div>
        </td>
      </tr>
      {(checked || actionError) && (
        <tr className="reports-table__result">
          <td colSpan={5}>
            {actionError && (
              <p className="danger" role="alert" data-testid="report-action-error">
                {sentence(actionError)}
              </p>
            )}
            {checked?.status === 'error' && (
              <p className="danger" role="alert" data-testid="report-verify-error">
                It could not be verified: {checked.error.message}
              </p>
            )}
            {checked?.status === 'done' && <VerificationResult verification={checked.verification} file={fileNameOf(report.path)} />}
          </td>
        </tr>
      )}
    </tbody>
  );
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** The digest shortened, the whole of it in the title and copied by the button. */
function DigestCell({ sha256 }: { sha256: string }) {
  const [copied, setCopied] = useState<boolean | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(sha256);
      setCopied(true);
    } catch {
      setCopied(false);
    }
    window.setTimeout(() => setCopied(null), 2000);
  };
  return (
    <span className="reports-digest">
      <code className="mono" title={sha256} data-testid="report-digest" data-sha256={sha256}>
        {shortDigest(sha256)}
      </code>
      <button
        type="button"
        className="icon-button icon-button--sm"
        onClick={() => void copy()}
        aria-label="Copy the whole digest"
        title={copied === false ? `The clipboard was refused; the digest is ${sha256}` : 'Copy the whole digest'}
        data-testid="report-digest-copy"
      >
        <CopyIcon width={13} height={13} />
      </button>
      <span className="visually-hidden" role="status" aria-live="polite">
        {copied === true ? 'Digest copied' : copied === false ? 'The clipboard was refused' : ''}
      </span>
    </span>
  );
}

/** Verified (green, with the digest) or not, with each problem found. */
export function VerificationResult({ verification, file }: { verification: ReportVerification; file?: string | undefined }) {
  const what = [file, verification.format ? FORMAT_LABELS[verification.format] : null, verification.title ? `“${verification.title}”` : null].filter(Boolean).join(' · ');
  if (verification.verified) {
    return (
      <div className="verification verification--ok" role="status" data-testid="verification" data-verified="true">
        <p className="verification__head">
          <span className="verification__mark" aria-hidden="true">
            ✓
          </span>
          <strong>Verified</strong>
          {verification.events !== null && <span>: {eventsText(verification.events)}, unaltered</span>}
        </p>
        {what && <p className="verification__what">{what}</p>}
        {verification.sha256 && (
          <p className="verification__digest">
            sha256 <code className="mono" data-testid="verification-digest">{verification.sha256}</code>
          </p>
        )}
      </div>
    );
  }
  return (
    <div className="verification verification--failed" role="alert" data-testid="verification" data-verified="false">
      <p className="verification__head">
        <span className="verification__mark" aria-hidden="true">
          ✗
        </span>
        <strong>Not verified</strong>
        <span>
          : {verification.problems.length === 1 ? 'one problem' : `${formatCount(verification.problems.length)} problems`} found
        </span>
      </p>
      {what && <p className="verification__what">{what}</p>}
      <ul className="verification__problems" data-testid="verification-problems">
        {verification.problems.map((problem, index) => (
          <li key={index}>{problem}</li>
        ))}
      </ul>
      {verification.sha256 && (
        <p className="verification__digest">
          Digest it claims: <code className="mono">{shortDigest(verification.sha256)}</code>
        </p>
      )}
    </div>
  );
}
