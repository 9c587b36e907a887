import { z } from 'zod';
import type { Result } from './errors';

/**
 * The desktop app's saved admin connection (DESIGN.md, "The write path"): its own saved connection,
 * the password in safeStorage. Desktop-only, like sync: main answers these channels, the preload
 * offers one function each, and browser mode has none (there `serve --admin` decides).
 */

/** What the window may see of the saved admin connection: the URL without its password. */
export const AdminConnectionView = z.strictObject({
  url: z.string(),
  hasPassword: z.boolean(),
});
export type AdminConnectionView = z.infer<typeof AdminConnectionView>;

/** A connection to save or test: a password in the URL is moved into encrypted storage; none keeps the saved one. */
export const AdminConnectionInput = z.strictObject({
  url: z.string().trim().min(1, 'give the admin connection as postgres://USER@HOST:PORT/DATABASE').max(2_000),
  password: z.string().max(1_000).nullable().optional(),
});
export type AdminConnectionInput = z.infer<typeof AdminConnectionInput>;

/** What a test found: who the connection logs in as, where, and what it may do for Mailtrail's writes. */
export interface AdminConnectionTest {
  user: string;
  database: string;
  /** True when it may do every write Mailtrail's admin features make. */
  ready: boolean;
  /** One sentence for the screen: what works, or what is missing and how to get it. */
  message: string;
}

/**
 * The workflow engine the desktop app runs on the saved admin connection (issue 16): whether it is
 * on (the setting), whether it runs now, and why not when it should but does not.
 */
export const WorkflowEngineView = z.strictObject({
  enabled: z.boolean(),
  running: z.boolean(),
  /** Why the last start failed (no migration 0015, a refused login …); null when it did not. */
  problem: z.string().nullable(),
});
export type WorkflowEngineView = z.infer<typeof WorkflowEngineView>;

export const WorkflowEngineInput = z.strictObject({ enabled: z.boolean() });
export type WorkflowEngineInput = z.infer<typeof WorkflowEngineInput>;

export const ADMIN_CONNECTION_GET_CHANNEL = 'mailtrail:admin-connection/get';
export const ADMIN_CONNECTION_SAVE_CHANNEL = 'mailtrail:admin-connection/save';
export const ADMIN_CONNECTION_TEST_CHANNEL = 'mailtrail:admin-connection/test';
export const ADMIN_CONNECTION_REMOVE_CHANNEL = 'mailtrail:admin-connection/remove';
export const WORKFLOW_ENGINE_GET_CHANNEL = 'mailtrail:admin-connection/engine';
export const WORKFLOW_ENGINE_SET_CHANNEL = 'mailtrail:admin-connection/engine/set';
export const ADMIN_CONNECTION_CHANNELS = [
  ADMIN_CONNECTION_GET_CHANNEL,
  ADMIN_CONNECTION_SAVE_CHANNEL,
  ADMIN_CONNECTION_TEST_CHANNEL,
  ADMIN_CONNECTION_REMOVE_CHANNEL,
  WORKFLOW_ENGINE_GET_CHANNEL,
  WORKFLOW_ENGINE_SET_CHANNEL,
] as const;

/** The desktop app's admin-connection functions on `window.mailtrail`; absent in browser mode. */
export interface MailtrailAdminConnectionBridge {
  adminConnection(): Promise<Result<AdminConnectionView | null>>;
  /** Saves it (replacing any saved one) and sends the app's writes through it from now on. */
  saveAdminConnection(input: AdminConnectionInput): Promise<Result<AdminConnectionView>>;
  /** Connects with `input` (the saved password when it gives none and names the saved URL), or the saved connection. */
  testAdminConnection(input?: AdminConnectionInput): Promise<Result<AdminConnectionTest>>;
  /** Forgets it; writes are refused until another is saved. */
  removeAdminConnection(): Promise<Result<null>>;
  /** The workflow engine on the admin connection: on or off, running or not. */
  workflowEngine(): Promise<Result<WorkflowEngineView>>;
  /** Turns it on or off (kept in the settings); answers once the change has taken effect. */
  setWorkflowEngine(input: WorkflowEngineInput): Promise<Result<WorkflowEngineView>>;
}
