import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HTTP_STATUS, MailtrailError, type ErrorValue } from '../contract/errors';
import type { MailtrailService } from '../contract/operations';
import type { ReportFormat } from '../contract/reports';
import { toMailtrailError } from '../db/connection';
import type { ReportOrigin } from '../reports/report-origin';
import { verifyReportFile } from '../reports/verify';
import { exportReport, journalExport, parseReportRequest, reportFileName } from '../reports/write-report';
import { nameParameters, parseQuery, type ParamSpecs } from './query-params';
import { ACTIVITY_FILTER } from './rest-routes';
import { VERIFY_PATH } from './write-gate';

/** Audit reports over HTTP (issue 14): the download browser mode saves, and verification of an uploaded file. */
export const EXPORT_PATH = '/api/v1/emails/activity/export';
export { VERIFY_PATH };

/** An uploaded report is streamed to a temporary file; larger than this is refused (413). */
export const MAX_VERIFY_BYTES = 2 * 1024 ** 3;

const CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson; charset=utf-8',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf',
};

const EXPORT_QUERY: ParamSpecs = {
  format: { field: 'format', kind: 'text' },
  scope: { field: 'scope', kind: 'text' },
  title: { field: 'title', kind: 'text' },
  ...ACTIVITY_FILTER,
};

export interface ReportHttp {
  sendJson(res: ServerResponse, status: number, body: unknown): void;
  sendError(res: ServerResponse, status: number, error: ErrorValue): void;
}

const badRequest = (message: string) => new MailtrailError('bad_request', message);

/** The report request a query string asks for: `scope=email` one email_id, `scope=user` one user_id and a range, else the explorer's filters. */
function exportRequest(search: URLSearchParams): unknown {
  const { format, scope: kind = 'activity', title, ...filter } = parseQuery(search, EXPORT_QUERY) as Record<string, unknown> & { scope?: string };
  const only = (allowed: string[]) => {
    const extra = Object.keys(filter).filter((field) => !allowed.includes(field));
    if (extra.length > 0) throw badRequest(`scope=${kind} takes ${allowed.map((field) => nameParameters(`${field}: `, EXPORT_QUERY).slice(0, -2)).join(', ')} only, not ${extra.map((field) => nameParameters(`${field}: `, EXPORT_QUERY).slice(0, -2)).join(', ')}`);
  };
  const single = (field: 'emailIds' | 'userIds', name: string): number => {
    const values = filter[field] as number[] | undefined;
    if (values?.length !== 1) throw badRequest(`scope=${kind} needs exactly one ${name}`);
    return values[0] as number;
  };
  if (kind === 'email') {
    only(['emailIds']);
    return { scope: { kind, emailId: single('emailIds', 'email_id') }, format, title };
  }
  if (kind === 'user') {
    only(['userIds', 'from', 'to']);
    return { scope: { kind, userId: single('userIds', 'user_id'), from: filter.from, to: filter.to }, format, title };
  }
  if (kind !== 'activity') throw badRequest(`scope: must be activity, email or user, not ${JSON.stringify(String(kind).slice(0, 40))}`);
  return { scope: { kind, ...filter }, format, title };
}

/** Holds the response's headers back until the report's first byte, so an early failure can still be a JSON error. */
function deferredResponse(res: ServerResponse, headers: Record<string, string>): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!res.headersSent) res.writeHead(200, headers);
      if (res.write(chunk)) done();
      else res.once('drain', () => done());
    },
    final(done) {
      if (!res.headersSent) res.writeHead(200, headers);
      res.end(done);
    },
  });
}

async function handleExport(service: MailtrailService, origin: () => Promise<ReportOrigin>, req: IncomingMessage, res: ServerResponse, search: URLSearchParams, http: ReportHttp) {
  let request;
  try {
    request = parseReportRequest(JSON.parse(JSON.stringify(exportRequest(search))));
  } catch (error) {
    const reason = toMailtrailError(error);
    http.sendError(res, 400, { ...reason.toValue(), message: nameParameters(reason.message.replace(/(^|; )scope\./g, '$1'), EXPORT_QUERY) });
    return;
  }
  const name = reportFileName(request, new Date());
  const controller = new AbortController();
  // The client went away: stop reading the log.
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new Error('the download was cancelled by its client'));
  });
  const out = deferredResponse(res, {
    'Content-Type': CONTENT_TYPES[request.format],
    'Content-Disposition': `attachment; filename="${name}"`,
    'Cache-Control': 'no-store',
  });
  try {
    const reportOrigin = await origin();
    const { provenance, totals } = await exportReport(service, reportOrigin, request, out, { signal: controller.signal });
    await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    await journalExport(reportOrigin, provenance, totals, `download ${name}`);
  } catch (error) {
    if (res.headersSent) {
      // Cut short: the file has no end line or totals, and verify says so.
      res.destroy();
      return;
    }
    const reason = toMailtrailError(error);
    http.sendError(res, HTTP_STATUS[reason.code], reason.toValue());
  }
}

async function handleVerify(req: IncomingMessage, res: ServerResponse, http: ReportHttp) {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = () =>
    http.sendError(res, 413, new MailtrailError('too_large', `a report to verify may be at most ${MAX_VERIFY_BYTES} bytes; verify larger files with \`mailtrail verify FILE\``).toValue());
  if (declared > MAX_VERIFY_BYTES) {
    tooLarge();
    req.destroy();
    return;
  }
  const folder = await mkdtemp(join(tmpdir(), 'mailtrail-verify-'));
  try {
    const file = join(folder, 'report');
    let size = 0;
    let over = false;
    await pipeline(
      req,
      async function* (chunks: AsyncIterable<Buffer>) {
        for await (const chunk of chunks) {
          size += chunk.length;
          if (size > MAX_VERIFY_BYTES) {
            over = true;
            return;
          }
          yield chunk;
        }
      },
      createWriteStream(file),
    );
    if (over) {
      tooLarge();
      req.destroy();
      return;
    }
    if (size === 0) {
      http.sendError(res, 400, new MailtrailError('bad_request', 'send the report file as the request body').toValue());
      return;
    }
    http.sendJson(res, 200, await verifyReportFile(file));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** Whether a path is one of the report routes. */
export const isReportPath = (path: string): boolean => path === EXPORT_PATH || path === VERIFY_PATH;

export async function handleReportRoute(
  service: MailtrailService,
  origin: (() => Promise<ReportOrigin>) | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  search: URLSearchParams,
  http: ReportHttp,
): Promise<void> {
  const method = req.method ?? 'GET';
  const allow = path === EXPORT_PATH ? 'GET' : 'POST';
  if (method !== allow) {
    res.setHeader('Allow', allow);
    http.sendError(res, 405, new MailtrailError('method_not_allowed', `${method} is not allowed on ${path}; use ${allow}`).toValue());
    return;
  }
  if (path === VERIFY_PATH) return handleVerify(req, res, http);
  if (!origin) {
    http.sendError(res, 503, new MailtrailError('unavailable', 'this server was started without a report source; exports need `mailtrail serve`').toValue());
    return;
  }
  return handleExport(service, origin, req, res, search, http);
}
