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
import { copyTimestamp } from '../../logger/batch-writer';
import {
  ActionRegistry,
  logStepEvent,
  paramsOf,
  permanentError,
  runAlone,
  type ActionContext,
  type EmailForAction,
  type StepAnswer,
  type WorkflowAction,
} from './action';
import { parseInvoiceText } from './invoice-text';
import { BANKRUPTCY_KEYWORDS, matchKeywords } from './keywords';

/** Subject and body, as the text the parsers read. */
const mailText = (context: { email: EmailForAction }) => [context.email.subject ?? '', context.email.body ?? ''].join('\n');
/** A param value in a preview's sentence. */
const quoted = (value: unknown) => JSON.stringify(value);
/** The step's time for a created_at column; null leaves it to the database's clock. */
const atOf = (context: ActionContext<unknown>) => (context.at ? copyTimestamp(context.at) : null);
const failed = (error: MailtrailError): StepAnswer => ({ ok: false, error });

// Each action's params are defined once, in the contract (the editor checks steps with the same zod).
const setStatusParams = BUILT_IN_ACTION_PARAMS.set_status;

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
  params: setStatusParams,
  async preview({ params, email }) {
    const from = email.status ?? 'none';
    const details = { old_status: from, new_status: params.status };
    if (from === params.status) return { outcome: 'no_change', summary: `status is ${quoted(from)} already: nothing to change`, details };
    return { outcome: 'would_run', summary: `status ${quoted(from)} → ${quoted(params.status)}`, details, email: { status: params.status } };
  },
  run: runAlone(setStatusBatch),
  runBatch: setStatusBatch,
};

const extractInvoiceParams = BUILT_IN_ACTION_PARAMS.extract_invoice;

const noInvoiceNumber = (email: EmailForAction) =>
  `no invoice number in the subject${email.body === null ? ' (email_messages has no body column)' : ' or body'} of email ${email.id}`;

async function extractInvoiceBatch(contexts: ActionContext<z.output<typeof extractInvoiceParams>>[]): Promise<StepAnswer[]> {
  const answers: StepAnswer[] = [];
  const found: { index: number; context: (typeof contexts)[number]; fields: ReturnType<typeof parseInvoiceText> & { invoice_number: string } }[] = [];
  for (const [index, context] of contexts.entries()) {
    const fields = parseInvoiceText(mailText(context));
    if (fields.invoice_number === null) {
      answers[index] = failed(new MailtrailError('bad_request', noInvoiceNumber(context.email)));
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
  params: extractInvoiceParams,
  async preview({ email }) {
    const fields = parseInvoiceText(mailText({ email }));
    if (fields.invoice_number === null) return { outcome: 'would_fail', summary: noInvoiceNumber(email), details: { ...fields } };
    const amount = fields.amount === null ? 'no amount' : `${fields.amount}${fields.currency ? ` ${fields.currency}` : ''}`;
    return { outcome: 'would_run', summary: `invoice ${fields.invoice_number}, ${amount}, due ${fields.due_date ?? 'not said'}`, details: { ...fields } };
  },
  run: runAlone(extractInvoiceBatch),
  runBatch: extractInvoiceBatch,
};

const linkEntityParams = BUILT_IN_ACTION_PARAMS.link_entity;
type Entity = { id: number; name: string };
/** An entity as the batch finds it, keyed by type and domain. */
type LinkedEntity = Entity & { entity_type: string; domain: string | null };

/** The lookups run() and preview() share: an entity by id, or by the sender's domain. */
const entityById = async (db: ReadableDb | WritableClient, type: string, id: number): Promise<Entity | undefined> =>
  (await query<Entity>(db, sql`SELECT id, name FROM email_entities WHERE id = ${id} AND entity_type = ${type}`))[0];
const entityByDomain = async (db: ReadableDb | WritableClient, type: string, domain: string): Promise<Entity | undefined> =>
  (await query<Entity>(db, sql`SELECT id, name FROM email_entities WHERE entity_type = ${type} AND lower(domain) = ${domain}`))[0];
const senderDomain = (email: EmailForAction): string | undefined => email.sender_email?.split('@')[1]?.trim().toLowerCase() || undefined;
const noEntityWithId = (type: string, id: number) => `no ${type} with id ${id} in email_entities`;
const noSender = (email: EmailForAction, type: string) => `email ${email.id} has no sender address to find its ${type} by; give params.entity_id`;
const noEntityWithDomain = (type: string, domain: string) => `no ${type} has the sender domain ${domain}; add one to email_entities or set create_missing`;

async function linkEntityBatch(contexts: ActionContext<z.output<typeof linkEntityParams>>[]): Promise<StepAnswer[]> {
  const db = contexts[0]!.db;
  const answers: StepAnswer[] = [];
  const entities: (LinkedEntity | undefined)[] = [];
  const byId: number[] = [];
  const byDomain: { index: number; domain: string }[] = [];
  for (const [index, context] of contexts.entries()) {
    const { entity_type, entity_id } = context.params;
    if (entity_id !== undefined) {
      byId.push(index);
      continue;
    }
    const domain = senderDomain(context.email);
    if (domain) byDomain.push({ index, domain });
    else answers[index] = failed(new MailtrailError('bad_request', noSender(context.email, entity_type)));
  }
  if (byId.length > 0) {
    const rows = await query<LinkedEntity>(
      db,
      sql`SELECT id, name, entity_type, domain FROM email_entities WHERE id = ANY(${byId.map((index) => contexts[index]!.params.entity_id!)}::int[])`,
    );
    for (const index of byId) {
      const { entity_type, entity_id } = contexts[index]!.params;
      const entity = rows.find((row) => row.id === entity_id && row.entity_type === entity_type);
      if (entity) entities[index] = entity;
      else answers[index] = failed(new MailtrailError('not_found', noEntityWithId(entity_type, entity_id!)));
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
    const rows = await query<LinkedEntity>(
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
      else answers[index] = failed(new MailtrailError('not_found', noEntityWithDomain(entity_type, domain)));
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
  run: runAlone(linkEntityBatch),
  runBatch: linkEntityBatch,
};

const createTicketParams = BUILT_IN_ACTION_PARAMS.create_ticket;
const ticketSubject = (params: { subject?: string | undefined }, email: EmailForAction) => params.subject ?? email.subject ?? `Email ${email.id}`;

async function createTicketBatch(contexts: ActionContext<z.output<typeof createTicketParams>>[]): Promise<StepAnswer[]> {
  const subjects = contexts.map((c) => ticketSubject(c.params, c.email));
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
  params: createTicketParams,
  async preview({ params, email }) {
    const subject = ticketSubject(params, email);
    // Its number is drawn from the sequence when it is created; drawing one here would be a write.
    return { outcome: 'would_run', summary: `open a ${params.priority} ticket ${quoted(subject)}`, details: { subject, priority: params.priority, email_id: email.id } };
  },
  run: runAlone(createTicketBatch),
  runBatch: createTicketBatch,
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
    const transport = context.notify.mailer ?? (context.notify.smtpUrl ? mailTransport(context.notify.smtpUrl) : undefined);
    if (!transport) {
      // The worker's setting, the same on every retry: fail now rather than retry in vain.
      throw permanentError('unavailable', 'notify by e-mail needs an SMTP server: set MAILTRAIL_SMTP_URL (smtp://user:password@host:587) for the worker');
    }
    const info = await transport
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
