import { join } from 'node:path';
import type { BrowserWindow, Dialog, FileFilter } from 'electron';
import { MailtrailError, type Result } from '../../contract/errors';
import {
  measureSyncProgress,
  SYNC_CANCEL_CHANNEL,
  SYNC_OPEN_RESULT_CHANNEL,
  SYNC_PROGRESS_CHANNEL,
  type SyncUpdate,
} from '../../contract/sync-progress';
import type { CurrentSource, IpcMainLike, IpcOptions, IpcSenderEvent } from '../ipc';
import type { OpenedSource } from '../main/desktop-app';
import type { SourceOptions } from '../main/source-choice';
import { describeSender, isTrustedIpcSender } from '../security';
import { startSyncWorker, type RunningSync } from './sync-runner';

export interface OfflineActionsOptions {
  sources: CurrentSource<OpenedSource>;
  openSource(options: SourceOptions): Promise<OpenedSource>;
  /** Remember the source chosen: a cache file, or null for the live database. */
  remember(cacheFile: string | null): void;
  /** The live database the settings name, for "Open live database". */
  liveSource(): SourceOptions;
  dialog: Pick<Dialog, 'showSaveDialog' | 'showOpenDialog' | 'showMessageBox'>;
  window(): BrowserWindow | null;
  /** app.getPath('documents'): where the Save dialog starts. */
  documentsDir: string;
  /** The sync worker module (out/main/sync-worker.js in the app). */
  workerUrl: URL;
  /** The source or the sync changed: the menu is rebuilt. */
  changed(): void;
  now?: () => Date;
}

export const CACHE_FILE_FILTERS: FileFilter[] = [
  { name: 'Mailtrail offline cache', extensions: ['sqlite', 'db'] },
  { name: 'All files', extensions: ['*'] },
];

