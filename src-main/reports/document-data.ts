import { z } from 'zod';
import { ReportEvent, ReportProvenance, ReportSummary, ReportTotals } from '../contract/reports';
import type { ActivityEvent } from '../contract/schemas';
import { canonicalJson, ReportDigest } from './digest';
import type { DocumentInput } from './document';

/**
 * The data a PDF or HTML report carries inside itself, so `verify` can check it offline and
 * re-render the document from it: JSONL in canonical form,
 *
 *   {"report": provenance, "summary": summary}
 *   event 1
 *   …
 *   {"totals": totals}
 *
 * The summary rides along (it is over the whole scope, not derivable from a capped document's
 * events) and is hashed in the digest's last line (ReportDigest.finish).
 */
export const REPORT_DATA_NAME = 'mailtrail-report.jsonl';

/**
 * The input as the document and its carried data both see it: through canonical JSON and back, so a
 * render from the caller's objects and a render from the carried data are the same render.
 */
export function normaliseDocument(input: DocumentInput): DocumentInput {
  return JSON.parse(canonicalJson({ provenance: input.provenance, summary: input.summary, events: input.events, totals: input.totals })) as DocumentInput;
}

export function encodeReportData(document: DocumentInput): string {
  const lines = [canonicalJson({ report: document.provenance, summary: document.summary })];
  for (const event of document.events) lines.push(canonicalJson(event));
  lines.push(canonicalJson({ totals: document.totals }));
  return `${lines.join('\n')}\n`;
}

const Header = z.object({ report: ReportProvenance, summary: ReportSummary });
const Trailer = z.object({ totals: ReportTotals });

const issueOf = (error: z.ZodError): string => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'value'}: ${issue.message}` : 'invalid';
};

/** The carried data read back, or the one line that says why it cannot be (never a throw). */
export function decodeReportData(text: string): { document: DocumentInput } | { problem: string } {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length < 2) return { problem: 'cut short: the report data has no totals line' };
  const parsed: unknown[] = [];
  for (const [index, line] of lines.entries()) {
    try {
      parsed.push(JSON.parse(line));
    } catch {
      return { problem: `the report data is malformed: line ${index + 1} is not JSON` };
    }
  }
  const header = Header.safeParse(parsed[0]);
  if (!header.success) return { problem: `the report data is malformed: its first line is not a report header (${issueOf(header.error)})` };
  const trailer = Trailer.safeParse(parsed.at(-1));
  if (!trailer.success) return { problem: 'cut short: the report data does not end with its totals line' };
  const events = parsed.slice(1, -1);
  for (const [index, event] of events.entries()) {
    const checked = ReportEvent.safeParse(event);
    if (!checked.success) return { problem: `the report data is malformed: event ${index + 1} (${issueOf(checked.error)})` };
  }
  // The values as read, not zod's copies: the digest and the re-render see exactly what the file holds.
  const raw = parsed[0] as { report: ReportProvenance; summary: ReportSummary };
  return {
    document: {
      provenance: raw.report,
      summary: raw.summary,
      events: events as ActivityEvent[],
      totals: (parsed.at(-1) as { totals: ReportTotals }).totals,
    },
  };
}

/** What the carried data's own digest says: nothing when it matches its totals, else each difference in words. */
export function digestProblems(document: DocumentInput): string[] {
  const digest = new ReportDigest(document.provenance);
  for (const event of document.events) digest.add(event);
  const totals = digest.finish(document.totals.matched, document.summary);
  const problems: string[] = [];
  if (totals.events < document.totals.events) {
    problems.push(`cut short: the data holds ${totals.events} events, its totals say ${document.totals.events} (an event was removed)`);
  } else if (totals.events > document.totals.events) {
    problems.push(`the data holds ${totals.events} events, its totals say ${document.totals.events} (an event was added)`);
  }
  if (totals.sha256 !== document.totals.sha256) {
    problems.push(`the digest does not match the data: sha256 ${totals.sha256} computed, ${document.totals.sha256} claimed (edited after it was made)`);
  }
  return problems;
}
