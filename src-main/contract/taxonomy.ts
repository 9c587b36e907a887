// The seed's event taxonomy: categories with their colours, and the known event types.
export const EVENT_CATEGORIES = ['system', 'user', 'workflow', 'rule', 'integration'] as const;
export type EventCategory = (typeof EVENT_CATEGORIES)[number];

export const CATEGORY_COLOURS: Record<EventCategory, string> = {
  system: 'blue',
  user: 'green',
  workflow: 'cyan',
  rule: 'yellow',
  integration: 'gray',
};

export const EVENT_TYPES = [
  'fetched',
  'classified',
  'workflow_executed',
  'rule_matched',
  'status_changed',
  'error',
  'read',
  'attachment_downloaded',
  'attachment_uploaded',
  'linked',
  'invoice_extracted',
  'ticket_created',
  'notification_sent',
] as const;

/** Custom event types are allowed (the seed's `log()`); they must still look like an identifier. */
export const EVENT_TYPE_PATTERN = /^[A-Za-z0-9_.:-]{1,50}$/;
