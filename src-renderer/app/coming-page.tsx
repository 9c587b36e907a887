import type { ReactNode } from 'react';

export interface ComingPageProps {
  section: string;
  title: string;
  summary: string;
  items: string[];
  icon: ReactNode;
  /** Why this section cannot work from the current source (e.g. it needs the live database); shown first. */
  unavailable?: string | undefined;
}

/** A section the product will have, saying plainly what will come; no placeholder data. */
export function ComingPage({ section, title, summary, items, icon, unavailable }: ComingPageProps) {
  return (
    <div className="page page--narrow" data-testid={`${section}-page`}>
      <div className="coming">
        <div className="coming__icon" aria-hidden="true">
          {icon}
        </div>
        <p className="coming__eyebrow">Coming in a later release</p>
        <h1 className="coming__title">{title}</h1>
        <p className="coming__summary">{summary}</p>
        {unavailable && (
          <p className="coming__unavailable" role="note" data-testid={`${section}-unavailable`}>
            {unavailable}
          </p>
        )}
        <ul className="coming__list">
          {items.map((item) => (
            <li key={item}>{item}</li>
          ))}
        </ul>
        <p className="coming__note">Nothing on this screen is simulated: it stays empty until the feature ships.</p>
      </div>
    </div>
  );
}
