import { describe, expect, it } from 'vitest';
import { describeSchedule, nextRuns, scheduleProblem, timeZoneProblem } from '../../src-main/contract/backup-schedule';
import { CreateBackupJobRequest, UpdateBackupJobRequest } from '../../src-main/contract/backups';
import { describeIssues } from '../../src-main/contract/validation';

// Backup job schedules (issue 17, item 3): cron expressions through croner, read in a time zone.
describe('a backup schedule', () => {
  it.each(['0 3 * * *', '*/15 * * * *', '30 2 * * 1-5', '0 0 1 * *', '@daily', '@hourly', '  0 3 * * 0  '])('accepts %j', (expression) => {
    expect(scheduleProblem(expression)).toBeNull();
  });

  it.each([
    ['', /must be a cron expression/],
    ['0 3 * *', /five fields .* this has 4/],
    ['0 0 3 * * *', /five fields .* this has 6/],
    ['61 3 * * *', /not a valid cron expression: .*minute/],
    ['0 25 * * *', /not a valid cron expression: .*hour/],
    ['@fortnightly', /unknown nickname "@fortnightly"/],
    ['every day', /five fields/],
  ])('refuses %j, saying why', (expression, message) => {
    expect(scheduleProblem(expression)).toMatch(message);
  });

  it('knows IANA time zones and refuses others by name', () => {
    expect(timeZoneProblem('UTC')).toBeNull();
    expect(timeZoneProblem('Europe/Copenhagen')).toBeNull();
    expect(timeZoneProblem('Mars/Olympus')).toMatch(/unknown time zone "Mars\/Olympus"; give an IANA name/);
    expect(timeZoneProblem('')).toMatch(/IANA time zone/);
  });

  it('runs at the wall-clock time of its zone, across a daylight-saving change', () => {
    // Copenhagen leaves summer time on 2026-10-25: 03:00 local is 01:00Z before and 02:00Z after.
    const runs = nextRuns('0 3 * * *', 'Europe/Copenhagen', 3, new Date('2026-10-23T12:00:00Z'));
    expect(runs).toEqual(['2026-10-24T01:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-26T02:00:00.000Z']);
    expect(nextRuns('0 3 * * *', 'UTC', 1, new Date('2026-10-23T12:00:00Z'))).toEqual(['2026-10-24T03:00:00.000Z']);
    expect(nextRuns('0 3 * * *', 'Nowhere/Else')).toEqual([]);
    expect(nextRuns('not cron', 'UTC')).toEqual([]);
  });

  it.each([
    ['0 3 * * *', 'every day at 03:00'],
    ['30 2 * * 1-5', 'weekdays at 02:30'],
    ['0 4 * * 0', 'every Sunday at 04:00'],
    ['15 */6 * * *', 'every 6 hours at minute 15'],
    ['0 * * * *', 'every hour on the hour'],
    ['*/10 * * * *', 'every 10 minutes'],
    ['0 1 15 * *', 'on day 15 of every month at 01:00'],
    ['@daily', 'every day at 00:00'],
    ['0 3 1-7 * 1', 'cron 0 3 1-7 * 1'],
  ])('says %j in words: %s', (expression, words) => {
    expect(describeSchedule(expression)).toBe(words);
  });
});

describe('a backup job request', () => {
  const job = { name: 'Nightly', schedule: '0 3 * * *', destination: '/srv/backups' };

  it('fills the defaults: UTC, keep the last 7, verify after each run, enabled', () => {
    expect(CreateBackupJobRequest.parse(job)).toEqual({
      ...job,
      time_zone: 'UTC',
      keep_last: 7,
      keep_days: null,
      verify_after: true,
      notify_webhook_url: null,
      notify_emails: [],
      notify_on_success: false,
      dead_man_hours: null,
      enabled: true,
    });
  });

  it.each([
    [{ schedule: '0 3 * *' }, /^schedule: must have five fields/],
    [{ time_zone: 'Mars/Olympus' }, /^time_zone: unknown time zone/],
    [{ keep_last: 0 }, /^keep_last: must be from 1 to 10000/],
    [{ keep_days: 1.5 }, /^keep_days: must be a whole number/],
    [{ dead_man_hours: 9000 }, /^dead_man_hours: must be from 1 to 8760/],
    [{ notify_webhook_url: 'ftp://example.com/hook' }, /^notify_webhook_url: must be an http/],
    [{ notify_emails: ['ops@example.com', 'not-an-address'] }, /^notify_emails\.1: must be an e-mail address/],
    [{ destination: '' }, /^destination: must be the directory/],
  ])('names the field it refuses: %j', (change, message) => {
    const parsed = CreateBackupJobRequest.safeParse({ ...job, ...change });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssues(parsed.error)).toMatch(message);
  });

  it('updates only the fields given, checked the same way', () => {
    expect(UpdateBackupJobRequest.parse({ jobId: 3, enabled: false })).toEqual({ jobId: 3, enabled: false });
    expect(UpdateBackupJobRequest.safeParse({ jobId: 3, schedule: '99 * * * *' }).success).toBe(false);
    expect(UpdateBackupJobRequest.safeParse({ jobId: 3, colour: 'red' }).success).toBe(false);
  });
});
