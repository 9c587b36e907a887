import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { MailtrailError } from '../../src-main/contract/errors';
import { readAdminToken, saveAdminToken } from '../api/admin-token';
import type { Transport } from '../api/client';
import { LockIcon } from '../components/icons';
import { asMailtrailError } from '../lib/use-keyset-pages';

/** A write the server refused for want of rights (not of input): what the screen must explain. */
export const isAccessRefusal = (error: MailtrailError): boolean => error.code === 'read_only' || error.code === 'unauthorized';

/** What a screen's writes are, in the notice's sentences; retention's unless a screen gives its own. */
export interface WriteAccessWords {
  /** "Retention needs an admin connection". */
  desktopTitle: string;
  /** What the viewer's connection cannot do: "Saving the policy, holds and runs write". */
  desktopWrites: string;
  /** What a read-only server refuses, and what still shows. */
  refused: string;
  /** What the token is for: "to save the policy, hold emails and run retention". */
  tokenFor: string;
}

export const RETENTION_WRITES: WriteAccessWords = {
  desktopTitle: 'Retention needs an admin connection',
  desktopWrites: 'Saving the policy, holds and runs write',
  refused: 'saving the policy, holds, runs and dry runs. The policy, the preview, the holds and the history still show.',
  tokenFor: 'to save the policy, hold emails and run retention',
};

/**
 * Says what retention's writes need, by transport: in browser mode `serve --admin` (403) or its admin
 * token (401, entered here for this tab); in the desktop app a saved admin connection (Settings).
 */
export function WriteAccessNotice({
  refusal,
  transport,
  onTokenSaved,
  words = RETENTION_WRITES,
}: {
  refusal: MailtrailError;
  transport: Transport;
  onTokenSaved(): void;
  words?: WriteAccessWords;
}) {
  // The write may have been asked far down the page: bring the explanation (and its token field) to the user.
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.scrollIntoView({ block: 'nearest' });
    ref.current?.querySelector('input')?.focus({ preventScroll: true });
  }, [refusal]);
  return (
    <div ref={ref}>
      <AccessExplanation refusal={refusal} transport={transport} onTokenSaved={onTokenSaved} words={words} />
    </div>
  );
}

function AccessExplanation({ refusal, transport, onTokenSaved, words }: { refusal: MailtrailError; transport: Transport; onTokenSaved(): void; words: WriteAccessWords }) {
  if (transport === 'desktop') {
    return (
      <div className="retention-access" role="alert" data-testid="retention-access" data-reason="no-admin-connection">
        <LockIcon width={18} height={18} className="retention-access__icon" aria-hidden="true" />
        <div>
          <h2 className="retention-access__title">{words.desktopTitle}</h2>
          <p>
            The viewer’s connection only reads. {words.desktopWrites} through a separate admin connection, and none is saved.{' '}
            <a href="#/settings" data-testid="retention-access-settings">Add one in Settings</a>, then try again.
          </p>
        </div>
      </div>
    );
  }
  if (refusal.code === 'read_only') {
    return (
      <div className="retention-access" role="alert" data-testid="retention-access" data-reason="read-only-server">
        <LockIcon width={18} height={18} className="retention-access__icon" aria-hidden="true" />
        <div>
          <h2 className="retention-access__title">This server only reads</h2>
          <p>
            It was started without <code>--admin</code>, so it refuses every change: {words.refused} To allow changes, restart it with an admin token:
          </p>
          <pre className="retention-access__command mono">
            {'export MAILTRAIL_ADMIN_TOKEN=$(openssl rand -hex 32)\nnpx mailtrail serve --admin --db URL   # --admin-db URL for a separate admin role'}
          </pre>
          <p>then open this page again and enter that token when asked.</p>
        </div>
      </div>
    );
  }
  return <AdminTokenForm refused={readAdminToken() !== null} onSaved={onTokenSaved} tokenFor={words.tokenFor} />;
}

function AdminTokenForm({ refused, onSaved, tokenFor }: { refused: boolean; onSaved(): void; tokenFor: string }) {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!token.trim()) return;
    saveAdminToken(token);
    setToken('');
    onSaved();
  };
  return (
    <form className="retention-access" role="alert" onSubmit={submit} data-testid="retention-access" data-reason="admin-token">
      <LockIcon width={18} height={18} className="retention-access__icon" aria-hidden="true" />
      <div>
        <h2 className="retention-access__title">This change needs the admin token</h2>
        <p>
          This server writes only for the holder of the <code>MAILTRAIL_ADMIN_TOKEN</code> it was started with. Enter it {tokenFor}; this tab keeps it until you
          close it and sends it with changes only.
        </p>
        {refused && (
          <p className="retention-access__refused" data-testid="admin-token-refused">
            The server refused the admin token this tab had. Check it and enter it again.
          </p>
        )}
        <div className="retention-access__row">
          <label className="visually-hidden" htmlFor="admin-token">
            Admin token
          </label>
          <input
            id="admin-token"
            type="password"
            className="field__input mono retention-access__input"
            placeholder="Admin token"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(event) => setToken(event.target.value)}
            data-testid="admin-token-input"
          />
          <button type="submit" className="button" disabled={!token.trim()} data-testid="admin-token-submit">
            Use for this tab
          </button>
        </div>
      </div>
    </form>
  );
}

/**
 * One admin write at a time: `write(action)` answers its result, or null after keeping a refusal for
 * want of rights apart (shown by WriteAccessNotice) from any other error (shown as it came).
 */
export function useAdminWrite(onSuccess?: () => void) {
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<MailtrailError | null>(null);
  const [error, setError] = useState<MailtrailError | null>(null);
  const write = useCallback(
    async <T,>(action: () => Promise<T>): Promise<T | null> => {
      setBusy(true);
      setError(null);
      setRefusal(null);
      try {
        const result = await action();
        onSuccess?.();
        return result;
      } catch (caught) {
        const failure = asMailtrailError(caught);
        if (isAccessRefusal(failure)) setRefusal(failure);
        else setError(failure);
        return null;
      } finally {
        setBusy(false);
      }
    },
    [onSuccess],
  );
  return { busy, write, refusal, error, clearRefusal: useCallback(() => setRefusal(null), []) };
}
