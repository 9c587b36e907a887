import { MailtrailError } from '../contract/errors';
import { EVENT_CATEGORIES, EVENT_TYPE_PATTERN, type EventCategory } from '../contract/taxonomy';
import type { WritableClient, WritableDb } from '../db/connection';
import { query } from '../db/query';
import { sql } from '../db/sql';
import {
  attachmentDownloadedEvent,
  attachmentUploadedEvent,
  classifiedEvent,
  errorEvent,
  fetchedEvent,
  invoiceExtractedEvent,
  linkedEvent,
  notificationSentEvent,
  readEvent,
  ruleMatchedEvent,
  statusChangedEvent,
  ticketCreatedEvent,
  workflowExecutedEvent,
  type ActivityEntry,
  type ClassificationMethod,
  type FetchSource,
  type WorkflowStatus,
} from './events';

export interface LogOptions {
  /** The user who triggered the event; user events (read, attachments) set it themselves. */
  userId?: number | null;
  /** Who or what wrote the event; `system` unless told. */
  createdBy?: string;
}

/** The TypeScript counterpart of the seed's `email_activity_logger`; every method returns the new row's id. */
export interface EmailActivityLogger {
  log(
    emailId: number,
    eventType: string,
    category: EventCategory,
    description: string,
    metadata?: Record<string, unknown> | null,
    options?: LogOptions,
  ): Promise<number>;
  logFetched(emailId: number, source: FetchSource, messageId: string): Promise<number>;
  logClassified(emailId: number, classification: string, confidence: number, method: ClassificationMethod): Promise<number>;
  /** `executionId`, where the run has a row in email_workflow_executions, lets a reader open that run. */
  logWorkflowExecuted(
    emailId: number,
    workflowId: number,
    workflowName: string,
    status: WorkflowStatus,
    stepsCompleted: number,
    executionTimeMs: number,
    executionId?: number,
  ): Promise<number>;
  logRuleMatched(emailId: number, ruleId: number, ruleName: string, action?: string): Promise<number>;
  logStatusChanged(emailId: number, oldStatus: string, newStatus: string, reason?: string): Promise<number>;
  logLinked(emailId: number, entityType: string, entityId: number, entityName: string): Promise<number>;
  logInvoiceExtracted(emailId: number, invoiceNumber: string, amount: number, success: boolean): Promise<number>;
  logError(emailId: number, errorType: string, errorMessage: string, context?: Record<string, unknown>): Promise<number>;
  logRead(emailId: number, userId: number, username: string): Promise<number>;
  logAttachmentDownloaded(emailId: number, userId: number, username: string, filename: string, sizeBytes: number): Promise<number>;
  logAttachmentUploaded(emailId: number, userId: number, username: string, filename: string, sizeBytes: number): Promise<number>;
  logTicketCreated(emailId: number, ticketId: number, ticketNumber: string, priority?: string): Promise<number>;
  logNotificationSent(emailId: number, channel: string, recipient: string, reason?: string): Promise<number>;
}

// The seed's id columns are INTEGER.
const MAX_INT = 2_147_483_647;

const describe = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
};

function invalid(method: string, argument: string, expected: string, value: unknown): MailtrailError {
  return new MailtrailError('bad_request', `${method}: ${argument} must be ${expected}, got ${describe(value)}`);
}

function checkId(method: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_INT) {
    throw invalid(method, argument, `a positive whole number up to ${MAX_INT}`, value);
  }
  return value;
}

function checkText(method: string, argument: string, value: unknown, maxLength = Infinity): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(method, argument, 'a non-empty string', value);
  if (value.length > maxLength) throw invalid(method, argument, `at most ${maxLength} characters`, value);
  return value;
}

function checkOptionalText(method: string, argument: string, value: unknown): string | undefined {
  return value === undefined ? undefined : checkText(method, argument, value);
}

function checkCount(method: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_INT) {
    throw invalid(method, argument, 'a whole number of 0 or more', value);
  }
  return value;
}

function checkNumber(method: string, argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(method, argument, 'a finite number', value);
  return value;
}

