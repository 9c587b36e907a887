import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportFormat, ReportScope } from '../../src-main/contract/reports';
import { openAdminDb, type AdminDb } from '../../src-main/db/connection';
import { reportOriginOf, type ReportOrigin } from '../../src-main/reports/report-origin';
import { verifyReportFile } from '../../src-main/reports/verify';
import { reportFileName, writeReport } from '../../src-main/reports/write-report';
import { createLogService } from '../../src-main/service/log-service';
import { readCsv, readJsonl, scopeEvents } from '../support/reports';
import { BACKENDS, createStoreFixture, type BackendName, type StoreFixture } from '../support/stores';

let fixture: StoreFixture;
let dir: string;
const origins = {} as Record<BackendName, ReportOrigin>;

beforeAll(async () => {
  fixture = await createStoreFixture({ emails: 150, archive: true });
  dir = mkdtempSync(join(tmpdir(), 'mailtrail-reports-'));
  for (const backend of BACKENDS) {
    const { service, store } = fixture.backends[backend];
    origins[backend] = await reportOriginOf(
      { service, store, databaseUrl: backend === 'postgres' ? fixture.database.url : null, admin: null },
      { env: { MAILTRAIL_DATA_DIR: dir, MAILTRAIL_ACTOR: 'Åse Revisor' } },
    );
  }
}, 120_000);
afterAll(async () => {
  await fixture?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let made = 0;
async function make(backend: BackendName, scope: ReportScope, format: ReportFormat, title?: string): Promise<string> {
  const file = join(dir, `report-${(made += 1)}.${format}`);
  const record = await writeReport(fixture.backends[backend].service, origins[backend], { scope, format, title }, file);
  expect(record.path).toBe(file);
  return file;
}

const scopes = (): [string, ReportScope][] => [
  ['one email, archived events included', { kind: 'email', emailId: fixture.special.emailId }],
  ['errors in a range', { kind: 'activity', eventTypes: ['error'], from: '2025-01-01', to: '2025-12-31' }],
  ['a Danish text', { kind: 'activity', text: 'læse' }],
  ['the whole log', { kind: 'activity' }],
  ['one user', { kind: 'user', userId: fixture.special.userId }],
];

describe('CSV and JSONL reports from PostgreSQL and the offline cache', () => {
  it('hold the same events as the service gives, from both backends, and verify', async () => {
    for (const [name, scope] of scopes()) {
      const expected = await scopeEvents(fixture.backends.postgres.service, scope);
      expect(expected.length, `${name} finds events`).toBeGreaterThan(0);
      for (const backend of BACKENDS) {
        const jsonl = await make(backend, scope, 'jsonl');
        const csv = await make(backend, scope, 'csv');
        expect(readJsonl(jsonl).events, `${name}: JSONL from ${backend}`).toEqual(expected);
        expect(readCsv(csv).events, `${name}: CSV from ${backend}`).toEqual(expected);
        for (const file of [jsonl, csv]) {
          const verification = await verifyReportFile(file);
          expect(verification.problems, `${name}: ${file} from ${backend}`).toEqual([]);
          expect(verification).toMatchObject({ verified: true, events: expected.length });
        }
      }
    }
  });

  it('carries the provenance: title, who, the source without credentials, the zone, the scope in words', async () => {
    const scope: ReportScope = { kind: 'activity', eventTypes: ['error', 'workflow_executed'], emailIds: [fixture.special.emailId], from: '2025-01-01' };
    const jsonl = readJsonl(await make('postgres', scope, 'jsonl', 'Sag 17: æøå'));
    expect(jsonl.report).toMatchObject({
      mailtrail_report: 1,
      title: 'Sag 17: æøå',
      format: 'jsonl',
      generated_by: 'Åse Revisor',
      source: { kind: 'postgres', host: expect.any(String), database: expect.any(String) },
      time_zone: expect.stringMatching(/\w/),
      scope,
      scope_text: `events of types error and workflow_executed of email ${fixture.special.emailId} from 2025-01-01`,
      checkpoint: null,
    });
    expect(JSON.stringify(jsonl.report)).not.toContain(new URL(fixture.database.url).password);
    expect(jsonl.end).toEqual({ events: jsonl.events.length, matched: jsonl.events.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const csv = readCsv(await make('sqlite', scope, 'csv'));
    expect(csv.header).toMatchObject({ mailtrail_report: '1', title: 'Activity report', format: 'csv', generated_by: 'Åse Revisor', time_zone: expect.stringMatching(/\w/) });
    expect(JSON.parse(csv.header.source!)).toMatchObject({ kind: 'cache', file: fixture.cacheFile });
    expect(csv.columns).toEqual(['id', 'email_id', 'created_at', 'event_type', 'event_category', 'description', 'metadata', 'user_id', 'user_name', 'created_by', 'archived']);
    expect(Number(csv.totals.events)).toBe(csv.events.length);
  });

  it('neutralises spreadsheet formulas so that a spreadsheet shows them as text', async () => {
    const hostile = '=HYPERLINK("http://evil.example","click")';
    await fixture.database.writable.query(
      `INSERT INTO email_activity_log (email_id, event_type, event_category, description, created_by) VALUES ($1, 'note', 'user', $2, '@admin'), ($1, 'note', 'user', $3, '-1')`,
      [1_999_999_999, hostile, "'quoted"],
    );
    const file = await make('postgres', { kind: 'email', emailId: 1_999_999_999 }, 'csv');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(text).toMatch(/,'@admin,/);
    expect(text).not.toMatch(/,=|,@|,-1,/);
    expect(readCsv(file).events).toMatchObject([
      { description: hostile, created_by: '@admin' },
      { description: "'quoted", created_by: '-1' },
    ]);
    expect((await verifyReportFile(file)).verified).toBe(true);
  });

  it('makes an empty report for a filter that matches nothing, not an error', async () => {
    for (const format of ['csv', 'jsonl'] as const) {
      const file = await make('sqlite', { kind: 'activity', text: 'no event says this zzqqxx' }, format);
      expect(await verifyReportFile(file)).toMatchObject({ verified: true, events: 0, problems: [] });
    }
  });
});

/** Each kind of tampering, as text edits of the file. */
const TAMPERING: Record<'csv' | 'jsonl', [string, (text: string) => string, RegExp][]> = {
  jsonl: [
    ['one character of one event', (text) => text.replace('Kunne ikke læse PDF', 'Kunne ikke læse PDf'), /digest differs/],
    ['a row removed', (text) => text.split('\n').filter((_line, index) => index !== 2).join('\n'), /count differs: the totals say \d+ events but the file holds \d+ \(events were removed\)/],
    ['the provenance edited', (text) => text.replace(/"title":"[^"]*"/, '"title":"Another case"'), /digest differs/],
    ['the end line cut', (text) => text.split('\n').slice(0, -2).join('\n'), /cut short: the file ends after \d+ events without its end line/],
    ['an event out of the scope', (text) => text.replace(/"email_id":(\d+)/, (_m, id: string) => `"email_id":${Number(id) + 1}`), /event 1 \(id \d+\) at line 2 is not of email \d+/],
    ['the first line', (text) => text.replace('{"report":', '{"rapport":'), /not a Mailtrail report: it does not begin as/],
  ],
  csv: [
    ['one character of one event', (text) => text.replace('Kunne ikke læse PDF', 'Kunne ikke læse PDf'), /digest differs/],
    ['a row removed', (text) => text.split('\r\n').filter((_line, index, lines) => index !== lines.indexOf('id,email_id,created_at,event_type,event_category,description,metadata,user_id,user_name,created_by,archived') + 1).join('\r\n'), /count differs.*removed/],
    ['the provenance edited', (text) => text.replace(/\r\ngenerated_by,[^\r]*/, '\r\ngenerated_by,someone else'), /digest differs/],
    ['the totals cut', (text) => text.replace(/\r\nevents,[\s\S]*$/, ''), /cut short: the file ends after \d+ events without its totals/],
    ['the scope text edited', (text) => text.replace(/scope_text,[^\r]*/, 'scope_text,every event in the log'), /provenance edited: scope_text does not describe the scope/],
  ],
};

describe('PDF and HTML reports', () => {
  it('are written from both backends with the same digest for the same events, and verify', async () => {
    const scope: ReportScope = { kind: 'email', emailId: fixture.special.emailId };
    const expected = await scopeEvents(fixture.backends.postgres.service, scope);
    for (const format of ['pdf', 'html'] as const) {
      for (const backend of BACKENDS) {
        const file = await make(backend, scope, format, 'Sag 17: æøå');
        const verification = await verifyReportFile(file);
        expect(verification.problems, `${format} from ${backend}`).toEqual([]);
        expect(verification).toMatchObject({ verified: true, format, title: 'Sag 17: æøå', events: expected.length });
      }
    }
  });
});

describe('verify', () => {
  for (const format of ['jsonl', 'csv'] as const) {
    it.each(TAMPERING[format])(`fails a ${format.toUpperCase()} report after %s`, async (_name, tamper, problem) => {
      const file = await make('postgres', { kind: 'email', emailId: fixture.special.emailId }, format);
      expect((await verifyReportFile(file)).verified).toBe(true);
      const original = readFileSync(file, 'utf8');
      const tampered = tamper(original);
      expect(tampered).not.toBe(original);
      writeFileSync(file, tampered);
      const verification = await verifyReportFile(file);
      expect(verification.verified).toBe(false);
      expect(verification.problems.join('\n')).toMatch(problem);
    });
  }

  it('says what is wrong with a file that is no report, never throws', async () => {
    const other = join(dir, 'notes.txt');
    writeFileSync(other, 'hello');
    expect(await verifyReportFile(other)).toMatchObject({ verified: false, problems: [expect.stringMatching(/not a Mailtrail report/)] });
    expect(await verifyReportFile(join(dir, 'missing.csv'))).toMatchObject({ verified: false, problems: [expect.stringMatching(/there is no file at/)] });
    writeFileSync(other, '{"report":{"title":1}}\n{not json\n');
    const broken = await verifyReportFile(other);
    expect(broken.verified).toBe(false);
    expect(broken.problems.join('\n')).toMatch(/provenance edited/);
    expect(broken.problems.join('\n')).toMatch(/line 2 is not JSON/);
    expect(broken.problems.join('\n')).toMatch(/cut short/);
  });
});

describe('writing a report', () => {
  it('leaves no file and no temporary file when cancelled', async () => {
    const folder = mkdtempSync(join(dir, 'cancel-'));
    const controller = new AbortController();
    const writing = writeReport(fixture.backends.postgres.service, origins.postgres, { scope: { kind: 'activity' }, format: 'csv' }, join(folder, 'all.csv'), {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    await expect(writing).rejects.toMatchObject({ name: 'AbortError' });
    expect(readdirSync(folder)).toEqual([]);
  });

  it('refuses bad input in one clear line, before writing anything', async () => {
    const { service } = fixture.backends.sqlite;
    const write = (request: unknown, path = join(dir, 'bad.csv')) => writeReport(service, origins.sqlite, request as never, path);
    await expect(write({ scope: { kind: 'activity' }, format: 'docx' })).rejects.toThrow(/format: must be one of csv, jsonl, html, pdf/);
    await expect(write({ scope: {}, format: 'csv' })).rejects.toThrow(/scope/);
    await expect(write({ scope: { kind: 'email' }, format: 'csv' })).rejects.toThrow(/scope.emailId/);
    await expect(write({ scope: { kind: 'activity', from: '2025-12-31', to: '2025-01-01' }, format: 'csv' })).rejects.toThrow(/must not be after "to"/);
    await expect(write({ scope: { kind: 'activity' }, format: 'csv' }, join(dir, 'no-such-folder', 'x.csv'))).rejects.toThrow(/the folder .* does not exist/);
    await expect(write({ scope: { kind: 'activity' }, format: 'csv' }, dir)).rejects.toThrow(/is a folder/);
    await expect(write({ scope: { kind: 'email', emailId: 1_234_567 }, format: 'csv' })).rejects.toMatchObject({ code: 'not_found' });
    expect(readdirSync(dir).filter((name) => name.startsWith('bad') || name.endsWith('.part'))).toEqual([]);
  });

  it('records each report in the register, where reports/list and reports/verify find it', async () => {
    const registerDir = mkdtempSync(join(dir, 'register-'));
    const origin = { ...origins.postgres, registerPath: join(registerDir, 'reports.jsonl') };
    const { service, store } = fixture.backends.postgres;
    const file = join(registerDir, 'timeline.jsonl');
    const record = await writeReport(service, origin, { scope: { kind: 'email', emailId: fixture.special.emailId }, format: 'jsonl' }, file);
    const listed = createLogService(store, undefined, { registerPath: origin.registerPath });
    expect(await listed['reports/list']({ limit: 50 })).toEqual({ items: [record] });
    expect(record).toMatchObject({ title: `Timeline of email ${fixture.special.emailId}`, format: 'jsonl', generated_by: 'Åse Revisor', path: file });
    expect(await listed['reports/verify']({ id: record.id })).toMatchObject({ verified: true, events: record.events, sha256: record.sha256 });
    writeFileSync(file, readFileSync(file, 'utf8').replace('Kunne ikke', 'Kunde ikke'));
    expect(await listed['reports/verify']({ id: record.id })).toMatchObject({ verified: false });
    await expect(listed['reports/verify']({ id: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('journals the export as report.export where there is an admin connection', async () => {
    const admin: AdminDb = openAdminDb(fixture.database.url);
    try {
      const file = join(dir, 'journaled.csv');
      const record = await writeReport(fixture.backends.postgres.service, { ...origins.postgres, journalDb: admin }, { scope: { kind: 'user', userId: fixture.special.userId }, format: 'csv' }, file);
      const { rows } = await admin.query<{ actor: string; parameters: Record<string, unknown>; outcome: string }>(
        `SELECT actor, parameters, outcome FROM mailtrail_admin_journal WHERE action = 'report.export' ORDER BY id DESC LIMIT 1`,
      );
      expect(rows[0]).toEqual({
        actor: 'Åse Revisor',
        outcome: 'succeeded',
        parameters: { scope: { kind: 'user', userId: fixture.special.userId }, format: 'csv', rows: record.events, sha256: record.sha256, path: file },
      });
    } finally {
      await admin.end();
    }
  });

  it('names the file after its scope and the day', () => {
    const day = new Date(2026, 10, 28, 15);
    expect(reportFileName({ scope: { kind: 'email', emailId: 42 }, format: 'pdf' }, day)).toBe('mailtrail-email-42-2026-11-28.pdf');
    expect(reportFileName({ scope: { kind: 'user', userId: 7 }, format: 'csv' }, day)).toBe('mailtrail-user-7-2026-11-28.csv');
    expect(reportFileName({ scope: { kind: 'activity', eventTypes: ['error'] }, format: 'jsonl' }, day)).toBe('mailtrail-activity-2026-11-28.jsonl');
  });
});
