import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as electron from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_CONNECTION_REMOVE_CHANNEL,
  ADMIN_CONNECTION_SAVE_CHANNEL,
  WORKFLOW_ENGINE_GET_CHANNEL,
  WORKFLOW_ENGINE_SET_CHANNEL,
} from '../../src-main/contract/admin-connection';
import { MailtrailError } from '../../src-main/contract/errors';
import { startDesktopApp, type OpenedSource } from '../../src-main/electron/main/desktop-app';
import { createDesktopEngine, ENGINE_APPLICATION_NAME, startDesktopWorkflowEngine, type RunningEngine } from '../../src-main/electron/main/desktop-engine';
import { SETTINGS_FILE } from '../../src-main/electron/settings/settings-store';
import { createEmailActivityLogger } from '../../src-main/logger/email-activity-logger';
import { openLogSource } from '../../src-main/source/open-source';
import { createTestDatabase, type TestDatabase } from '../support/database';
import type { FakeElectron } from './electron-fake';

vi.mock('electron', async () => (await import('./electron-fake')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

/** An engine that only records what happened to it. */
function recordingStart(log: string[], { failOn }: { failOn?: string } = {}) {
  let running = 0;
  let most = 0;
  const start = async (url: string): Promise<RunningEngine> => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (url === failOn) throw new MailtrailError('unavailable', `database "${url}" has no workflow tables`);
    running++;
    most = Math.max(most, running);
    log.push(`start ${url}`);
    return {
      async stop(timeoutMs) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        log.push(`stop ${url} (${timeoutMs} ms)`);
      },
    };
  };
  return { start, most: () => most };
}

describe('the desktop app\'s workflow engine, on its own', () => {
  it('starts on an admin connection, restarts on another, stops without one or when turned off', async () => {
    const log: string[] = [];
    const warnings: string[] = [];
    const engine = createDesktopEngine({ start: recordingStart(log).start, warn: (line) => warnings.push(line), stopTimeoutMs: 1234 });
    await engine.apply('postgres://a/hub', true);
    await engine.apply('postgres://a/hub', true);
    expect(engine.runningOn()).toBe('postgres://a/hub');
    await engine.apply('postgres://b/hub', true);
    await engine.apply('postgres://b/hub', false);
    expect(engine.runningOn()).toBeNull();
    await engine.apply('postgres://b/hub', true);
    await engine.apply(null, true);
    expect(log).toEqual([
      'start postgres://a/hub',
      'stop postgres://a/hub (1234 ms)',
      'start postgres://b/hub',
      'stop postgres://b/hub (1234 ms)',
      'start postgres://b/hub',
      'stop postgres://b/hub (1234 ms)',
    ]);
    expect(warnings).toEqual([]);
  });

  it('takes changes one at a time, so two quick saves never leave two engines', async () => {
    const log: string[] = [];
    const recording = recordingStart(log);
    const engine = createDesktopEngine({ start: recording.start, warn: () => undefined });
    await Promise.all([engine.apply('postgres://a/hub', true), engine.apply('postgres://b/hub', true), engine.apply('postgres://c/hub', true)]);
    expect(recording.most()).toBe(1);
    expect(engine.runningOn()).toBe('postgres://c/hub');
    await engine.stop();
  });

  it('says why it did not start, runs on without it, and starts nothing once stopped for quitting', async () => {
    const log: string[] = [];
    const warnings: string[] = [];
    const engine = createDesktopEngine({ start: recordingStart(log, { failOn: 'postgres://old/hub' }).start, warn: (line) => warnings.push(line) });
    await engine.apply('postgres://old/hub', true);
    expect(engine.runningOn()).toBeNull();
    expect(warnings).toEqual(['workflow engine not started: database "postgres://old/hub" has no workflow tables']);
    await engine.apply('postgres://a/hub', true);
    await engine.stop();
    await engine.apply('postgres://a/hub', true);
    expect(engine.runningOn()).toBeNull();
    expect(log).toEqual(['start postgres://a/hub', 'stop postgres://a/hub (10000 ms)']);
  });
});

