import type { MailtrailError } from '../../src-main/contract/errors';

/**
 * A token this tab keeps in sessionStorage: it lives as long as the tab, is never written to disk by
 * the page, and other tabs ask again.
 */
export function tabToken(key: string) {
  return {
    read(): string | null {
      try {
        return window.sessionStorage.getItem(key);
      } catch {
        return null;
      }
    },
    save(token: string): void {
      window.sessionStorage.setItem(key, token.trim());
    },
  };
}

const apiToken = tabToken('mailtrail.apiToken');
export const readApiToken = (): string | null => apiToken.read();
export const saveApiToken = (token: string): void => apiToken.save(token);

type RefusedListener = (error: MailtrailError) => void;
const listeners = new Set<RefusedListener>();

/** The token gate listens here; the HTTP client announces every 401 to a read. Returns the unsubscribe function. */
export function onApiTokenRefused(listener: RefusedListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

export function announceApiTokenRefused(error: MailtrailError): void {
  for (const listener of listeners) listener(error);
}
