import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { journaled } from '../admin/journal';
import { MailtrailError } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import { DOCUMENT_MAX_EVENTS, ReportRequest, type ReportFormat, type ReportProvenance, type ReportRecord, type ReportTotals } from '../contract/reports';
import type { ActivityEvent } from '../contract/schemas';
import { checkRequestShape, describeIssues } from '../contract/validation';
import { csvProvenance, csvTotals } from './csv-layout';
import { canonicalJson, canonicalRow, canonicalRowMetadata, ReportDigest, rowEvent } from './digest';
import { writeDocument } from './document';
import { reportProvenance, scopeLines, scopeRows, SummaryCounter } from './report-model';
import type { ReportOrigin } from './report-origin';
import { recordReport } from './register';

export type { ReportOrigin } from './report-origin';

export type { ReportRequest };

/** The request checked as every entry point checks its input: bad_request with what was wrong. */
export function parseReportRequest(request: unknown): ReportRequest {
  checkRequestShape(request);
  const parsed = ReportRequest.safeParse(request);
  if (!parsed.success) throw new MailtrailError('bad_request', describeIssues(parsed.error));
  return parsed.data;
}
export interface ReportProgress {
  events: number;
  elapsedMs: number;
}
export interface ReportHooks {
  signal?: AbortSignal;
  onProgress?: (progress: ReportProgress) => void;
}

const PROGRESS_EVERY_MS = 200;
const FILE_BUFFER = 4 << 20;

/** Writes a chunk and waits while the stream's buffer is full: memory stays flat whatever the row count. */
async function put(out: Writable, chunk: string | Buffer, signal: AbortSignal | undefined): Promise<void> {
  // The signal also ends the wait: a download whose client went away never drains.
  if (!out.write(chunk)) await once(out, 'drain', signal ? { signal } : {});
}

/**
 * The same report streamed to `out` (the REST download, and writeReport's temporary file): every
 * event of the scope for CSV and JSONL, the first DOCUMENT_MAX_EVENTS for PDF and HTML. Does not end `out`.
 */
export async function streamReport(
  service: MailtrailService,
  origin: ReportOrigin,
  request: ReportRequest,
  out: Writable,
  hooks: ReportHooks = {},
): Promise<ReportTotals> {
  return (await exportReport(service, origin, request, out, hooks)).totals;
}

/** streamReport with the provenance it wrote, for callers that record the report. */
export async function exportReport(
  service: MailtrailService,
  origin: ReportOrigin,
  request: ReportRequest,
  out: Writable,
  hooks: ReportHooks,
): Promise<{ provenance: ReportProvenance; totals: ReportTotals }> {
  const { scope, format, title } = parseReportRequest(request);
  const provenance = reportProvenance(origin, scope, format, title, new Date());
  const digest = new ReportDigest(provenance);
  const started = Date.now();
  let reported = 0;
  const progress = (events: number, force = false) => {
    const now = Date.now();
    if (hooks.onProgress && (force || now - reported >= PROGRESS_EVERY_MS)) {
      reported = now;
      hooks.onProgress({ events, elapsedMs: now - started });
    }
  };
  hooks.signal?.throwIfAborted();

  if (format === 'csv' || format === 'jsonl') {
    const csv = format === 'csv';
    // The first lines before the first byte: an unknown email or an unreachable database is an error, not a cut file.
    const runs = scopeLines(origin.store, service, scope, format);
    try {
      const first = await runs.next();
      await put(out, csv ? csvProvenance(provenance) : `{"report":${canonicalJson(provenance)}}\n`, hooks.signal);
      for await (const run of prepend(first, runs)) {
        hooks.signal?.throwIfAborted();
        // Ready-made by the store: hashed and written as they come (JSONL's lines are the canonical lines).
        digest.addCanonicalLines(run.canonical, run.events);
        await put(out, run.lines, hooks.signal);
        progress(digest.events);
      }
    } finally {
      // Stopped early (a cancel, a failed write): the store's statement and connection are let go.
      await runs.return(undefined);
    }
    hooks.signal?.throwIfAborted();
    const totals = digest.finish();
    await put(out, csv ? csvTotals(totals) : `{"end":${canonicalJson(totals)}}\n`, hooks.signal);
    progress(totals.events, true);
    return { provenance, totals };
  }

  // PDF and HTML hold the first events; the summary and the count still cover the whole scope.
  const summary = new SummaryCounter();
  const kept: ActivityEvent[] = [];
  let matched = 0;
  for await (const rows of scopeRows(origin.store, service, scope)) {
    hooks.signal?.throwIfAborted();
    for (const row of rows) {
      const event = rowEvent(row);
      summary.add(event);
      if (kept.length < DOCUMENT_MAX_EVENTS) {
        kept.push(event);
        digest.addCanonicalLines(`${canonicalRow(row, canonicalRowMetadata(row))}\n`, 1);
      }
    }
    matched += rows.length;
    progress(matched);
  }
  hooks.signal?.throwIfAborted();
  const counted = summary.summary();
  const totals = digest.finish(matched, counted);
  await writeDocument(format, { provenance, summary: counted, events: kept, totals }, out);
  progress(matched, true);
  return { provenance, totals };
}

