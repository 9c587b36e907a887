import type { z } from 'zod';
import { MailtrailError } from '../../contract/errors';
import { BUILT_IN_ACTION_PARAMS } from '../../contract/workflow-actions';
import type { ReadableDb, WritableClient } from '../../db/connection';
import { query } from '../../db/query';
import { sql } from '../../db/sql';
import { mailTransport } from '../../notify/mail-transport';
import {
  invoiceExtractedEvent,
  linkedEvent,
  notificationSentEvent,
  statusChangedEvent,
  ticketCreatedEvent,
} from '../../logger/events';
import { ActionRegistry, logStepEvent, paramsOf, permanentError, type ActionContext, type EmailForAction, type WorkflowAction } from './action';
import { parseInvoiceText } from './invoice-text';
import { BANKRUPTCY_KEYWORDS, matchKeywords } from './keywords';

/** Subject and body, as the text the parsers read. */
const mailText = (context: { email: EmailForAction }) => [context.email.subject ?? '', context.email.body ?? ''].join('\n');
/** A param value in a preview's sentence. */
const quoted = (value: unknown) => JSON.stringify(value);

// Each action's params are defined once, in the contract (the editor checks steps with the same zod).
const setStatusParams = BUILT_IN_ACTION_PARAMS.set_status;

export const setStatus: WorkflowAction<z.output<typeof setStatusParams>> = {
  code: 'set_status',
  validate: paramsOf('set_status', setStatusParams),
  params: setStatusParams,
  async preview({ params, email }) {
    const from = email.status ?? 'none';
    const details = { old_status: from, new_status: params.status };
    if (from === params.status) return { outcome: 'no_change', summary: `status is ${quoted(from)} already: nothing to change`, details };
    return { outcome: 'would_run', summary: `status ${quoted(from)} → ${quoted(params.status)}`, details, email: { status: params.status } };
  },
  async run(context) {
    const { status, reason } = context.params;
    const [row] = await query<{ status: string | null }>(context.db, sql`SELECT status FROM email_messages WHERE id = ${context.email.id} FOR UPDATE`);
    const previous = row?.status ?? 'none';
    if (previous === status) return { status, changed: false };
    await query(context.db, sql`UPDATE email_messages SET status = ${status} WHERE id = ${context.email.id}`);
    await logStepEvent(context, statusChangedEvent(previous, status, reason ?? `workflow ${context.execution.workflow_name}`));
    return { old_status: previous, new_status: status, changed: true };
  },
};

const extractInvoiceParams = BUILT_IN_ACTION_PARAMS.extract_invoice;

const noInvoiceNumber = (email: EmailForAction) =>
  `no invoice number in the subject${email.body === null ? ' (email_messages has no body column)' : ' or body'} of email ${email.id}`;

export const extractInvoice: WorkflowAction<z.output<typeof extractInvoiceParams>> = {
  code: 'extract_invoice',
  validate: paramsOf('extract_invoice', extractInvoiceParams),
  params: extractInvoiceParams,
  async preview({ email }) {
    const fields = parseInvoiceText(mailText({ email }));
    if (fields.invoice_number === null) return { outcome: 'would_fail', summary: noInvoiceNumber(email), details: { ...fields } };
    const amount = fields.amount === null ? 'no amount' : `${fields.amount}${fields.currency ? ` ${fields.currency}` : ''}`;
    return { outcome: 'would_run', summary: `invoice ${fields.invoice_number}, ${amount}, due ${fields.due_date ?? 'not said'}`, details: { ...fields } };
  },
  async run(context) {
    const fields = parseInvoiceText(mailText(context));
    if (fields.invoice_number === null) throw new MailtrailError('bad_request', noInvoiceNumber(context.email));
    const [stored] = await query<{ id: number }>(
      context.db,
      sql`INSERT INTO email_invoices (email_id, invoice_number, amount, currency, due_date, execution_id)
          VALUES (${context.email.id}, ${fields.invoice_number}, ${fields.amount}, ${fields.currency}, ${fields.due_date}::date, ${context.execution.id})
          ON CONFLICT (email_id, invoice_number) DO UPDATE
            SET amount = EXCLUDED.amount, currency = EXCLUDED.currency, due_date = EXCLUDED.due_date, execution_id = EXCLUDED.execution_id
          RETURNING id`,
    );
    const entry = invoiceExtractedEvent(fields.invoice_number, fields.amount ?? 0, true);
    // The seed's three fields, then what the text also said; an amount it did not say stays null.
    await logStepEvent(context, {
      ...entry,
      description: fields.amount === null ? `Invoice ${fields.invoice_number} extracted (no amount in the text)` : entry.description,
      metadata: { ...entry.metadata, amount: fields.amount, currency: fields.currency, due_date: fields.due_date },
    });
    return { invoice_id: stored!.id, ...fields };
  },
};

