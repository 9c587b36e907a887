import { describeSchedule, nextRuns, scheduleProblem, timeZoneProblem } from '../../src-main/contract/backup-schedule';
import { formatBytes } from '../../src-main/contract/bytes';
import type { BackupHistoryEntry, BackupJob } from '../../src-main/contract/backups';
import { CreateBackupJobRequest } from '../../src-main/contract/backups';

// The Backups screen's words and the job editor's draft; pure, so unit tests read them without a DOM.

/** The user's own zone: the next run is shown in it, whatever the job's schedule zone. */
export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** `2026-11-29 03:00 CET`: an instant in a zone, with the zone's short name. */
export function instantText(iso: string | null, zone: string = localZone()): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(date);
  const part = (type: string) => parts.find((one) => one.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${part('timeZoneName')}`.trim();
}

/** "in 3 h 20 min", "in 2 days", "now": how far the next run is. */
export function untilText(iso: string | null, now: number = Date.now()): string {
  if (!iso) return '';
  const ms = Date.parse(iso) - now;
  if (ms <= 60_000) return 'now';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `in ${Math.round(hours / 24)} days`;
}

export const bytesText = (bytes: number | null): string => (bytes === null ? '—' : formatBytes(bytes));

export function durationText(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1_000) return `${ms} ms`;
  const seconds = ms / 1_000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds % 60)} s`;
}

/** "last 7 · 30 days" or "keeps all". */
export function retentionText(job: Pick<BackupJob, 'keep_last' | 'keep_days'>): string {
  const rules = [job.keep_last !== null ? `last ${job.keep_last}` : null, job.keep_days !== null ? `${job.keep_days} days` : null].filter(Boolean);
  return rules.length === 0 ? 'keeps all' : `keeps ${rules.join(' and ')}`;
}

/** "webhook, 2 e-mails; success too; silence after 26 h" or "none". */
export function notificationsText(job: Pick<BackupJob, 'notify_webhook_url' | 'notify_emails' | 'notify_on_success' | 'dead_man_hours'>): string {
  const channels = [job.notify_webhook_url ? 'webhook' : null, job.notify_emails.length > 0 ? `${job.notify_emails.length} e-mail${job.notify_emails.length === 1 ? '' : 's'}` : null].filter(Boolean);
  const parts = [channels.length > 0 ? `${channels.join(', ')} on failure${job.notify_on_success ? ' and success' : ''}` : 'no channel'];
  if (job.dead_man_hours !== null) parts.push(`silence after ${job.dead_man_hours} h`);
  return parts.join('; ');
}

export type VerificationLabel = { text: string; tone: 'succeeded' | 'failed' | 'started' | 'cancelled' };

export function verificationLabel(entry: Pick<BackupHistoryEntry, 'verification' | 'restore_tested' | 'status'>): VerificationLabel {
  switch (entry.verification) {
    case 'passed':
      return { text: entry.restore_tested ? 'Passed, restored' : 'Passed, checksums', tone: 'succeeded' };
    case 'failed':
      return { text: 'Failed', tone: 'failed' };
    case 'running':
      return { text: 'Verifying…', tone: 'started' };
    default:
      return { text: entry.status === 'running' ? '—' : 'Not verified', tone: 'cancelled' };
  }
}

/** The job editor's fields as typed: text, so a half-typed number is kept as the user has it. */
export interface JobDraft {
  name: string;
  schedule: string;
  time_zone: string;
  destination: string;
  keep_last: string;
  keep_days: string;
  verify_after: boolean;
  notify_webhook_url: string;
  notify_emails: string;
  notify_on_success: boolean;
  dead_man_hours: string;
  enabled: boolean;
}

export const NEW_JOB_DRAFT: JobDraft = {
  name: '',
  schedule: '0 3 * * *',
  time_zone: 'UTC',
  destination: '',
  keep_last: '7',
  keep_days: '',
  verify_after: true,
  notify_webhook_url: '',
  notify_emails: '',
  notify_on_success: false,
  dead_man_hours: '',
  enabled: true,
};

export function draftOf(job: BackupJob): JobDraft {
  const text = (value: number | null) => (value === null ? '' : String(value));
  return {
    name: job.name,
    schedule: job.schedule,
    time_zone: job.time_zone,
    destination: job.destination,
    keep_last: text(job.keep_last),
    keep_days: text(job.keep_days),
    verify_after: job.verify_after,
    notify_webhook_url: job.notify_webhook_url ?? '',
    notify_emails: job.notify_emails.join(', '),
    notify_on_success: job.notify_on_success,
    dead_man_hours: text(job.dead_man_hours),
    enabled: job.enabled,
  };
}

/** An empty box is null (the rule off); anything else must be a whole number, which the contract then bounds. */
const wholeOrNull = (text: string): number | null | string => (text.trim() === '' ? null : /^\d+$/.test(text.trim()) ? Number(text.trim()) : text);

/** The draft as the API's request fields. */
export function draftRequest(draft: JobDraft) {
  return {
    name: draft.name,
    schedule: draft.schedule,
    time_zone: draft.time_zone.trim(),
    destination: draft.destination,
    keep_last: wholeOrNull(draft.keep_last),
    keep_days: wholeOrNull(draft.keep_days),
    verify_after: draft.verify_after,
    notify_webhook_url: draft.notify_webhook_url.trim() === '' ? null : draft.notify_webhook_url.trim(),
    notify_emails: draft.notify_emails
      .split(/[,;\s]+/)
      .map((address) => address.trim())
      .filter(Boolean),
    notify_on_success: draft.notify_on_success,
    dead_man_hours: wholeOrNull(draft.dead_man_hours),
    enabled: draft.enabled,
  };
}

export type DraftField = keyof JobDraft;

/** What is wrong with each field, in the service's own words (the contract's schema), as the user types. */
export function draftProblems(draft: JobDraft): Partial<Record<DraftField, string>> {
  const problems: Partial<Record<DraftField, string>> = {};
  const parsed = CreateBackupJobRequest.safeParse(draftRequest(draft));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? '') as DraftField;
      // An address of the list is named by what was typed, not by its index.
      const item = issue.path.length > 1 && field === 'notify_emails' ? draftRequest(draft).notify_emails[Number(issue.path[1])] : undefined;
      if (field && !problems[field]) problems[field] = item ? `${item}: ${issue.message}` : issue.message.replace(/, or null$/, '');
    }
  }
  // The boxes hold text: what is not a whole number is said so, in the screen's words ("empty", not "null").
  for (const field of ['keep_last', 'keep_days', 'dead_man_hours'] as const) {
    if (draft[field].trim() !== '' && !/^\d+$/.test(draft[field].trim())) problems[field] = 'must be a whole number, or empty for no limit';
  }
  // Said in full even where zod stopped at the type.
  const schedule = scheduleProblem(draft.schedule);
  if (schedule) problems.schedule = schedule;
  const zone = timeZoneProblem(draft.time_zone.trim());
  if (zone) problems.time_zone = zone;
  return problems;
}

/** What the editor shows under the schedule: the words, and the next runs in the user's zone. */
export function schedulePreview(draft: Pick<JobDraft, 'schedule' | 'time_zone'>, zone: string = localZone(), now: Date = new Date()): string | null {
  if (scheduleProblem(draft.schedule) || timeZoneProblem(draft.time_zone.trim())) return null;
  const runs = nextRuns(draft.schedule, draft.time_zone.trim(), 2, now);
  const words = `${describeSchedule(draft.schedule)} (${draft.time_zone.trim()})`;
  return runs.length === 0 ? words : `${words}; next ${runs.map((run) => instantText(run, zone)).join(', then ')}`;
}
