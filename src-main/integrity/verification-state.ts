import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { IntegrityReport, VerificationStop } from '../contract/integrity';
import { defaultDataDir } from '../paths';

/**
 * The last verification of each source, kept in Mailtrail's data folder beside the reports' register
 * (MAILTRAIL_DATA_DIR overrides it), so the Integrity screen says "last verified at …" after a restart.
 * Keyed by the source's label (a database URL without its password, or the embedded default's folder).
 */
export const VERIFICATIONS_FILE = 'integrity-verifications.json';

export const verificationsPath = (env: NodeJS.ProcessEnv = process.env): string => join(defaultDataDir(env), VERIFICATIONS_FILE);

// Sources remembered at most: the oldest verified are forgotten first.
const SOURCES_MAX = 20;

const KeptVerification = z.object({
  report: IntegrityReport.nullable(),
  /** Event id -> email id for the report's failures, found when it was made. */
  failure_emails: z.record(z.string(), z.number()).default({}),
  stopped: VerificationStop.nullable(),
});
export type KeptVerification = z.infer<typeof KeptVerification>;
const VerificationsFile = z.object({ mailtrail_integrity_verifications: z.literal(1), sources: z.record(z.string(), KeptVerification) });
type VerificationsFile = z.infer<typeof VerificationsFile>;

/** The whole file; empty when it is missing or not one (a hand edit, a newer format): it only remembers. */
async function readAll(file: string): Promise<VerificationsFile['sources']> {
  try {
    const parsed = VerificationsFile.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data.sources : {};
  } catch {
    return {};
  }
}

export async function readVerification(file: string, source: string): Promise<KeptVerification | null> {
  return (await readAll(file))[source] ?? null;
}

/** Replaces the source's record, written beside and renamed over so a reader sees the old file or the new one whole. */
export async function keepVerification(file: string, source: string, kept: KeptVerification): Promise<void> {
  const sources = await readAll(file);
  delete sources[source];
  const entries = [...Object.entries(sources), [source, kept] as const].slice(-SOURCES_MAX);
  const body: VerificationsFile = { mailtrail_integrity_verifications: 1, sources: Object.fromEntries(entries) };
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(body)}\n`, 'utf8');
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