const linkEntityParams = BUILT_IN_ACTION_PARAMS.link_entity;
type Entity = { id: number; name: string };

/** The lookups run() and preview() share: an entity by id, or by the sender's domain. */
const entityById = async (db: ReadableDb | WritableClient, type: string, id: number): Promise<Entity | undefined> =>
  (await query<Entity>(db, sql`SELECT id, name FROM email_entities WHERE id = ${id} AND entity_type = ${type}`))[0];
const entityByDomain = async (db: ReadableDb | WritableClient, type: string, domain: string): Promise<Entity | undefined> =>
  (await query<Entity>(db, sql`SELECT id, name FROM email_entities WHERE entity_type = ${type} AND lower(domain) = ${domain}`))[0];
const senderDomain = (email: EmailForAction): string | undefined => email.sender_email?.split('@')[1]?.trim().toLowerCase() || undefined;
const noEntityWithId = (type: string, id: number) => `no ${type} with id ${id} in email_entities`;
const noSender = (email: EmailForAction, type: string) => `email ${email.id} has no sender address to find its ${type} by; give params.entity_id`;
const noEntityWithDomain = (type: string, domain: string) => `no ${type} has the sender domain ${domain}; add one to email_entities or set create_missing`;

export const linkEntity: WorkflowAction<z.output<typeof linkEntityParams>> = {
  code: 'link_entity',
  validate: paramsOf('link_entity', linkEntityParams),
  params: linkEntityParams,
  async preview({ params, email, db }) {
    const { entity_type, entity_id, create_missing } = params;
    if (entity_id !== undefined) {
      const entity = await entityById(db, entity_type, entity_id);
      if (!entity) return { outcome: 'would_fail', summary: noEntityWithId(entity_type, entity_id), details: { entity_type, entity_id } };
      return { outcome: 'would_run', summary: `link ${entity_type} ${quoted(entity.name)} (id ${entity.id})`, details: { entity_type, entity_id: entity.id, entity_name: entity.name } };
    }
    const domain = senderDomain(email);
    if (!domain) return { outcome: 'would_fail', summary: noSender(email, entity_type), details: { entity_type } };
    const entity = await entityByDomain(db, entity_type, domain);
    if (entity) {
      return { outcome: 'would_run', summary: `link ${entity_type} ${quoted(entity.name)} (id ${entity.id}, domain ${domain})`, details: { entity_type, entity_id: entity.id, entity_name: entity.name, domain } };
    }
    if (!create_missing) return { outcome: 'would_fail', summary: noEntityWithDomain(entity_type, domain), details: { entity_type, domain } };
    return { outcome: 'would_run', summary: `create ${entity_type} ${quoted(domain)} (no ${entity_type} has that domain yet) and link it`, details: { entity_type, entity_id: null, entity_name: domain, domain, created: true } };
  },
  async run(context) {
    const { entity_type, entity_id, create_missing } = context.params;
    let entity: Entity | undefined;
    if (entity_id !== undefined) {
      entity = await entityById(context.db, entity_type, entity_id);
      if (!entity) throw new MailtrailError('not_found', noEntityWithId(entity_type, entity_id));
    } else {
      const domain = senderDomain(context.email);
      if (!domain) throw new MailtrailError('bad_request', noSender(context.email, entity_type));
      if (create_missing) {
        await query(context.db, sql`INSERT INTO email_entities (entity_type, name, domain) VALUES (${entity_type}, ${domain}, ${domain}) ON CONFLICT DO NOTHING`);
      }
      entity = await entityByDomain(context.db, entity_type, domain);
      if (!entity) throw new MailtrailError('not_found', noEntityWithDomain(entity_type, domain));
    }
    await query(
      context.db,
      sql`INSERT INTO email_entity_links (email_id, entity_type, entity_id, entity_name, execution_id)
          VALUES (${context.email.id}, ${entity_type}, ${entity.id}, ${entity.name}, ${context.execution.id})
          ON CONFLICT (email_id, entity_type, entity_id) DO NOTHING`,
    );
    await logStepEvent(context, linkedEvent(entity_type, entity.id, entity.name));
    return { entity_type, entity_id: entity.id, entity_name: entity.name };
  },
};

