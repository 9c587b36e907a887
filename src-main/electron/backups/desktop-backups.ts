import { startBackupRunner, type BackupRunner } from '../../backup/backup-runner';
import { backupNotifySettingsFromEnv, type BackupNotice } from '../../backup/notifier';
import type { AdminDb } from '../../db/connection';

// The backup jobs in the desktop app (issue 17): the runner follows the app's admin connection (none,
// none runs; a new one in Settings, the runner moves to it) and tells outcomes by the OS's notification.

/** Electron's Notification as main uses it; the tests hand in the fake module's. */
export interface NotificationApi {
  isSupported(): boolean;
  new (options: { title: string; body: string }): { show(): void };
}

export interface DesktopBackupsOptions {
  Notification: NotificationApi;
  warn(message: string): void;
  tickMs?: number | undefined;
  env?: NodeJS.ProcessEnv | undefined;
}

export interface DesktopBackups {
  /** Shows a backup's outcome as a desktop notification (where the OS has them). */
  notify(notice: BackupNotice): void;
  /** Runs the jobs over this admin connection from now on, or none (null); resolves once the change is made. */
  follow(admin: AdminDb | null): Promise<void>;
  /** The runner going now, if any. */
  runner(): BackupRunner | null;
}

export function createDesktopBackups(options: DesktopBackupsOptions): DesktopBackups {
  let runner: BackupRunner | null = null;
  let over: AdminDb | null = null;
  // One change at a time: a runner is stopped before the next one starts.
  let changing: Promise<void> = Promise.resolve();

  const notify = (notice: BackupNotice) => {
    if (!options.Notification.isSupported()) return;
    new options.Notification({ title: notice.title, body: notice.message }).show();
  };

  const change = async (admin: AdminDb | null) => {
    if (admin === over) return;
    const previous = runner;
    runner = null;
    over = admin;
    await previous?.stop();
    if (!admin) return;
    try {
      runner = await startBackupRunner({ admin, notify: backupNotifySettingsFromEnv(options.env), desktop: notify, tickMs: options.tickMs, onNote: options.warn });
    } catch (error) {
      // A database without migration 0016, or one that went away: the app goes on without running jobs.
      options.warn(`backup jobs do not run in this app: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  return {
    notify,
    follow(admin) {
      changing = changing.then(() => change(admin));
      return changing;
    },
    runner: () => runner,
  };
}