/** `mailtrail-2025-12-15.sqlite`, in the user's local date. */
export function defaultCacheName(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `mailtrail-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.sqlite`;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The File menu's offline review: sync the current PostgreSQL source into a cache file in a
 * worker, report progress to the window, and switch the app between caches and the live database.
 */
export function createOfflineActions(options: OfflineActionsOptions) {
  const { sources, dialog, window, now = () => new Date() } = options;
  let running: RunningSync | null = null;
  let lastSynced: string | null = null;
  let lastUpdate: SyncUpdate | null = null;

  const send = (update: SyncUpdate) => {
    lastUpdate = update;
    const shown = window();
    if (shown && !shown.isDestroyed()) shown.webContents.send(SYNC_PROGRESS_CHANNEL, update);
  };

  async function showError(message: string, detail: string): Promise<void> {
    const shown = window();
    const box = { type: 'error' as const, title: 'Mailtrail', message, detail, buttons: ['OK'] };
    await (shown ? dialog.showMessageBox(shown, box) : dialog.showMessageBox(box));
  }

  /**
   * Opens `choice` and answers from it, or says why it cannot and keeps the current source: in a
   * dialog for the menu's actions, in the answer alone for the window's "Open it now", which shows it.
   */
  async function switchTo(choice: SourceOptions, failure: string | null): Promise<Result<null>> {
    let next: OpenedSource;
    try {
      next = await options.openSource(choice);
    } catch (error) {
      const refused = error instanceof MailtrailError ? error : new MailtrailError('unavailable', messageOf(error));
      if (failure) await showError(failure, refused.message);
      return { ok: false, error: refused.toValue() };
    }
    const closing = sources.replace(next);
    try {
      options.remember(choice.cache ?? null);
    } catch (error) {
      console.warn(`could not remember the data source in the settings: ${messageOf(error)}`);
    }
    options.changed();
    // Every screen and the offline banner read the source anew.
    const shown = window();
    if (shown && !shown.isDestroyed()) shown.webContents.reload();
    await closing;
    return { ok: true, value: null };
  }

  async function syncForOffline(): Promise<void> {
    if (running) return;
    const source = await sources.current().catch(() => null);
    if (!source || source.kind === 'cache' || !source.databaseUrl) {
      await showError('Nothing to sync from', 'Sync for offline review copies from a PostgreSQL database; open the live database first.');
      return;
    }
    const shown = window();
    const saveOptions = {
      title: 'Sync for offline review',
      buttonLabel: 'Sync',
      defaultPath: join(options.documentsDir, defaultCacheName(now())),
      filters: CACHE_FILE_FILTERS,
    };
    const { canceled, filePath } = await (shown ? dialog.showSaveDialog(shown, saveOptions) : dialog.showSaveDialog(saveOptions));
    if (canceled || !filePath) return;
    const file = filePath;
    send({ state: 'started', file });
    let sync: RunningSync;
    try {
      sync = startSyncWorker({
        workerUrl: options.workerUrl,
        sourceUrl: source.databaseUrl,
        cacheFile: file,
        onProgress: (progress) => send({ state: 'running', file, ...progress, ...measureSyncProgress(progress) }),
      });
    } catch (error) {
      send({ state: 'failed', file, error: new MailtrailError('internal', `the sync could not start: ${messageOf(error)}`).toValue() });
      return;
    }
    running = sync;
    options.changed();
    const outcome = await sync.outcome;
    running = null;
    options.changed();
    if (outcome.state === 'done') {
      lastSynced = file;
      send({ state: 'done', file, fetched: outcome.result.fetched, events: outcome.result.events, seconds: outcome.result.seconds });
    } else if (outcome.state === 'cancelled') send({ state: 'cancelled', file });
    else send({ state: 'failed', file, error: outcome.error.toValue() });
  }

  async function openOfflineCache(): Promise<Result<null> | null> {
    const shown = window();
    const openOptions = { title: 'Open offline cache', filters: CACHE_FILE_FILTERS, properties: ['openFile' as const] };
    const { canceled, filePaths } = await (shown ? dialog.showOpenDialog(shown, openOptions) : dialog.showOpenDialog(openOptions));
    const [file] = filePaths;
    if (canceled || !file) return null;
    return switchTo({ cache: file }, 'Cannot open the offline cache');
  }

  return {
    syncing: () => running !== null,
    /** A window that reloaded lost its sync panel: while a sync runs, it gets the latest update again at once. */
    replaySync(): void {
      if (running && lastUpdate) send(lastUpdate);
    },
    syncForOffline,
    openOfflineCache,
    openLiveDatabase: () => switchTo(options.liveSource(), 'Cannot open the live database'),
    /** Stops the running sync; the file keeps what was written and the next sync into it resumes. */
    async cancelSync(): Promise<Result<null>> {
      await running?.cancel();
      return { ok: true, value: null };
    },
    async openSyncedCache(): Promise<Result<null>> {
      if (!lastSynced) {
        return { ok: false, error: new MailtrailError('not_found', 'no sync has finished yet; use File > Open offline cache… to pick a file').toValue() };
      }
      return switchTo({ cache: lastSynced }, null);
    },
  };
}

export type OfflineActions = ReturnType<typeof createOfflineActions>;

/** The window's two sync requests, from Mailtrail's own window only; each answers a Result. */
export function registerSyncHandlers(
  ipcMain: IpcMainLike,
  actions: Pick<OfflineActions, 'cancelSync' | 'openSyncedCache'>,
  { isTrustedSender = isTrustedIpcSender }: IpcOptions = {},
): void {
  const guarded = (channel: string, action: () => Promise<Result<null>>) =>
    ipcMain.handle(channel, async (event: IpcSenderEvent): Promise<Result<null>> => {
      if (!isTrustedSender(event)) {
        const error = new MailtrailError('bad_request', `refused ${channel}: the call came from ${describeSender(event)}, not from Mailtrail's own window`);
        return { ok: false, error: error.toValue() };
      }
      return action();
    });
  guarded(SYNC_CANCEL_CHANNEL, () => actions.cancelSync());
  guarded(SYNC_OPEN_RESULT_CHANNEL, () => actions.openSyncedCache());
}
