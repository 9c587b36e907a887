import { describe, expect, it } from 'vitest';
import { workflowEngineText } from '../../src-renderer/settings/workflow-engine-text';

describe("what Settings says of the desktop app's workflow engine", () => {
  it('running, off, waiting for a connection, starting', () => {
    expect(workflowEngineText({ enabled: true, running: true, problem: null }, true)).toEqual({
      tone: 'ready',
      text: 'Running on the admin connection: classified emails get their workflows from this app.',
    });
    expect(workflowEngineText({ enabled: false, running: false, problem: null }, true).text).toMatch(/^Off: this app runs no workflows/);
    expect(workflowEngineText({ enabled: true, running: false, problem: null }, false)).toEqual({ tone: 'info', text: 'Starts once an admin connection is saved.' });
    expect(workflowEngineText({ enabled: true, running: false, problem: null }, true).text).toBe('Starting…');
  });

  it('says why it did not start, and says nothing of it once turned off', () => {
    const problem = 'this database has no workflow engine tables yet (migration 0015); run `mailtrail migrate` on it';
    expect(workflowEngineText({ enabled: true, running: false, problem }, true)).toEqual({ tone: 'problem', text: `Not running: ${problem}` });
    expect(workflowEngineText({ enabled: false, running: false, problem }, true).tone).toBe('info');
  });
});
