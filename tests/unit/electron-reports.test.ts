import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as electron from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Result } from '../../src-main/contract/errors';
import type { ResponseOf } from '../../src-main/contract/operations';
import {
  REPORT_CANCEL_CHANNEL,
  REPORT_EXPORT_CHANNEL,
  REPORT_FILE_CHANNELS,
  REPORT_OPEN_CHANNEL,
  REPORT_PROGRESS_CHANNEL,
  REPORT_REVEAL_CHANNEL,
  REPORT_VERIFY_FILE_CHANNEL,
  type ReportExportOutcome,
  type ReportExportProgress,
  type VerifiedReportFile,
} from '../../src-main/contract/report-export';
import { startDesktopApp, type OpenedSource } from '../../src-main/electron/main/desktop-app';
import { reportOriginOf } from '../../src-main/reports/report-origin';
import { openLogSource } from '../../src-main/source/open-source';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { mixedEventsSql } from '../support/mixed-events';
import { temporaryDirectory } from '../support/stores';
import type { FakeElectron } from './electron-fake';

vi.mock('electron', async () => (await import('./electron-fake')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

// Enough events that an export is still running when its first progress arrives (every 200 ms).
const EVENTS = 40_000;
const ownWindow = { senderFrame: { url: 'app://mailtrail/index.html', parent: null } };

describe('reports in the desktop app: Save dialog, progress, cancel, open, reveal, verify (fake electron, real PostgreSQL)', () => {
  let db: TestDatabase;
  let dir: string;
  let removeDir: () => void;
  let window: InstanceType<FakeElectron['BrowserWindow']>;

  const call = async <T>(channel: string, payload?: unknown) => (await fake.ipcMain.handlers.get(channel)?.(ownWindow, payload)) as Result<T>;
  const value = <T>(result: Result<T>): T => {
    if (!result.ok) throw new Error(`expected a value, got ${result.error.code}: ${result.error.message}`);
    return result.value;
  };
  const progress = () => window.webContents.send.mock.calls.filter(([channel]) => channel === REPORT_PROGRESS_CHANNEL).map(([, update]) => update as ReportExportProgress);
  const saveAs = (file: string) => fake.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: false, filePath: file });
  const listed = async () => value(await call<ResponseOf<'reports/list'>>('mailtrail:reports/list', {})).items;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.writable.query(mixedEventsSql({ count: EVENTS, minutesApart: 1 }));
    ({ dir, remove: removeDir } = temporaryDirectory('mailtrail-reports-'));
    // The register of reports made on this machine lives in the data folder.
    vi.stubEnv('MAILTRAIL_DATA_DIR', join(dir, 'data'));
    vi.stubEnv('MAILTRAIL_ACTOR', 'auditor anna');
    const started = await startDesktopApp({
      openSource: async (): Promise<OpenedSource> => {
        const source = await openLogSource({ db: db.url });
        return { ...source, kind: source.store.source.kind, reportOrigin: () => reportOriginOf(source) };
      },
      preloadPath: '/app/out/preload/index.cjs',
      rendererDir: dir,
      argv: ['.'],
      syncWorkerUrl: new URL('../../src-main/electron/offline/sync.worker.ts', import.meta.url),
    });
    window = started as unknown as InstanceType<FakeElectron['BrowserWindow']>;
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    removeDir?.();
    rmSync(fake.userData, { recursive: true, force: true });
    await db?.drop();
  });

  it('answers its five channels', () => {
    for (const channel of REPORT_FILE_CHANNELS) expect(fake.ipcMain.handlers.has(channel)).toBe(true);
  });

  it('exports through the Save dialog with a sensible name, tells the window how far it is, and lists the report', async () => {
    const target = join(dir, 'email-7.jsonl');
    saveAs(target);
    const outcome = value(await call<ReportExportOutcome>(REPORT_EXPORT_CHANNEL, { scope: { kind: 'email', emailId: 7 }, format: 'jsonl', title: 'Email 7 for the case' }));

    const [, saveOptions] = fake.dialog.showSaveDialog.mock.calls.at(-1)!;
    expect(saveOptions).toMatchObject({
      defaultPath: expect.stringMatching(/[\\/]mailtrail-email-7-\d{4}-\d{2}-\d{2}\.jsonl$/),
      filters: [{ extensions: ['jsonl'] }, { extensions: ['*'] }],
    });
    const lines = readFileSync(target, 'utf8').trimEnd().split('\n');
    const events = lines.slice(1, -1).map((line) => JSON.parse(line) as { email_id: number });
    expect(JSON.parse(lines[0]!)).toMatchObject({ report: { title: 'Email 7 for the case', generated_by: 'auditor anna', scope: { kind: 'email', emailId: 7 } } });
    expect(events.length).toBe(EVENTS / 500);
    expect(events.every((event) => event.email_id === 7)).toBe(true);
    expect(outcome).toEqual({ state: 'saved', id: expect.any(String), file: target, events: EVENTS / 500, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(progress().at(-1)).toMatchObject({ file: target, events: EVENTS / 500, rate: expect.any(Number) });

    expect((await listed())[0]).toMatchObject({ id: outcome.state === 'saved' ? outcome.id : '', path: target, format: 'jsonl', events: EVENTS / 500 });
  });

  it('writes nothing when the Save dialog is dismissed', async () => {
    const before = readdirSync(dir);
    fake.dialog.showSaveDialog.mockResolvedValueOnce({ canceled: true });
    expect(value(await call<ReportExportOutcome>(REPORT_EXPORT_CHANNEL, { scope: { kind: 'activity' }, format: 'csv' }))).toEqual({ state: 'cancelled', file: null });
    expect(readdirSync(dir)).toEqual(before);
  });

  it('cancels a running export and leaves no file, neither under its name nor half-written beside it', async () => {
    const target = join(dir, 'everything.csv');
    saveAs(target);
    window.webContents.send.mockClear();
    // The window cancels as the first progress arrives.
    let cancelled: Promise<unknown> | null = null;
    window.webContents.send.mockImplementation((channel: string) => {
      if (channel === REPORT_PROGRESS_CHANNEL && !cancelled) cancelled = call(REPORT_CANCEL_CHANNEL);
      return undefined;
    });
    try {
      const outcome = value(await call<ReportExportOutcome>(REPORT_EXPORT_CHANNEL, { scope: { kind: 'activity' }, format: 'csv' }));
      expect(outcome).toEqual({ state: 'cancelled', file: target });
      await expect(cancelled).resolves.toEqual({ ok: true, value: null });
    } finally {
      window.webContents.send.mockImplementation(() => undefined);
    }
    expect(progress().length).toBeGreaterThan(0);
    expect(progress()[0]!.events).toBeLessThan(EVENTS);
    expect(readdirSync(dir).filter((name) => name.includes('everything'))).toEqual([]);
    expect((await listed()).map((report) => report.path)).not.toContain(target);
  });

  it('refuses a malformed request, saying what was wrong, before any dialog', async () => {
    const dialogs = fake.dialog.showSaveDialog.mock.calls.length;
    const answer = await call(REPORT_EXPORT_CHANNEL, { scope: { kind: 'email', emailId: 7 }, format: 'docx' });
    expect(answer).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('format') } });
    expect(await call(REPORT_EXPORT_CHANNEL, 'rm -rf /')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(fake.dialog.showSaveDialog.mock.calls.length).toBe(dialogs);
  });

  it('opens and reveals a listed report by its id; a file gone or an unknown id is said plainly', async () => {
    const [report] = await listed();
    expect(value(await call(REPORT_OPEN_CHANNEL, { id: report!.id }))).toBeNull();
    expect(fake.shell.openPath).toHaveBeenLastCalledWith(report!.path);
    expect(value(await call(REPORT_REVEAL_CHANNEL, { id: report!.id }))).toBeNull();
    expect(fake.shell.showItemInFolder).toHaveBeenLastCalledWith(report!.path);

    fake.shell.openPath.mockResolvedValueOnce('No application is associated with the specified file');
    expect(await call(REPORT_OPEN_CHANNEL, { id: report!.id })).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('No application') } });
    expect(await call(REPORT_OPEN_CHANNEL, { id: 'no-such-report' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await call(REPORT_REVEAL_CHANNEL, { path: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });

    const moved = join(dir, 'moved-away.csv');
    saveAs(moved);
    const made = value(await call<ReportExportOutcome>(REPORT_EXPORT_CHANNEL, { scope: { kind: 'email', emailId: 9 }, format: 'csv' }));
    rmSync(moved);
    const revealed = fake.shell.showItemInFolder.mock.calls.length;
    expect(await call(REPORT_REVEAL_CHANNEL, { id: made.state === 'saved' ? made.id : '' })).toMatchObject({ ok: false, error: { code: 'not_found', message: expect.stringContaining('moved or deleted') } });
    expect(fake.shell.showItemInFolder.mock.calls.length).toBe(revealed);
  });

  it('verifies a file picked in the Open dialog: intact, then edited', async () => {
    const report = (await listed()).find((made) => made.path.endsWith('email-7.jsonl'));
    fake.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [report!.path] });
    const intact = value(await call<VerifiedReportFile | null>(REPORT_VERIFY_FILE_CHANNEL));
    expect(intact).toMatchObject({ file: report!.path, verification: { verified: true, events: report!.events, sha256: report!.sha256, problems: [] } });
    expect(fake.dialog.showOpenDialog.mock.calls.at(-1)?.[1]).toMatchObject({ properties: ['openFile'] });

    writeFileSync(report!.path, readFileSync(report!.path, 'utf8').replace('event ', 'Event '));
    fake.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: false, filePaths: [report!.path] });
    const edited = value(await call<VerifiedReportFile | null>(REPORT_VERIFY_FILE_CHANNEL));
    expect(edited?.verification.verified).toBe(false);
    expect(edited?.verification.problems.length).toBeGreaterThan(0);

    fake.dialog.showOpenDialog.mockResolvedValueOnce({ canceled: true, filePaths: [] });
    expect(value(await call(REPORT_VERIFY_FILE_CHANNEL))).toBeNull();
  });

  it('refuses every report channel to any other frame', async () => {
    const foreign = { senderFrame: { url: 'https://evil.example/', parent: null } };
    for (const channel of REPORT_FILE_CHANNELS) {
      await expect(fake.ipcMain.handlers.get(channel)?.(foreign, { id: 'x' })).resolves.toMatchObject({ ok: false, error: { code: 'bad_request' } });
    }
  });
});
