import { toMailtrailError } from '../../db/connection';

/** The application_name of the desktop engine's sessions. */
export const ENGINE_APPLICATION_NAME = 'mailtrail-workflows';

/** A running engine as the desktop app holds it: stopping it also closes what it opened. */
export interface RunningEngine {
  stop(timeoutMs?: number): Promise<void>;
}

export interface DesktopEngineOptions {
  /** Starts an engine writing through this admin URL (startDesktopWorkflowEngine unless a test gives its own). */
  start?: (adminUrl: string, note: (line: string) => void) => Promise<RunningEngine>;
  /** Problems the app survives, one line each: an engine that cannot start, a round that failed. */
  warn: (line: string) => void;
  /** How long quitting or a change waits for the jobs in flight. */
  stopTimeoutMs?: number;
}

export interface DesktopEngine {
  /**
   * Runs the engine on this admin connection, or none (null, or `enabled` false): the one running
   * on another URL is stopped first. Calls take effect in order; each resolves once its change has.
   */
  apply(adminUrl: string | null, enabled: boolean): Promise<void>;
  /** Whether an engine runs now, and on which URL (tests, the status line). */
  runningOn(): string | null;
  /** Why the last start failed; null once one succeeds or none is wanted. */
  problem(): string | null;
  /** Stops it for good (quitting): later apply calls start nothing. */
  stop(): Promise<void>;
}

/**
 * The workflow engine in the desktop app's main process (docs/workflows.md), as `serve --admin`
 * runs it: on the saved admin connection, in a pool of its own, two jobs at a time. pg-boss is
 * loaded only when an engine starts.
 */
export async function startDesktopWorkflowEngine(adminUrl: string, note: (line: string) => void): Promise<RunningEngine> {
  const [{ openAdminDb }, { startWorkflowEngine }, { notifySettingsFromEnv, queueSettingsFromEnv }] = await Promise.all([
    import('../../db/connection'),
    import('../../workflows/engine'),
    import('../../cli/worker.command'),
  ]);
  const concurrency = 2;
  // The jobs in flight, the watcher, pg-boss's fetching and its maintenance each hold a connection at times.
  // Its own name in pg_stat_activity: an operator (and a test) can see whether an engine is connected.
  const admin = openAdminDb(adminUrl, { max: concurrency + 4, applicationName: ENGINE_APPLICATION_NAME });
  try {
    const engine = await startWorkflowEngine({ admin, queue: queueSettingsFromEnv(), concurrency, notify: notifySettingsFromEnv(), onNote: note });
    return {
      async stop(timeoutMs) {
        try {
          await engine.stop(timeoutMs);
        } finally {
          await admin.end().catch(() => undefined);
        }
      },
    };
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw error;
  }
}

export function createDesktopEngine({ start = startDesktopWorkflowEngine, warn, stopTimeoutMs = 10_000 }: DesktopEngineOptions): DesktopEngine {
  let running: { url: string; engine: RunningEngine } | null = null;
  let stopped = false;
  let problem: string | null = null;
  // One change at a time: saving the connection twice quickly must not leave two engines.
  let queue: Promise<void> = Promise.resolve();

  const halt = async () => {
    const current = running;
    running = null;
    if (!current) return;
    await current.engine.stop(stopTimeoutMs).catch((error: unknown) => warn(`workflow engine: stopping it failed: ${toMailtrailError(error).message}`));
  };

  const change = (work: () => Promise<void>): Promise<void> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    apply(adminUrl, enabled) {
      return change(async () => {
        const wanted = !stopped && enabled && adminUrl !== null ? adminUrl : null;
        if (running !== null && running.url === wanted) return;
        await halt();
        problem = null;
        if (wanted === null) return;
        try {
          running = { url: wanted, engine: await start(wanted, (line) => warn(`workflow engine: ${line}`)) };
        } catch (error) {
          // No tables yet (migration 0015), no queue, a refused login: the app runs on, without workflows.
          problem = toMailtrailError(error).message;
          warn(`workflow engine not started: ${problem}`);
        }
      });
    },
    runningOn: () => running?.url ?? null,
    problem: () => problem,
    stop() {
      stopped = true;
      return change(halt);
    },
  };
}