/** Says in one line why a report cannot be written at `outPath`, before any event is read. */
async function checkOutPath(outPath: string): Promise<void> {
  const folder = dirname(resolve(outPath));
  const existing = await stat(resolve(outPath)).catch(() => null);
  if (existing?.isDirectory()) throw new MailtrailError('bad_request', `${outPath} is a folder; give a file name for the report`);
  const parent = await stat(folder).catch(() => null);
  if (!parent?.isDirectory()) throw new MailtrailError('bad_request', `cannot write ${outPath}: the folder ${folder} does not exist`);
}

function cannotWrite(outPath: string, error: unknown): MailtrailError {
  if (error instanceof MailtrailError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'the disk is full' : (error as Error).message;
  return new MailtrailError('bad_request', `cannot write ${outPath} (${why}); choose another place for the report`);
}

/**
 * Writes the report to `outPath` (through a temporary file in the same folder, renamed at the end;
 * removed on failure or cancel), records it in the register of reports made on this machine, and
 * journals it where there is an admin connection. A cancel (hooks.signal) rejects with its reason.
 */
export async function writeReport(
  service: MailtrailService,
  origin: ReportOrigin,
  request: ReportRequest,
  outPath: string,
  hooks: ReportHooks = {},
): Promise<ReportRecord> {
  parseReportRequest(request);
  const path = resolve(outPath);
  await checkOutPath(path);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
  // A few MB may wait for the disk: with fs's default of 16 KB every chunk waited for its own write,
  // and the export stood idle while the disk worked (a fifth of a million-event export's time).
  const file = createWriteStream(temporary, { flags: 'wx', highWaterMark: FILE_BUFFER });
  let made: { provenance: ReportProvenance; totals: ReportTotals };
  try {
    await once(file, 'open').catch((error: unknown) => {
      throw cannotWrite(outPath, error);
    });
    // A write error surfaces on the stream; racing it with the export stops the export at once.
    const failed = once(file, 'error').then(([error]) => {
      throw cannotWrite(outPath, error);
    });
    failed.catch(() => undefined);
    made = await Promise.race([exportReport(service, origin, request, file, hooks), failed]);
    // The document writer ends the stream itself; finished() also settles for one already finished.
    file.end();
    await Promise.race([finished(file), failed]);
    await rename(temporary, path).catch((error: unknown) => {
      throw cannotWrite(outPath, error);
    });
  } catch (error) {
    if (!file.closed) {
      file.destroy();
      await once(file, 'close').catch(() => undefined);
    }
    await unlink(temporary).catch(() => undefined);
    throw error;
  }

  const { provenance, totals } = made;
  const record: ReportRecord = {
    id: randomUUID(),
    title: provenance.title,
    format: provenance.format,
    generated_at: provenance.generated_at,
    generated_by: provenance.generated_by,
    scope_text: provenance.scope_text,
    path,
    events: totals.events,
    sha256: totals.sha256,
  };
  if (origin.registerPath) await recordReport(origin.registerPath, record);
  await journalExport(origin, provenance, totals, path);
  return record;
}

/**
 * Journals an export as `report.export` where there is an admin connection. The report is made
 * either way: a journal that cannot record it (a role without INSERT) does not undo it.
 */
export async function journalExport(origin: ReportOrigin, provenance: ReportProvenance, totals: ReportTotals, path: string): Promise<void> {
  if (!origin.journalDb) return;
  await journaled(
    origin.journalDb,
    { actor: origin.actor, action: 'report.export', parameters: { scope: provenance.scope, format: provenance.format, rows: totals.events, sha256: totals.sha256, path } },
    async () => undefined,
  ).catch(() => undefined);
}

const fileDate = (now: Date) =>
  `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;

/** A sensible file name, e.g. mailtrail-email-42-2026-11-28.pdf (the local date). */
export function reportFileName(request: ReportRequest, now: Date): string {
  const { scope } = request;
  const what = scope.kind === 'email' ? `email-${scope.emailId}` : scope.kind === 'user' ? `user-${scope.userId}` : 'activity';
  return `mailtrail-${what}-${fileDate(now)}.${request.format}`;
}

/** The pages again, the first one already read. */
async function* prepend<T>(first: IteratorResult<T>, rest: AsyncGenerator<T>): AsyncGenerator<T> {
  if (first.done) return;
  yield first.value;
  yield* rest;
}
