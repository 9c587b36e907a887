import type { Result } from './errors';
import type { ReportRequest, ReportVerification } from './reports';

/**
 * The desktop app's report functions (issue 14, item 4), next to the operations as sync's are:
 * main shows the Save and Open dialogs, writes and reads the files, and opens or reveals them, so
 * the window never names a path. Browser mode has none of these: it downloads
 * `GET /api/v1/emails/activity/export` and posts a file to `/api/v1/reports/verify`. Main checks
 * every payload: an export with ReportRequest, a report id with ReportVerifyRequest (contract/reports.ts).
 */

/** Main -> window while a report is written: events so far, time spent, events per second. */
export interface ReportExportProgress {
  file: string;
  events: number;
  elapsedMs: number;
  rate: number;
}

/** How an export ended: the file written with its figures, or nothing written (the Save dialog dismissed, or Cancel). */
export type ReportExportOutcome =
  | { state: 'saved'; id: string; file: string; events: number; sha256: string }
  | { state: 'cancelled'; file: string | null };

/** A report file picked in the Open dialog and checked by main. */
export interface VerifiedReportFile {
  file: string;
  verification: ReportVerification;
}

export const REPORT_EXPORT_CHANNEL = 'mailtrail:report-file/export';
export const REPORT_PROGRESS_CHANNEL = 'mailtrail:report-file/progress';
export const REPORT_CANCEL_CHANNEL = 'mailtrail:report-file/cancel';
export const REPORT_VERIFY_FILE_CHANNEL = 'mailtrail:report-file/verify';
export const REPORT_OPEN_CHANNEL = 'mailtrail:report-file/open';
export const REPORT_REVEAL_CHANNEL = 'mailtrail:report-file/reveal';
/** The channels main answers (progress goes the other way). */
export const REPORT_FILE_CHANNELS = [REPORT_EXPORT_CHANNEL, REPORT_CANCEL_CHANNEL, REPORT_VERIFY_FILE_CHANNEL, REPORT_OPEN_CHANNEL, REPORT_REVEAL_CHANNEL] as const;

/** The desktop app's report functions on `window.mailtrail`; absent in browser mode. */
export interface MailtrailReportBridge {
  /** Asks where to save, then writes; settles when the file is complete, cancelled or failed (no file is left then). */
  exportReport(request: ReportRequest): Promise<Result<ReportExportOutcome>>;
  /** Calls `listener` with the running export's progress; returns the function that stops it. */
  onReportProgress(listener: (progress: ReportExportProgress) => void): () => void;
  /** Stops the running export; its exportReport settles as cancelled and leaves no file. */
  cancelReport(): Promise<Result<null>>;
  /** Asks for a report file and checks it; null when the dialog was dismissed. */
  verifyReportFile(): Promise<Result<VerifiedReportFile | null>>;
  /** Opens the report's file in the program the system chooses. */
  openReport(id: string): Promise<Result<null>>;
  /** Shows the report's file in its folder. */
  revealReport(id: string): Promise<Result<null>>;
}
