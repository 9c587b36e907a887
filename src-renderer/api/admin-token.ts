// The admin token of `serve --admin`, entered on the Retention screen: kept like the API token, in the
// tab's sessionStorage (gone when the tab closes, other tabs ask again), and sent on writes only.
const STORAGE_KEY = 'mailtrail.adminToken';

export function readAdminToken(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function saveAdminToken(token: string): void {
  window.sessionStorage.setItem(STORAGE_KEY, token.trim());
}

export function forgetAdminToken(): void {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage refused: there is nothing kept to forget.
  }
}
