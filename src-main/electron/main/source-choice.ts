import { MailtrailError } from '../../contract/errors';
import type { ActiveSource } from '../settings/settings-store';
import type { BackupNotice } from '../../backup/notifier';

/** What openLogSource takes: a PostgreSQL URL, an offline cache file, or neither for the embedded demo. */
export interface SourceOptions {
  db?: string;
  cache?: string;
  /** The saved admin connection that writes go through (Settings › Admin connection); none refuses writes. */
  admin?: { adminDb: string; actor: string };
  /** What a write refused for want of it says. */
  noAdminMessage?: string;
  /** The desktop notification of a backup run started in the app (Run now). */
  backupNotice?: (notice: BackupNotice) => void;
}

/** `--db URL` / `--cache FILE` on the command line, in either `--db URL` or `--db=URL` form. */
export function sourceFromArgs(argv: readonly string[]): SourceOptions | null {
  const options: SourceOptions = {};
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    for (const name of ['db', 'cache'] as const) {
      if (arg === `--${name}`) {
        const value = argv[index + 1];
        if (!value || value.startsWith('--')) throw new MailtrailError('bad_request', `--${name} needs a value`);
        options[name] = value;
        index += 1;
      } else if (arg.startsWith(`--${name}=`)) {
        options[name] = arg.slice(name.length + 3);
      }
    }
  }
  if (options.db && options.cache) throw new MailtrailError('bad_request', 'give either --db or --cache, not both');
  return options.db || options.cache ? options : null;
}

/** The command line wins for this run; otherwise the data source chosen in the settings. */
export function chooseSource(argv: readonly string[], active: () => ActiveSource): SourceOptions {
  const fromArgs = sourceFromArgs(argv);
  if (fromArgs) return fromArgs;
  const source = active();
  if (source.kind === 'postgres') return { db: source.url };
  return source.kind === 'cache' ? { cache: source.file } : {};
}
