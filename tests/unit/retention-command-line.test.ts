import { describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../src-main/cli/command-line';

describe('mailtrail retention on the command line (issue 13, items 2-4)', () => {
  it('reads DESIGN.md\'s flags, with "off" for an action turned off', () => {
    expect(parseCommandLine(['retention', 'preview', '--archive-after', '45', '--purge-after', 'off', '--json'])).toMatchObject({
      command: 'retention',
      action: 'preview',
      archiveAfterDays: 45,
      purgeAfterDays: null,
      json: true,
    });
    expect(parseCommandLine(['retention', 'run', '--dry-run', '--db', 'postgres://u@h/db'])).toMatchObject({
      action: 'run',
      dryRun: true,
      db: 'postgres://u@h/db',
      archiveAfterDays: undefined,
      purgeAfterDays: undefined,
    });
    expect(parseCommandLine(['retention', 'hold', '42', '--reason', ' litigation '])).toMatchObject({ action: 'hold', emailId: 42, reason: 'litigation' });
    expect(parseCommandLine(['retention', 'release', '42'])).toMatchObject({ action: 'release', emailId: 42 });
    expect(parseCommandLine(['retention', 'cancel', '7', '--json'])).toMatchObject({ action: 'cancel', runId: 7, json: true });
    expect(parseCommandLine(['retention', 'holds', '--all'])).toMatchObject({ action: 'holds', all: true });
    expect(parseCommandLine(['retention', 'history'])).toMatchObject({ action: 'history', limit: 20 });
  });

  it.each([
    [['retention'], /retention needs one of preview, run, cancel, hold/],
    [['retention', 'cancel'], /retention cancel needs one RUN_ID/],
    [['retention', 'cancel', '0'], /RUN_ID must be a whole number from 1/],
    [['retention', 'purge'], /unknown: "purge"/],
    [['retention', 'hold', '42'], /needs --reason TEXT/],
    [['retention', 'hold', '--reason', 'x'], /needs one EMAIL_ID/],
    [['retention', 'release', 'abc'], /EMAIL_ID must be a whole number/],
    [['retention', 'preview', '--archive-after', '0'], /--archive-after must be a whole number from 1 to 36500/],
    [['retention', 'run', '--archive-after', '90', '--purge-after', '30'], /purge must be at least as many days as archive/],
    [['retention', 'preview', '--dry-run'], /unknown option --dry-run for `mailtrail retention preview`/],
    [['retention', 'run', '--db', 'mysql://x'], /--db: .*postgres:\/\//],
  ])('refuses %j in one line', (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});
