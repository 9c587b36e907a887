import type { ComponentType, SVGProps } from 'react';
import { CATEGORY_COLOURS, EVENT_CATEGORIES, type EventCategory } from '../../src-main/contract/taxonomy';
import { EventIcon, IntegrationIcon, RuleIcon, SystemIcon, UserIcon, WorkflowIcon } from './icons';

const CATEGORY_ICONS: Record<EventCategory, ComponentType<SVGProps<SVGSVGElement>>> = {
  system: SystemIcon,
  user: UserIcon,
  workflow: WorkflowIcon,
  rule: RuleIcon,
  integration: IntegrationIcon,
};

export const isKnownCategory = (category: string): category is EventCategory =>
  (EVENT_CATEGORIES as readonly string[]).includes(category);

/** The seed's colour of a category ("blue" for system); custom categories are neutral. */
export const colourOf = (category: string): string => (isKnownCategory(category) ? CATEGORY_COLOURS[category] : 'neutral');

/** The round, colour-coded icon of an event's category. */
export function CategoryIcon({ category, size = 'md' }: { category: string; size?: 'sm' | 'md' }) {
  const Icon = isKnownCategory(category) ? CATEGORY_ICONS[category] : EventIcon;
  return (
    <span
      className={`category-icon category-icon--${size}`}
      data-testid="category-icon"
      data-category={category}
      data-colour={colourOf(category)}
      title={`${category} event`}
    >
      <Icon width={size === 'sm' ? 12 : 14} height={size === 'sm' ? 12 : 14} />
    </span>
  );
}

export function CategoryLabel({ category }: { category: string }) {
  return (
    <span className="category-label" data-colour={colourOf(category)}>
      {category}
    </span>
  );
}
