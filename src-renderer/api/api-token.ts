import type { MailtrailError } from '../../src-main/contract/errors';

// sessionStorage: the token lives as long as the tab, is never written to disk by the page, and other tabs ask again.
const STORAGE_KEY = 'mailtrail.apiToken';

export function readApiToken(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveApiToken(token: string): void {
  window.sessionStorage.setItem(STORAGE_KEY, token.trim());
}

type RefusedListener = (error: MailtrailError) => void;
const listeners = new Set<RefusedListener>();

/** The token gate listens here; the HTTP client announces every 401. Returns the unsubscribe function. */
export function onApiTokenRefused(listener: RefusedListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function announceApiTokenRefused(error: MailtrailError): void {
  for (const listener of listeners) listener(error);
}
