import { expectedEvents } from '../reports/report-model';
import { reportOriginOf } from '../reports/report-origin';
import { verifyReportFile } from '../reports/verify';
import { writeReport } from '../reports/write-report';
import { chosenAdminUrl, openAdminConnection, openLogSource } from '../source/open-source';
import type { Invocation } from './command-line';
import { progressOutput, type CommandIo } from './io';
import { describeProgress, formatCount } from './sync.command';

/** `mailtrail report`: a bar on a terminal, plain lines otherwise, and `wrote FILE: N events, sha256 HEX`. */
export async function runReport(invocation: Extract<Invocation, { command: 'report' }>, io: CommandIo): Promise<number> {
  const source = await openLogSource({ db: invocation.db, cache: invocation.cache, onProgress: io.note });
  // The export is journaled (DESIGN.md, "The write path") through the admin connection the write
  // commands use: --db's database (or the embedded default's admin role), or, beside an offline
  // cache, MAILTRAIL_ADMIN_DATABASE_URL. Best effort: a role that may not write the journal makes
  // no difference to the report.
  const admin =
    invocation.cache === undefined || chosenAdminUrl({})
      ? await openAdminConnection({ db: invocation.db, onProgress: io.note }).catch(() => null)
      : null;
  const progress = progressOutput(io);
  const controller = new AbortController();
  // Ctrl-C stops the export and removes its temporary file; the final name is never half written.
  const interrupt = () => controller.abort(new Error('the report was cancelled (Ctrl-C); no file was written'));
  process.once('SIGINT', interrupt);
  try {
    const origin = { ...(await reportOriginOf(source)), journalDb: admin?.db ?? null };
    const total = (await expectedEvents(source.service, invocation.request.scope)) ?? 0;
    const record = await writeReport(source.service, origin, invocation.request, invocation.out, {
      signal: controller.signal,
      onProgress: ({ events, elapsedMs }) =>
        progress.show(describeProgress({ phase: 'events', rows: events, total: Math.max(total, events), elapsedMs }, progress.tty)),
    }).finally(() => progress.end());
    io.out(`wrote ${invocation.out}: ${record.events} events, sha256 ${record.sha256}`);
    return 0;
  } finally {
    process.off('SIGINT', interrupt);
    await admin?.close();
    await source.close();
  }
}

/** `mailtrail verify FILE`: exit 0 and `verified …`, or exit 1 and one line per difference. */
export async function runVerify(invocation: { file: string }, io: CommandIo): Promise<number> {
  const result = await verifyReportFile(invocation.file);
  if (result.verified) {
    io.out(`verified ${invocation.file}: ${result.format?.toUpperCase()} report "${result.title}", ${result.events ?? 0} events, sha256 ${result.sha256}`);
    return 0;
  }
  io.out(`NOT verified ${invocation.file}${result.format ? ` (${result.format.toUpperCase()})` : ''}:`);
  for (const problem of result.problems) io.out(`  ${problem}`);
  return 1;
}
