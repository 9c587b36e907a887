import { createTransport, type Transporter } from 'nodemailer';
import { z } from 'zod';
import { MailtrailError } from '../../contract/errors';
import { query } from '../../db/query';
import { sql } from '../../db/sql';
import {
  invoiceExtractedEvent,
  linkedEvent,
  notificationSentEvent,
  statusChangedEvent,
  ticketCreatedEvent,
} from '../../logger/events';
import { copyTimestamp } from '../../logger/batch-writer';
import {
  ActionRegistry,
  logStepEvent,
  paramsOf,
  permanentError,
  runAlone,
  type ActionContext,
  type StepAnswer,
  type WorkflowAction,
} from './action';
import { parseInvoiceText } from './invoice-text';
import { BANKRUPTCY_KEYWORDS, matchKeywords } from './keywords';

const text = (max: number) => z.string().trim().min(1).max(max);
/** Subject and body, as the text the parsers read. */
const mailText = (context: ActionContext<unknown>) => [context.email.subject ?? '', context.email.body ?? ''].join('\n');
/** The step's time for a created_at column; null leaves it to the database's clock. */
const atOf = (context: ActionContext<unknown>) => (context.at ? copyTimestamp(context.at) : null);
const failed = (error: MailtrailError): StepAnswer => ({ ok: false, error });

const setStatusParams = z.object({ status: text(50), reason: text(500).optional() }).strict();

async function setStatusBatch(contexts: ActionContext<z.output<typeof setStatusParams>>[]): Promise<StepAnswer[]> {
  const db = contexts[0]!.db;
  const rows = await query<{ id: number; status: string | null }>(
    db,
    sql`SELECT id, status FROM email_messages WHERE id = ANY(${contexts.map((c) => c.email.id)}::int[]) ORDER BY id FOR UPDATE`,
  );
  const previousOf = new Map(rows.map((row) => [row.id, row.status ?? 'none']));
  const changing = contexts.filter((c) => (previousOf.get(c.email.id) ?? 'none') !== c.params.status);
  if (changing.length > 0) {
    await query(
      db,
      sql`UPDATE email_messages m SET status = v.status
          FROM unnest(${changing.map((c) => c.email.id)}::int[], ${changing.map((c) => c.params.status)}::text[]) AS v(id, status)
          WHERE m.id = v.id`,
    );
  }
  const answers: StepAnswer[] = [];
  for (const context of contexts) {
    const { status, reason } = context.params;
    const previous = previousOf.get(context.email.id) ?? 'none';
    if (previous === status) {
      answers.push({ ok: true, result: { status, changed: false } });
      continue;
    }
    await logStepEvent(context, statusChangedEvent(previous, status, reason ?? `workflow ${context.execution.workflow_name}`));
    answers.push({ ok: true, result: { old_status: previous, new_status: status, changed: true } });
  }
  return answers;
}

export const setStatus: WorkflowAction<z.output<typeof setStatusParams>> = {
  code: 'set_status',
  validate: paramsOf('set_status', setStatusParams),
  run: runAlone(setStatusBatch),
  runBatch: setStatusBatch,
};

const extractInvoiceParams = z.object({}).strict();

async function extractInvoiceBatch(contexts: ActionContext<z.output<typeof extractInvoiceParams>>[]): Promise<StepAnswer[]> {
  const answers: StepAnswer[] = [];
  const found: { index: number; context: (typeof contexts)[number]; fields: ReturnType<typeof parseInvoiceText> & { invoice_number: string } }[] = [];
  for (const [index, context] of contexts.entries()) {
    const fields = parseInvoiceText(mailText(context));
    if (fields.invoice_number === null) {
      answers[index] = failed(
        new MailtrailError('bad_request', `no invoice number in the subject${context.email.body === null ? ' (email_messages has no body column)' : ' or body'} of email ${context.email.id}`),
      );
    } else {
      found.push({ index, context, fields: { ...fields, invoice_number: fields.invoice_number } });
    }
  }
  if (found.length === 0) return answers;
  const stored = await query<{ id: number; email_id: number }>(
    contexts[0]!.db,
    sql`INSERT INTO email_invoices (email_id, invoice_number, amount, currency, due_date, execution_id, created_at)
        SELECT v.email_id, v.invoice_number, v.amount, v.currency, v.due_date, v.execution_id, COALESCE(v.at, NOW()::timestamp)
        FROM unnest(${found.map((f) => f.context.email.id)}::int[], ${found.map((f) => f.fields.invoice_number)}::text[],
                    ${found.map((f) => f.fields.amount)}::numeric[], ${found.map((f) => f.fields.currency)}::text[],
                    ${found.map((f) => f.fields.due_date)}::date[], ${found.map((f) => f.context.execution.id)}::int[],
                    ${found.map((f) => atOf(f.context))}::timestamp[])
             AS v(email_id, invoice_number, amount, currency, due_date, execution_id, at)
        ON CONFLICT (email_id, invoice_number) DO UPDATE
          SET amount = EXCLUDED.amount, currency = EXCLUDED.currency, due_date = EXCLUDED.due_date, execution_id = EXCLUDED.execution_id
        RETURNING id, email_id`,
  );
  const idOf = new Map(stored.map((row) => [row.email_id, row.id]));
  for (const { index, context, fields } of found) {
    const entry = invoiceExtractedEvent(fields.invoice_number, fields.amount ?? 0, true);
    // The seed's three fields, then what the text also said; an amount it did not say stays null.
    await logStepEvent(context, {
      ...entry,
      description: fields.amount === null ? `Invoice ${fields.invoice_number} extracted (no amount in the text)` : entry.description,
      metadata: { ...entry.metadata, amount: fields.amount, currency: fields.currency, due_date: fields.due_date },
    });
    answers[index] = { ok: true, result: { invoice_id: idOf.get(context.email.id)!, ...fields } };
  }
  return answers;
}

