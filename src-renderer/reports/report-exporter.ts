import { MailtrailError } from '../../src-main/contract/errors';
import type { MailtrailReportBridge, ReportExportOutcome } from '../../src-main/contract/report-export';
import type { ReportRequest, ReportVerification } from '../../src-main/contract/reports';
import { announceApiTokenRefused, readApiToken } from '../api/api-token';
import { SERVER_UNREACHABLE } from '../api/http-client';
import { EXPORT_PATH, exportQuery } from './report-scope';
import { countLines, fallbackFileName, fileNameFromDisposition, totalsFromTail } from './report-text';

/** Enough of a report's end to hold its totals. */
const TAIL_BYTES = 512;

/**
 * Where an export goes: in the desktop app main asks where to save and writes the file; in browser
 * mode the server streams it and the browser saves the download. Both report progress and cancel.
 */

export interface ExportProgress {
  /** Events written (desktop) or lines received (browser: CSV and JSONL rows, plus their header lines). */
  rows: number | null;
  /** Bytes received (browser); null where main writes the file. */
  bytes: number | null;
  elapsedMs: number;
}

export type ExportResult =
  | { state: 'saved'; file: string; events: number | null; sha256: string | null; bytes: number | null; id: string | null }
  | { state: 'cancelled' };

export interface RunningExport {
  /** Settles once the file is saved or nothing was; rejects with a MailtrailError. */
  readonly result: Promise<ExportResult>;
  cancel(): void;
}

export interface ReportExporter {
  readonly transport: 'desktop' | 'browser';
  start(request: ReportRequest, onProgress: (progress: ExportProgress) => void): RunningExport;
}

/** The preload's report functions, when this is the desktop app. */
export function reportBridge(): MailtrailReportBridge | null {
  const bridge = window.mailtrail as Partial<MailtrailReportBridge> | undefined;
  const names = ['exportReport', 'onReportProgress', 'cancelReport', 'verifyReportFile', 'openReport', 'revealReport'] as const;
  if (!bridge || names.some((name) => typeof bridge[name] !== 'function')) return null;
  return bridge as MailtrailReportBridge;
}

const fromOutcome = (outcome: ReportExportOutcome): ExportResult =>
  outcome.state === 'saved'
    ? { state: 'saved', id: outcome.id, file: outcome.file, events: outcome.events, sha256: outcome.sha256, bytes: null }
    : { state: 'cancelled' };

export function desktopExporter(bridge: MailtrailReportBridge): ReportExporter {
  return {
    transport: 'desktop',
    start(request, onProgress) {
      const stop = bridge.onReportProgress((progress) => onProgress({ rows: progress.events, bytes: null, elapsedMs: progress.elapsedMs }));
      const result = bridge
        .exportReport(request)
        .then((answer) => {
          if (!answer.ok) throw MailtrailError.fromValue(answer.error);
          return fromOutcome(answer.value);
        })
        .finally(stop);
      return { result, cancel: () => void bridge.cancelReport() };
    },
  };
}

/** Saves a complete download under its name, through the browser's own download. */
function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the bytes once the click is handled; the URL is freed a while later.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

async function errorOf(response: Response): Promise<MailtrailError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return MailtrailError.fromValue({ name: 'MailtrailError', code: (body.error.code ?? 'internal') as MailtrailError['code'], message: body.error.message });
  } catch {
    // Not JSON: said below with the status.
  }
  if (response.status >= 502 && response.status <= 504) return new MailtrailError('unavailable', SERVER_UNREACHABLE);
  return new MailtrailError('internal', `the Mailtrail server answered HTTP ${response.status} to the export`);
}

/**
 * Browser mode: fetches the report with the API token (when the server wants one), counting bytes
 * and lines as they arrive; only a complete download is handed to the browser to save, so a
 * cancelled or broken one leaves no file.
 */
export function browserExporter(baseUrl = '', now: () => number = () => performance.now()): ReportExporter {
  return {
    transport: 'browser',
    start(request, onProgress) {
      const abort = new AbortController();
      const started = now();
      const result = (async (): Promise<ExportResult> => {
        const token = readApiToken();
        let response: Response;
        try {
          response = await fetch(`${baseUrl}${EXPORT_PATH}?${exportQuery(request.scope, request.format, request.title)}`, {
            headers: token ? { authorization: `Bearer ${token}` } : {},
            signal: abort.signal,
          });
        } catch {
          if (abort.signal.aborted) return { state: 'cancelled' };
          throw new MailtrailError('unavailable', SERVER_UNREACHABLE);
        }
        if (!response.ok) {
          const error = await errorOf(response);
          if (response.status === 401) announceApiTokenRefused(error);
          throw error;
        }
        const chunks: Uint8Array[] = [];
        let bytes = 0;
        let rows = 0;
        const reader = response.body?.getReader();
        try {
          for (;;) {
            const { done, value } = reader ? await reader.read() : { done: true as const, value: undefined };
            if (done || !value) break;
            chunks.push(value);
            bytes += value.byteLength;
            rows += countLines(value);
            onProgress({ rows, bytes, elapsedMs: now() - started });
          }
        } catch {
          if (abort.signal.aborted) return { state: 'cancelled' };
          throw new MailtrailError('unavailable', `the export broke off after ${bytes.toLocaleString('en')} bytes; nothing was saved. Try again`);
        }
        const file = fileNameFromDisposition(response.headers.get('content-disposition')) ?? fallbackFileName(request.format);
        const blob = new Blob(chunks as BlobPart[], { type: response.headers.get('content-type') ?? 'application/octet-stream' });
        saveBlob(blob, file);
        // The figures `mailtrail report` prints, from the totals the file ends with.
        const totals = totalsFromTail(await blob.slice(Math.max(0, blob.size - TAIL_BYTES)).text(), request.format);
        return { state: 'saved', id: null, file, events: totals?.events ?? null, sha256: totals?.sha256 ?? null, bytes };
      })();
      return { result, cancel: () => abort.abort() };
    },
  };
}

export const VERIFY_PATH = '/api/v1/reports/verify';

/** Browser mode's "Verify a file…": the file's bytes posted to `serve`, which checks them as `mailtrail verify` does. */
export async function verifyFileOverHttp(file: Blob, baseUrl = ''): Promise<ReportVerification> {
  const token = readApiToken();
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${VERIFY_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: file,
    });
  } catch {
    throw new MailtrailError('unavailable', SERVER_UNREACHABLE);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401) announceApiTokenRefused(error);
    throw error;
  }
  return (await response.json()) as ReportVerification;
}
