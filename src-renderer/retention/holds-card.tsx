import { useState, type FormEvent } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import { MAX_HOLD_REASON, type LegalHold } from '../../src-main/contract/retention';
import { useClient } from '../api/client-context';
import { hrefOf } from '../app/hash-router';
import { useTimeZone } from '../app/source-status';
import { useAnalyticsQuery } from '../analytics/use-analytics-query';
import { ErrorState } from '../components/states';
import { useDebounced } from '../lib/use-debounced';
import { TableHead } from './preview-cards';
import type { WriteErrorHandler } from './retention-page';
import { formatInstant } from './retention-text';
import { useModal } from './use-modal';

const HOLDS_LIMIT = 200;
const MAX_EMAIL_ID = 2_147_483_647;

/** Legal holds: placed on an email, never expiring, released explicitly; searchable by id, reason or holder. */
export function HoldsCard({ onChanged, onWriteError, clearRefusal, version }: { onChanged(): void; onWriteError: WriteErrorHandler; clearRefusal(): void; version: number }) {
  const { client } = useClient();
  const timeZone = useTimeZone();
  const [search, setSearch] = useState('');
  const [includeReleased, setIncludeReleased] = useState(false);
  const query = useDebounced(search.trim(), 300);
  const holds = useAnalyticsQuery(`holds:${query}:${includeReleased}:${version}`, () =>
    client['retention/holds']({ search: query || undefined, includeReleased, limit: HOLDS_LIMIT }),
  );
  const [releasing, setReleasing] = useState<LegalHold | null>(null);
  const items = holds.state.data?.items ?? [];

  return (
    <section className="card retention-holds" aria-labelledby="retention-holds-heading" data-testid="retention-holds">
      <div className="card__header">
        <div>
          <h2 className="card__title" id="retention-holds-heading">
            Legal holds
          </h2>
          <p className="card__subtitle">A held email’s events are never archived or purged. A hold never expires; it is released only here or with the CLI.</p>
        </div>
      </div>
      <HoldForm
        onPlaced={() => {
          clearRefusal();
          onChanged();
        }}
        onWriteError={onWriteError}
      />
      <div className="retention-holds__filters">
        <input
          type="search"
          className="field__input retention-holds__search"
          placeholder="Search email id, reason or who"
          aria-label="Search legal holds"
          value={search}
          maxLength={200}
          onChange={(event) => setSearch(event.target.value)}
          data-testid="holds-search"
        />
        <label className="retention-days__off">
          <input type="checkbox" checked={includeReleased} onChange={(event) => setIncludeReleased(event.target.checked)} data-testid="holds-include-released" />
          Show released
        </label>
        <span className="muted" data-testid="holds-count" aria-live="polite">
          {holds.state.status === 'ready' && `${items.length.toLocaleString('en')}${items.length === HOLDS_LIMIT ? '+' : ''} ${items.length === 1 ? 'hold' : 'holds'}`}
        </span>
      </div>
      {holds.state.status === 'error' ? (
        <ErrorState error={holds.state.error} onRetry={holds.retry} title="The legal holds could not be loaded" />
      ) : items.length === 0 ? (
        <p className="muted retention-holds__empty" data-testid="holds-empty">
          {holds.state.status === 'loading' ? 'Loading…' : query ? 'No hold matches this search.' : 'No email is under a legal hold.'}
        </p>
      ) : (
        <div className="retention-table-wrap">
          <table className="data-table retention-holds__table">
            <TableHead columns={['Email', 'Reason', 'Held by', `Since (${timeZone ?? 'local time'})`, ['Release']]} />
            <tbody>
              {items.map((hold) => (
                <tr key={hold.id} className="data-table__row" data-testid="hold-row" data-email-id={hold.email_id} data-released={hold.released_at !== null || undefined}>
                  <td className="mono">
                    <a href={hrefOf(`emails/${hold.email_id}`)} title={`Open the timeline of email ${hold.email_id}`}>
                      #{hold.email_id}
                    </a>
                  </td>
                  <td className="retention-holds__reason" data-testid="hold-reason">
                    {hold.reason}
                  </td>
                  <td>{hold.held_by}</td>
                  <td className="retention-nowrap">{formatInstant(hold.held_at, timeZone, false)}</td>
                  <td className="num">
                    {hold.released_at ? (
                      <span className="muted" title={`Released ${formatInstant(hold.released_at, timeZone)} by ${hold.released_by ?? '?'}`}>
                        released by {hold.released_by}
                      </span>
                    ) : (
                      <button type="button" className="button button--secondary button--sm" onClick={() => setReleasing(hold)} data-testid="hold-release">
                        Release…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {releasing && (
        <ReleaseDialog
          hold={releasing}
          timeZone={timeZone}
          onWriteError={onWriteError}
          onClose={(released) => {
            setReleasing(null);
            if (released) {
              clearRefusal();
              onChanged();
            }
          }}
        />
      )}
    </section>
  );
}

function HoldForm({ onPlaced, onWriteError }: { onPlaced(): void; onWriteError: WriteErrorHandler }) {
  const { client } = useClient();
  const [emailIdText, setEmailIdText] = useState('');
  const [reason, setReason] = useState('');
  const [state, setState] = useState<{ status: 'idle' | 'saving' } | { status: 'placed'; hold: LegalHold } | { status: 'error'; error: MailtrailError }>({ status: 'idle' });
  const emailId = /^\d{1,10}$/.test(emailIdText.trim()) ? Number(emailIdText.trim()) : null;
  const valid = emailId !== null && emailId >= 1 && emailId <= MAX_EMAIL_ID && reason.trim() !== '';
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid || emailId === null) return;
    setState({ status: 'saving' });
    client['retention/hold']({ emailId, reason: reason.trim() })
      .then((hold) => {
        setState({ status: 'placed', hold });
        setEmailIdText('');
        setReason('');
        onPlaced();
      })
      .catch((error: unknown) => setState({ status: 'error', error: onWriteError(error) }));
  };
  return (
    <form className="retention-hold-form" onSubmit={submit} aria-label="Hold an email" data-testid="hold-form">
      <label className="field retention-hold-form__id">
        <span className="filter-select__label">Email id</span>
        <input
          className="field__input mono"
          inputMode="numeric"
          value={emailIdText}
          onChange={(event) => setEmailIdText(event.target.value)}
          aria-invalid={(emailIdText.trim() !== '' && emailId === null) || undefined}
          data-testid="hold-email-id"
        />
      </label>
      <label className="field retention-hold-form__reason">
        <span className="filter-select__label">Reason</span>
        <input
          className="field__input"
          value={reason}
          maxLength={MAX_HOLD_REASON}
          placeholder="e.g. Litigation ACME v. Hub, case 2026-114"
          onChange={(event) => setReason(event.target.value)}
          data-testid="hold-reason-input"
        />
      </label>
      <button type="submit" className="button" disabled={!valid || state.status === 'saving'} data-testid="hold-submit">
        {state.status === 'saving' ? 'Holding…' : 'Hold email'}
      </button>
      {state.status === 'placed' && (
        <p className="retention-hold-form__message" role="status" data-testid="hold-placed">
          Email #{state.hold.email_id} is held.
        </p>
      )}
      {state.status === 'error' && !['read_only', 'unauthorized'].includes(state.error.code) && (
        <p className="retention-hold-form__message danger" role="alert" data-testid="hold-error">
          {state.error.message.charAt(0).toUpperCase() + state.error.message.slice(1)}
        </p>
      )}
    </form>
  );
}

function ReleaseDialog({ hold, timeZone, onWriteError, onClose }: { hold: LegalHold; timeZone: string | null; onWriteError: WriteErrorHandler; onClose(released: boolean): void }) {
  const { client } = useClient();
  const [state, setState] = useState<{ status: 'idle' | 'releasing' } | { status: 'error'; error: MailtrailError }>({ status: 'idle' });
  const ref = useModal(() => onClose(false));
  const release = () => {
    setState({ status: 'releasing' });
    client['retention/release']({ emailId: hold.email_id })
      .then(() => onClose(true))
      .catch((error: unknown) => {
        const failure = onWriteError(error);
        if (['read_only', 'unauthorized'].includes(failure.code)) onClose(false);
        else setState({ status: 'error', error: failure });
      });
  };
  return (
    <dialog ref={ref} className="retention-dialog" aria-labelledby="release-title" data-testid="release-dialog">
      <h2 className="retention-dialog__title" id="release-title">
        Release the legal hold on email #{hold.email_id}?
      </h2>
      <p>
        Held since {formatInstant(hold.held_at, timeZone)} by {hold.held_by}: <q>{hold.reason}</q>
      </p>
      <p className="muted">Once released, its events fall under the retention policy again: the next run may archive or purge them.</p>
      {state.status === 'error' && (
        <p className="danger" role="alert">
          {state.error.message}
        </p>
      )}
      <div className="retention-dialog__actions">
        <button type="button" className="button button--secondary" onClick={() => onClose(false)} autoFocus data-testid="release-cancel">
          Keep the hold
        </button>
        <button type="button" className="button button--danger" onClick={release} disabled={state.status === 'releasing'} data-testid="release-confirm">
          {state.status === 'releasing' ? 'Releasing…' : 'Release hold'}
        </button>
      </div>
    </dialog>
  );
}
