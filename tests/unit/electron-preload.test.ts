import * as electron from 'electron';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ADMIN_CONNECTION_GET_CHANNEL,
  ADMIN_CONNECTION_REMOVE_CHANNEL,
  ADMIN_CONNECTION_SAVE_CHANNEL,
  ADMIN_CONNECTION_TEST_CHANNEL,
  WORKFLOW_ENGINE_GET_CHANNEL,
  WORKFLOW_ENGINE_SET_CHANNEL,
  type MailtrailAdminConnectionBridge,
} from '../../src-main/contract/admin-connection';
import { bridgeNameOf, channelOf, OPERATION_NAMES } from '../../src-main/contract/operations';
import {
  REPORT_CANCEL_CHANNEL,
  REPORT_EXPORT_CHANNEL,
  REPORT_OPEN_CHANNEL,
  REPORT_PROGRESS_CHANNEL,
  REPORT_REVEAL_CHANNEL,
  REPORT_VERIFY_FILE_CHANNEL,
  type MailtrailReportBridge,
  type ReportExportProgress,
} from '../../src-main/contract/report-export';
import { SYNC_CANCEL_CHANNEL, SYNC_OPEN_RESULT_CHANNEL, SYNC_PROGRESS_CHANNEL, type MailtrailSyncBridge, type SyncUpdate } from '../../src-main/contract/sync-progress';
import type { FakeElectron } from './electron-fake';

