import { contextBridge, ipcRenderer } from 'electron';
import type { Result } from '../../contract/errors';
import { bridgeNameOf, channelOf, OPERATION_NAMES, type MailtrailBridge } from '../../contract/operations';

/**
 * One named function per contract operation, generated from the operations table; the renderer
 * never sees ipcRenderer, send or invoke (Electron's context-isolation guidance, as VS Code does).
 */
export function createBridge(invoke: (channel: string, payload: unknown) => Promise<unknown>): MailtrailBridge {
  const bridge: Record<string, (request: unknown) => Promise<Result<unknown>>> = {};
  for (const operation of OPERATION_NAMES) {
    const channel = channelOf(operation);
    bridge[bridgeNameOf(operation)] = (request: unknown) => invoke(channel, request ?? {}) as Promise<Result<unknown>>;
  }
  return Object.freeze(bridge) as unknown as MailtrailBridge;
}

contextBridge.exposeInMainWorld(
  'mailtrail',
  createBridge((channel, payload) => ipcRenderer.invoke(channel, payload)),
);
