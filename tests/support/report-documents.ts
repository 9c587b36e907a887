import type { ReportProvenance, ReportScope, ReportSummary } from '../../src-main/contract/reports';
import type { ActivityEvent } from '../../src-main/contract/schemas';
import { ReportDigest } from '../../src-main/reports/digest';
import type { DocumentInput } from '../../src-main/reports/document';

/** DocumentInputs for the PDF and HTML writers, made here rather than from a database: the writers' own tests. */

export const HOSTILE_DESCRIPTION = `<script>alert("x")</script> "quoted" 'single' & ampersand </script><!-- שלום עולם مرحبا 😀 \u202Eevil`;

/** One email's timeline as the hub writes it: fetched, classified, a workflow, a rule, an error, a read, archived events. */
export function emailEvents(emailId = 42): ActivityEvent[] {
  const base = { email_id: emailId, user_id: null, user_name: null, created_by: 'system' };
  return [
    { ...base, id: 5521, event_type: 'fetched', event_category: 'system', description: 'Email fetched from IMAP inbox faktura@firma.dk', metadata: { mailbox: 'INBOX', uid: 88123 }, created_at: '2026-05-01T09:00:00.120', archived: true },
    { ...base, id: 5522, event_type: 'classified', event_category: 'system', description: 'Klassificeret som faktura (tillid 0,97): Ærø Øl & Å-kiosk', metadata: { category: 'invoice', confidence: 0.97 }, created_at: '2026-05-01T09:00:02.500', archived: true },
    { ...base, id: 5523, event_type: 'workflow_executed', event_category: 'workflow', description: 'Workflow "Invoice intake" ran: extracted 3 lines, total 1.250,00 DKK', metadata: { workflow_name: 'Invoice intake', status: 'success', duration_ms: 812 }, created_at: '2026-05-01T09:00:03.400', archived: false },
    { ...base, id: 5524, event_type: 'rule_matched', event_category: 'rule', description: 'Rule "Large invoices" matched: amount over 1.000 DKK', metadata: { rule_id: 7, rule_name: 'Large invoices' }, created_at: '2026-05-01T09:00:03.900', archived: false },
    { ...base, id: 5525, event_type: 'error', event_category: 'integration', description: 'e-conomic API refused the booking: HTTP 503 (retry scheduled)', metadata: { error_type: 'integration_unavailable', http_status: 503, retry: true }, created_at: '2026-05-01T09:01:10.000', archived: false },
    { ...base, id: 5526, event_type: 'read', event_category: 'user', description: 'Opened by Søren Ærtebølle', metadata: null, user_id: 3, user_name: 'Søren Ærtebølle', created_by: null, created_at: '2026-05-01T13:45:00.000', archived: false },
    { ...base, id: 5527, event_type: 'status_changed', event_category: 'user', description: 'Status: new → approved', metadata: { from: 'new', to: 'approved' }, user_id: 3, user_name: 'Søren Ærtebølle', created_by: null, created_at: '2026-05-01T13:46:30.000', archived: false },
  ];
}

const TYPES: [string, string][] = [
  ['fetched', 'system'],
  ['classified', 'system'],
  ['workflow_executed', 'workflow'],
  ['rule_matched', 'rule'],
  ['error', 'integration'],
  ['read', 'user'],
  ['attachment_downloaded', 'user'],
  ['invoice_extracted', 'workflow'],
  ['notification_sent', 'integration'],
];