export const extractInvoice: WorkflowAction<z.output<typeof extractInvoiceParams>> = {
  code: 'extract_invoice',
  validate: paramsOf('extract_invoice', extractInvoiceParams),
  run: runAlone(extractInvoiceBatch),
  runBatch: extractInvoiceBatch,
};

const linkEntityParams = z
  .object({
    entity_type: z.enum(['vendor', 'customer']),
    entity_id: z.number().int().positive().optional(),
    /** Creates the vendor or customer of an unknown sender domain, named after it; otherwise the step fails. */
    create_missing: z.boolean().default(true),
  })
  .strict();

type Entity = { id: number; name: string; entity_type: string; domain: string | null };

async function linkEntityBatch(contexts: ActionContext<z.output<typeof linkEntityParams>>[]): Promise<StepAnswer[]> {
  const db = contexts[0]!.db;
  const answers: StepAnswer[] = [];
  const entities: (Entity | undefined)[] = [];
  const byId: number[] = [];
  const byDomain: { index: number; domain: string }[] = [];
  for (const [index, context] of contexts.entries()) {
    const { entity_type, entity_id } = context.params;
    if (entity_id !== undefined) {
      byId.push(index);
      continue;
    }
    const domain = context.email.sender_email?.split('@')[1]?.trim().toLowerCase();
    if (domain) byDomain.push({ index, domain });
    else answers[index] = failed(new MailtrailError('bad_request', `email ${context.email.id} has no sender address to find its ${entity_type} by; give params.entity_id`));
  }
  if (byId.length > 0) {
    const rows = await query<Entity>(
      db,
      sql`SELECT id, name, entity_type, domain FROM email_entities WHERE id = ANY(${byId.map((index) => contexts[index]!.params.entity_id!)}::int[])`,
    );
    for (const index of byId) {
      const { entity_type, entity_id } = contexts[index]!.params;
      const entity = rows.find((row) => row.id === entity_id && row.entity_type === entity_type);
      if (entity) entities[index] = entity;
      else answers[index] = failed(new MailtrailError('not_found', `no ${entity_type} with id ${entity_id} in email_entities`));
    }
  }
  if (byDomain.length > 0) {
    const key = (type: string, domain: string) => `${type}\u0000${domain}`;
    const wanted = new Map<string, { type: string; domain: string; create: boolean }>();
    for (const { index, domain } of byDomain) {
      const { entity_type, create_missing } = contexts[index]!.params;
      const known = wanted.get(key(entity_type, domain));
      if (known) known.create ||= create_missing;
      else wanted.set(key(entity_type, domain), { type: entity_type, domain, create: create_missing });
    }
    const create = [...wanted.values()].filter((w) => w.create);
    if (create.length > 0) {
      // Only the missing ones, in order: a conflict would still draw an id from the sequence.
      await query(
        db,
        sql`INSERT INTO email_entities (entity_type, name, domain)
            SELECT v.entity_type, v.domain, v.domain
            FROM unnest(${create.map((w) => w.type)}::text[], ${create.map((w) => w.domain)}::text[]) WITH ORDINALITY AS v(entity_type, domain, position)
            WHERE NOT EXISTS (SELECT 1 FROM email_entities e WHERE e.entity_type = v.entity_type AND lower(e.domain) = v.domain)
            ORDER BY v.position
            ON CONFLICT DO NOTHING`,
      );
    }
    const all = [...wanted.values()];
    const rows = await query<Entity>(
      db,
      sql`SELECT e.id, e.name, e.entity_type, lower(e.domain) AS domain FROM email_entities e
          JOIN unnest(${all.map((w) => w.type)}::text[], ${all.map((w) => w.domain)}::text[]) AS v(entity_type, domain)
            ON e.entity_type = v.entity_type AND lower(e.domain) = v.domain`,
    );
    const found = new Map(rows.map((row) => [key(row.entity_type, row.domain ?? ''), row]));
    for (const { index, domain } of byDomain) {
      const { entity_type } = contexts[index]!.params;
      const entity = found.get(key(entity_type, domain));
      if (entity) entities[index] = entity;
      else answers[index] = failed(new MailtrailError('not_found', `no ${entity_type} has the sender domain ${domain}; add one to email_entities or set create_missing`));
    }
  }
  const linking = contexts.flatMap((context, index) => (entities[index] ? [{ context, entity: entities[index] }] : []));
  if (linking.length > 0) {
    await query(
      db,
      sql`INSERT INTO email_entity_links (email_id, entity_type, entity_id, entity_name, execution_id, created_at)
          SELECT v.email_id, v.entity_type, v.entity_id, v.entity_name, v.execution_id, COALESCE(v.at, NOW()::timestamp)
          FROM unnest(${linking.map((l) => l.context.email.id)}::int[], ${linking.map((l) => l.context.params.entity_type)}::text[],
                      ${linking.map((l) => l.entity.id)}::int[], ${linking.map((l) => l.entity.name)}::text[],
                      ${linking.map((l) => l.context.execution.id)}::int[], ${linking.map((l) => atOf(l.context))}::timestamp[])
               AS v(email_id, entity_type, entity_id, entity_name, execution_id, at)
          ON CONFLICT (email_id, entity_type, entity_id) DO NOTHING`,
    );
  }
  for (const { context, entity } of linking) {
    const { entity_type } = context.params;
    await logStepEvent(context, linkedEvent(entity_type, entity.id, entity.name));
    answers[contexts.indexOf(context)] = { ok: true, result: { entity_type, entity_id: entity.id, entity_name: entity.name } };
  }
  return answers;
}