function checkObject(method: string, argument: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(method, argument, 'a plain object such as {"key": "value"}', value);
  }
  return value as Record<string, unknown>;
}

function toJson(method: string, argument: string, value: Record<string, unknown>): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new MailtrailError('bad_request', `${method}: ${argument} cannot be stored as JSON (${(error as Error).message})`);
  }
  if (text === undefined) throw invalid(method, argument, 'JSON-serialisable', value);
  return text;
}

/** One checked event as the logger hands it to where it is stored. */
export interface LoggedEvent {
  email_id: number;
  event_type: string;
  event_category: EventCategory;
  description: string;
  /** The metadata as JSON text, or null. */
  metadata_json: string | null;
  user_id: number | null;
  created_by: string;
}

/** `db` a writable pool, or a client in a transaction, so the event commits with the change it records. */
export function createEmailActivityLogger(db: WritableDb | WritableClient): EmailActivityLogger {
  return createEmailActivityLoggerOn(async (event) => {
    const rows = await query<{ id: number }>(
      db,
      sql`INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, user_id, created_by)
          VALUES (${event.email_id}, ${event.event_type}, ${event.event_category}, ${event.description}, ${event.metadata_json}::jsonb, ${event.user_id}, ${event.created_by})
          RETURNING id`,
    );
    return rows[0]!.id;
  });
}

/**
 * The logger's checks over any store: the INSERT above, or a batch that writes many events at
 * once with times of its own (the demo's simulated clock, src-main/workflows/batch.ts).
 */
