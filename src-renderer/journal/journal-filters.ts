import type { JournalEntry } from '../../src-main/contract/admin';
import type { RequestOf } from '../../src-main/contract/operations';
import { isValidTimestamp } from '../../src-main/contract/schemas';
import { hrefOf } from '../app/route';

/** The journal's filters as the address holds them: `#/journal?action=retention&actor=anna&from=2026-11-01`. */
export interface JournalFilters {
  /** An action (`retention.run`) or a prefix of actions (`retention`); '' for all. */
  action: string;
  actor: string;
  from: string;
  to: string;
}

export const NO_JOURNAL_FILTERS: JournalFilters = { action: '', actor: '', from: '', to: '' };

const ACTION = /^[a-z][a-z0-9_-]*(?:\.[a-z0-9_-]+)*$/;

/** What the address says, keeping only what the API would take. */
export function journalFiltersFromParams(params: URLSearchParams): JournalFilters {
  const date = (name: string) => {
    const value = params.get(name)?.trim() ?? '';
    return isValidTimestamp(value) ? value : '';
  };
  const action = params.get('action')?.trim().toLowerCase() ?? '';
  return {
    action: ACTION.test(action) && action.length <= 64 ? action : '',
    actor: (params.get('actor') ?? '').trim().slice(0, 200),
    from: date('from'),
    to: date('to'),
  };
}

export const journalHref = (filters: JournalFilters): string =>
  hrefOf('journal', { action: filters.action, actor: filters.actor, from: filters.from, to: filters.to });

export function journalRequestOf(filters: JournalFilters): RequestOf<'admin/journal'> {
  return {
    actions: filters.action ? [filters.action] : undefined,
    actors: filters.actor ? [filters.actor] : undefined,
    from: filters.from || undefined,
    to: filters.to || undefined,
  };
}

export const isJournalFiltered = (filters: JournalFilters): boolean => Object.values(filters).some(Boolean);

/** Parameters on one line for the table: `email_id=42 · reason="Litigation hold"`; the detail shows them whole. */
export function parametersText(parameters: JournalEntry['parameters']): string {
  const parts = Object.entries(parameters).map(([key, value]) => {
    const text = typeof value === 'string' ? (/^[\w.:@/-]+$/.test(value) ? value : JSON.stringify(value)) : JSON.stringify(value);
    return `${key}=${text}`;
  });
  return parts.length ? parts.join(' · ') : '—';
}

/** How long a finished write took, in words a reader scans: "< 0.1 s", "0.4 s", "12 s", "3 min 5 s"; null while it runs. */
export function durationText(entry: Pick<JournalEntry, 'at' | 'finished_at'>): string | null {
  if (!entry.finished_at) return null;
  const ms = Date.parse(`${entry.finished_at}Z`) - Date.parse(`${entry.at}Z`);
  if (!Number.isFinite(ms) || ms < 0) return null;
  if (ms < 50) return '< 0.1 s';
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${seconds % 60} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export const OUTCOME_LABELS: Record<JournalEntry['outcome'], string> = {
  started: 'Started',
  succeeded: 'Succeeded',
  cancelled: 'Cancelled',
  failed: 'Failed',
  refused: 'Refused',
};