export const linkEntity: WorkflowAction<z.output<typeof linkEntityParams>> = {
  code: 'link_entity',
  validate: paramsOf('link_entity', linkEntityParams),
  run: runAlone(linkEntityBatch),
  runBatch: linkEntityBatch,
};

const createTicketParams = z
  .object({ priority: z.enum(['low', 'normal', 'high', 'urgent']).default('normal'), subject: text(500).optional() })
  .strict();

async function createTicketBatch(contexts: ActionContext<z.output<typeof createTicketParams>>[]): Promise<StepAnswer[]> {
  const subjects = contexts.map((c) => c.params.subject ?? c.email.subject ?? `Email ${c.email.id}`);
  const tickets = await query<{ id: number; ticket_number: string; email_id: number }>(
    contexts[0]!.db,
    // The number from the row's own id, drawn first in the contexts' order: one statement, no second write to the new rows.
    sql`WITH input AS (
          SELECT v.*, nextval(pg_get_serial_sequence('email_tickets', 'id'))::int AS id
          FROM (SELECT * FROM unnest(${contexts.map((c) => c.email.id)}::int[], ${subjects}::text[], ${contexts.map((c) => c.params.priority)}::text[],
                                     ${contexts.map((c) => c.execution.id)}::int[], ${contexts.map(atOf)}::timestamp[]) WITH ORDINALITY
                  AS u(email_id, subject, priority, execution_id, at, position)
                ORDER BY u.position) AS v
        )
        INSERT INTO email_tickets (id, ticket_number, email_id, subject, priority, execution_id, created_at)
        SELECT id, 'TCK-' || lpad(id::text, 6, '0'), email_id, subject, priority, execution_id, COALESCE(at, NOW()::timestamp)
        FROM input ORDER BY position
        RETURNING id, ticket_number, email_id`,
  );
  // One ticket per context: their emails are distinct.
  const ticketOf = new Map(tickets.map((ticket) => [ticket.email_id, ticket]));
  const answers: StepAnswer[] = [];
  for (const context of contexts) {
    const ticket = ticketOf.get(context.email.id)!;
    await logStepEvent(context, ticketCreatedEvent(ticket.id, ticket.ticket_number, context.params.priority));
    answers.push({ ok: true, result: { ticket_id: ticket.id, ticket_number: ticket.ticket_number, priority: context.params.priority } });
  }
  return answers;
}

export const createTicket: WorkflowAction<z.output<typeof createTicketParams>> = {
  code: 'create_ticket',
  validate: paramsOf('create_ticket', createTicketParams),
  run: runAlone(createTicketBatch),
  runBatch: createTicketBatch,
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

const transports = new Map<string, Transporter>();
function mailTransport(smtpUrl: string): Transporter {
  let transport = transports.get(smtpUrl);
  if (!transport) {
    transport = createTransport(smtpUrl);
    transports.set(smtpUrl, transport);
  }
  return transport;
}

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
    const transport = context.notify.mailer ?? (context.notify.smtpUrl ? mailTransport(context.notify.smtpUrl) : undefined);
    if (!transport) {
      // The worker's setting, the same on every retry: fail now rather than retry in vain.
      throw permanentError('unavailable', 'notify by e-mail needs an SMTP server: set MAILTRAIL_SMTP_URL (smtp://user:password@host:587) for the worker');
    }
    const info = await transport
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
