import type { EventCategory } from '../contract/taxonomy';

/** One event as the log stores it, minus who and when: the shape every writer starts from. */
export interface ActivityEntry<Metadata extends object = Record<string, unknown>> {
  event_type: string;
  event_category: EventCategory;
  description: string;
  metadata: Metadata;
}

export type FetchSource = 'imap' | 'graph' | (string & {});
export type ClassificationMethod = 'ai' | 'keyword' | (string & {});
export type WorkflowStatus = 'completed' | 'failed' | (string & {});

/** `0.85` -> `85`: the seed writes confidence as a whole percentage. */
export const confidencePercent = (confidence: number): number => Math.round(confidence * 100);

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

export function fetchedEvent(source: FetchSource, messageId: string): ActivityEntry<{ source: string; message_id: string }> {
  return {
    event_type: 'fetched',
    event_category: 'system',
    description: 'Email fetched from email server',
    metadata: { source, message_id: messageId },
  };
}

export function classifiedEvent(
  classification: string,
  confidence: number,
  method: ClassificationMethod,
): ActivityEntry<{ classification: string; confidence: number; method: string }> {
  return {
    event_type: 'classified',
    event_category: 'system',
    description: `Classified as ${classification} (confidence: ${confidencePercent(confidence)}%)`,
    metadata: { classification, confidence, method },
  };
}

/** The seed's five fields; `execution_id` after them where the run has a row in email_workflow_executions. */
export function workflowExecutedEvent(
  workflowId: number,
  workflowName: string,
  status: WorkflowStatus,
  stepsCompleted: number,
  executionTimeMs: number,
  executionId?: number,
): ActivityEntry<{ workflow_id: number; workflow_name: string; status: string; steps_completed: number; execution_time_ms: number; execution_id?: number }> {
  return {
    event_type: 'workflow_executed',
    event_category: 'workflow',
    description: `Workflow '${workflowName}' ${status} (${plural(stepsCompleted, 'step')}, ${executionTimeMs} ms)`,
    metadata: {
      workflow_id: workflowId,
      workflow_name: workflowName,
      status,
      steps_completed: stepsCompleted,
      execution_time_ms: executionTimeMs,
      ...(executionId === undefined ? {} : { execution_id: executionId }),
    },
  };
}

export function ruleMatchedEvent(
  ruleId: number,
  ruleName: string,
  action?: string,
): ActivityEntry<{ rule_id: number; rule_name: string; action?: string }> {
  return {
    event_type: 'rule_matched',
    event_category: 'rule',
    description: action === undefined ? `Rule matched: ${ruleName}` : `Rule matched: ${ruleName} (action: ${action})`,
    metadata: action === undefined ? { rule_id: ruleId, rule_name: ruleName } : { rule_id: ruleId, rule_name: ruleName, action },
  };
}

export function statusChangedEvent(
  oldStatus: string,
  newStatus: string,
  reason?: string,
): ActivityEntry<{ old_status: string; new_status: string; reason?: string }> {
  const change = `Status changed from ${oldStatus} to ${newStatus}`;
  return {
    event_type: 'status_changed',
    event_category: 'system',
    description: reason === undefined ? change : `${change} (${reason})`,
    metadata: reason === undefined ? { old_status: oldStatus, new_status: newStatus } : { old_status: oldStatus, new_status: newStatus, reason },
  };
}

export function errorEvent(
  errorType: string,
  errorMessage: string,
  context?: Record<string, unknown>,
): ActivityEntry<{ error_type: string; error_message: string; context?: Record<string, unknown> }> {
  return {
    event_type: 'error',
    event_category: 'system',
    description: `Error (${errorType}): ${errorMessage}`,
    metadata: context === undefined ? { error_type: errorType, error_message: errorMessage } : { error_type: errorType, error_message: errorMessage, context },
  };
}

export function readEvent(username: string): ActivityEntry<{ username: string }> {
  return {
    event_type: 'read',
    event_category: 'user',
    description: `Email read by ${username}`,
    metadata: { username },
  };
}

export function attachmentDownloadedEvent(
  username: string,
  filename: string,
  sizeBytes: number,
): ActivityEntry<{ username: string; filename: string; size_bytes: number }> {
  return {
    event_type: 'attachment_downloaded',
    event_category: 'user',
    description: `Attachment downloaded: ${filename}`,
    metadata: { username, filename, size_bytes: sizeBytes },
  };
}

export function attachmentUploadedEvent(
  username: string,
  filename: string,
  sizeBytes: number,
): ActivityEntry<{ username: string; filename: string; size_bytes: number }> {
  return {
    event_type: 'attachment_uploaded',
    event_category: 'user',
    description: `Attachment uploaded: ${filename}`,
    metadata: { username, filename, size_bytes: sizeBytes },
  };
}

export function linkedEvent(
  entityType: string,
  entityId: number,
  entityName: string,
): ActivityEntry<{ entity_type: string; entity_id: number; entity_name: string }> {
  return {
    event_type: 'linked',
    event_category: 'integration',
    description: `Linked to ${entityType}: ${entityName}`,
    metadata: { entity_type: entityType, entity_id: entityId, entity_name: entityName },
  };
}

export function invoiceExtractedEvent(
  invoiceNumber: string,
  amount: number,
  success: boolean,
): ActivityEntry<{ invoice_number: string; amount: number; success: boolean }> {
  return {
    event_type: 'invoice_extracted',
    event_category: 'integration',
    description: success
      ? `Invoice ${invoiceNumber} extracted (amount: ${amount.toFixed(2)})`
      : `Invoice extraction failed for ${invoiceNumber}`,
    metadata: { invoice_number: invoiceNumber, amount, success },
  };
}

export function ticketCreatedEvent(
  ticketId: number,
  ticketNumber: string,
  priority: string,
): ActivityEntry<{ ticket_id: number; ticket_number: string; priority: string }> {
  return {
    event_type: 'ticket_created',
    event_category: 'integration',
    description: `Support ticket ${ticketNumber} created (priority: ${priority})`,
    metadata: { ticket_id: ticketId, ticket_number: ticketNumber, priority },
  };
}

export function notificationSentEvent(
  channel: string,
  recipient: string,
  reason?: string,
): ActivityEntry<{ channel: string; recipient: string; reason?: string }> {
  const sent = `Notification sent to ${recipient} via ${channel}`;
  return {
    event_type: 'notification_sent',
    event_category: 'integration',
    description: reason === undefined ? sent : `${sent}: ${reason}`,
    metadata: reason === undefined ? { channel, recipient } : { channel, recipient, reason },
  };
}
