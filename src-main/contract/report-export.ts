import { z } from 'zod';
import type { Result } from './errors';
import { ReportFormat, ReportScope, type ReportVerification } from './reports';

/**
 * The desktop app's report functions (issue 14, item 4), next to the operations as sync's are:
 * main shows the Save and Open dialogs, writes and reads the files, and opens or reveals them, so
 * the window never names a path. Browser mode has none of these: it downloads
 * `GET /api/v1/emails/activity/export` and posts a file to `/api/v1/reports/verify`.
 */

/** What the window asks to export; main checks it again with this schema. */
export const ExportReportRequest = z.strictObject({
  scope: ReportScope,
  format: ReportFormat,
  title: z.string().trim().max(200, 'must be at most 200 characters').optional(),
});
export type ExportReportRequest = z.infer<typeof ExportReportRequest>;

/** A report of the Reports screen, by its id (ReportRecord.id). */
export const ReportIdRequest = z.strictObject({ id: z.string().min(1, 'must name a report').max(200) });
export type ReportIdRequest = z.infer<typeof ReportIdRequest>;

/** Main -> window while a report is written: events so far, time spent, events per second. */
export interface ReportExportProgress {
  file: string;
  events: number;
  elapsedMs: number;
  rate: number;
}

/** How an export ended: the file written with its figures, or nothing written (the Save dialog dismissed, or Cancel). */
export type ReportExportOutcome =
  | { state: 'saved'; file: string; events: number; matched: number; sha256: string }
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

/** The desktop app's report functions on `window.mailtrail`; absent in browser mode. */
export interface MailtrailReportBridge {
  /** Asks where to save, then writes; settles when the file is complete, cancelled or failed (no file is left then). */
  exportReport(request: ExportReportRequest): Promise<Result<ReportExportOutcome>>;
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
