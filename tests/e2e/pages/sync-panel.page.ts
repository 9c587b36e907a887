import type { Locator, Page } from '@playwright/test';
import type { SyncUpdate } from '../../../src-main/contract/sync-progress';

/** What the stand-in preload recorded; see installSyncBridge. */
interface SyncBridgeRecord {
  calls: string[];
  listeners: number;
}

/**
 * Stands in for ONLY the preload's three sync functions: a real sync needs Electron's main
 * process, which cannot run here (its binary cannot be downloaded). The operations are absent, so
 * the renderer still reads its data from the real server over HTTP. `emit` plays main's updates.
 */
export async function installSyncBridge(page: Page, openSyncedCache: { ok: true } | { ok: false; message: string } = { ok: true }): Promise<void> {
  await page.addInitScript((opened) => {
    const listeners = new Set<(update: unknown) => void>();
    const record = { calls: [] as string[], listeners: 0 };
    const done = (name: string) => {
      record.calls.push(name);
      return Promise.resolve({ ok: true, value: null });
    };
    Object.assign(window, {
      mailtrail: Object.freeze({
        onSyncProgress(listener: (update: unknown) => void) {
          listeners.add(listener);
          record.listeners = listeners.size;
          return () => {
            listeners.delete(listener);
            record.listeners = listeners.size;
          };
        },
        cancelSync: () => done('cancelSync'),
        openSyncedCache: () =>
          opened.ok
            ? done('openSyncedCache')
            : (record.calls.push('openSyncedCache'), Promise.resolve({ ok: false, error: { name: 'MailtrailError', code: 'unavailable', message: opened.message } })),
      }),
      syncBridge: { record, emit: (update: unknown) => listeners.forEach((listener) => listener(update)) },
    });
  }, openSyncedCache);
}

/** The sync progress panel under the top bar of the desktop app. */
export class SyncPanel {
  readonly panel: Locator;
  readonly progressbar: Locator;
  readonly phase: Locator;
  readonly rows: Locator;
  readonly rate: Locator;
  readonly timeLeft: Locator;
  readonly cancel: Locator;
  readonly result: Locator;
  readonly openNow: Locator;
  readonly openError: Locator;
  readonly dismiss: Locator;

  constructor(readonly page: Page) {
    this.panel = page.getByTestId('sync-panel');
    this.progressbar = page.getByRole('progressbar', { name: 'Sync progress' });
    this.phase = page.getByTestId('sync-phase');
    this.rows = page.getByTestId('sync-rows');
    this.rate = page.getByTestId('sync-rate');
    this.timeLeft = page.getByTestId('sync-time-left');
    this.cancel = page.getByRole('button', { name: /^Cancel/ });
    this.result = page.getByTestId('sync-result');
    this.openNow = page.getByRole('button', { name: 'Open it now' });
    this.openError = page.getByTestId('sync-open-error');
    this.dismiss = page.getByRole('button', { name: 'Dismiss' });
  }

  /** Plays one update from main, as the preload would hand it over. */
  async receive(update: SyncUpdate): Promise<void> {
    await this.page.evaluate((sent) => (window as unknown as { syncBridge: { emit(update: unknown): void } }).syncBridge.emit(sent), update);
  }

  async record(): Promise<SyncBridgeRecord> {
    return this.page.evaluate(() => (window as unknown as { syncBridge: { record: SyncBridgeRecord } }).syncBridge.record);
  }
}
