import { useEffect, useState } from 'react';
import { parseHash, type Route } from './route';

export { hrefOf, parseHash, type Route } from './route';

/** Pushes a history entry, or replaces the current one (for typing in filters). */
export function navigate(href: string, { replace = false } = {}): void {
  if (window.location.hash === href) return;
  if (replace) {
    window.history.replaceState(null, '', href);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = href;
  }
}

export function useRoute(): Route {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const update = () => setHash(window.location.hash);
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return parseHash(hash);
}
