import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserWindow, Dialog, FileFilter, Shell } from 'electron';
import { MailtrailError } from '../../contract/errors';
import {
  REPORT_CANCEL_CHANNEL,
  REPORT_EXPORT_CHANNEL,
  REPORT_OPEN_CHANNEL,
  REPORT_PROGRESS_CHANNEL,
  REPORT_REVEAL_CHANNEL,
  REPORT_VERIFY_FILE_CHANNEL,
  type ReportExportOutcome,
  type ReportExportProgress,
  type VerifiedReportFile,
} from '../../contract/report-export';
import { ReportVerifyRequest, type ReportFormat, type ReportRecord } from '../../contract/reports';
import { describeIssues } from '../../contract/validation';
import { findReport, reportRegisterPath } from '../../reports/register';
import type { ReportOrigin } from '../../reports/report-origin';
import { verifyReportFile } from '../../reports/verify';
import { parseReportRequest, reportFileName, writeReport } from '../../reports/write-report';
import { handleFromOwnWindow, type CurrentSource, type IpcMainLike, type IpcOptions } from '../ipc';
import type { OpenedSource } from '../main/desktop-app';
import { isTrustedIpcSender } from '../security';

export interface ReportActionsOptions {
  sources: CurrentSource<OpenedSource>;
  dialog: Pick<Dialog, 'showSaveDialog' | 'showOpenDialog'>;
  shell: Pick<Shell, 'openPath' | 'showItemInFolder'>;
  window(): BrowserWindow | null;
  /** app.getPath('documents'): where the Save dialog starts. */
  documentsDir: string;
  /** The register of reports made on this machine, where Open and Reveal find a report's file. */
  registerPath?: string;
  now?: () => Date;
}

const FORMAT_FILTERS: Record<ReportFormat, FileFilter> = {
  csv: { name: 'CSV report', extensions: ['csv'] },
  jsonl: { name: 'JSONL report', extensions: ['jsonl'] },
  pdf: { name: 'PDF report', extensions: ['pdf'] },
  html: { name: 'HTML report', extensions: ['html'] },
};
export const REPORT_FILE_FILTERS: FileFilter[] = [
  { name: 'Mailtrail reports', extensions: ['csv', 'jsonl', 'pdf', 'html', 'htm'] },
  { name: 'All files', extensions: ['*'] },
];

/**
 * The desktop's reports: export through a Save dialog (writeReport writes beside the chosen name
 * and renames at the end, so a cancel or failure leaves no file), progress to the window, Cancel,
 * and opening, revealing and verifying report files, all by main, so the window never names a path.
 */
