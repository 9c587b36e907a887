import * as electron from 'electron';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { bridgeNameOf, channelOf, OPERATION_NAMES } from '../../src-main/contract/operations';
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

  it('exposes exactly one function per contract operation', () => {
    expect(Object.keys(bridge).sort()).toEqual(OPERATION_NAMES.map(bridgeNameOf).sort());
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
});
