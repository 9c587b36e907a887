import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ReportRecord } from '../contract/reports';
import { defaultDataDir } from '../paths';

/**
 * The register of the reports made on this machine: one JSON line per report, appended when its
 * file is complete, in Mailtrail's data folder (MAILTRAIL_DATA_DIR overrides it). Local, so an
 * offline cache's reports are listed too; the admin journal keeps the database's own record.
 */
export const REGISTER_FILE = 'reports.jsonl';

export const reportRegisterPath = (env: NodeJS.ProcessEnv = process.env): string => join(defaultDataDir(env), REGISTER_FILE);

export async function recordReport(registerPath: string, record: ReportRecord): Promise<void> {
  await mkdir(dirname(registerPath), { recursive: true });
  // One write per line: appends of a few hundred bytes do not interleave between processes.
  await appendFile(registerPath, `${JSON.stringify(record)}\n`, 'utf8');
}

/** Newest first; a line that is not a record (a crash mid-append, a hand edit) is skipped. */
export async function listReports(registerPath: string, limit: number): Promise<ReportRecord[]> {
  let text: string;
  try {
    text = await readFile(registerPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const records: ReportRecord[] = [];
  const lines = text.split('\n');
  for (let index = lines.length - 1; index >= 0 && records.length < limit; index -= 1) {
    const line = lines[index]?.trim();
    if (!line) continue;
    try {
      const parsed = ReportRecord.safeParse(JSON.parse(line));
      if (parsed.success) records.push(parsed.data);
    } catch {
      // skipped, as said above
    }
  }
  return records;
}

export async function findReport(registerPath: string, id: string): Promise<ReportRecord | null> {
  return (await listReports(registerPath, Number.MAX_SAFE_INTEGER)).find((record) => record.id === id) ?? null;
}