export function createReportActions(options: ReportActionsOptions) {
  const { sources, dialog, shell, window, now = () => new Date() } = options;
  const registerPath = options.registerPath ?? reportRegisterPath();
  let running: { abort: AbortController; settled: Promise<unknown> } | null = null;

  const send = (progress: ReportExportProgress) => {
    const shown = window();
    if (shown && !shown.isDestroyed()) shown.webContents.send(REPORT_PROGRESS_CHANNEL, progress);
  };

  async function originOf(source: OpenedSource): Promise<ReportOrigin> {
    if (!source.reportOrigin) throw new MailtrailError('unavailable', 'this data source cannot make reports; open the live database or an offline cache');
    return source.reportOrigin();
  }

  async function exportReport(payload: unknown): Promise<ReportExportOutcome> {
    const request = parseReportRequest(payload);
    if (running) throw new MailtrailError('conflict', 'a report is being written; wait for it to finish or cancel it first');
    const source = await sources.current();
    const origin = await originOf(source);
    const shown = window();
    const saveOptions = {
      title: 'Export report',
      buttonLabel: 'Export',
      defaultPath: join(options.documentsDir, reportFileName(request, now())),
      filters: [FORMAT_FILTERS[request.format], { name: 'All files', extensions: ['*'] }],
    };
    const { canceled, filePath } = await (shown ? dialog.showSaveDialog(shown, saveOptions) : dialog.showSaveDialog(saveOptions));
    if (canceled || !filePath) return { state: 'cancelled', file: null };
    // A second export may have started while this dialog was open.
    if (running) throw new MailtrailError('conflict', 'a report is being written; wait for it to finish or cancel it first');
    const abort = new AbortController();
    const written = writeReport(source.service, origin, request, filePath, {
      signal: abort.signal,
      onProgress: ({ events, elapsedMs }) => send({ file: filePath, events, elapsedMs, rate: elapsedMs > 0 ? (events * 1000) / elapsedMs : 0 }),
    });
    running = { abort, settled: written.catch(() => undefined) };
    try {
      const record = await written;
      return { state: 'saved', id: record.id, file: record.path, events: record.events, sha256: record.sha256 };
    } catch (error) {
      if (abort.signal.aborted) return { state: 'cancelled', file: filePath };
      throw error;
    } finally {
      running = null;
    }
  }

  async function recordOf(payload: unknown): Promise<ReportRecord> {
    const parsed = ReportVerifyRequest.safeParse(payload);
    if (!parsed.success) throw new MailtrailError('bad_request', `report ${describeIssues(parsed.error)}`);
    const record = await findReport(registerPath, parsed.data.id);
    if (!record) throw new MailtrailError('not_found', `no report with id ${JSON.stringify(parsed.data.id)} was made on this machine`);
    const file = await stat(record.path).catch(() => null);
    if (!file?.isFile()) throw new MailtrailError('not_found', `${record.path} is no longer there: it was moved or deleted`);
    return record;
  }

  return {
    exportReport,
    /** Stops the running export and waits until its partial file is gone. */
    async cancelReport(): Promise<null> {
      const current = running;
      current?.abort.abort(new MailtrailError('unavailable', 'the export was cancelled'));
      await current?.settled;
      return null;
    },
    async verifyReportFile(): Promise<VerifiedReportFile | null> {
      const shown = window();
      const openOptions = { title: 'Verify a report', buttonLabel: 'Verify', filters: REPORT_FILE_FILTERS, properties: ['openFile' as const] };
      const { canceled, filePaths } = await (shown ? dialog.showOpenDialog(shown, openOptions) : dialog.showOpenDialog(openOptions));
      const [file] = filePaths;
      if (canceled || !file) return null;
      return { file, verification: await verifyReportFile(file) };
    },
    async openReport(payload: unknown): Promise<null> {
      const record = await recordOf(payload);
      // openPath answers an error message, or '' once the system has opened it.
      const failure = await shell.openPath(record.path);
      if (failure) throw new MailtrailError('unavailable', `cannot open ${record.path}: ${failure}`);
      return null;
    },
    async revealReport(payload: unknown): Promise<null> {
      shell.showItemInFolder((await recordOf(payload)).path);
      return null;
    },
  };
}

export type ReportActions = ReturnType<typeof createReportActions>;

/** The window's report requests, from Mailtrail's own window only; each answers a Result, errors as values. */
export function registerReportHandlers(ipcMain: IpcMainLike, actions: ReportActions, { isTrustedSender = isTrustedIpcSender }: IpcOptions = {}): void {
  const guarded = (channel: string, action: (payload: unknown) => Promise<unknown>) => handleFromOwnWindow(ipcMain, channel, action, { isTrustedSender });
  guarded(REPORT_EXPORT_CHANNEL, (payload) => actions.exportReport(payload));
  guarded(REPORT_CANCEL_CHANNEL, () => actions.cancelReport());
  guarded(REPORT_VERIFY_FILE_CHANNEL, () => actions.verifyReportFile());
  guarded(REPORT_OPEN_CHANNEL, (payload) => actions.openReport(payload));
  guarded(REPORT_REVEAL_CHANNEL, (payload) => actions.revealReport(payload));
}
