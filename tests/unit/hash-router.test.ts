import { describe, expect, it } from 'vitest';
import { hrefOf, parseHash } from '../../src-renderer/app/route';

describe('parseHash', () => {
  it('reads the path segments, decoded, and the query', () => {
    const route = parseHash('#/emails/42?q=faktura%20acme&order=asc');
    expect(route.segments).toEqual(['emails', '42']);
    expect(route.params.get('q')).toBe('faktura acme');
    expect(route.params.get('order')).toBe('asc');
    expect(route.malformed).toBeNull();
    expect(parseHash('#/analytics/Bl%C3%A5b%C3%A6r').segments).toEqual(['analytics', 'Blåbær']);
    expect(parseHash('').segments).toEqual([]);
    expect(parseHash('#emails').segments).toEqual(['emails']);
  });

  it('keeps a segment whose %-escapes do not decode as typed, and names it, instead of throwing (issue 11, item 6)', () => {
    expect(() => parseHash('#/emails/%E0')).not.toThrow();
    expect(parseHash('#/emails/%E0')).toMatchObject({ segments: ['emails', '%E0'], malformed: '%E0' });
    expect(parseHash('#/emails/%')).toMatchObject({ malformed: '%' });
    expect(parseHash('#/%ZZ/1?q=%E0')).toMatchObject({ segments: ['%ZZ', '1'], malformed: '%ZZ' });
    // A bad escape in the query is no error: URLSearchParams keeps it as text.
    expect(parseHash('#/emails?q=%E0').malformed).toBeNull();
  });

  it('builds links that it reads back', () => {
    const href = hrefOf('emails/7', { q: '#39 & more', order: undefined });
    const route = parseHash(href);
    expect(route.segments).toEqual(['emails', '7']);
    expect(route.params.get('q')).toBe('#39 & more');
    expect(route.params.has('order')).toBe(false);
  });
});
