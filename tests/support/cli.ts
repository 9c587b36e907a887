import { spawn } from 'node:child_process';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (bin/mailtrail.js, built by global-cli.ts) as a person would, and waits for it to exit. */
export function runMailtrail(args: string[], env?: NodeJS.ProcessEnv): Promise<CliRun> {
  const child = spawn(process.execPath, ['bin/mailtrail.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}
