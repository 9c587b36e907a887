import { useEffect, useMemo, useRef } from 'react';
import { EmptyState } from '../components/states';
import { GUIDE_DOCUMENTS, GUIDE_IMAGES, GUIDE_ROUTES, guideDocumentAt } from './guide-content';
import { renderGuide, slugOf } from './guide-markdown';

/** The guide's chapters in the order its index lists them (a chapter it does not list comes last), for the side list. */
const INDEX = GUIDE_DOCUMENTS.find((document) => document.path === 'docs/guide/README.md');
const order = (path: string): number => {
  if (path === INDEX?.path) return -1;
  const at = INDEX?.markdown.indexOf(`](${path.replace('docs/guide/', '')})`) ?? -1;
  return at < 0 ? Number.MAX_SAFE_INTEGER : at;
};
const CHAPTERS = GUIDE_DOCUMENTS.filter((document) => document.path.startsWith('docs/guide/'))
  .map((document) => ({ ...document, title: /^#\s+(.+)$/m.exec(document.markdown)?.[1] ?? document.path }))
  .sort((a, b) => order(a.path) - order(b.path) || a.path.localeCompare(b.path));

/** Help (`#/help`, `#/help/<chapter>`, `#/help/docs/<doc>`): the user guide, bundled, rendered safely. */
export function HelpPage({ segments, section }: { segments: string[]; section: string | null }) {
  const document = guideDocumentAt(segments);
  const html = useMemo(() => (document ? renderGuide(document.markdown, { path: document.path, routes: GUIDE_ROUTES, images: GUIDE_IMAGES }) : ''), [document]);
  const article = useRef<HTMLElement>(null);

  // A link to a heading (`admin.md#backups`) arrives as `?section=backups`: scroll to it; a new chapter starts at its top.
  useEffect(() => {
    const root = article.current;
    if (!root) return;
    const target = section ? root.querySelector<HTMLElement>(`[id="${CSS.escape(slugOf(section))}"]`) : null;
    if (target) target.scrollIntoView({ block: 'start' });
    else root.closest('.page')?.scrollTo({ top: 0 });
  }, [html, section]);

  if (!document) {
    return (
      <div className="page page--narrow">
        <EmptyState title="This page of the guide does not exist" testId="help-not-found">
          <p>
            There is no chapter at <code>{window.location.hash}</code>. <a href="#/help">Open the guide’s contents</a>.
          </p>
        </EmptyState>
      </div>
    );
  }
  return (
    <div className="page help" data-testid="help-page">
      <nav className="help__chapters" aria-label="Guide chapters" data-testid="help-chapters">
        <ul>
          {CHAPTERS.map((chapter) => (
            <li key={chapter.path}>
              <a
                href={chapter.route}
                className={`help__chapter${chapter.route === document.route ? ' help__chapter--active' : ''}`}
                aria-current={chapter.route === document.route ? 'page' : undefined}
                data-testid="help-chapter-link"
              >
                {chapter.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {/* The HTML comes from renderGuide, which escapes every raw HTML token of the Markdown. */}
      <article className="help__article guide" ref={article} data-testid="help-article" data-path={document.path} dangerouslySetInnerHTML={{ __html: html }} />
    </div>
  );
}
