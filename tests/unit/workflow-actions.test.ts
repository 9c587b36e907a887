import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../src-main/cli/command-line';
import { queueSettingsFromEnv } from '../../src-main/cli/worker.command';
import { MailtrailError } from '../../src-main/contract/errors';
import { isPermanent, permanentError } from '../../src-main/workflows/actions/action';
import { builtInActions } from '../../src-main/workflows/actions/built-in-actions';
import { parseAmount, parseDueDate, parseInvoiceText } from '../../src-main/workflows/actions/invoice-text';
import { matchKeywords } from '../../src-main/workflows/actions/keywords';
import { DEFAULT_QUEUE_SETTINGS, workflowQueueMigrationSql } from '../../src-main/workflows/queue';

describe('extract_invoice: reading an invoice from subject and body', () => {
  it.each([
    ['Invoice INV-2025-001 - Acme Corp', { invoice_number: 'INV-2025-001', amount: null, currency: null, due_date: null }],
    ['Faktura 48213 fra Jysk Elektro ApS', { invoice_number: '48213', amount: null, currency: null, due_date: null }],
    ['Fakturanr.: 4711\nBeløb: 12.500,00 kr.\nForfaldsdato: 31-01-2026', { invoice_number: '4711', amount: 12500, currency: 'DKK', due_date: '2026-01-31' }],
    ['Invoice no. A-778 for EUR 1,234.56, due 2026-02-28', { invoice_number: 'A-778', amount: 1234.56, currency: 'EUR', due_date: '2026-02-28' }],
    ['Invoice #2025/17: total $ 99.9', { invoice_number: '2025/17', amount: 99.9, currency: 'USD', due_date: null }],
    ['Your order INV-9 ships today; amount 1 250,50', { invoice_number: 'INV-9', amount: 1250.5, currency: null, due_date: null }],
    ['Hello, nothing to see here', { invoice_number: null, amount: null, currency: null, due_date: null }],
  ])('%j', (text, expected) => {
    expect(parseInvoiceText(text)).toEqual(expected);
  });

  it('reads Danish and English thousands and decimals', () => {
    expect(parseAmount('1.234,56')).toBe(1234.56);
    expect(parseAmount('1,234.56')).toBe(1234.56);
    expect(parseAmount('1.234')).toBe(1234);
    expect(parseAmount('12,5')).toBe(12.5);
    expect(parseAmount('1 000 000')).toBe(1000000);
    expect(parseAmount('abc')).toBeNull();
  });

  it('reads due dates day first and refuses days that do not exist', () => {
    expect(parseDueDate('2026-01-31')).toBe('2026-01-31');
    expect(parseDueDate('5.2.2026')).toBe('2026-02-05');
    expect(parseDueDate('31/04/2026')).toBeNull();
    expect(parseDueDate('2026-13-01')).toBeNull();
  });
});

describe('flag_bankruptcy: keyword matching', () => {
  it('finds words that start with a keyword, any case, with the matched text and its context', () => {
    const matches = matchKeywords('Konkursbo Fjordens Fragt A/S - anmeldelse af krav til kurator', ['konkurs', 'kurator', 'bankruptcy']);
    expect(matches).toEqual([
      { keyword: 'konkurs', matched_text: 'Konkursbo', excerpt: 'Konkursbo Fjordens Fragt A/S - anmeldelse af krav…' },
      { keyword: 'kurator', matched_text: 'kurator', excerpt: '…dens Fragt A/S - anmeldelse af krav til kurator' },
    ]);
  });

  it('does not match inside another word, and treats keywords as text, not patterns', () => {
    expect(matchKeywords('Prækonkurs and non-bankruptcy-ish', ['konkurs'])).toEqual([]);
    expect(matchKeywords('Filed for Chapter 11 (bankruptcy)', ['chapter 11', 'a.b'])).toEqual([
      { keyword: 'chapter 11', matched_text: 'Chapter 11', excerpt: 'Filed for Chapter 11 (bankruptcy)' },
    ]);
  });
});

