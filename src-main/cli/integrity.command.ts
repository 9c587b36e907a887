import { journalActor } from '../admin/journal';
import type { IntegrityProgress, IntegrityReport } from '../contract/integrity';
import { MailtrailError } from '../contract/errors';
import { openReadableDb } from '../db/connection';
import { readHeadFile } from '../integrity/checkpoint';
import { generateSigningKey, loadPublicKey, loadSigningKey } from '../integrity/keys';
import { seal, verify } from '../service/integrity-service';
import { chosenDatabaseUrl, openAdminConnection, openLogSource } from '../source/open-source';
import type { CommandIo } from './io';

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** `mailtrail keygen --out FILE`. */
export async function runKeygen(options: { out: string }, io: CommandIo): Promise<number> {
  const made = generateSigningKey(options.out);
  io.out(`wrote the private key ${made.privateFile} (keep it where the database's writers cannot read it) and the public key ${made.publicFile}; key id ${made.keyId}`);
  return 0;
}

/** `mailtrail seal [--db URL] --key FILE [--head FILE]`: through the admin connection, journaled. */
export async function runSeal(options: { db: string | undefined; key: string; head: string | undefined }, io: CommandIo): Promise<number> {
  const key = loadSigningKey(options.key);
  const admin = await openAdminConnection({ db: options.db, onProgress: io.note });
  const controller = new AbortController();
  const cancel = () => controller.abort();
  process.once('SIGINT', cancel);
  try {
    let noted = 0;
    const onProgress = (progress: { sealed: number; scanned: number; total: number }) => {
      // A large first seal takes minutes: a line per million events read.
      if (progress.scanned - noted < 1_000_000) return;
      noted = progress.scanned;
      io.note(`sealing: ${count(progress.scanned)} events read, ${count(progress.sealed)} sealed`);
    };
    const result = await seal(admin.db, { key, headFile: options.head, actor: journalActor(), signal: controller.signal, onProgress });
    const seconds = (result.elapsed_ms / 1000).toFixed(1);
    if (result.sealed === 0) {
      io.out(result.latest ? `nothing new to seal; the latest checkpoint is ${result.latest.checkpoint} (seq ${count(result.latest.last_seq)})` : 'nothing to seal: the log is empty');
    } else {
      const numbers = result.checkpoints.length === 1 ? `checkpoint ${result.checkpoints[0]}` : `checkpoints ${result.checkpoints[0]}–${result.checkpoints.at(-1)}`;
      io.out(`sealed ${count(result.sealed)} events into ${numbers} (up to seq ${count(result.latest?.last_seq ?? 0)}) in ${seconds} s, signed with key ${key.keyId}`);
    }
    if (result.deferred > 0) io.out(`${count(result.deferred)} events left for the next seal: their transactions were still open when this one began`);
    if (options.head && result.latest) io.out(`head written to ${options.head}: checkpoint ${result.latest.checkpoint}`);
    return 0;
  } finally {
    process.off('SIGINT', cancel);
    await admin.close();
  }
}

/** The report in lines: each failure, then one summary line. */
export function describeIntegrity(report: IntegrityReport): string[] {
  const lines = report.failures.map((failure) => `FAILED ${failure.kind}: ${failure.message}`);
  if (report.failures_omitted > 0) lines.push(`… and ${count(report.failures_omitted)} more failures`);
  const sealedUpTo = report.latest ? `checkpoint ${report.latest.checkpoint} (seq ${count(report.latest.last_seq)}, sealed ${report.latest.sealed_at}): ` : 'nothing sealed: ';
  const detail = `${sealedUpTo}${count(report.events_checked)} sealed events checked (${count(report.archived)} in the archive), ${count(report.purged)} purged by retention, ${count(report.unsealed)} not sealed yet`;
  for (const note of report.notes) lines.push(`note: ${note}`);
  lines.push(report.intact ? `verified: intact; ${detail}` : `NOT intact: ${count(report.failures.length + report.failures_omitted)} failures; ${detail}`);
  return lines;
}

/** `mailtrail verify (--db URL | --cache FILE) [--head FILE] [--key-pub FILE]`: exit 0 intact, 1 with the list. */
export async function runVerify(
  options: { db: string | undefined; cache: string | undefined; head: string | undefined; keyPub: string | undefined; json: boolean },
  io: CommandIo,
): Promise<number> {
  // Files first: a wrong path fails before any connection is made.
  const head = options.head === undefined ? null : readHeadFile(options.head);
  const publicKey = options.keyPub === undefined ? null : loadPublicKey(options.keyPub);
  if (head && publicKey && head.key.keyId !== publicKey.keyId) {
    throw new MailtrailError('bad_request', `the head file is signed by key ${head.key.keyId}, not by the --key-pub key ${publicKey.keyId}`);
  }
  const request = {
    head,
    publicKey,
    onProgress: (progress: IntegrityProgress) => {
      if (progress.done > 0 && progress.done % 1_000_000 === 0) io.note(`${progress.phase === 'chain' ? 'chain' : 'events'}: ${count(progress.done)} of ${count(progress.total)}`);
    },
  };
  const print = (report: IntegrityReport) => {
    if (options.json) io.out(JSON.stringify(report));
    else for (const line of describeIntegrity(report)) io.out(line);
    return report.intact ? 0 : 1;
  };
  if (options.cache !== undefined) {
    // No database at all: the chain the last sync copied, checked in the file.
    const source = await openLogSource({ cache: options.cache });
    try {
      return print(await source.store.verifyIntegrity(request));
    } finally {
      await source.close();
    }
  }
  const url = chosenDatabaseUrl({ db: options.db });
  let closeEmbedded: (() => Promise<void>) | null = null;
  let target = url;
  if (target === undefined) {
    const { openEmbeddedDefault } = await import('../db/embedded-default');
    const embedded = await openEmbeddedDefault({ fillDemo: false, onProgress: io.note });
    target = embedded.viewerUrl;
    closeEmbedded = () => embedded.close();
  }
  const db = openReadableDb(target);
  try {
    return print(await verify(db, request));
  } finally {
    await db.end().catch(() => undefined);
    await closeEmbedded?.();
  }
}
