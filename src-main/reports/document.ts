import type { Writable } from 'node:stream';
import { MailtrailError } from '../contract/errors';
import type { ActivityEvent } from '../contract/schemas';
import type { ReportProvenance, ReportSummary, ReportTotals, ReportVerification } from '../contract/reports';

/**
 * PDF and HTML reports, the documents for people: a cover with the provenance and the digest, the
 * summary with its charts, and the events (at most DOCUMENT_MAX_EVENTS) as the screens show them.
 * The writer of the other formats (write-report.ts) gathers a DocumentInput and hands it over here.
 */
export interface DocumentInput {
  /** Its `format` is 'pdf' or 'html'. */
  provenance: ReportProvenance;
  /** Over the whole scope, not only the events the document holds. */
  summary: ReportSummary;
  /** In report order; at most DOCUMENT_MAX_EVENTS. */
  events: ActivityEvent[];
  /** The digest over the provenance and exactly these events (ReportDigest), `matched` the scope's count. */
  totals: ReportTotals;
}

// Placeholder until the document writer lands (issue 14): the formats say so rather than write a wrong file.
const unavailable = () => new MailtrailError('unavailable', 'PDF and HTML reports are not built yet; use --format csv or jsonl');

export async function writeDocument(_format: 'pdf' | 'html', _input: DocumentInput, _out: Writable): Promise<void> {
  throw unavailable();
}

/** Checks a PDF or HTML report's bytes: its digest recomputed from what it holds, and the document itself unaltered. */
export async function verifyDocument(_format: 'pdf' | 'html', _bytes: Buffer): Promise<ReportVerification> {
  throw unavailable();
}
