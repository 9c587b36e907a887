import { useEffect, useState } from 'react';
import { SYNC_PHASES, type MailtrailSyncBridge, type SyncUpdate } from '../../src-main/contract/sync-progress';
import { fileNameOf, formatCount, PHASE_TEXT, rateText, rowsText, timeLeftText } from './sync-text';

/** The preload's sync functions, when this is the desktop app; browser mode has no sync. */
export function syncBridge(): MailtrailSyncBridge | null {
  const bridge = window.mailtrail;
  if (typeof bridge?.onSyncProgress !== 'function' || typeof bridge.cancelSync !== 'function' || typeof bridge.openSyncedCache !== 'function') {
    return null;
  }
  return { onSyncProgress: bridge.onSyncProgress, cancelSync: bridge.cancelSync, openSyncedCache: bridge.openSyncedCache };
}

/** Share done, in percent: events fill the bar; the steps before them are at 0, those after at 100. */
function percentDone(update: Extract<SyncUpdate, { state: 'running' }>): number {
  const step = SYNC_PHASES.indexOf(update.phase) - SYNC_PHASES.indexOf('events');
  return Math.round(step === 0 ? update.fraction * 100 : step < 0 ? 0 : 100);
}

/** The latest update main sent about the sync it runs; null until one arrives or once dismissed. */
function useSyncUpdate(bridge: MailtrailSyncBridge): [SyncUpdate | null, () => void] {
  const [update, setUpdate] = useState<SyncUpdate | null>(null);
  useEffect(() => bridge.onSyncProgress(setUpdate), [bridge]);
  return [update, () => setUpdate(null)];
}

/** Progress of "Sync for offline review" (File menu), with Cancel, and "Open it now" once done. */
export function SyncPanel() {
  const [bridge] = useState(syncBridge);
  return bridge ? <SyncProgressPanel bridge={bridge} /> : null;
}

function SyncProgressPanel({ bridge }: { bridge: MailtrailSyncBridge }) {
  const [update, dismiss] = useSyncUpdate(bridge);
  const [busy, setBusy] = useState<'cancelling' | 'opening' | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const file = update?.file;
  useEffect(() => {
    setBusy(null);
    setOpenError(null);
  }, [update?.state, file]);
  if (!update) return null;

  const name = fileNameOf(update.file);
  const fileName = (
    <span className="sync-panel__file" title={update.file}>
      {name}
    </span>
  );
  const cancel = async () => {
    setBusy('cancelling');
    await bridge.cancelSync();
  };
  const open = async () => {
    setBusy('opening');
    const result = await bridge.openSyncedCache();
    // On success main reloads the window onto the cache; a failure is said here.
    if (!result.ok) {
      setBusy(null);
      setOpenError(result.error.message);
    }
  };
  const cancelButton = (
    <button type="button" className="button button--secondary button--sm" onClick={() => void cancel()} disabled={busy !== null} data-testid="sync-cancel">
      {busy === 'cancelling' ? 'Cancelling…' : 'Cancel'}
    </button>
  );
  const dismissButton = (
    <button type="button" className="button button--secondary button--sm" onClick={dismiss} data-testid="sync-dismiss">
      Dismiss
    </button>
  );

  return (
    <section className="sync-panel" aria-label="Sync for offline review" data-testid="sync-panel" data-state={update.state}>
      {update.state === 'started' && (
        <>
          <p className="sync-panel__title">Starting the sync into {fileName}…</p>
          <div className="sync-panel__bar" role="progressbar" aria-label="Sync progress" aria-valuetext="starting" data-testid="sync-progressbar">
            <div className="sync-panel__fill sync-panel__fill--waiting" />
          </div>
          <div className="sync-panel__actions">{cancelButton}</div>
        </>
      )}
      {update.state === 'running' && (
        <>
          <p className="sync-panel__title" data-testid="sync-phase">
            {PHASE_TEXT[update.phase]} into {fileName}
          </p>
          <div
            className="sync-panel__bar"
            role="progressbar"
            aria-label="Sync progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percentDone(update)}
            aria-valuetext={rowsText(update.rows, update.total)}
            data-testid="sync-progressbar"
          >
            <div className="sync-panel__fill" style={{ width: `${percentDone(update)}%` }} />
          </div>
          <p className="sync-panel__figures">
            <span data-testid="sync-rows">{rowsText(update.rows, update.total)}</span>
            {update.phase === 'events' && update.rows > 0 && <span data-testid="sync-rate">{rateText(update.rate)}</span>}
            {update.phase === 'events' && <span data-testid="sync-time-left">{timeLeftText(update.secondsLeft) ?? 'estimating the time left'}</span>}
          </p>
          <div className="sync-panel__actions">{cancelButton}</div>
        </>
      )}
      {update.state === 'done' && (
        <>
          <p className="sync-panel__title" role="status" data-testid="sync-result">
            Synced {formatCount(update.events)} events into {fileName}
            {update.fetched !== update.events && ` (${formatCount(update.fetched)} new)`}
          </p>
          {openError && (
            <p className="sync-panel__error" role="alert" data-testid="sync-open-error">
              {openError}
            </p>
          )}
          <div className="sync-panel__actions">
            <button type="button" className="button button--sm" onClick={() => void open()} disabled={busy !== null} data-testid="sync-open">
              {busy === 'opening' ? 'Opening…' : 'Open it now'}
            </button>
            {dismissButton}
          </div>
        </>
      )}
      {update.state === 'cancelled' && (
        <>
          <p className="sync-panel__title" role="status" data-testid="sync-result">
            Sync cancelled. {fileName} keeps what was copied; sync into it again to finish.
          </p>
          <div className="sync-panel__actions">{dismissButton}</div>
        </>
      )}
      {update.state === 'failed' && (
        <>
          <p className="sync-panel__error" role="alert" data-testid="sync-result">
            The sync into {fileName} failed: {update.error.message}
          </p>
          <div className="sync-panel__actions">{dismissButton}</div>
        </>
      )}
    </section>
  );
}
