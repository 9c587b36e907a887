import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Runs bench/SCRIPT with tsx in a process of its own, as a command runs, and answers the JSON of its
 * last stdout line with `seconds`: the whole process as a person waits for it, start-up included,
 * not the command's own clock.
 */
export async function timedChild<T>(script: string, args: string[]): Promise<T & { seconds: number }> {
  const started = performance.now();
  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, script), ...args], { maxBuffer: 1 << 20 });
  return { ...(JSON.parse(stdout.trim().split('\n').pop() as string) as T), seconds: (performance.now() - started) / 1000 };
}