export function createEmailActivityLoggerOn(store: (event: LoggedEvent) => Promise<number>): EmailActivityLogger {
  async function insert(
    method: string,
    emailId: unknown,
    entry: ActivityEntry<object>,
    metadata: Record<string, unknown> | null,
    options: LogOptions = {},
  ): Promise<number> {
    checkId(method, 'emailId', emailId);
    if (typeof entry.event_type !== 'string' || !EVENT_TYPE_PATTERN.test(entry.event_type)) {
      throw invalid(method, 'eventType', 'an event type such as "error" or "workflow_executed" (letters, digits, _ . : -, at most 50)', entry.event_type);
    }
    if (!(EVENT_CATEGORIES as readonly unknown[]).includes(entry.event_category)) {
      throw invalid(method, 'category', `one of ${EVENT_CATEGORIES.join(', ')}`, entry.event_category);
    }
    checkText(method, 'description', entry.description);
    const optionsObject = checkObject(method, 'options', options) as LogOptions;
    const userId = optionsObject.userId ?? null;
    if (userId !== null) checkId(method, 'options.userId', userId);
    const createdBy = optionsObject.createdBy === undefined ? 'system' : checkText(method, 'options.createdBy', optionsObject.createdBy, 255);
    const metadataJson = metadata === null ? null : toJson(method, 'metadata', metadata);
    return store({
      email_id: emailId as number,
      event_type: entry.event_type,
      event_category: entry.event_category,
      description: entry.description,
      metadata_json: metadataJson,
      user_id: userId,
      created_by: createdBy,
    });
  }

  const write = (method: string, emailId: number, entry: ActivityEntry<object>, options?: LogOptions) =>
    insert(method, emailId, entry, entry.metadata as Record<string, unknown>, options);

  const asUser = (method: string, userId: number, username: string): LogOptions => ({
    userId: checkId(method, 'userId', userId),
    createdBy: checkText(method, 'username', username, 255),
  });

  return {
    async log(emailId, eventType, category, description, metadata, options) {
      const checked = metadata === undefined || metadata === null ? null : checkObject('log', 'metadata', metadata);
      return insert('log', emailId, { event_type: eventType, event_category: category, description, metadata: {} }, checked, options);
    },

    async logFetched(emailId, source, messageId) {
      const m = 'logFetched';
      return write(m, emailId, fetchedEvent(checkText(m, 'source', source), checkText(m, 'messageId', messageId)));
    },

    async logClassified(emailId, classification, confidence, method) {
      const m = 'logClassified';
      checkText(m, 'classification', classification);
      if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) {
        throw invalid(m, 'confidence', 'a number between 0 and 1 (0.85 means 85%)', confidence);
      }
      return write(m, emailId, classifiedEvent(classification, confidence, checkText(m, 'method', method)));
    },

    async logWorkflowExecuted(emailId, workflowId, workflowName, status, stepsCompleted, executionTimeMs, executionId) {
      const m = 'logWorkflowExecuted';
      const entry = workflowExecutedEvent(
        checkId(m, 'workflowId', workflowId),
        checkText(m, 'workflowName', workflowName),
        checkText(m, 'status', status),
        checkCount(m, 'stepsCompleted', stepsCompleted),
        checkCount(m, 'executionTimeMs', executionTimeMs),
        executionId === undefined ? undefined : checkId(m, 'executionId', executionId),
      );
      return write(m, emailId, entry);
    },

    async logRuleMatched(emailId, ruleId, ruleName, action) {
      const m = 'logRuleMatched';
      return write(m, emailId, ruleMatchedEvent(checkId(m, 'ruleId', ruleId), checkText(m, 'ruleName', ruleName), checkOptionalText(m, 'action', action)));
    },

    async logStatusChanged(emailId, oldStatus, newStatus, reason) {
      const m = 'logStatusChanged';
      return write(
        m,
        emailId,
        statusChangedEvent(checkText(m, 'oldStatus', oldStatus), checkText(m, 'newStatus', newStatus), checkOptionalText(m, 'reason', reason)),
      );
    },

    async logLinked(emailId, entityType, entityId, entityName) {
      const m = 'logLinked';
      return write(m, emailId, linkedEvent(checkText(m, 'entityType', entityType), checkId(m, 'entityId', entityId), checkText(m, 'entityName', entityName)));
    },

    async logInvoiceExtracted(emailId, invoiceNumber, amount, success) {
      const m = 'logInvoiceExtracted';
      if (typeof success !== 'boolean') throw invalid(m, 'success', 'true or false', success);
      return write(m, emailId, invoiceExtractedEvent(checkText(m, 'invoiceNumber', invoiceNumber), checkNumber(m, 'amount', amount), success));
    },

    async logError(emailId, errorType, errorMessage, context) {
      const m = 'logError';
      const checkedContext = context === undefined ? undefined : checkObject(m, 'context', context);
      return write(m, emailId, errorEvent(checkText(m, 'errorType', errorType), checkText(m, 'errorMessage', errorMessage), checkedContext));
    },

    async logRead(emailId, userId, username) {
      const m = 'logRead';
      const options = asUser(m, userId, username);
      return write(m, emailId, readEvent(username), options);
    },

    async logAttachmentDownloaded(emailId, userId, username, filename, sizeBytes) {
      const m = 'logAttachmentDownloaded';
      const options = asUser(m, userId, username);
      return write(m, emailId, attachmentDownloadedEvent(username, checkText(m, 'filename', filename), checkCount(m, 'sizeBytes', sizeBytes)), options);
    },

    async logAttachmentUploaded(emailId, userId, username, filename, sizeBytes) {
      const m = 'logAttachmentUploaded';
      const options = asUser(m, userId, username);
      return write(m, emailId, attachmentUploadedEvent(username, checkText(m, 'filename', filename), checkCount(m, 'sizeBytes', sizeBytes)), options);
    },

    async logTicketCreated(emailId, ticketId, ticketNumber, priority = 'normal') {
      const m = 'logTicketCreated';
      return write(m, emailId, ticketCreatedEvent(checkId(m, 'ticketId', ticketId), checkText(m, 'ticketNumber', ticketNumber), checkText(m, 'priority', priority)));
    },

    async logNotificationSent(emailId, channel, recipient, reason) {
      const m = 'logNotificationSent';
      return write(m, emailId, notificationSentEvent(checkText(m, 'channel', channel), checkText(m, 'recipient', recipient), checkOptionalText(m, 'reason', reason)));
    },
  };
}
