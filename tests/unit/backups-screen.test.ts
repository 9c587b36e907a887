import { describe, expect, it } from 'vitest';
import type { BackupJob } from '../../src-main/contract/backups';
import {
  bytesText,
  draftOf,
  draftProblems,
  draftRequest,
  durationText,
  instantText,
  NEW_JOB_DRAFT,
  notificationsText,
  retentionText,
  schedulePreview,
  untilText,
  verificationLabel,
} from '../../src-renderer/backups/backup-text';

// The Backups screen's logic (issue 17, item 5): the editor's checks as the user types, and the words.
const job: BackupJob = {
  id: 4,
  name: 'Nightly',
  schedule: '0 3 * * *',
  schedule_text: 'every day at 03:00',
  time_zone: 'Europe/Copenhagen',
  destination: '/srv/backups',
  keep_last: 7,
  keep_days: null,
  verify_after: true,
  notify_webhook_url: 'https://hooks.example.com/b',
  notify_emails: ['ops@example.com', 'it@example.com'],
  notify_on_success: false,
  dead_man_hours: 26,
  enabled: true,
  next_run_at: '2026-11-29T02:00:00.000Z',
  created_at: '2026-11-01T00:00:00.000Z',
  updated_at: '2026-11-01T00:00:00.000Z',
  last_run: null,
  last_success_at: null,
};

describe('the job editor', () => {
  it('names each field that is wrong, in the service\'s words, as the user types', () => {
    const problems = draftProblems({ ...NEW_JOB_DRAFT, name: 'x', destination: '/srv', schedule: '0 3 * *', time_zone: 'Mars/Base', keep_last: '0', keep_days: 'abc', notify_emails: 'ops@example.com, nope' });
    expect(problems.schedule).toMatch(/five fields/);
    expect(problems.time_zone).toMatch(/unknown time zone "Mars\/Base"/);
    expect(problems.keep_last).toMatch(/from 1 to 10000/);
    expect(problems.keep_days).toMatch(/whole number, or empty/);
    expect(problems.notify_emails).toMatch(/nope: must be an e-mail address/);
    expect(problems.name).toBeUndefined();
  });

  it('asks for a name and a directory in a new job, and accepts the defaults otherwise', () => {
    expect(Object.keys(draftProblems(NEW_JOB_DRAFT)).sort()).toEqual(['destination', 'name']);
    expect(draftProblems({ ...NEW_JOB_DRAFT, name: 'Nightly', destination: '/srv/backups' })).toEqual({});
  });

  it('sends empty boxes as null (no limit) and a list of addresses', () => {
    expect(draftRequest({ ...NEW_JOB_DRAFT, name: 'N', destination: '/d', keep_last: '', dead_man_hours: '26', notify_emails: 'a@example.com; b@example.com ' })).toMatchObject({
      keep_last: null,
      dead_man_hours: 26,
      notify_emails: ['a@example.com', 'b@example.com'],
      notify_webhook_url: null,
    });
  });

  it('reads a job back into the same fields', () => {
    const draft = draftOf(job);
    expect(draft).toMatchObject({ keep_last: '7', keep_days: '', notify_emails: 'ops@example.com, it@example.com', dead_man_hours: '26' });
    expect(draftProblems(draft)).toEqual({});
  });

  it('shows the schedule in words with its next runs in the user\'s zone', () => {
    const now = new Date('2026-11-28T12:00:00Z');
    expect(schedulePreview({ schedule: '0 3 * * *', time_zone: 'Europe/Copenhagen' }, 'UTC', now)).toBe(
      'every day at 03:00 (Europe/Copenhagen); next 2026-11-29 02:00 UTC, then 2026-11-30 02:00 UTC',
    );
    expect(schedulePreview({ schedule: '0 3 * *', time_zone: 'UTC' })).toBeNull();
  });
});

describe('the Backups screen\'s words', () => {
  it('says instants in a zone and how far away they are', () => {
    expect(instantText('2026-11-29T02:00:00.000Z', 'Europe/Copenhagen')).toBe('2026-11-29 03:00 CET');
    expect(instantText(null)).toBe('—');
    const now = Date.parse('2026-11-28T12:00:00Z');
    expect(untilText('2026-11-28T12:00:30Z', now)).toBe('now');
    expect(untilText('2026-11-28T12:45:00Z', now)).toBe('in 45 min');
    expect(untilText('2026-11-28T15:20:00Z', now)).toBe('in 3 h 20 min');
    expect(untilText('2026-12-02T12:00:00Z', now)).toBe('in 4 days');
  });

  it('says sizes, durations, retention and notifications', () => {
    expect(bytesText(512)).toBe('512 B');
    expect(bytesText(3 * 1024 * 1024)).toBe('3.0 MB');
    expect(bytesText(null)).toBe('—');
    expect(durationText(850)).toBe('850 ms');
    expect(durationText(4_200)).toBe('4.2 s');
    expect(durationText(125_000)).toBe('2 min 5 s');
    expect(retentionText(job)).toBe('keeps last 7');
    expect(retentionText({ keep_last: null, keep_days: null })).toBe('keeps all');
    expect(retentionText({ keep_last: 3, keep_days: 30 })).toBe('keeps last 3 and 30 days');
    expect(notificationsText(job)).toBe('webhook, 2 e-mails on failure; silence after 26 h');
    expect(notificationsText({ notify_webhook_url: null, notify_emails: [], notify_on_success: false, dead_man_hours: null })).toBe('no channel');
  });

  it('says what a verification found', () => {
    expect(verificationLabel({ verification: 'passed', restore_tested: true, status: 'succeeded' })).toEqual({ text: 'Passed, restored', tone: 'succeeded' });
    expect(verificationLabel({ verification: 'passed', restore_tested: false, status: 'succeeded' }).text).toBe('Passed, checksums');
    expect(verificationLabel({ verification: 'failed', restore_tested: false, status: 'failed' }).tone).toBe('failed');
    expect(verificationLabel({ verification: null, restore_tested: null, status: 'succeeded' }).text).toBe('Not verified');
  });
});
