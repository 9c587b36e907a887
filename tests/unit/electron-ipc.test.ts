import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-main/contract/errors';
import { channelOf, OPERATION_NAMES, type MailtrailService } from '../../src-main/contract/operations';
import { deferredService, registerIpcHandlers, type IpcSenderEvent } from '../../src-main/electron/ipc';
import { createLogService } from '../../src-main/service/log-service';
import { createPostgresLogStore } from '../../src-main/store/postgres/postgres-log-store';
import { createTestDatabase, type TestDatabase } from '../support/database';

type Handler = (event: IpcSenderEvent, payload: unknown) => Promise<Result<unknown>>;

/** Records handlers as Electron's ipcMain does, refusing a second handler on one channel. */
function recordingIpcMain() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle(channel: string, listener: Handler) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
  };
}

const ownWindow: IpcSenderEvent = { senderFrame: { url: 'app://mailtrail/index.html#/emails/123', parent: null } };

// A real service over a real PostgreSQL database: the handlers are checked end to end.
describe('the IPC handlers', () => {
  let db: TestDatabase;
  let service: MailtrailService;
  const ipcMain = recordingIpcMain();
  const call = (operation: string, event: IpcSenderEvent, payload: unknown) => {
    const handler = ipcMain.handlers.get(`mailtrail:${operation}`);
    if (!handler) throw new Error(`no handler for ${operation}`);
    return handler(event, payload);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(`
      INSERT INTO email_messages (id, subject, sender_email, received_date) VALUES (123, 'Faktura INV-2025-001', 'billing@acme.example', '2025-12-15 10:29:58');
      INSERT INTO email_activity_log (email_id, event_type, event_category, description, metadata, created_at, created_by) VALUES
        (123, 'fetched', 'system', 'Email fetched from email server', '{"source": "imap"}', '2025-12-15 10:30:00', 'system'),
        (123, 'classified', 'system', 'Classified as invoice (confidence: 85%)', '{"confidence": 0.85}', '2025-12-15 10:30:02', 'system');
    `);
    service = createLogService(createPostgresLogStore(db.readable, { kind: 'postgres', label: 'ipc test' }));
    registerIpcHandlers(ipcMain, service);
  });
  afterAll(() => db.drop());

  it('handle exactly one namespaced channel per contract operation', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual(OPERATION_NAMES.map(channelOf).sort());
  });

  it('answer a good call from the app\'s own window with the service\'s value', async () => {
    const result = await call('emails/timeline', ownWindow, { emailId: 123 });
    expect(result.ok).toBe(true);
    const page = (result as { ok: true; value: { items: { event_type: string }[] } }).value;
    expect(page.items.map((event) => event.event_type)).toEqual(['classified', 'fetched']);
  });

  it.each([
    ['a web page', { senderFrame: { url: 'https://evil.example/page', parent: null } }, 'https://evil.example'],
    ['a file:// page', { senderFrame: { url: 'file:///tmp/evil.html', parent: null } }, 'file://'],
    ['an iframe inside the app', { senderFrame: { url: 'app://mailtrail/index.html', parent: {} } }, 'app://mailtrail'],
    ['a destroyed frame', { senderFrame: null }, 'an unknown frame'],
  ])('refuse a call from %s, as a value', async (_name, event, origin) => {
    const result = await call('emails/timeline', event, { emailId: 123 });
    expect(result).toEqual({
      ok: false,
      error: { name: 'MailtrailError', code: 'bad_request', message: expect.stringContaining(`came from ${origin}`) },
    });
  });

  it('refuse a malformed payload with a message naming the field', async () => {
    const result = await call('emails/timeline', ownWindow, { emailId: 'abc' });
    expect(result).toEqual({ ok: false, error: { name: 'MailtrailError', code: 'bad_request', message: expect.stringMatching(/^emailId: /) } });
    const unknownField = await call('emails/timeline', ownWindow, { emailId: 123, sql: 'DROP TABLE x' });
    expect(unknownField).toEqual({ ok: false, error: expect.objectContaining({ code: 'bad_request', message: expect.stringContaining('sql') }) });
    const notAnObject = await call('activity/recent', ownWindow, 'limit=5');
    expect(notAnObject).toEqual({ ok: false, error: expect.objectContaining({ code: 'bad_request' }) });
  });

  it('refuse a NUL, deep nesting and a cycle as bad_request values, as HTTP does (issue 12, item 2)', async () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    let deep: unknown = 'system';
    for (let level = 0; level < 10_000; level++) deep = [deep];
    const refusals = [
      [{ text: '\u0000' }, /^text: the text may not contain a NUL character/],
      [{ metadata: [{ key: 'source', value: 'imap\u0000' }] }, /^metadata\.0\.value: .*NUL/],
      [{ eventCategories: [deep] }, /nests deeper than 64 levels/],
      [{ eventCategories: [cycle] }, /nests deeper than 64 levels/],
    ] as const;
    for (const [payload, message] of refusals) {
      const result = await call('activity/recent', ownWindow, payload);
      expect(result).toEqual({ ok: false, error: { name: 'MailtrailError', code: 'bad_request', message: expect.stringMatching(message) } });
    }
  });

  it('return a not-found error as a value for an unknown email', async () => {
    const result = await call('emails/get', ownWindow, { emailId: 99_999 });
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'MailtrailError', code: 'not_found' }) });
  });

  it('can be removed and registered again', () => {
    const other = recordingIpcMain();
    const remove = registerIpcHandlers(other, service, { isTrustedSender: () => true });
    expect(other.handlers.size).toBe(OPERATION_NAMES.length);
    remove();
    expect(other.handlers.size).toBe(0);
    registerIpcHandlers(other, service);
    expect(other.handlers.size).toBe(OPERATION_NAMES.length);
  });

  it('answer every call with the failure when the data source could not be opened', async () => {
    const failing = Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1'));
    const other = recordingIpcMain();
    registerIpcHandlers(other, deferredService(failing));
    const result = await other.handlers.get('mailtrail:source/status')?.(ownWindow, {});
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ name: 'MailtrailError' }) });
  });

  it('wait for a data source that is still opening', async () => {
    let open: (service: MailtrailService) => void = () => undefined;
    const other = recordingIpcMain();
    registerIpcHandlers(other, deferredService(new Promise((resolve) => (open = resolve))));
    const pending = other.handlers.get('mailtrail:emails/get')?.(ownWindow, { emailId: 123 });
    open(service);
    await expect(pending).resolves.toEqual({ ok: true, value: expect.objectContaining({ id: 123, subject: 'Faktura INV-2025-001' }) });
  });
});
