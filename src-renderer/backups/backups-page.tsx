import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { BackupHistoryEntry, BackupJob } from '../../src-main/contract/backups';
import { MailtrailError } from '../../src-main/contract/errors';
import { useClient } from '../api/client-context';
import { useOffline } from '../app/offline-banner';
import { EmptyState, ErrorState, LoadMoreFooter, LoadingState } from '../components/states';
import { asMailtrailError } from '../lib/use-keyset-pages';
import { TableHead } from '../retention/preview-cards';
import { useAdminWrite, WriteAccessNotice, type WriteAccessWords } from '../retention/write-access';
import { StatusPill } from '../workflows/workflows-page';
import {
  bytesText,
  durationText,
  instantText,
  localZone,
  notificationsText,
  retentionText,
  untilText,
  verificationLabel,
} from './backup-text';
import { JobEditor } from './job-editor';

const PAGE_SIZE = 25;
/** While a run or a verification is going, the screen reads again this often. */
const POLL_MS = 2_000;

export const BACKUP_WRITES: WriteAccessWords = {
  desktopTitle: 'Backup jobs need an admin connection',
  desktopWrites: 'Adding and changing jobs, running them and verifying backups write',
  refused: 'adding, changing and running backup jobs and verifying backups. The jobs and their history still show.',
  tokenFor: 'to add, change and run backup jobs and verify backups',
};

type OverviewState = { status: 'loading' } | { status: 'error'; error: MailtrailError } | { status: 'ready'; jobs: BackupJob[]; writable: boolean };

/** The Backups screen (issue 17, item 5): the jobs with their schedule and next run, and every run below. */
export function BackupsPage() {
  const offline = useOffline();
  const { client, transport } = useClient();
  const [overview, setOverview] = useState<OverviewState>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const [editing, setEditing] = useState<BackupJob | 'new' | null>(null);
  const [historyActive, setHistoryActive] = useState(false);
  const refresh = useCallback(() => setGeneration((value) => value + 1), []);
  const { busy, write, refusal, error, clearRefusal } = useAdminWrite(refresh);

  useEffect(() => {
    if (offline) return;
    let current = true;
    client['backups/overview']({ recent: 0 })
      .then((answer) => current && setOverview({ status: 'ready', jobs: answer.jobs, writable: answer.writable }))
      .catch((failure: unknown) => current && setOverview({ status: 'error', error: asMailtrailError(failure) }));
    return () => {
      current = false;
    };
  }, [client, offline, generation]);

  const active = historyActive || (overview.status === 'ready' && overview.jobs.some((job) => job.last_run?.status === 'running'));
  useEffect(() => {
    if (!active) return;
    const timer = setTimeout(refresh, POLL_MS);
    return () => clearTimeout(timer);
  }, [active, generation, refresh]);

  const writable = overview.status === 'ready' && overview.writable;
  // No admin connection at all: said once at the top, the buttons that would write are off.
  const noAdmin = overview.status === 'ready' && !overview.writable ? new MailtrailError('read_only', 'no admin connection') : null;
  const notice: ReactNode = refusal ? (
    <WriteAccessNotice refusal={refusal} transport={transport} onTokenSaved={clearRefusal} words={BACKUP_WRITES} />
  ) : noAdmin ? (
    <div data-testid="backups-no-admin">
      <WriteAccessNotice refusal={noAdmin} transport={transport} onTokenSaved={refresh} words={BACKUP_WRITES} />
    </div>
  ) : error ? (
    <p className="danger" role="alert" data-testid="backup-write-error">
      {error.message.charAt(0).toUpperCase() + error.message.slice(1)}
    </p>
  ) : null;

  return (
    <div className="page backups" data-testid="backups-page">
      <header className="page-header">
        <div>
          <h1 className="page__title">Backups</h1>
          <p className="page__subtitle">
            Scheduled backups of Mailtrail’s tables, each checked after it is written, pruned by its job’s rules, and a notification when one fails or none has
            succeeded for too long. Times are in your zone, {localZone()}.
          </p>
        </div>
        {!offline && (
          <button type="button" className="button" onClick={() => setEditing('new')} disabled={!writable || busy} data-testid="backup-job-new">
            New job
          </button>
        )}
      </header>
      {offline ? (
        <EmptyState title="Backups need the live database" testId="backups-offline">
          <p>The backup jobs and their history are kept in PostgreSQL beside the log, and an offline cache has no copy. Open the live database to see them.</p>
        </EmptyState>
      ) : (
        <>
          {notice}
          <JobsCard
            state={overview}
            retry={refresh}
            writable={writable}
            busy={busy}
            onEdit={(job) => setEditing(job)}
            onRun={(job) => void write(() => client['backups/run']({ jobId: job.id }))}
          />
          <HistoryCard
            generation={generation}
            writable={writable}
            busy={busy}
            onActive={setHistoryActive}
            onVerify={(entry) => void write(() => client['backups/verify']({ historyId: entry.id, restoreTest: true }))}
          />
        </>
      )}
      {editing !== null && (
        <JobEditor
          job={editing === 'new' ? null : editing}
          onClose={(changed) => {
            setEditing(null);
            if (changed) refresh();
          }}
          transport={transport}
          words={BACKUP_WRITES}
        />
      )}
    </div>
  );
}

