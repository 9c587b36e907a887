/// <reference types="vite/client" />
// The guide and the docs it links to, bundled at build time so Help works offline (no request leaves the app).
import { routeOfPath, type GuideDocument } from './guide-markdown';

const markdown = {
  ...import.meta.glob<string>('../../docs/guide/*.md', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob<string>('../../docs/*.md', { query: '?raw', import: 'default', eager: true }),
  ...import.meta.glob<string>('../../README.md', { query: '?raw', import: 'default', eager: true }),
};
const imageUrls = import.meta.glob<string>('../../docs/guide/images/*.png', { query: '?url', import: 'default', eager: true });

/** `../../docs/guide/admin.md` (relative to this folder) as the repository path `docs/guide/admin.md`. */
const repositoryPath = (globbed: string): string => globbed.replace(/^(\.\.\/)+/, '');

export const GUIDE_DOCUMENTS: GuideDocument[] = Object.entries(markdown).map(([file, text]) => {
  const path = repositoryPath(file);
  return { path, route: routeOfPath(path), markdown: text };
});

export const GUIDE_ROUTES: ReadonlyMap<string, string> = new Map(GUIDE_DOCUMENTS.map((document) => [document.path, document.route]));
export const GUIDE_IMAGES: ReadonlyMap<string, string> = new Map(Object.entries(imageUrls).map(([file, url]) => [repositoryPath(file), url]));

/** The document at `#/help/<segments>`: [] the guide's index, ['admin'] a chapter, ['docs', 'reports'] another doc. */
export function guideDocumentAt(segments: readonly string[]): GuideDocument | undefined {
  const route = segments.length === 0 ? '#/help' : `#/help/${segments.join('/')}`;
  return GUIDE_DOCUMENTS.find((document) => document.route === route);
}
