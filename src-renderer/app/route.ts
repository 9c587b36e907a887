// Routes as the address holds them; pure, so the unit tests read them without a DOM.

export interface Route {
  /** Path segments after `#/`, e.g. ['emails', '42']. */
  segments: string[];
  params: URLSearchParams;
  /** The first path segment whose %-escapes do not decode (e.g. `%E0`), kept as typed; null when the link is well formed. */
  malformed: string | null;
}

/** A segment decoded, or null when its %-escapes are not UTF-8 (decodeURIComponent throws "URI malformed"). */
function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = text.split('?', 2);
  const raw = path.split('/').filter(Boolean);
  const decoded = raw.map(decodeSegment);
  const bad = decoded.indexOf(null);
  return {
    // A segment that cannot be decoded stays as typed, so pages can name it.
    segments: decoded.map((segment, index) => segment ?? raw[index]!),
    params: new URLSearchParams(query),
    malformed: bad >= 0 ? raw[bad]! : null,
  };
}

export function hrefOf(path: string, params?: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) if (value) search.set(key, value);
  const query = search.toString();
  return `#/${path}${query ? `?${query}` : ''}`;
}
