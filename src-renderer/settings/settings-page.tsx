import type { ReactNode } from 'react';
import { useClient } from '../api/client-context';
import { SOURCE_KIND_LABELS, useSource } from '../app/source-status';
import { AdminConnectionSection } from './admin-connection-section';

function Row({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div className="field-row">
      <dt>{label}</dt>
      <dd data-testid={testId}>{children}</dd>
    </div>
  );
}

export function SettingsPage() {
  const { transport } = useClient();
  const { status, error, checkedAt, refresh } = useSource();
  const state = error ? 'unreachable' : status?.state;
  return (
    <div className="page page--narrow" data-testid="settings-page">
      <h1 className="page__title">Settings</h1>
      <section className="card" aria-labelledby="source-heading">
        <div className="card__header">
          <h2 id="source-heading" className="card__title">
            Data source
          </h2>
          <button type="button" className="button button--secondary" onClick={refresh}>
            Check again
          </button>
        </div>
        <dl className="fields">
          <Row label="Kind" testId="settings-source-kind">
            {status ? SOURCE_KIND_LABELS[status.kind] : '—'}
          </Row>
          <Row label="Location" testId="settings-source-label">
            <span className="mono">{status?.label ?? '—'}</span>
          </Row>
          <Row label="State" testId="settings-source-state">
            <span className={`pill pill--${state ?? 'checking'}`}>{state ?? 'checking…'}</span>
            {(error?.message ?? status?.message) && <p className="field-note">{error?.message ?? status?.message}</p>}
          </Row>
          <Row label="Access">{status ? (status.readOnly ? 'Read-only: the viewer never changes the log; admin work goes through the admin connection' : 'Read and write') : '—'}</Row>
          <Row label="Time zone of the log">
            {status ? (status.timeZone ?? 'Unknown: times are shown as stored, marked “zone unknown”') : '—'}
          </Row>
          <Row label="Last checked">
            {checkedAt ? `${new Date(checkedAt).toLocaleTimeString('en-GB')} (every 15 s)` : '—'}
          </Row>
        </dl>
        {transport === 'browser' ? (
          <p className="card__note" data-testid="settings-browser-note">
            You are using Mailtrail in browser mode. The server decides the data source: restart it with{' '}
            <code>mailtrail serve --db postgres://…</code> for a live database, or without <code>--db</code> for the
            embedded demo. This page cannot change it.
          </p>
        ) : (
          <p className="card__note" data-testid="settings-desktop-note">
            The desktop app connects to the source chosen when it started. Choosing and saving sources from this screen
            (with passwords kept in the system keychain) is being built next.
          </p>
        )}
      </section>
      <AdminConnectionSection />
      <section className="card" aria-labelledby="keys-heading">
        <h2 id="keys-heading" className="card__title">
          Keyboard
        </h2>
        <dl className="fields">
          <Row label="Search">
            <kbd>/</kbd>
          </Row>
          <Row label="Move through a list">
            <kbd>j</kbd> <kbd>k</kbd> or <kbd>↓</kbd> <kbd>↑</kbd>
          </Row>
          <Row label="Open the selection">
            <kbd>Enter</kbd>
          </Row>
          <Row label="Back from a timeline">
            <kbd>Esc</kbd>
          </Row>
        </dl>
      </section>
    </div>
  );
}
