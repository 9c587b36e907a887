import { describe, expect, it } from 'vitest';
import { internalRoute, renderGuide, resolvePath, routeOfPath, slugOf } from '../../src-renderer/help/guide-markdown';

// The Help screen's rendering of the guide (issue 17, item 6): safe, with links that work inside the app.
const routes = new Map([
  ['docs/guide/README.md', '#/help'],
  ['docs/guide/admin.md', '#/help/admin'],
  ['docs/guide/auditor.md', '#/help/auditor'],
  ['docs/integrity.md', '#/help/docs/integrity'],
  ['README.md', '#/help/docs/README'],
]);
const images = new Map([['docs/guide/images/timeline.png', './assets/timeline-abc123.png']]);
const render = (markdown: string, path = 'docs/guide/auditor.md') => renderGuide(markdown, { path, routes, images });

describe('the guide on the Help screen', () => {
  it('routes the guide’s chapters, the docs beside it and the README', () => {
    expect(routeOfPath('docs/guide/README.md')).toBe('#/help');
    expect(routeOfPath('docs/guide/operator.md')).toBe('#/help/operator');
    expect(routeOfPath('docs/partitioning.md')).toBe('#/help/docs/partitioning');
    expect(routeOfPath('README.md')).toBe('#/help/docs/README');
    expect(routeOfPath('src-main/cli/main.ts')).toBe('');
  });

  it('resolves relative links as GitHub does, and anchors as GitHub makes them', () => {
    expect(resolvePath('docs/guide/admin.md', '../reports.md')).toBe('docs/reports.md');
    expect(resolvePath('docs/guide/admin.md', './images/a.png')).toBe('docs/guide/images/a.png');
    expect(resolvePath('docs/guide/admin.md', '../../../etc/passwd')).toBeNull();
    expect(slugOf('Integrity: seal and verify the log')).toBe('integrity-seal-and-verify-the-log');
    expect(slugOf('Offline: the chain in the cache, `verify --cache`')).toBe('offline-the-chain-in-the-cache-verify---cache');
    expect(slugOf('Connect to the hub’s database')).toBe('connect-to-the-hubs-database');
    expect(internalRoute('admin.md#backups', { path: 'docs/guide/auditor.md', routes })).toBe('#/help/admin?section=backups');
    expect(internalRoute('#keyboard', { path: 'docs/guide/auditor.md', routes })).toBe('#/help/auditor?section=keyboard');
    expect(internalRoute('../../src-main/cli/main.ts', { path: 'docs/guide/auditor.md', routes })).toBeNull();
  });

  it('turns links into in-app routes, opens external ones outside, and leaves files the app lacks unlinked', () => {
    const html = render('[admin](admin.md#backups) · [chain](../integrity.md) · [PG](https://www.postgresql.org/) · [code](../../src-main/cli/main.ts)');
    expect(html).toContain('<a href="#/help/admin?section=backups">admin</a>');
    expect(html).toContain('<a href="#/help/docs/integrity">chain</a>');
    expect(html).toContain('<a href="https://www.postgresql.org/" target="_blank" rel="noopener noreferrer" class="guide-external">PG</a>');
    expect(html).toContain('<span class="guide-unlinked" title="../../src-main/cli/main.ts">code</span>');
  });

  it('shows raw HTML as text and never as markup; only a bare <kbd> passes and comments vanish', () => {
    const html = render('Press <kbd>/</kbd>.\n\n<script>alert(1)</script>\n\n<img src=x onerror="alert(1)">\n\n<!-- screenshot: backups -->\n\n<kbd onclick="x()">k</kbd>');
    expect(html).toContain('<kbd>/</kbd>');
    expect(html).not.toMatch(/<script|<img src=x|<kbd onclick|screenshot: backups/);
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('&lt;kbd onclick=');
    expect(render('[x](javascript:alert(1))')).not.toContain('href="javascript');
  });

  it('takes images from the bundle only, and names the ones it lacks', () => {
    expect(render('![An email’s timeline](images/timeline.png)')).toContain('<img src="./assets/timeline-abc123.png" alt="An email’s timeline" loading="lazy" class="guide-image">');
    expect(render('![Gone](images/gone.png)')).toContain('<span class="guide-missing-image">[Gone]</span>');
    expect(render('![Remote](https://tracker.example/pixel.png)')).not.toContain('tracker.example/pixel.png"');
  });

  it('gives headings the anchors links point to', () => {
    expect(render('## Retention and legal holds')).toContain('<h2 id="retention-and-legal-holds">Retention and legal holds</h2>');
  });
});
