import { z } from 'zod';
import { MailtrailError } from '../../contract/errors';
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
import { ActionRegistry, logStepEvent, paramsOf, permanentError, type ActionContext, type WorkflowAction } from './action';
import { parseInvoiceText } from './invoice-text';
import { BANKRUPTCY_KEYWORDS, matchKeywords } from './keywords';

const text = (max: number) => z.string().trim().min(1).max(max);
/** Subject and body, as the text the parsers read. */
const mailText = (context: ActionContext<unknown>) => [context.email.subject ?? '', context.email.body ?? ''].join('\n');

const setStatusParams = z.object({ status: text(50), reason: text(500).optional() }).strict();

export const setStatus: WorkflowAction<z.output<typeof setStatusParams>> = {
  code: 'set_status',
  validate: paramsOf('set_status', setStatusParams),
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

const extractInvoiceParams = z.object({}).strict();

export const extractInvoice: WorkflowAction<z.output<typeof extractInvoiceParams>> = {
  code: 'extract_invoice',
  validate: paramsOf('extract_invoice', extractInvoiceParams),
  async run(context) {
    const fields = parseInvoiceText(mailText(context));
    if (fields.invoice_number === null) {
      throw new MailtrailError('bad_request', `no invoice number in the subject${context.email.body === null ? ' (email_messages has no body column)' : ' or body'} of email ${context.email.id}`);
    }
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

const linkEntityParams = z
  .object({
    entity_type: z.enum(['vendor', 'customer']),
    entity_id: z.number().int().positive().optional(),
    /** Creates the vendor or customer of an unknown sender domain, named after it; otherwise the step fails. */
    create_missing: z.boolean().default(true),
  })
  .strict();

export const linkEntity: WorkflowAction<z.output<typeof linkEntityParams>> = {
  code: 'link_entity',
  validate: paramsOf('link_entity', linkEntityParams),
  async run(context) {
    const { entity_type, entity_id, create_missing } = context.params;
    let entity: { id: number; name: string } | undefined;
    if (entity_id !== undefined) {
      [entity] = await query<{ id: number; name: string }>(context.db, sql`SELECT id, name FROM email_entities WHERE id = ${entity_id} AND entity_type = ${entity_type}`);
      if (!entity) throw new MailtrailError('not_found', `no ${entity_type} with id ${entity_id} in email_entities`);
    } else {
      const domain = context.email.sender_email?.split('@')[1]?.trim().toLowerCase();
      if (!domain) throw new MailtrailError('bad_request', `email ${context.email.id} has no sender address to find its ${entity_type} by; give params.entity_id`);
      if (create_missing) {
        await query(context.db, sql`INSERT INTO email_entities (entity_type, name, domain) VALUES (${entity_type}, ${domain}, ${domain}) ON CONFLICT DO NOTHING`);
      }
      [entity] = await query<{ id: number; name: string }>(
        context.db,
        sql`SELECT id, name FROM email_entities WHERE entity_type = ${entity_type} AND lower(domain) = ${domain}`,
      );
      if (!entity) throw new MailtrailError('not_found', `no ${entity_type} has the sender domain ${domain}; add one to email_entities or set create_missing`);
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

const createTicketParams = z
  .object({ priority: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'), subject: text(500).optional() })
  .strict();

export const createTicket: WorkflowAction<z.output<typeof createTicketParams>> = {
  code: 'create_ticket',
  validate: paramsOf('create_ticket', createTicketParams),
  async run(context) {
    const subject = context.params.subject ?? context.email.subject ?? `Email ${context.email.id}`;
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

const notifyParams = z.discriminatedUnion('channel', [
  z
    .object({
      channel: z.literal('webhook'),
      url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
      reason: text(500).optional(),
    })
    .strict(),
  z.object({ channel: z.literal('email'), to: z.email(), subject: text(200).optional(), reason: text(500).optional() }).strict(),
]);

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

export const notify: WorkflowAction<z.output<typeof notifyParams>> = {
  code: 'notify',
  validate: paramsOf('notify', notifyParams),
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
        subject: params.subject ?? `${context.execution.workflow_name}: ${context.email.subject ?? `email ${context.email.id}`}`,
        text: Object.entries(body).map(([key, value]) => `${key}: ${value ?? ''}`).join('\n'),
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

const flagBankruptcyParams = z.object({ keywords: z.array(text(100)).min(1).max(50).optional() }).strict();

export const flagBankruptcy: WorkflowAction<z.output<typeof flagBankruptcyParams>> = {
  code: 'flag_bankruptcy',
  validate: paramsOf('flag_bankruptcy', flagBankruptcyParams),
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
