import { describe, expect, it } from 'vitest';
import {
  classifiedEvent,
  errorEvent,
  fetchedEvent,
  invoiceExtractedEvent,
  notificationSentEvent,
  ruleMatchedEvent,
  statusChangedEvent,
  workflowExecutedEvent,
} from '../../src-main/logger/events';

describe('event builders', () => {
  it("describe a fetch and a classification in the seed's words", () => {
    expect(fetchedEvent('imap', 'msg-abc-123')).toEqual({
      event_type: 'fetched',
      event_category: 'system',
      description: 'Email fetched from email server',
      metadata: { source: 'imap', message_id: 'msg-abc-123' },
    });
    expect(classifiedEvent('invoice', 0.85, 'ai').description).toBe('Classified as invoice (confidence: 85%)');
    expect(classifiedEvent('spam', 0.999, 'keyword').description).toBe('Classified as spam (confidence: 100%)');
    expect(classifiedEvent('general', 0.005, 'ai').description).toBe('Classified as general (confidence: 1%)');
  });

  it('count workflow steps in words and keep the analytics keys', () => {
    const one = workflowExecutedEvent(5, 'Bankruptcy Alert', 'failed', 1, 900);
    expect(one.description).toBe("Workflow 'Bankruptcy Alert' failed (1 step, 900 ms)");
    expect(one.event_category).toBe('workflow');
    expect(Object.keys(one.metadata)).toEqual(['workflow_id', 'workflow_name', 'status', 'steps_completed', 'execution_time_ms']);
    expect(workflowExecutedEvent(5, 'X', 'completed', 0, 3).description).toBe("Workflow 'X' completed (0 steps, 3 ms)");
  });

  it('leave optional details out of the metadata when not given', () => {
    expect(statusChangedEvent('active', 'processed')).toEqual({
      event_type: 'status_changed',
      event_category: 'system',
      description: 'Status changed from active to processed',
      metadata: { old_status: 'active', new_status: 'processed' },
    });
    expect(errorEvent('smtp_error', '421').metadata).toEqual({ error_type: 'smtp_error', error_message: '421' });
    expect(ruleMatchedEvent(1, 'Spam filter').metadata).toEqual({ rule_id: 1, rule_name: 'Spam filter' });
    expect(notificationSentEvent('teams', '#support').description).toBe('Notification sent to #support via teams');
  });

  it('describe a failed extraction differently from a successful one', () => {
    expect(invoiceExtractedEvent('INV-1', 1234.5, true).description).toBe('Invoice INV-1 extracted (amount: 1234.50)');
    expect(invoiceExtractedEvent('INV-1', 0, false).description).toBe('Invoice extraction failed for INV-1');
  });
});
