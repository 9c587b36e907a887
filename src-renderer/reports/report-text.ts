import { inByteUnits } from '../../src-main/contract/bytes';
import { DOCUMENT_MAX_EVENTS, type ReportFormat } from '../../src-main/contract/reports';
import { fileNameOf, formatCount } from '../sync/sync-text';

// The words and figures the export dialog and the Reports screen show; pure, so unit-tested.
// The sync panel's counts, time left and file names serve here too.
export { fileNameOf, formatCount, timeLeftText } from '../sync/sync-text';

export const FORMAT_LABELS: Record<ReportFormat, string> = { csv: 'CSV', jsonl: 'JSONL', pdf: 'PDF', html: 'HTML' };

/** What each format is for, in one line. */
export const FORMAT_PURPOSES: Record<ReportFormat, string> = {
  csv: 'Every event, for a spreadsheet; the provenance in rows above the events, the digest below them.',
  jsonl: 'Every event, one JSON object a line, for programs; the provenance first, the digest last.',
  pdf: `To read, print or attach to a case: cover, summary with charts and the first ${DOCUMENT_MAX_EVENTS.toLocaleString('en')} events.`,
  html: `The PDF as one self-contained web page: opens in any browser, offline, without scripts.`,
};

/** PDF and HTML are for people and bounded; CSV and JSONL hold every event. */
export const isDocumentFormat = (format: ReportFormat): format is 'pdf' | 'html' => format === 'pdf' || format === 'html';

export const eventsText = (n: number): string => `${formatCount(n)} ${n === 1 ? 'event' : 'events'}`;

/** "812 B", "14.2 KB", "3.4 MB", "1.02 GB" (powers of 1024, as file managers show). */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${Math.max(0, Math.round(bytes))} B`;
  const [value, unit] = inByteUnits(bytes);
  return `${value >= 100 ? Math.round(value) : value.toFixed(value >= 10 ? 1 : 2)} ${unit}`;
}

/** "12,400 events/s"; "…" before there is a rate. */
export const rateText = (perSecond: number | null, unit = 'events'): string => (perSecond === null || !Number.isFinite(perSecond) ? '…' : `${formatCount(perSecond)} ${unit}/s`);

/** "2.4 MB/s"; "…" before there is a rate. */
export const byteRateText = (perSecond: number | null): string => (perSecond === null || !Number.isFinite(perSecond) ? '…' : `${sizeText(perSecond)}/s`);

/** Per second over the time spent; null in the first instant. */
export const rateOf = (done: number, elapsedMs: number): number | null => (elapsedMs >= 250 ? (done * 1000) / elapsedMs : null);

/** Seconds left at the rate so far; null when the total or the rate is unknown. */
export function secondsLeftOf(done: number, total: number | null, rate: number | null): number | null {
  if (total === null || rate === null || rate <= 0) return null;
  return Math.max(0, (total - done) / rate);
}

/** "12 s", "3 min 5 s". */
export function elapsedText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** A SHA-256 for a narrow column: its first and last 8 hex digits ("3f2a9c01…77be0d4e"). */
export const shortDigest = (sha256: string): string => (sha256.length > 20 ? `${sha256.slice(0, 8)}…${sha256.slice(-8)}` : sha256);

/**
 * The file name a download is saved under, from Content-Disposition (RFC 6266: `filename*=UTF-8''…`
 * wins over `filename="…"`); null when it names none. Folders in a name are never kept.
 */
export function fileNameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  let name: string | null = null;
  if (extended?.[1]) {
    try {
      name = decodeURIComponent(extended[1].trim());
    } catch {
      name = null;
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/.exec(header);
    name = plain ? (plain[1]?.replace(/\\(.)/g, '$1') ?? plain[2] ?? null) : null;
  }
  const base = name ? fileNameOf(name).trim() : '';
  return base && base !== '.' && base !== '..' ? base : null;
}

/** "mailtrail-report.csv" when the server names no file. */
export const fallbackFileName = (format: ReportFormat): string => `mailtrail-report.${format}`;

/** Counts line ends in a chunk: the rows a CSV or JSONL download has received so far. */
export function countLines(chunk: Uint8Array): number {
  let lines = 0;
  for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) lines += 1;
  return lines;
}

/**
 * The totals a CSV or JSONL report ends with (its last line `{"end":{…}}`, or the CSV's rows
 * `events,N` `matched,N` `sha256,HEX`), read from the file's last bytes; null when they are not there.
 */
export function totalsFromTail(tail: string, format: ReportFormat): { events: number; sha256: string } | null {
  if (format === 'jsonl') {
    const last = tail.trimEnd().split('\n').pop() ?? '';
    try {
      const end = (JSON.parse(last) as { end?: { events?: unknown; sha256?: unknown } }).end;
      return typeof end?.events === 'number' && typeof end.sha256 === 'string' ? { events: end.events, sha256: end.sha256 } : null;
    } catch {
      return null;
    }
  }
  if (format === 'csv') {
    const events = /(?:^|\n)events,(\d+)\r?\n/.exec(tail);
    const sha256 = /(?:^|\n)sha256,([0-9a-f]{64})\r?\n?$/.exec(tail);
    return events && sha256 ? { events: Number(events[1]), sha256: sha256[1]! } : null;
  }
  return null;
}
