import { testAdminConnection } from '../../admin/admin-connection-check';
import {
  ADMIN_CONNECTION_GET_CHANNEL,
  ADMIN_CONNECTION_REMOVE_CHANNEL,
  ADMIN_CONNECTION_SAVE_CHANNEL,
  ADMIN_CONNECTION_TEST_CHANNEL,
  AdminConnectionInput,
  WORKFLOW_ENGINE_GET_CHANNEL,
  WORKFLOW_ENGINE_SET_CHANNEL,
  WorkflowEngineInput,
  type AdminConnectionTest,
  type AdminConnectionView,
  type WorkflowEngineView,
} from '../../contract/admin-connection';
import { MailtrailError } from '../../contract/errors';
import { describeIssues } from '../../contract/validation';
import { handleFromOwnWindow, type IpcMainLike, type IpcOptions } from '../ipc';
import { isTrustedIpcSender } from '../security';
import type { SettingsStore } from './settings-store';

/** What a write says in the desktop app while no admin connection is saved. */
export const NO_ADMIN_CONNECTION_MESSAGE =
  'this needs the admin connection, which is not set: add it in Settings › Admin connection (a PostgreSQL role that may write, such as the mailtrail_admin that `mailtrail roles` makes)';

export interface AdminConnectionActions {
  get(): AdminConnectionView | null;
  save(input: AdminConnectionInput): Promise<AdminConnectionView>;
  test(input: AdminConnectionInput | undefined): Promise<AdminConnectionTest>;
  remove(): Promise<void>;
  engine(): WorkflowEngineView;
  setEngine(input: WorkflowEngineInput): Promise<WorkflowEngineView>;
}

/**
 * The saved admin connection's actions: kept in the settings (password through safeStorage), and
 * `apply` sends the open source's writes through it (or through none) at once, without reopening the viewer.
 */
export function createAdminConnectionActions({
  settings,
  apply,
  test = testAdminConnection,
  engine = () => ({ enabled: false, running: false, problem: null }),
  applyEngine = async () => undefined,
}: {
  settings: Pick<SettingsStore, 'adminConnection' | 'saveAdminConnection' | 'removeAdminConnection' | 'adminUrl' | 'adminUrlFor'> &
    Partial<Pick<SettingsStore, 'setWorkflowEngineEnabled'>>;
  apply: (adminUrl: string | null) => Promise<void>;
  test?: (url: string) => Promise<AdminConnectionTest>;
  /** The workflow engine's state (desktop-engine.ts); none where the app runs no engine. */
  engine?: () => WorkflowEngineView;
  /** Starts or stops the engine after its setting changed. */
  applyEngine?: () => Promise<void>;
}): AdminConnectionActions {
  return {
    engine,
    async setEngine(input) {
      settings.setWorkflowEngineEnabled?.(input.enabled);
      await applyEngine();
      return engine();
    },
    get: () => settings.adminConnection(),
    async save(input) {
      const saved = settings.saveAdminConnection(input);
      await apply(settings.adminUrl());
      return saved;
    },
    async test(input) {
      const url = input ? settings.adminUrlFor(input) : settings.adminUrl();
      if (url === null) throw new MailtrailError('not_found', 'no admin connection is saved; enter its URL and password to test it');
      return test(url);
    },
    async remove() {
      settings.removeAdminConnection();
      await apply(null);
    },
  };
}

function parseInput(payload: unknown, optional: boolean): AdminConnectionInput | undefined {
  if (optional && (payload === undefined || payload === null)) return undefined;
  const parsed = AdminConnectionInput.safeParse(payload);
  if (!parsed.success) throw new MailtrailError('bad_request', `admin connection ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The four admin-connection channels, each refusing senders other than Mailtrail's own window, errors as values. */
export function registerAdminConnectionHandlers(
  ipcMain: IpcMainLike,
  actions: AdminConnectionActions,
  { isTrustedSender = isTrustedIpcSender }: IpcOptions = {},
): void {
  const guarded = (channel: string, action: (payload: unknown) => Promise<unknown>) => handleFromOwnWindow(ipcMain, channel, action, { isTrustedSender });
  guarded(ADMIN_CONNECTION_GET_CHANNEL, async () => actions.get());
  guarded(ADMIN_CONNECTION_SAVE_CHANNEL, (payload) => actions.save(parseInput(payload, false) as AdminConnectionInput));
  guarded(ADMIN_CONNECTION_TEST_CHANNEL, (payload) => actions.test(parseInput(payload, true)));
  guarded(ADMIN_CONNECTION_REMOVE_CHANNEL, async () => {
    await actions.remove();
    return null;
  });
  guarded(WORKFLOW_ENGINE_GET_CHANNEL, async () => actions.engine());
  guarded(WORKFLOW_ENGINE_SET_CHANNEL, (payload) => {
    const parsed = WorkflowEngineInput.safeParse(payload);
    if (!parsed.success) throw new MailtrailError('bad_request', `workflow engine ${describeIssues(parsed.error)}`);
    return actions.setEngine(parsed.data);
  });
}
