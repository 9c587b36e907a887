import type { Writable } from 'node:stream';
import { MailtrailError } from '../contract/errors';
import type { ActivityEvent } from '../contract/schemas';
import { DOCUMENT_MAX_EVENTS, type ReportProvenance, type ReportSummary, type ReportTotals, type ReportVerification } from '../contract/reports';
import { decodeReportData, digestProblems, normaliseDocument, REPORT_DATA_NAME } from './document-data';
import { HTML_DATA_ID, htmlLines, writeHtml } from './html/html-report';
import { markedParts, objectInWords, pdfObjects, pdfReportData, streamContent, type PdfObject } from './pdf/pdf-file';
import { renderPdf, writePdf } from './pdf/pdf-report';

/**
 * PDF and HTML reports, the documents for people: a cover with the provenance and the digest, the
 * summary with its charts, and the events (at most DOCUMENT_MAX_EVENTS) as the screens show them.
 * The writer of the other formats (write-report.ts) gathers a DocumentInput and hands it over here.
 *
 * Each document carries its data (PDF: the attachment mailtrail-report.jsonl; HTML: a JSON block),
 * and renders deterministically, so verify can check the digest of the data AND re-render the
 * document from it: an edit of what the document shows fails as surely as an edit of its data.
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

/** Writes the document to `out` and ends it; resolves once `out` has finished (rejects with its error). */
export async function writeDocument(format: 'pdf' | 'html', input: DocumentInput, out: Writable): Promise<void> {
  if (input.events.length > DOCUMENT_MAX_EVENTS) {
    throw new MailtrailError('bad_request', `a ${format.toUpperCase()} report holds at most ${DOCUMENT_MAX_EVENTS} events (got ${input.events.length}); use csv or jsonl for more`);
  }
  if (input.provenance.format !== format) {
    throw new MailtrailError('bad_request', `the provenance says format ${input.provenance.format}, but a ${format.toUpperCase()} file was asked for`);
  }
  const document = normaliseDocument(input);
  // A document whose digest does not match what it carries would never verify: refuse to write one.
  const problems = digestProblems(document);
  if (problems.length > 0) throw new MailtrailError('internal', `the report's totals do not match its events (${problems[0]}); this is a bug in the report writer`);
  if (format === 'pdf') await writePdf(document, out);
  else await writeHtml(document, out);
}

const PROBLEMS_SHOWN = 12;

const verification = (format: 'pdf' | 'html', document: DocumentInput | null, problems: string[]): ReportVerification => {
  const unique = [...new Set(problems)];
  const shown = unique.length > PROBLEMS_SHOWN ? [...unique.slice(0, PROBLEMS_SHOWN), `… and ${unique.length - PROBLEMS_SHOWN} more differences`] : unique;
  return {
    verified: shown.length === 0,
    format,
    title: document?.provenance.title ?? null,
    events: document?.events.length ?? null,
    sha256: document?.totals.sha256 ?? null,
    problems: shown,
  };
};

/** A differing part of the document, in words: "event 3 (id 5523): description differs from the data". */
const partDiffers = (label: string): string =>
  label.startsWith('provenance: ') ? `provenance edited: ${label.slice('provenance: '.length)} differs from the data` : `${label} differs from the data`;

const ALTERED = 'the document was altered after it was made: what it shows differs from the data it carries';

/** Checks a PDF or HTML report's bytes: its digest recomputed from what it holds, and the document itself unaltered. */
export async function verifyDocument(format: 'pdf' | 'html', bytes: Buffer): Promise<ReportVerification> {
  try {
    return format === 'pdf' ? await verifyPdf(bytes) : await verifyHtml(bytes);
  } catch (error) {
    return verification(format, null, [`cannot check this ${format.toUpperCase()} file: ${(error as Error).message}`]);
  }
}

function checkData(format: 'pdf' | 'html', text: string): { document: DocumentInput; problems: string[] } | { problem: string } {
  const decoded = decodeReportData(text);
  if ('problem' in decoded) return decoded;
  const problems = digestProblems(decoded.document);
  if (decoded.document.provenance.format !== format) problems.push(`provenance edited: it says format ${decoded.document.provenance.format}, but this is a ${format.toUpperCase()} file`);
  return { document: decoded.document, problems };
}

async function verifyPdf(bytes: Buffer): Promise<ReportVerification> {
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') return verification('pdf', null, ['not a PDF file: it does not start with %PDF-']);
  const complete = /%%EOF\s*$/.test(bytes.subarray(-64).toString('latin1'));
  const objects = pdfObjects(bytes);
  const data = pdfReportData(objects);
  if (data === null) {
    return verification('pdf', null, [complete ? `not a Mailtrail report: this PDF carries no ${REPORT_DATA_NAME}` : 'cut short: the file ends before the PDF is complete, and its report data cannot be read']);
  }
  const checked = checkData('pdf', data);
  if ('problem' in checked) return verification('pdf', null, [checked.problem]);
  const { document, problems } = checked;
  const rendered = await renderPdf(document);
  if (!rendered.equals(bytes)) problems.push(...pdfDifferences(bytes, objects, rendered, complete));
  return verification('pdf', document, problems);
}