const createTicketParams = BUILT_IN_ACTION_PARAMS.create_ticket;
const ticketSubject = (params: { subject?: string | undefined }, email: EmailForAction) => params.subject ?? email.subject ?? `Email ${email.id}`;

export const createTicket: WorkflowAction<z.output<typeof createTicketParams>> = {
  code: 'create_ticket',
  validate: paramsOf('create_ticket', createTicketParams),
  params: createTicketParams,
  async preview({ params, email }) {
    const subject = ticketSubject(params, email);
    // Its number is drawn from the sequence when it is created; drawing one here would be a write.
    return { outcome: 'would_run', summary: `open a ${params.priority} ticket ${quoted(subject)}`, details: { subject, priority: params.priority, email_id: email.id } };
  },
  async run(context) {
    const subject = ticketSubject(context.params, context.email);
    const [ticket] = await query<{ id: number; ticket_number: string }>(
      context.db,
      // The number from the row's own id, drawn first: one statement, no second write to the new row.
      sql`INSERT INTO email_tickets (id, ticket_number, email_id, subject, priority, execution_id)
          SELECT next.id, 'TCK-' || lpad(next.id::text, 6, '0'), ${context.email.id}, ${subject}, ${context.params.priority}, ${context.execution.id}
          FROM (SELECT nextval(pg_get_serial_sequence('email_tickets', 'id'))::int AS id) AS next
          RETURNING id, ticket_number`,
    );
    await logStepEvent(context, ticketCreatedEvent(ticket!.id, ticket!.ticket_number, context.params.priority));
    return { ticket_id: ticket!.id, ticket_number: ticket!.ticket_number, priority: context.params.priority };
  },
};

const notifyParams = BUILT_IN_ACTION_PARAMS.notify;

/** What a notification says, the same in a webhook's JSON and an e-mail's text. */
function notificationBody(context: ActionContext<{ reason?: string | undefined }>) {
  return {
    idempotency_id: context.idempotencyId,
    workflow_id: context.execution.workflow_id,
    workflow_name: context.execution.workflow_name,
    execution_id: context.execution.id,
    email_id: context.email.id,
    subject: context.email.subject,
    sender_email: context.email.sender_email,
    reason: context.params.reason ?? null,
  };
}
const notificationText = (body: Record<string, unknown>) => Object.entries(body).map(([key, value]) => `${key}: ${value ?? ''}`).join('\n');
const mailSubject = (params: { subject?: string | undefined }, workflowName: string, email: EmailForAction) =>
  params.subject ?? `${workflowName}: ${email.subject ?? `email ${email.id}`}`;