function JobsCard(props: { state: OverviewState; retry(): void; writable: boolean; busy: boolean; onEdit(job: BackupJob): void; onRun(job: BackupJob): void }) {
  const { state } = props;
  const zone = localZone();
  return (
    <section className="card backups-jobs" aria-labelledby="backups-jobs-heading" data-testid="backup-jobs">
      <h2 className="card__title" id="backups-jobs-heading">
        Jobs
      </h2>
      {state.status === 'loading' ? (
        <LoadingState label="Reading the backup jobs…" testId="backup-jobs-loading" />
      ) : state.status === 'error' ? (
        <ErrorState error={state.error} onRetry={props.retry} title="The backup jobs could not be read" testId="backup-jobs-error" />
      ) : state.jobs.length === 0 ? (
        <EmptyState title="No backup job yet" testId="backup-jobs-empty">
          <p>
            A job backs up the log, the archive, the sealed chain, workflows, retention and the journal on a schedule into a directory. Add one with{' '}
            <strong>New job</strong>; <code>mailtrail serve --admin</code>, <code>mailtrail worker</code> or the desktop app run it.
          </p>
        </EmptyState>
      ) : (
        <div className="retention-table-wrap">
          <table className="data-table backups-jobs__table">
            <TableHead columns={['Job', 'Schedule', 'Runs', '']} />
            <tbody>
              {state.jobs.map((job) => (
                <tr key={job.id} className="data-table__row" data-testid="backup-job-row" data-job-id={job.id} data-enabled={job.enabled}>
                  <td>
                    <div className="backups-jobs__name">
                      <span data-testid="backup-job-name">{job.name}</span>
                      {!job.enabled && (
                        <span className="pill journal-outcome--cancelled backups-jobs__off" data-testid="backup-job-disabled">
                          off
                        </span>
                      )}
                    </div>
                    <div className="muted mono backups-jobs__sub backups-jobs__destination" title={job.destination} data-testid="backup-job-destination">
                      {job.destination}
                    </div>
                    <div className="backups-jobs__sub" data-testid="backup-job-retention">
                      {retentionText(job)}
                      {job.verify_after ? ', verified after each run' : ', not verified'}
                    </div>
                    <div className="muted backups-jobs__sub" data-testid="backup-job-notifications">
                      {notificationsText(job)}
                    </div>
                  </td>
                  <td>
                    <div data-testid="backup-job-schedule">{job.schedule_text}</div>
                    <div className="muted backups-jobs__sub">
                      <span className="mono">{job.schedule}</span> · {job.time_zone}
                    </div>
                  </td>
                  <td className="backups-jobs__runs">
                    <div data-testid="backup-job-next-run">
                      {job.next_run_at ? (
                        <>
                          <span className="muted">next </span>
                          <span className="nowrap">{instantText(job.next_run_at, zone)}</span>
                          <div className="muted backups-jobs__sub">{untilText(job.next_run_at)}</div>
                        </>
                      ) : (
                        <span className="muted">{job.enabled ? 'no next run' : 'switched off'}</span>
                      )}
                    </div>
                    <div className="backups-jobs__last" data-testid="backup-job-last-run">
                      {job.last_run ? (
                        <>
                          <StatusPill status={job.last_run.status} />{' '}
                          <span className="muted backups-jobs__sub nowrap" title={job.last_run.error ?? undefined}>
                            {instantText(job.last_run.started_at, zone)}
                          </span>
                        </>
                      ) : (
                        <span className="muted">never run</span>
                      )}
                      {job.last_success_at === null && job.last_run !== null && <div className="danger backups-jobs__sub">no success yet</div>}
                    </div>
                  </td>
                  <td className="nowrap backups-jobs__actions">
                    <button
                      type="button"
                      className="button button--secondary"
                      onClick={() => props.onRun(job)}
                      disabled={!props.writable || props.busy || job.last_run?.status === 'running'}
                      title={job.last_run?.status === 'running' ? 'It is running now' : `Run "${job.name}" now`}
                      data-testid="backup-job-run"
                    >
                      {job.last_run?.status === 'running' ? 'Running…' : 'Run now'}
                    </button>
                    <button type="button" className="button button--secondary" onClick={() => props.onEdit(job)} disabled={!props.writable} data-testid="backup-job-edit">
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * The history, newest first, in keyset pages. A refresh (a run going on) reads again as many rows as
 * are shown, in place: the list neither empties nor jumps while it polls.
 */
function useHistory(generation: number) {
  const { client } = useClient();
  const [state, setState] = useState<{ status: 'loading' | 'ready'; items: BackupHistoryEntry[]; nextCursor: string | null } | { status: 'error'; error: MailtrailError; items: BackupHistoryEntry[]; nextCursor: null }>({
    status: 'loading',
    items: [],
    nextCursor: null,
  });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<MailtrailError | null>(null);
  const [attempt, setAttempt] = useState(0);
  const shown = state.items.length;
  useEffect(() => {
    let current = true;
    client['backups/history']({ limit: Math.min(500, Math.max(PAGE_SIZE, shown)) })
      .then((page) => current && setState({ status: 'ready', items: page.items, nextCursor: page.nextCursor }))
      .catch((failure: unknown) => current && setState({ status: 'error', error: asMailtrailError(failure), items: [], nextCursor: null }));
    return () => {
      current = false;
    };
    // `shown` is read, not followed: a page loaded by the user must not start a reload.
  }, [client, generation, attempt]);
  const loadMore = useCallback(() => {
    if (state.nextCursor === null || loadingMore) return;
    setLoadingMore(true);
    setMoreError(null);
    client['backups/history']({ limit: PAGE_SIZE, cursor: state.nextCursor })
      .then((page) => setState((previous) => ({ status: 'ready', items: [...previous.items, ...page.items], nextCursor: page.nextCursor })))
      .catch((failure: unknown) => setMoreError(asMailtrailError(failure)))
      .finally(() => setLoadingMore(false));
  }, [client, state.nextCursor, loadingMore]);
  const retry = useCallback(() => {
    setMoreError(null);
    setAttempt((value) => value + 1);
  }, []);
  return { state, hasMore: state.nextCursor !== null, loadingMore, moreError, loadMore, retry };
}

function HistoryCard(props: { generation: number; writable: boolean; busy: boolean; onActive(active: boolean): void; onVerify(entry: BackupHistoryEntry): void }) {
  const zone = localZone();
  const { state, hasMore, loadingMore, moreError, loadMore, retry } = useHistory(props.generation);
  const items = state.items;
  const active = useMemo(() => items.some((entry) => entry.status === 'running' || entry.verification === 'running'), [items]);
  const { onActive } = props;
  useEffect(() => onActive(active), [active, onActive]);
  let body: ReactNode;
  if (state.status === 'error') body = <ErrorState error={state.error} onRetry={retry} title="The backup history could not be read" testId="backup-history-error" />;
  else if (state.status === 'loading' && items.length === 0) body = <LoadingState label="Reading the backup history…" testId="backup-history-loading" />;
  else if (items.length === 0) {
    body = (
      <EmptyState title="No backup has run yet" testId="backup-history-empty">
        <p>Each run of a job appears here with its file, size, rows, duration and verification.</p>
      </EmptyState>
    );
  } else {
    body = (
      <>
        <div className="retention-table-wrap">
          <table className="data-table backups-history__table">
            <TableHead columns={[['Run'], 'Job', 'Started', 'Status', ['Size'], ['Took'], 'Verification', 'File', '']} />
            <tbody>
              {items.map((entry) => {
                const verification = verificationLabel(entry);
                const verifiable = entry.file !== null && entry.pruned_at === null && entry.status !== 'running' && entry.verification !== 'running';
                return (
                  <tr key={entry.id} className="data-table__row" data-testid="backup-history-row" data-history-id={entry.id} data-status={entry.status}>
                    <td className="num mono">#{entry.id}</td>
                    <td className="backups-history__job">
                      {entry.job_name ?? <span className="muted">job {entry.job_id}</span>}
                      <div className="muted backups-jobs__sub">{entry.trigger === 'schedule' ? 'on schedule' : `by ${entry.actor}`}</div>
                    </td>
                    <td className="backups-history__started">{instantText(entry.started_at, zone)}</td>
                    <td>
                      <StatusPill status={entry.status} />
                    </td>
                    <td className="num mono nowrap" title={entry.file ?? undefined}>
                      <div data-testid="backup-history-size">{bytesText(entry.bytes)}</div>
                      {entry.rows !== null && <div className="muted backups-jobs__sub">{entry.rows.toLocaleString('en')} rows</div>}
                    </td>
                    <td className="num mono nowrap" data-testid="backup-history-duration">
                      {durationText(entry.duration_ms)}
                    </td>
                    <td title={entry.verify_problems?.join('\n') || undefined}>
                      <span className={`pill journal-outcome--${verification.tone}`} data-testid="backup-history-verification">
                        {verification.text}
                      </span>
                    </td>
                    <td className="mono backups-history__file" title={entry.file ?? entry.error ?? undefined} data-testid="backup-history-file">
                      {entry.pruned_at ? <span className="muted">pruned</span> : entry.file ? fileName(entry.file) : <span className="danger">{entry.error ?? '—'}</span>}
                    </td>
                    <td className="nowrap">
                      <button
                        type="button"
                        className="button button--secondary"
                        onClick={() => props.onVerify(entry)}
                        disabled={!props.writable || props.busy || !verifiable}
                        title={verifiable ? 'Check the checksums and restore it into a scratch PostgreSQL' : 'There is no file to verify'}
                        data-testid="backup-history-verify"
                      >
                        Verify
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
        <LoadMoreFooter hasMore={hasMore} loadingMore={loadingMore} error={moreError} onRetry={retry} onLoadMore={loadMore} end="No older runs." testId="backup-history-more" />
      </>
    );
  }
  return (
    <section className="card backups-history" aria-labelledby="backups-history-heading" data-testid="backup-history">
      <h2 className="card__title" id="backups-history-heading">
        History
      </h2>
      {body}
    </section>
  );
}

/** The file's name, whichever separator its platform uses. */
const fileName = (path: string): string => path.split(/[\\/]/).pop() ?? path;