describe('the workflow engine in the desktop app (issue 16), against the fake electron module and a real database', () => {
  let db: TestDatabase;
  let rendererDir: string;
  const ownWindow = { senderFrame: { url: 'app://mailtrail/index.html', parent: null } };
  const call = (channel: string, payload?: unknown) => {
    const handler = fake.ipcMain.handlers.get(channel);
    if (!handler) throw new Error(`no handler on ${channel}`);
    return handler(ownWindow, payload) as Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }>;
  };
  const engines: string[] = [];
  let loggedBefore = 0;
  const withoutPassword = (url: string) => {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  };

  /** A new invoice email and its classified event, as the hub logs them. */
  async function classifiedInvoice(number: string): Promise<number> {
    const { rows } = await db.writable.query<{ id: number }>(
      `INSERT INTO email_messages (subject, sender_email, status) VALUES ($1, 'faktura@acme-desktop.example', 'active') RETURNING id`,
      [`Invoice ${number} from Acme`],
    );
    const emailId = Number(rows[0]!.id);
    await createEmailActivityLogger(db.writable).logClassified(emailId, 'invoice', 0.93, 'ai');
    return emailId;
  }
  const engineSessions = async () =>
    Number(
      (
        await db.writable.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`, [
          ENGINE_APPLICATION_NAME,
        ])
      ).rows[0]!.n,
    );
  /**
   * No engine is connected: none of its sessions is left in the database (a closed session leaves
   * pg_stat_activity a moment after its socket closes). Without a session nothing can run a workflow,
   * so what is checked after this needs no wait.
   */
  const noEngineConnected = () => expect.poll(engineSessions, { timeout: 10_000 }).toBe(0);
  const executionsOf = async (emailId: number) =>
    (await db.writable.query<{ status: string }>(`SELECT status FROM email_workflow_executions WHERE email_id = $1`, [emailId])).rows.map((row) => row.status);

  beforeAll(async () => {
    db = await createTestDatabase();
    rendererDir = mkdtempSync(join(tmpdir(), 'mailtrail-renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Mailtrail</title>');
    await startDesktopApp({
      openSource: async (options): Promise<OpenedSource> => {
        const source = await openLogSource(options);
        return { ...source, kind: source.store.source.kind };
      },
      preloadPath: '/app/out/preload/index.cjs',
      rendererDir,
      argv: ['.', `--db=${db.url}`],
      syncWorkerUrl: new URL('../../src-main/electron/offline/sync.worker.ts', import.meta.url),
      // The real engine, noting which connection each one ran on.
      startEngine: async (url, note) => {
        engines.push(withoutPassword(url));
        return startDesktopWorkflowEngine(url, note);
      },
    });
  }, 60_000);
  afterAll(async () => {
    rmSync(rendererDir, { recursive: true, force: true });
    rmSync(fake.userData, { recursive: true, force: true });
    await db?.drop();
  });

  it('runs no workflows while no admin connection is saved', async () => {
    loggedBefore = await classifiedInvoice('INV-2025-0001');
    expect(engines).toEqual([]);
    await noEngineConnected();
    expect(await executionsOf(loggedBefore)).toEqual([]);
    await expect(call(WORKFLOW_ENGINE_GET_CHANNEL)).resolves.toEqual({ ok: true, value: { enabled: true, running: false, problem: null } });
  });

  it('runs them once the admin connection is saved, the events logged before included', async () => {
    const saved = await call(ADMIN_CONNECTION_SAVE_CHANNEL, { url: db.url });
    expect(saved).toMatchObject({ ok: true });
    expect(engines).toEqual([withoutPassword(db.url)]);
    const emailId = await classifiedInvoice('INV-2025-0002');
    await expect.poll(() => executionsOf(emailId), { timeout: 15_000 }).toEqual(['completed']);
    // The watcher reads on from where it stood: what was logged while no engine ran is run now.
    await expect.poll(() => executionsOf(loggedBefore), { timeout: 15_000 }).toEqual(['completed']);
    const { rows } = await db.writable.query(`SELECT status FROM email_messages WHERE id = $1`, [emailId]);
    expect(rows[0]).toEqual({ status: 'processed' });
    // What noEngineConnected looks for is there while an engine runs.
    expect(await engineSessions()).toBeGreaterThan(0);
    await expect(call(WORKFLOW_ENGINE_GET_CHANNEL)).resolves.toEqual({ ok: true, value: { enabled: true, running: true, problem: null } });
  }, 30_000);

  it('turns off and on through the setting, which the settings file keeps', async () => {
    await expect(call(WORKFLOW_ENGINE_SET_CHANNEL, { enabled: false })).resolves.toEqual({ ok: true, value: { enabled: false, running: false, problem: null } });
    expect(JSON.parse(readFileSync(join(fake.userData, SETTINGS_FILE), 'utf8')).workflowEngine).toBe(false);
    await noEngineConnected();
    const off = await classifiedInvoice('INV-2025-0010');
    expect(await executionsOf(off)).toEqual([]);
    await expect(call(WORKFLOW_ENGINE_SET_CHANNEL, { enabled: 'no' })).resolves.toMatchObject({ ok: false, error: { code: 'bad_request' } });
    await expect(call(WORKFLOW_ENGINE_SET_CHANNEL, { enabled: true })).resolves.toEqual({ ok: true, value: { enabled: true, running: true, problem: null } });
    await expect.poll(() => executionsOf(off), { timeout: 15_000 }).toEqual(['completed']);
    expect(engines).toHaveLength(2);
  }, 30_000);

  it('stops when the admin connection is removed', async () => {
    await expect(call(ADMIN_CONNECTION_REMOVE_CHANNEL)).resolves.toEqual({ ok: true, value: null });
    await noEngineConnected();
    const emailId = await classifiedInvoice('INV-2025-0003');
    expect(await executionsOf(emailId)).toEqual([]);
  }, 30_000);

  it('stops before the app quits', async () => {
    await call(ADMIN_CONNECTION_SAVE_CHANNEL, { url: db.url });
    expect(engines).toHaveLength(3);
    fake.app.emit('before-quit', { preventDefault: vi.fn() });
    await vi.waitFor(() => expect(fake.app.quit).toHaveBeenCalled(), { timeout: 20_000 });
    // The engine and its pool are gone: the database has no session of the engine's (nor pg-boss's, which shares its pool) left.
    await noEngineConnected();
    const emailId = await classifiedInvoice('INV-2025-0004');
    expect(await executionsOf(emailId)).toEqual([]);
  }, 30_000);
});
