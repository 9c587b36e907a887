import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { onApiTokenRefused, readApiToken, saveApiToken } from '../api/api-token';
import { LockIcon } from '../components/icons';

/**
 * Browser mode against `serve` with MAILTRAIL_API_TOKEN: the first 401 replaces the app with a
 * screen that asks for the token once per tab. The desktop app never gets a 401, so never shows it.
 */
export function ApiTokenGate({ children }: { children: ReactNode }) {
  const [needed, setNeeded] = useState(false);
  useEffect(() => onApiTokenRefused(() => setNeeded(true)), []);
  return needed ? <ApiTokenScreen refused={readApiToken() !== null} /> : children;
}

function ApiTokenScreen({ refused }: { refused: boolean }) {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!token.trim()) return;
    saveApiToken(token);
    // A fresh start loads every screen with the token, as if it had been there from the first request.
    window.location.reload();
  };
  return (
    <main className="token-gate" data-testid="api-token-screen">
      <form className="token-gate__card" onSubmit={submit}>
        <div className="state__icon">
          <LockIcon width={22} height={22} />
        </div>
        <h1 className="state__title">This server needs its API token</h1>
        <p className="token-gate__text">
          It was started with <code>MAILTRAIL_API_TOKEN</code>. Paste that token to read the log; this tab keeps it until you close it.
        </p>
        {refused && (
          <p className="token-gate__refused" role="alert" data-testid="api-token-refused">
            The server refused the token this tab had. Check it and paste it again.
          </p>
        )}
        <label className="token-gate__label" htmlFor="api-token">
          API token
        </label>
        <div className="token-gate__row">
          <input
            id="api-token"
            type="password"
            className="field__input mono token-gate__input"
            autoComplete="off"
            spellCheck={false}
            autoFocus
            value={token}
            onChange={(event) => setToken(event.target.value)}
            data-testid="api-token-input"
          />
          <button type="submit" className="button" disabled={!token.trim()} data-testid="api-token-submit">
            Connect
          </button>
        </div>
      </form>
    </main>
  );
}