vi.mock('electron', async () => (await import('./electron-fake')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

describe('the preload bridge', () => {
  let bridge: Record<string, unknown>;

  beforeAll(async () => {
    await import('../../src-main/electron/preload/index');
    bridge = fake.contextBridge.exposed.get('mailtrail') as Record<string, unknown>;
  });

  it('exposes window.mailtrail and nothing else', () => {
    expect([...fake.contextBridge.exposed.keys()]).toEqual(['mailtrail']);
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledOnce();
  });

  it('exposes exactly one function per contract operation, the three sync functions, the six admin-connection ones and the six report ones', () => {
    expect(Object.keys(bridge).sort()).toEqual(
      [
        ...OPERATION_NAMES.map(bridgeNameOf),
        'onSyncProgress',
        'cancelSync',
        'openSyncedCache',
        'adminConnection',
        'saveAdminConnection',
        'testAdminConnection',
        'removeAdminConnection',
        'workflowEngine',
        'setWorkflowEngine',
        'exportReport',
        'onReportProgress',
        'cancelReport',
        'verifyReportFile',
        'openReport',
        'revealReport',
      ].sort(),
    );
    for (const value of Object.values(bridge)) expect(typeof value).toBe('function');
  });

  it('never hands out ipcRenderer or a generic send/invoke', () => {
    for (const name of ['ipcRenderer', 'invoke', 'send', 'on', 'sendSync', 'postMessage']) expect(bridge).not.toHaveProperty(name);
    for (const value of Object.values(bridge)) expect(value).not.toBe(fake.ipcRenderer.invoke);
    expect(Object.isFrozen(bridge)).toBe(true);
  });

  it('sends each call on its operation\'s namespaced channel and returns the Result', async () => {
    for (const operation of OPERATION_NAMES) {
      const result = { ok: true, value: { operation } };
      fake.ipcRenderer.invoke.mockResolvedValueOnce(result);
      const call = bridge[bridgeNameOf(operation)] as (request: unknown) => Promise<unknown>;
      await expect(call({ emailId: 7 })).resolves.toBe(result);
      expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(channelOf(operation), { emailId: 7 });
      expect(channelOf(operation)).toBe(`mailtrail:${operation}`);
    }
  });

  it('sends an empty payload for a call without arguments', async () => {
    await (bridge.sourceStatus as (request?: unknown) => Promise<unknown>)();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith('mailtrail:source/status', {});
  });

  it('hands sync progress to the callback without Electron\'s event, until unsubscribed', () => {
    const sync = bridge as unknown as MailtrailSyncBridge;
    const seen: unknown[][] = [];
    const unsubscribe = sync.onSyncProgress((...args) => seen.push(args));
    const update: SyncUpdate = { state: 'started', file: '/home/auditor/Documents/mailtrail-2025-12-15.sqlite' };
    fake.ipcRenderer.emit(SYNC_PROGRESS_CHANNEL, { sender: 'the event' }, update);
    expect(seen).toEqual([[update]]);
    expect(typeof unsubscribe).toBe('function');
    unsubscribe();
    fake.ipcRenderer.emit(SYNC_PROGRESS_CHANNEL, { sender: 'the event' }, update);
    expect(seen).toHaveLength(1);
    expect(fake.ipcRenderer.listeners.get(SYNC_PROGRESS_CHANNEL)).toEqual([]);
  });

  it('asks main to cancel the sync or open its result on the sync channels, naming no file', async () => {
    const sync = bridge as unknown as MailtrailSyncBridge;
    await sync.cancelSync();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(SYNC_CANCEL_CHANNEL);
    await sync.openSyncedCache();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(SYNC_OPEN_RESULT_CHANNEL);
  });

  it('sends the admin-connection calls on their own channels (issue 13, item 2)', async () => {
    const admin = bridge as unknown as MailtrailAdminConnectionBridge;
    await admin.adminConnection();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(ADMIN_CONNECTION_GET_CHANNEL, undefined);
    const input = { url: 'postgres://mailtrail_admin@db.example/hub', password: 'secret' };
    await admin.saveAdminConnection(input);
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(ADMIN_CONNECTION_SAVE_CHANNEL, input);
    await admin.testAdminConnection();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(ADMIN_CONNECTION_TEST_CHANNEL, null);
    await admin.removeAdminConnection();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(ADMIN_CONNECTION_REMOVE_CHANNEL, undefined);
    await admin.workflowEngine();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(WORKFLOW_ENGINE_GET_CHANNEL, undefined);
    await admin.setWorkflowEngine({ enabled: false });
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(WORKFLOW_ENGINE_SET_CHANNEL, { enabled: false });
  });

  it('sends the report calls on their own channels: a request or a report id, never a path (issue 14, item 4)', async () => {
    const reports = bridge as unknown as MailtrailReportBridge;
    const request = { scope: { kind: 'email' as const, emailId: 42 }, format: 'csv' as const, title: 'Email 42' };
    await reports.exportReport(request);
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(REPORT_EXPORT_CHANNEL, request);
    await reports.cancelReport();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(REPORT_CANCEL_CHANNEL);
    await reports.verifyReportFile();
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(REPORT_VERIFY_FILE_CHANNEL);
    await reports.openReport('5f0c');
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(REPORT_OPEN_CHANNEL, { id: '5f0c' });
    await reports.revealReport('5f0c');
    expect(fake.ipcRenderer.invoke).toHaveBeenLastCalledWith(REPORT_REVEAL_CHANNEL, { id: '5f0c' });
  });

  it('hands report progress to the callback without Electron\'s event, until unsubscribed', () => {
    const reports = bridge as unknown as MailtrailReportBridge;
    const seen: unknown[][] = [];
    const unsubscribe = reports.onReportProgress((...args) => seen.push(args));
    const progress: ReportExportProgress = { file: '/home/auditor/Documents/mailtrail-email-42-2026-11-28.csv', events: 1200, elapsedMs: 400, rate: 3000 };
    fake.ipcRenderer.emit(REPORT_PROGRESS_CHANNEL, { sender: 'electron event' }, progress);
    expect(seen).toEqual([[progress]]);
    unsubscribe();
    fake.ipcRenderer.emit(REPORT_PROGRESS_CHANNEL, {}, progress);
    expect(seen).toHaveLength(1);
    expect(fake.ipcRenderer.listeners.get(REPORT_PROGRESS_CHANNEL)).toEqual([]);
  });
});