describe('action params', () => {
  const actions = builtInActions();
  const refusal = (code: string, params: unknown) => {
    try {
      actions.get(code).validate(params);
    } catch (error) {
      expect(error).toBeInstanceOf(MailtrailError);
      expect(isPermanent(error)).toBe(true);
      return (error as Error).message;
    }
    throw new Error(`${code} accepted ${JSON.stringify(params)}`);
  };

  it('name the field that is wrong', () => {
    expect(refusal('set_status', {})).toMatch(/^set_status: params\.status: /);
    expect(refusal('set_status', { status: 'x', colour: 'red' })).toMatch(/^set_status: params: .*colour/);
    expect(refusal('link_entity', { entity_type: 'supplier' })).toMatch(/^link_entity: params\.entity_type: /);
    expect(refusal('link_entity', { entity_type: 'vendor', entity_id: -3 })).toMatch(/^link_entity: params\.entity_id: /);
    expect(refusal('create_ticket', { priority: 'asap' })).toMatch(/^create_ticket: params\.priority: /);
    expect(refusal('notify', { channel: 'webhook', url: 'ftp://example.com/x' })).toMatch(/^notify: params\.url: must be an http/);
    expect(refusal('notify', { channel: 'email', to: 'not an address' })).toMatch(/^notify: params\.to: /);
    expect(refusal('notify', { channel: 'pigeon' })).toMatch(/^notify: params\.channel: /);
    expect(refusal('flag_bankruptcy', { keywords: [] })).toMatch(/^flag_bankruptcy: params\.keywords: /);
  });

  it('fill in defaults', () => {
    expect(actions.get('create_ticket').validate({})).toEqual({ priority: 'normal' });
    expect(actions.get('link_entity').validate({ entity_type: 'customer' })).toEqual({ entity_type: 'customer', create_missing: true });
    expect(actions.get('extract_invoice').validate(undefined)).toEqual({});
  });

  it('an unknown action code is refused with the list of known ones', () => {
    expect(() => actions.get('send_fax')).toThrow('unknown action "send_fax"; the actions are create_ticket, extract_invoice, flag_bankruptcy, link_entity, notify, set_status');
  });

  it('retry what another attempt may mend, not what it cannot', () => {
    expect(isPermanent(new MailtrailError('unavailable', 'the webhook answered 503'))).toBe(false);
    expect(isPermanent(new MailtrailError('not_found', 'email 7 has no row'))).toBe(true);
    expect(isPermanent(permanentError('unavailable', 'no SMTP server set'))).toBe(true);
    expect(isPermanent(new Error('plain'))).toBe(false);
  });

  it('a hub adds its own action; a code is registered once', () => {
    const registry = builtInActions().register({ code: 'archive', validate: () => ({}), run: async () => ({}) });
    expect(registry.codes()).toContain('archive');
    expect(() => registry.register({ code: 'notify', validate: () => ({}), run: async () => ({}) })).toThrow('an action notify is already registered');
  });
});

describe('the queue and the worker command', () => {
  it('installs pg-boss\'s schema inside the migration\'s own transaction', () => {
    const text = workflowQueueMigrationSql();
    expect(text).toContain('CREATE SCHEMA IF NOT EXISTS pgboss');
    expect(text).not.toMatch(/^\s*(BEGIN|COMMIT);/m);
    expect(text).toContain(`create_queue('mailtrail_workflow_execution'`);
  });

  it('reads its timing from the environment and says which variable is wrong', () => {
    expect(queueSettingsFromEnv({})).toEqual(DEFAULT_QUEUE_SETTINGS);
    expect(queueSettingsFromEnv({ MAILTRAIL_WORKER_EXPIRE_SECONDS: '3', MAILTRAIL_WORKER_RETRY_DELAY_SECONDS: '0' })).toMatchObject({
      expireInSeconds: 3,
      retryDelaySeconds: 0,
      retryBackoff: false,
    });
    expect(() => queueSettingsFromEnv({ MAILTRAIL_WORKER_RETRY_LIMIT: 'lots' })).toThrow('MAILTRAIL_WORKER_RETRY_LIMIT must be a whole number from 0 to 100, not "lots"');
  });

  it('parses `mailtrail worker`', () => {
    expect(parseCommandLine(['worker', '--db', 'postgres://h/db', '--concurrency', '8'])).toEqual({ command: 'worker', db: 'postgres://h/db', adminDb: undefined, concurrency: 8, backups: true });
    expect(parseCommandLine(['worker'])).toMatchObject({ command: 'worker', concurrency: 4 });
  });
});