export const notify: WorkflowAction<z.output<typeof notifyParams>> = {
  code: 'notify',
  validate: paramsOf('notify', notifyParams),
  params: notifyParams,
  async preview({ params, email, workflow }) {
    // The ids are the execution's, which a dry run does not have.
    const body = {
      idempotency_id: null,
      workflow_id: null,
      workflow_name: workflow.name,
      execution_id: null,
      email_id: email.id,
      subject: email.subject,
      sender_email: email.sender_email,
      reason: params.reason ?? null,
    };
    if (params.channel === 'webhook') {
      return { outcome: 'would_run', summary: `POST JSON to ${params.url} (nothing sent now)`, details: { channel: 'webhook', url: params.url, body } };
    }
    const subject = mailSubject(params, workflow.name, email);
    return {
      outcome: 'would_run',
      summary: `e-mail ${params.to}: ${quoted(subject)} (nothing sent now; needs the worker's MAILTRAIL_SMTP_URL)`,
      details: { channel: 'email', to: params.to, subject, text: notificationText(body) },
    };
  },
  async run(context) {
    const params = context.params;
    const body = notificationBody(context);
    const reason = params.reason ?? `workflow ${context.execution.workflow_name}`;
    if (params.channel === 'webhook') {
      let response: Response;
      try {
        response = await fetch(params.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': context.idempotencyId },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(context.notify.webhookTimeoutMs),
        });
      } catch (error) {
        throw new MailtrailError('unavailable', `the webhook ${params.url} could not be reached: ${(error as Error).message}`);
      }
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) {
        // A 4xx says the request itself is wrong (another attempt sends the same); 5xx and 429 may pass later.
        const code = response.status >= 500 || response.status === 429 ? 'unavailable' : 'bad_request';
        throw new MailtrailError(code, `the webhook ${params.url} answered ${response.status} ${response.statusText}`);
      }
      const recipient = new URL(params.url).host;
      await logStepEvent(context, notificationSentEvent('webhook', recipient, reason));
      return { channel: 'webhook', recipient, status: response.status, idempotency_id: context.idempotencyId };
    }
    if (!context.notify.smtpUrl) {
      // The worker's setting, the same on every retry: fail now rather than retry in vain.
      throw permanentError('unavailable', 'notify by e-mail needs an SMTP server: set MAILTRAIL_SMTP_URL (smtp://user:password@host:587) for the worker');
    }
    const info = await mailTransport(context.notify.smtpUrl)
      .sendMail({
        from: context.notify.mailFrom,
        to: params.to,
        subject: mailSubject(params, context.execution.workflow_name, context.email),
        text: notificationText(body),
        // One Message-ID for every attempt: a retried step's second copy is recognisably the same mail.
        messageId: `<${context.idempotencyId}@mailtrail>`,
        headers: { 'X-Mailtrail-Idempotency-Key': context.idempotencyId },
      })
      .catch((error: Error) => {
        throw new MailtrailError('unavailable', `the SMTP server did not take the notification to ${params.to}: ${error.message}`);
      });
    await logStepEvent(context, notificationSentEvent('email', params.to, reason));
    return { channel: 'email', recipient: params.to, message_id: info.messageId, idempotency_id: context.idempotencyId };
  },
};

const flagBankruptcyParams = BUILT_IN_ACTION_PARAMS.flag_bankruptcy;

export const flagBankruptcy: WorkflowAction<z.output<typeof flagBankruptcyParams>> = {
  code: 'flag_bankruptcy',
  validate: paramsOf('flag_bankruptcy', flagBankruptcyParams),
  params: flagBankruptcyParams,
  async preview({ params, email }) {
    const keywords = params.keywords ?? BANKRUPTCY_KEYWORDS;
    const matches = matchKeywords(mailText({ email }), keywords);
    if (matches.length === 0) return { outcome: 'no_change', summary: `no match (looked for ${keywords.join(', ')})`, details: { flagged: false, matches: [] } };
    return { outcome: 'would_run', summary: `flag it: ${quoted(matches[0]!.matched_text)} in “${matches[0]!.excerpt}”`, details: { flagged: true, matched_text: matches[0]!.matched_text, matches } };
  },
  async run(context) {
    const matches = matchKeywords(mailText(context), context.params.keywords ?? BANKRUPTCY_KEYWORDS);
    if (matches.length === 0) return { flagged: false, matches: [] };
    const first = matches[0]!;
    await logStepEvent(context, {
      event_type: 'bankruptcy_flagged',
      event_category: 'rule',
      description: `Flagged as bankruptcy notice: "${first.matched_text}"`,
      metadata: { keywords: matches.map((match) => match.keyword), matched_text: first.matched_text, excerpt: first.excerpt, matches },
    });
    return { flagged: true, matched_text: first.matched_text, matches };
  },
};

/** The built-in actions, in a registry the hub may add its own to. */
export function builtInActions(): ActionRegistry {
  return new ActionRegistry()
    .register(setStatus)
    .register(extractInvoice)
    .register(linkEntity)
    .register(createTicket)
    .register(notify)
    .register(flagBankruptcy);
}
