import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine, UsageError } from '../../src-main/cli/command-line';
import { runMailtrail } from '../support/cli';
import { readCsv, readJsonl } from '../support/reports';
import { createStoreFixture, type StoreFixture } from '../support/stores';

// `mailtrail report` and `mailtrail verify` as a person runs them (bin/mailtrail.js, the built CLI).
let fixture: StoreFixture;
const dir = mkdtempSync(join(tmpdir(), 'mailtrail-report-cli-'));
const env = (() => {
  const values: NodeJS.ProcessEnv = { ...process.env, MAILTRAIL_DATA_DIR: dir, MAILTRAIL_ACTOR: 'auditor' };
  delete values.DATABASE_URL;
  return values;
})();

const mailtrail = (args: string[]) => runMailtrail(args, env);

beforeAll(async () => {
  fixture = await createStoreFixture({ emails: 60 });
}, 120_000);
afterAll(async () => {
  await fixture?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('mailtrail report', () => {
  it('writes the same events from --db and --cache, says so in one line, and verify passes', async () => {
    const emailId = fixture.special.emailId;
    const fromDb = join(dir, 'db.jsonl');
    const fromCache = join(dir, 'cache.jsonl');
    const db = await mailtrail(['report', '--db', fixture.database.url, '--format', 'jsonl', '--out', fromDb, '--email-id', String(emailId), '--title', 'Sag 17']);
    expect(db.stderr).not.toMatch(/ at /);
    expect(db.code, db.stderr).toBe(0);
    expect(db.stdout).toMatch(new RegExp(`^wrote ${fromDb}: \\d+ events, sha256 [0-9a-f]{64}\\n$`));
    const cache = await mailtrail(['report', '--cache', fixture.cacheFile, '--format', 'jsonl', '--out', fromCache, '--email-id', String(emailId)]);
    expect(cache.code, cache.stderr).toBe(0);
    const [a, b] = [readJsonl(fromDb), readJsonl(fromCache)];
    expect(a.report).toMatchObject({ title: 'Sag 17', scope: { kind: 'email', emailId }, generated_by: 'auditor' });
    expect(b.report).toMatchObject({ scope: { kind: 'email', emailId }, source: { kind: 'cache' } });
    expect(a.events.length).toBeGreaterThan(3);
    expect(b.events).toEqual(a.events);
    // Journaled from --db (as the write commands are), not from a cache without an admin connection.
    const { rows } = await fixture.database.readable.query<{ actor: string; parameters: { format: string; path: string; rows: number } }>(
      `SELECT actor, parameters FROM mailtrail_admin_journal WHERE action = 'report.export' ORDER BY id`,
    );
    expect(rows).toEqual([{ actor: 'auditor', parameters: expect.objectContaining({ format: 'jsonl', path: fromDb, rows: a.events.length, scope: { kind: 'email', emailId } }) }]);
    const verified = await mailtrail(['verify', fromDb]);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^verified .*db\.jsonl: JSONL report "Sag 17", \d+ events, sha256 [0-9a-f]{64}\n$/);
  });

  it('takes the activity explorer filters, and verify exits 1 naming what differs', async () => {
    const file = join(dir, 'errors.csv');
    const run = await mailtrail(['report', '--cache', fixture.cacheFile, '--format', 'csv', '--out', file, '--event-type', 'error', '--event-type', 'workflow_executed', '--from', '2025-01-01']);
    expect(run.code, run.stderr).toBe(0);
    const { header, events } = readCsv(file);
    expect(JSON.parse(header.scope!)).toEqual({ kind: 'activity', eventTypes: ['error', 'workflow_executed'], from: '2025-01-01' });
    expect(events.length).toBeGreaterThan(0);
    expect(new Set(events.map((event) => (event as { event_type: string }).event_type))).toEqual(new Set(['error', 'workflow_executed']));
    const lines = readFileSync(file, 'utf8').split('\r\n');
    const header_row = lines.findIndex((line) => line.startsWith('id,email_id'));
    writeFileSync(file, lines.filter((_line, index) => index !== header_row + 1).join('\r\n'));
    const verify = await mailtrail(['verify', file]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/^NOT verified .*errors\.csv \(CSV\):\n {2}count differs: the totals say \d+ events but the file holds \d+ \(events were removed\)/);
  });

  it.each([
    [['report', '--format', 'docx', '--out', 'x'], /--format must be one of csv, jsonl, html, pdf, not "docx"/],
    [['report', '--format', 'csv'], /report needs --out FILE/],
    [['report', '--out', 'x.csv'], /report needs --format/],
    [['report', '--format', 'csv', '--out', 'x.csv', '--email-id', 'abc'], /--email-id must be a whole number/],
    [['report', '--format', 'csv', '--out', 'x.csv', '--event-category', 'nope'], /--event-category: unknown event category "nope"/],
    [['report', '--format', 'csv', '--out', 'x.csv', '--from', '2025-12-31', '--to', '2025-01-01'], /--from: must not be after "to"/],
    [['verify'], /verify needs a report FILE/],
    [['verify', 'report.csv', '--db', 'postgres://x@y/z'], /give a report FILE to check, or --db \/ --cache .* to check the sealed log, not both/],
  ])('refuses %j in one line with exit 2', async (args, message) => {
    const run = await mailtrail(args);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(message);
  });

  it('writes a PDF and an HTML report of an email from --db, and verify passes on both', async () => {
    for (const format of ['pdf', 'html']) {
      const file = join(dir, `case.${format}`);
      const run = await mailtrail(['report', '--db', fixture.database.url, '--format', format, '--out', file, '--email-id', String(fixture.special.emailId)]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^wrote ${file}: \\d+ events, sha256 [0-9a-f]{64}\\n$`));
      const verified = await mailtrail(['verify', file]);
      expect(verified.code, verified.stdout + verified.stderr).toBe(0);
      expect(verified.stdout).toMatch(/^verified /);
    }
  });

  it('fails in one line with exit 1 for an unwritable path or an unknown email, and leaves no file', async () => {
    const missing = await mailtrail(['report', '--cache', fixture.cacheFile, '--format', 'csv', '--out', join(dir, 'nowhere', 'x.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^mailtrail: cannot write .*x\.csv: the folder .*nowhere does not exist\n$/);
    const unknown = await mailtrail(['report', '--cache', fixture.cacheFile, '--format', 'csv', '--out', join(dir, 'unknown.csv'), '--email-id', '1999999']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^mailtrail: no email with id 1999999 in the log/);
    expect(readdirSync(dir).filter((name) => name.startsWith('unknown') || name.endsWith('.part'))).toEqual([]);
  });

  it('reads the scope as documented: one email alone is its timeline, one user alone their audit, else the explorer', () => {
    const scopeOf = (args: string[]) => {
      const invocation = parseCommandLine(['report', '--format', 'csv', '--out', 'x.csv', ...args]);
      return invocation.command === 'report' ? invocation.request.scope : null;
    };
    expect(scopeOf(['--email-id', '42'])).toEqual({ kind: 'email', emailId: 42 });
    expect(scopeOf(['--email-id', '42', '--event-type', 'error'])).toEqual({ kind: 'activity', emailIds: [42], eventTypes: ['error'] });
    expect(scopeOf(['--email-id', '42', '--email-id', '43'])).toEqual({ kind: 'activity', emailIds: [42, 43] });
    expect(scopeOf(['--user-id', '7', '--from', '2025-01-01'])).toEqual({ kind: 'user', userId: 7, from: '2025-01-01' });
    expect(scopeOf(['--user-id', '7', '--text', 'x'])).toEqual({ kind: 'activity', userIds: [7], text: 'x' });
    expect(scopeOf([])).toEqual({ kind: 'activity' });
    expect(() => parseCommandLine(['report', '--format', 'csv', '--out', 'x', '--db', 'postgres://a@b/c', '--cache', 'f'])).toThrow(UsageError);
  });
});
