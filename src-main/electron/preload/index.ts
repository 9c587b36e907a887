import { contextBridge, ipcRenderer } from 'electron';
import {
  ADMIN_CONNECTION_GET_CHANNEL,
  ADMIN_CONNECTION_REMOVE_CHANNEL,
  ADMIN_CONNECTION_SAVE_CHANNEL,
  ADMIN_CONNECTION_TEST_CHANNEL,
  WORKFLOW_ENGINE_GET_CHANNEL,
  WORKFLOW_ENGINE_SET_CHANNEL,
  type AdminConnectionTest,
  type AdminConnectionView,
  type MailtrailAdminConnectionBridge,
  type WorkflowEngineView,
} from '../../contract/admin-connection';
import type { Result } from '../../contract/errors';
import { bridgeNameOf, channelOf, OPERATION_NAMES, type MailtrailBridge } from '../../contract/operations';
import {
  REPORT_CANCEL_CHANNEL,
  REPORT_EXPORT_CHANNEL,
  REPORT_OPEN_CHANNEL,
  REPORT_PROGRESS_CHANNEL,
  REPORT_REVEAL_CHANNEL,
  REPORT_VERIFY_FILE_CHANNEL,
  type MailtrailReportBridge,
  type ReportExportOutcome,
  type ReportExportProgress,
  type VerifiedReportFile,
} from '../../contract/report-export';
import {
  SYNC_CANCEL_CHANNEL,
  SYNC_OPEN_RESULT_CHANNEL,
  SYNC_PROGRESS_CHANNEL,
  type MailtrailSyncBridge,
  type SyncUpdate,
} from '../../contract/sync-progress';

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

/** The part of ipcRenderer the sync functions use. */
export interface SyncIpc {
  invoke(channel: string): Promise<unknown>;
  on(channel: string, listener: (event: unknown, update: SyncUpdate) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, update: SyncUpdate) => void): unknown;
}

/**
 * The desktop's sync functions: a subscription that hands the callback only the update (never
 * Electron's event, which carries the sender) and returns its unsubscribe, as Electron advises.
 */
export function createSyncBridge(ipc: SyncIpc): MailtrailSyncBridge {
  return {
    onSyncProgress(listener) {
      const forward = (_event: unknown, update: SyncUpdate) => listener(update);
      ipc.on(SYNC_PROGRESS_CHANNEL, forward);
      return () => void ipc.removeListener(SYNC_PROGRESS_CHANNEL, forward);
    },
    cancelSync: () => ipc.invoke(SYNC_CANCEL_CHANNEL) as Promise<Result<null>>,
    openSyncedCache: () => ipc.invoke(SYNC_OPEN_RESULT_CHANNEL) as Promise<Result<null>>,
  };
}

/** The desktop's admin-connection functions: one per channel, the payload checked again in main. */
export function createAdminConnectionBridge(invoke: (channel: string, payload?: unknown) => Promise<unknown>): MailtrailAdminConnectionBridge {
  return {
    adminConnection: () => invoke(ADMIN_CONNECTION_GET_CHANNEL) as Promise<Result<AdminConnectionView | null>>,
    saveAdminConnection: (input) => invoke(ADMIN_CONNECTION_SAVE_CHANNEL, input) as Promise<Result<AdminConnectionView>>,
    testAdminConnection: (input) => invoke(ADMIN_CONNECTION_TEST_CHANNEL, input ?? null) as Promise<Result<AdminConnectionTest>>,
    removeAdminConnection: () => invoke(ADMIN_CONNECTION_REMOVE_CHANNEL) as Promise<Result<null>>,
    workflowEngine: () => invoke(WORKFLOW_ENGINE_GET_CHANNEL) as Promise<Result<WorkflowEngineView>>,
    setWorkflowEngine: (input) => invoke(WORKFLOW_ENGINE_SET_CHANNEL, input) as Promise<Result<WorkflowEngineView>>,
  };
}

/** The part of ipcRenderer the report functions use. */
export interface ReportIpc {
  invoke(channel: string, payload?: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, progress: ReportExportProgress) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, progress: ReportExportProgress) => void): unknown;
}

/** The desktop's report functions: main holds the dialogs and the paths; the window passes a request or a report id. */
export function createReportBridge(ipc: ReportIpc): MailtrailReportBridge {
  return {
    exportReport: (request) => ipc.invoke(REPORT_EXPORT_CHANNEL, request) as Promise<Result<ReportExportOutcome>>,
    onReportProgress(listener) {
      const forward = (_event: unknown, progress: ReportExportProgress) => listener(progress);
      ipc.on(REPORT_PROGRESS_CHANNEL, forward);
      return () => void ipc.removeListener(REPORT_PROGRESS_CHANNEL, forward);
    },
    cancelReport: () => ipc.invoke(REPORT_CANCEL_CHANNEL) as Promise<Result<null>>,
    verifyReportFile: () => ipc.invoke(REPORT_VERIFY_FILE_CHANNEL) as Promise<Result<VerifiedReportFile | null>>,
    openReport: (id) => ipc.invoke(REPORT_OPEN_CHANNEL, { id }) as Promise<Result<null>>,
    revealReport: (id) => ipc.invoke(REPORT_REVEAL_CHANNEL, { id }) as Promise<Result<null>>,
  };
}

contextBridge.exposeInMainWorld(
  'mailtrail',
  Object.freeze({
    ...createBridge((channel, payload) => ipcRenderer.invoke(channel, payload)),
    ...createSyncBridge(ipcRenderer),
    ...createAdminConnectionBridge((channel, payload) => ipcRenderer.invoke(channel, payload)),
    ...createReportBridge(ipcRenderer),
  }),
);
