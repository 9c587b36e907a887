import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupWriter, countRows, readManifestRecord, readRecords, type Footer } from '../../src-main/backup/backup-format';
import { backupFileName } from '../../src-main/backup/backup-run';
import { parseBackup } from '../../src-main/cli/backup-command-line';
import { describeBackupProgress } from '../../src-main/cli/backup.command';
import { formatBytes } from '../../src-main/contract/bytes';
import { parseCommandLine } from '../../src-main/cli/command-line';

const dir = mkdtempSync(join(tmpdir(), 'mailtrail-backup-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('backup command line', () => {
  it('reads each action', () => {
    expect(parseBackup(['run', '--to', 'out', '--db', 'postgres://u@h/db'])).toEqual({ command: 'backup', action: 'run', db: 'postgres://u@h/db', adminDb: undefined, to: 'out', json: false, notify: [] });
    expect(parseBackup(['verify', 'f.mtbackup', '--no-restore'])).toEqual({ command: 'backup', action: 'verify', file: 'f.mtbackup', restore: false, json: false });
    expect(parseBackup(['restore', 'f.mtbackup', '--db', 'postgres://u@h/db', '--force'])).toEqual({ command: 'backup', action: 'restore', file: 'f.mtbackup', db: 'postgres://u@h/db', force: true });
    expect(parseBackup(['list', '--to', 'out', '--json'])).toEqual({ command: 'backup', action: 'list', to: 'out', json: true });
    expect(parseCommandLine(['backup', 'list', '--to', 'out'])).toMatchObject({ command: 'backup', action: 'list' });
  });

  it('never restores into DATABASE_URL by default', () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://u@h/db';
    try {
      expect(() => parseBackup(['restore', 'f.mtbackup'])).toThrow(/needs --db URL/);
    } finally {
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });

  it('refuses two files and stray arguments', () => {
    expect(() => parseBackup(['verify', 'a', 'b'])).toThrow(/needs one backup FILE/);
    expect(() => parseBackup(['list', 'x', '--to', 'out'])).toThrow(/unexpected argument "x"/);
  });
});

describe('backup names and progress', () => {
  it('names files so they sort by time', () => {
    const early = backupFileName('hub db', new Date('2026-01-02T03:04:05.006Z'));
    const late = backupFileName('hub db', new Date('2026-01-02T03:04:05.007Z'));
    expect(early).toBe('mailtrail-hub_db-20260102T030405.006Z.mtbackup');
    expect([late, early].sort()).toEqual([early, late]);
  });

  it('says sizes and progress in words', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MB');
    const line = describeBackupProgress({ table: 'email_activity_log', rows: 1500, bytes: 2048, tablesDone: 2, tablesTotal: 4 }, 'backing up', true, Date.now() - 1000, 500);
    expect(line).toMatch(/^\[#{15}-{15}\] backing up email_activity_log: 1,500 rows \(2\.0 KB\), table 3 of 4, [\d,]+ rows\/s$/);
  });
});

describe('backup file format', () => {
  it('counts rows by their newlines', () => {
    expect(countRows(Buffer.from('1\ta\n2\tb\\nc\n'))).toBe(2);
    expect(countRows(Buffer.alloc(0))).toBe(0);
  });

  it('reads back what the writer wrote, footer and manifest included', async () => {
    const file = join(dir, 'small.mtbackup');
    const handle = await open(file, 'w');
    const writer = new BackupWriter(handle);
    await writer.magic();
    await writer.json('H', { format: 'mailtrail-backup', format_version: 1 });
    await writer.record('D', Buffer.from('block'));
    const manifestAt = await writer.json('M', { format: 'mailtrail-backup', tables: [] });
    const sha256 = await writer.finish(manifestAt);
    await handle.close();
    const end = { footer: null as Footer | null, sha256: null as string | null, trailing: 0 };
    const kinds: string[] = [];
    for await (const record of readRecords(file, end)) kinds.push(record.kind);
    expect(kinds).toEqual(['H', 'D', 'M']);
    expect(end.footer).toEqual({ manifestOffset: manifestAt, sha256 });
    expect(end.sha256).toBe(sha256);
    const reader = await open(file, 'r');
    const read = await readManifestRecord(reader, (await reader.stat()).size);
    await reader.close();
    expect(typeof read === 'string' ? read : JSON.parse(read.payload.toString())).toEqual({ format: 'mailtrail-backup', tables: [] });
  });

  it('names what is not a backup', async () => {
    const file = join(dir, 'other.txt');
    writeFileSync(file, 'hello, not a backup at all, no');
    const end = { footer: null as Footer | null, sha256: null as string | null, trailing: 0 };
    await expect((async () => {
      for await (const record of readRecords(file, end)) void record;
    })()).rejects.toThrow(/is not a Mailtrail backup/);
  });
});
