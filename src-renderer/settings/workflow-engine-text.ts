import type { WorkflowEngineView } from '../../src-main/contract/admin-connection';

export type EngineTone = 'ready' | 'problem' | 'info';

/**
 * What Settings › Admin connection says of the workflow engine the desktop app runs on the saved
 * connection: running, off, waiting for a connection, or why it did not start.
 */
export function workflowEngineText(view: WorkflowEngineView, hasConnection: boolean): { tone: EngineTone; text: string } {
  if (!view.enabled) return { tone: 'info', text: 'Off: this app runs no workflows; a mailtrail worker elsewhere may.' };
  if (view.running) return { tone: 'ready', text: 'Running on the admin connection: classified emails get their workflows from this app.' };
  if (view.problem) return { tone: 'problem', text: `Not running: ${view.problem}` };
  if (!hasConnection) return { tone: 'info', text: 'Starts once an admin connection is saved.' };
  return { tone: 'info', text: 'Starting…' };
}
