import { useEffect, useState, type FormEvent } from 'react';
import type { AdminConnectionView, MailtrailAdminConnectionBridge, WorkflowEngineView } from '../../src-main/contract/admin-connection';
import type { Result } from '../../src-main/contract/errors';
import { workflowEngineText } from './workflow-engine-text';

type AdminConnectionBridge = Omit<MailtrailAdminConnectionBridge, 'workflowEngine' | 'setWorkflowEngine'> &
  Partial<Pick<MailtrailAdminConnectionBridge, 'workflowEngine' | 'setWorkflowEngine'>>;

/** The preload's admin-connection functions, when this is the desktop app; browser mode has none. */
export function adminConnectionBridge(): AdminConnectionBridge | null {
  const bridge = window.mailtrail;
  if (
    typeof bridge?.adminConnection !== 'function' ||
    typeof bridge.saveAdminConnection !== 'function' ||
    typeof bridge.testAdminConnection !== 'function' ||
    typeof bridge.removeAdminConnection !== 'function'
  ) {
    return null;
  }
  // The engine's two functions came later (issue 16): a bridge without them still saves the connection.
  const engine = typeof bridge.workflowEngine === 'function' && typeof bridge.setWorkflowEngine === 'function';
  return {
    adminConnection: bridge.adminConnection,
    saveAdminConnection: bridge.saveAdminConnection,
    testAdminConnection: bridge.testAdminConnection,
    removeAdminConnection: bridge.removeAdminConnection,
    ...(engine ? { workflowEngine: bridge.workflowEngine, setWorkflowEngine: bridge.setWorkflowEngine } : {}),
  };
}

/** Settings › Admin connection: what it is for, and in the desktop app the saved one with Save, Test and Remove. */
export function AdminConnectionSection() {
  const [bridge] = useState(adminConnectionBridge);
  return (
    <section className="card" aria-labelledby="admin-connection-heading" data-testid="settings-admin-connection">
      <h2 id="admin-connection-heading" className="card__title">
        Admin connection
      </h2>
      <p className="admin-connection__purpose">
        Retention (archiving and purging old events) and legal holds write to the database, so they go through a
        connection of their own; the viewer's connection stays read-only, and every write is recorded in the Journal.
        Use a role with exactly those rights: <code>mailtrail roles</code> creates <code>mailtrail_admin</code>.
        While it is saved, this app also runs the workflows on it (the engine <code>mailtrail worker</code> runs).
      </p>
      {bridge ? (
        <AdminConnectionForm bridge={bridge} />
      ) : (
        <p className="card__note" data-testid="settings-admin-browser-note">
          The saved admin connection is part of the desktop app. In browser mode the server decides: start it with{' '}
          <code>mailtrail serve --admin --admin-db postgres://mailtrail_admin@…</code> and <code>MAILTRAIL_ADMIN_TOKEN</code>{' '}
          set, and writes go through that connection.
        </p>
      )}
    </section>
  );
}

type Outcome = { tone: 'ready' | 'problem' | 'info'; text: string };

async function unwrap<T>(result: Promise<Result<T>>): Promise<T> {
  const answer = await result;
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.value;
}