function pdfDifferences(bytes: Buffer, objects: Map<number, PdfObject>, rendered: Buffer, complete: boolean): string[] {
  if (bytes.length > rendered.length && bytes.subarray(0, rendered.length).equals(rendered)) {
    return [`the document was altered after it was made: ${bytes.length - rendered.length} bytes were appended after its end (an incremental update)`];
  }
  if (!complete) return ['cut short: the file ends before the PDF is complete'];
  const differences: string[] = [];
  const renderedObjects = pdfObjects(rendered);
  for (const [id, expected] of renderedObjects) {
    const actual = objects.get(id);
    if (!actual) {
      differences.push(`${objectInWords(id, expected)} is missing`);
      continue;
    }
    if (actual.dictionary === expected.dictionary && (actual.stream === expected.stream || (actual.stream && expected.stream && actual.stream.equals(expected.stream)))) continue;
    const expectedContent = streamContent(expected);
    const expectedParts = expectedContent ? markedParts(expectedContent) : null;
    if (!expectedParts || expectedParts.size <= 1) {
      differences.push(`${objectInWords(id, expected)} differs from the data`);
      continue;
    }
    const actualContent = streamContent(actual);
    if (!actualContent) {
      differences.push(`a page's content is damaged (object ${id})`);
      continue;
    }
    const actualParts = markedParts(actualContent);
    for (const [label, drawn] of expectedParts) if (actualParts.get(label) !== drawn) differences.push(partDiffers(label));
    for (const label of actualParts.keys()) if (!expectedParts.has(label)) differences.push(`${label} was added`);
  }
  for (const id of objects.keys()) if (!renderedObjects.has(id)) differences.push(`object ${id} was added`);
  return [ALTERED, ...differences];
}

const DATA_OPEN = `<script type="application/json" id="${HTML_DATA_ID}">`;

async function verifyHtml(bytes: Buffer): Promise<ReportVerification> {
  const original = bytes.toString('utf8');
  // The writer escapes every carriage return in content, so a raw one means the line endings were converted.
  const crlf = original.includes('\r\n');
  const text = crlf ? original.replace(/\r\n/g, '\n') : original;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const open = lines.indexOf(DATA_OPEN);
  const close = open < 0 ? -1 : lines.indexOf('</script>', open);
  if (open < 0 || close < 0) {
    const looksLikeOurs = text.includes('MAILTRAIL AUDIT REPORT');
    return verification('html', null, [
      looksLikeOurs ? 'cut short: the report data block is missing or unfinished' : `not a Mailtrail report: this file carries no ${HTML_DATA_ID} data block`,
    ]);
  }
  const checked = checkData('html', `${lines.slice(open + 1, close).join('\n')}\n`);
  if ('problem' in checked) return verification('html', null, [checked.problem]);
  const { document, problems } = checked;
  if (crlf) problems.push('the line endings were changed to CRLF after it was made (a text tool or transfer converted them)');
  const expected = htmlLines(document);
  if (expected.length !== lines.length || expected.some(([, html], index) => html !== lines[index]) || !text.endsWith('\n')) {
    problems.push(...htmlDifferences(expected, lines));
  }
  return verification('html', document, problems);
}

function htmlDifferences(expected: [string, string][], lines: string[]): string[] {
  if (lines.length < expected.length && expected.slice(0, lines.length).every(([, html], index) => html === lines[index])) {
    return ['cut short: the file ends before the report does'];
  }
  const differences: string[] = [];
  if (expected.length === lines.length) {
    expected.forEach(([label, html], index) => {
      if (html !== lines[index]) differences.push(label === 'the report data' ? 'the report data is not as written (not in canonical form)' : partDiffers(label));
    });
  } else {
    // Lines added or removed: name the stretch between the common beginning and the common end.
    let head = 0;
    while (head < expected.length && head < lines.length && expected[head]![1] === lines[head]) head += 1;
    let tail = 0;
    while (tail < expected.length - head && tail < lines.length - head && expected[expected.length - 1 - tail]![1] === lines[lines.length - 1 - tail]) tail += 1;
    for (const [label] of expected.slice(head, expected.length - tail)) differences.push(partDiffers(label));
    const delta = lines.length - expected.length;
    const count = Math.abs(delta);
    differences.push(`${count} ${count === 1 ? 'line was' : 'lines were'} ${delta > 0 ? 'added' : 'removed'}`);
  }
  if (differences.length === 0) differences.push('the file differs from a fresh render of its data (line endings or trailing bytes)');
  return [ALTERED, ...differences];
}
