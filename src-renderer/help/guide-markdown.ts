// The user guide's Markdown as HTML for the Help screen; pure (no DOM), so unit tests read it.
import { Marked, type Tokens } from 'marked';

/** A Markdown document bundled into the app, by its path in the repository (`docs/guide/admin.md`). */
export interface GuideDocument {
  path: string;
  /** Its address in the app: `#/help`, `#/help/admin`, `#/help/docs/reports`. */
  route: string;
  markdown: string;
}

/** GitHub's heading anchors, so links written for the repository (`admin.md#retention-and-legal-holds`) work in the app too. */
export function slugOf(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The route of a document by its repository path: the guide's chapters, the other docs, the README. */
export function routeOfPath(path: string): string {
  if (path === 'docs/guide/README.md') return '#/help';
  const chapter = /^docs\/guide\/([\w-]+)\.md$/.exec(path)?.[1];
  if (chapter) return `#/help/${chapter}`;
  const doc = /^docs\/([\w-]+)\.md$/.exec(path)?.[1];
  if (doc) return `#/help/docs/${doc}`;
  if (path === 'README.md') return '#/help/docs/README';
  return '';
}

/** `base` a repository path (`docs/guide/admin.md`), `target` relative to it; null when it climbs out of the repository. */
export function resolvePath(base: string, target: string): string | null {
  const parts = base.split('/').slice(0, -1);
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join('/');
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

export interface RenderOptions {
  /** The document being rendered, by repository path: relative links resolve against it. */
  path: string;
  /** Repository paths of the documents the app carries, to their routes. */
  routes: ReadonlyMap<string, string>;
  /** Repository paths of the images the app carries (`docs/guide/images/timeline.png`), to their bundled URLs. */
  images: ReadonlyMap<string, string>;
}

/**
 * The guide is ours, but rendered as if it were not: raw HTML is shown as text, never parsed; links go
 * to in-app routes (other chapters), outside (http, https, mailto, opened by the browser or the desktop
 * app's security handlers) or nowhere (a file the app does not carry: its text stays, unlinked);
 * images only from the bundle.
 */
export function renderGuide(markdown: string, options: RenderOptions): string {
  const marked = new Marked({
    gfm: true,
    renderer: {
      html({ text }: Tokens.HTML | Tokens.Tag): string {
        // An HTML comment (a note to the guide's authors, such as a screenshot to come) says nothing to a reader.
        if (/^\s*<!--[\s\S]*-->\s*$/.test(text)) return '';
        // Keys (<kbd>/</kbd>) are the one tag the guide writes; bare, without attributes, they cannot run anything.
        if (/^<\/?kbd>$/.test(text)) return text;
        return escapeHtml(text);
      },
      heading({ tokens, depth, text }: Tokens.Heading): string {
        const inner = this.parser.parseInline(tokens);
        return `<h${depth} id="${escapeHtml(slugOf(text))}">${inner}</h${depth}>\n`;
      },
      link({ href, title, tokens }: Tokens.Link): string {
        const inner = this.parser.parseInline(tokens);
        const titled = title ? ` title="${escapeHtml(title)}"` : '';
        if (/^(https?:|mailto:)/i.test(href)) {
          return `<a href="${escapeHtml(href)}"${titled} target="_blank" rel="noopener noreferrer" class="guide-external">${inner}</a>`;
        }
        const route = internalRoute(href, options);
        if (route === null) return `<span class="guide-unlinked" title="${escapeHtml(href)}">${inner}</span>`;
        return `<a href="${escapeHtml(route)}"${titled}>${inner}</a>`;
      },
      image({ href, title, text }: Tokens.Image): string {
        const path = /^[a-z]+:/i.test(href) ? null : resolvePath(options.path, href);
        const url = path === null ? undefined : options.images.get(path);
        if (url === undefined) return `<span class="guide-missing-image">[${escapeHtml(text)}]</span>`;
        const titled = title ? ` title="${escapeHtml(title)}"` : '';
        return `<img src="${escapeHtml(url)}" alt="${escapeHtml(text)}"${titled} loading="lazy" class="guide-image">`;
      },
    },
  });
  return marked.parse(markdown, { async: false });
}

/** A relative link's route in the app (`admin.md#backups` → `#/help/admin?section=backups`); null for a file the app does not carry. */
export function internalRoute(href: string, options: Pick<RenderOptions, 'path' | 'routes'>): string | null {
  const [target = '', anchor] = href.split('#', 2);
  const path = target === '' ? options.path : resolvePath(options.path, target);
  const route = path === null ? undefined : options.routes.get(path);
  if (route === undefined) return null;
  return anchor ? `${route}?section=${encodeURIComponent(anchor)}` : route;
}