function AdminConnectionForm({ bridge }: { bridge: AdminConnectionBridge }) {
  const [saved, setSaved] = useState<AdminConnectionView | null | undefined>(undefined);
  const [url, setUrl] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<'saving' | 'testing' | 'removing' | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [engine, setEngine] = useState<WorkflowEngineView | null>(null);
  const [engineBusy, setEngineBusy] = useState(false);
  const readEngine = () => {
    if (!bridge.workflowEngine) return;
    void unwrap(bridge.workflowEngine()).then(setEngine, (error: Error) => setOutcome({ tone: 'problem', text: error.message }));
  };

  useEffect(() => {
    readEngine();
    void unwrap(bridge.adminConnection()).then(
      (view) => {
        setSaved(view);
        setUrl(view?.url ?? '');
      },
      (error: Error) => setOutcome({ tone: 'problem', text: error.message }),
    );
  }, [bridge]);

  const run = async (what: 'saving' | 'testing' | 'removing', action: () => Promise<Outcome>) => {
    setBusy(what);
    setOutcome(null);
    try {
      setOutcome(await action());
    } catch (error) {
      setOutcome({ tone: 'problem', text: (error as Error).message });
    } finally {
      setBusy(null);
      // Saving or removing the connection starts or stops the engine: show where it stands now.
      readEngine();
    }
  };
  const toggleEngine = (enabled: boolean) => {
    if (!bridge.setWorkflowEngine) return;
    setEngineBusy(true);
    void unwrap(bridge.setWorkflowEngine({ enabled }))
      .then(setEngine, (error: Error) => setOutcome({ tone: 'problem', text: error.message }))
      .finally(() => setEngineBusy(false));
  };
  const engineState = engine ? workflowEngineText(engine, Boolean(saved)) : null;
  const input = () => ({ url: url.trim(), password: password === '' ? null : password });
  const save = (event: FormEvent) => {
    event.preventDefault();
    void run('saving', async () => {
      const view = await unwrap(bridge.saveAdminConnection(input()));
      setSaved(view);
      setUrl(view.url);
      setPassword('');
      return { tone: 'info', text: 'Saved. Retention and holds write through it from now on; Test checks what it may do.' };
    });
  };
  const test = () =>
    void run('testing', async () => {
      const found = await unwrap(bridge.testAdminConnection(url.trim() === '' ? undefined : input()));
      return { tone: found.ready ? 'ready' : 'problem', text: found.message };
    });
  const remove = () =>
    void run('removing', async () => {
      await unwrap(bridge.removeAdminConnection());
      setSaved(null);
      setUrl('');
      setPassword('');
      return { tone: 'info', text: 'Removed. Retention and holds are refused until an admin connection is saved again.' };
    });

  return (
    <form className="admin-connection__form" onSubmit={save} data-testid="admin-connection-form">
      <dl className="fields">
        <div className="field-row">
          <dt>Saved</dt>
          <dd data-testid="admin-connection-saved">
            {saved === undefined ? (
              '—'
            ) : saved ? (
              <>
                <span className="mono">{saved.url}</span>
                <span className="admin-connection__hint">
                  {saved.hasPassword ? ' · password kept in the system keychain' : ' · no password'}
                </span>
              </>
            ) : (
              'None: retention and holds are refused until you add one'
            )}
          </dd>
        </div>
        <div className="field-row">
          <dt>
            <label htmlFor="admin-connection-url">URL, without password</label>
          </dt>
          <dd>
            <input
              id="admin-connection-url"
              className="field__input mono admin-connection__input"
              placeholder="postgres://mailtrail_admin@db.example:5432/hub"
              autoComplete="off"
              spellCheck={false}
              value={url}
              onChange={(event) => setUrl(event.target.value)}
              data-testid="admin-connection-url"
            />
          </dd>
        </div>
        <div className="field-row">
          <dt>
            <label htmlFor="admin-connection-password">Password</label>
          </dt>
          <dd>
            <input
              id="admin-connection-password"
              type="password"
              className="field__input admin-connection__input"
              placeholder={saved?.hasPassword ? 'leave empty to keep the saved one' : ''}
              autoComplete="off"
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              data-testid="admin-connection-password"
            />
          </dd>
        </div>
      </dl>
      <div className="admin-connection__actions">
        <button type="submit" className="button" disabled={busy !== null || url.trim() === ''} data-testid="admin-connection-save">
          {busy === 'saving' ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="button button--secondary" disabled={busy !== null || (url.trim() === '' && !saved)} onClick={test} data-testid="admin-connection-test">
          {busy === 'testing' ? 'Testing…' : 'Test'}
        </button>
        <button type="button" className="button button--secondary" disabled={busy !== null || !saved} onClick={remove} data-testid="admin-connection-remove">
          Remove
        </button>
      </div>
      {bridge.workflowEngine && (
        <div className="admin-connection__engine">
          <label className="admin-connection__engine-switch">
            <input
              type="checkbox"
              checked={engine?.enabled ?? false}
              disabled={engine === null || engineBusy}
              onChange={(event) => toggleEngine(event.target.checked)}
              data-testid="admin-connection-engine"
            />
            Run workflows in this app
          </label>
          {engineState && (
            <span className={`admin-connection__hint admin-connection__engine-state--${engineState.tone}`} data-testid="admin-connection-engine-state">
              {engineBusy ? (engine?.enabled ? 'Stopping…' : 'Starting…') : engineState.text}
            </span>
          )}
        </div>
      )}
      {outcome && (
        <p className={`admin-connection__outcome admin-connection__outcome--${outcome.tone}`} role="status" data-testid="admin-connection-outcome">
          {outcome.text}
        </p>
      )}
    </form>
  );
}
