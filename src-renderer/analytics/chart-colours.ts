import { CATEGORY_COLOURS, EVENT_CATEGORIES, type EventCategory } from '../../src-main/contract/taxonomy';
import { colourOf } from '../components/category-badge';

const FALLBACK: Record<string, string> = {
  blue: '#2563eb',
  green: '#16a34a',
  cyan: '#0891b2',
  yellow: '#ca8a04',
  gray: '#6b7280',
  neutral: '#8a919e',
  success: '#2b8a3e',
  danger: '#c92a2a',
  accent: '#3b5bdb',
  border: '#e3e6eb',
  'text-faint': '#8a919e',
};

const cache = new Map<string, string>();

/** A colour token from tokens.css as a value for SVG attributes (recharts draws with attributes, not CSS). */
export function token(name: string): string {
  let value = cache.get(name);
  if (value === undefined) {
    const variable = name in CATEGORY_COLOURS_BY_NAME ? `--colour-${name}` : `--${name}`;
    value = getComputedStyle(document.documentElement).getPropertyValue(variable).trim() || FALLBACK[name] || '#8a919e';
    cache.set(name, value);
  }
  return value;
}

const CATEGORY_COLOURS_BY_NAME: Record<string, true> = { blue: true, green: true, cyan: true, yellow: true, gray: true, neutral: true };

/** The seed's category colour: system blue, user green, workflow cyan, rule yellow, integration gray. */
export const categoryColour = (category: string): string => token(colourOf(category));

export const CATEGORY_ORDER: readonly EventCategory[] = EVENT_CATEGORIES;
export { CATEGORY_COLOURS };

/** Colours for series that are not categories (error types, workflows), from the same palette. */
const SERIES = ['blue', 'cyan', 'yellow', 'green', 'gray', 'accent'];
export const seriesColour = (index: number): string => token(SERIES[index % SERIES.length]!);