/** `count` activity events across many emails, some with long descriptions and metadata. */
export function activityEvents(count: number): ActivityEvent[] {
  const events: ActivityEvent[] = [];
  for (let index = 0; index < count; index += 1) {
    const [event_type, event_category] = TYPES[index % TYPES.length]!;
    const second = 86_400 * 30 - index * 37;
    const created = new Date(Date.UTC(2026, 4, 1) + second * 1000).toISOString().replace('Z', '');
    const long = index % 11 === 0;
    events.push({
      id: 100_000 + index,
      email_id: 1000 + Math.floor(index / 7),
      event_type,
      event_category,
      description: long
        ? `Long description ${index}: the workflow engine retried the e-conomic booking three times, then parked the email in the review queue for Åse Ødegård; see the metadata for each attempt's response and timing.`
        : `Event ${index}: ${event_type} for email ${1000 + Math.floor(index / 7)} (æøå)`,
      metadata: index % 3 === 0 ? { workflow_name: `Flow ${index % 4}`, status: index % 5 === 0 ? 'failed' : 'success', attempt: index % 4, note: long ? 'x'.repeat(120) : 'ok' } : null,
      user_id: event_category === 'user' ? 3 : null,
      user_name: event_category === 'user' ? 'Søren Ærtebølle' : null,
      created_at: created,
      created_by: event_category === 'user' ? null : 'system',
    });
  }
  return events;
}

export function summaryOf(events: ActivityEvent[], scale = 1): ReportSummary {
  const byType = new Map<string, { event_type: string; event_category: string; count: number }>();
  const errors = new Map<string, number>();
  const workflows = new Map<string, { workflow_name: string; succeeded: number; failed: number; other: number }>();
  for (const event of events) {
    const key = `${event.event_type}\u0000${event.event_category}`;
    const row = byType.get(key) ?? { event_type: event.event_type, event_category: event.event_category, count: 0 };
    row.count += scale;
    byType.set(key, row);
    const errorType = event.metadata?.error_type;
    if (event.event_type === 'error') errors.set(String(errorType ?? 'unknown'), (errors.get(String(errorType ?? 'unknown')) ?? 0) + scale);
    const workflow = event.metadata?.workflow_name;
    if (typeof workflow === 'string') {
      const run = workflows.get(workflow) ?? { workflow_name: workflow, succeeded: 0, failed: 0, other: 0 };
      if (event.metadata?.status === 'success') run.succeeded += scale;
      else if (event.metadata?.status === 'failed') run.failed += scale;
      else run.other += scale;
      workflows.set(workflow, run);
    }
  }
  return {
    by_type: [...byType.values()],
    errors_by_type: [...errors].map(([error_type, count]) => ({ error_type, count })),
    workflows: [...workflows.values()],
  };
}

export function provenanceOf(format: 'pdf' | 'html', scope: ReportScope, scopeText: string, title = 'Sag 2026-17: Ærø Øl & Å-kiosk'): ReportProvenance {
  return {
    mailtrail_report: 1,
    title,
    format,
    generated_at: '2026-11-28T12:00:00.000Z',
    generated_by: 'auditor',
    source: { kind: 'postgres', host: 'db.hub.local', database: 'hub' },
    time_zone: 'Europe/Copenhagen',
    mailtrail_version: '0.1.0',
    scope,
    scope_text: scopeText,
    checkpoint: null,
  };
}

/** A DocumentInput with its digest computed as the report writer does; `matched` above the events for a capped one. */
export function documentOf(provenance: ReportProvenance, events: ActivityEvent[], options: { matched?: number; summary?: ReportSummary } = {}): DocumentInput {
  const digest = new ReportDigest(provenance);
  for (const event of events) digest.add(event);
  const summary = options.summary ?? summaryOf(events);
  const totals = digest.finish(options.matched ?? events.length, summary);
  return { provenance, summary, events, totals };
}

export const emailDocument = (format: 'pdf' | 'html'): DocumentInput =>
  documentOf(provenanceOf(format, { kind: 'email', emailId: 42 }, 'the timeline of email 42'), emailEvents());

export const activityDocument = (format: 'pdf' | 'html', count: number, matched?: number): DocumentInput => {
  const events = activityEvents(count);
  return documentOf(
    provenanceOf(format, { kind: 'activity', from: '2026-05-01', to: '2026-05-31' }, 'all events from 1 May 2026 to 31 May 2026', 'Aktivitet maj 2026: æøå'),
    events,
    { matched, summary: summaryOf(events, matched ? Math.ceil(matched / count) : 1) },
  );
};
