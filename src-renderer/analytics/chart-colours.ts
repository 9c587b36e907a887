import { colourOf } from '../components/category-badge';

const FALLBACK: Record<string, string> = {
  'colour-blue': '#2563eb',
  'colour-green': '#16a34a',
  'colour-cyan': '#0891b2',
  'colour-yellow': '#ca8a04',
  'colour-gray': '#6b7280',
  'colour-neutral': '#8a919e',
  success: '#2b8a3e',
  danger: '#c92a2a',
  border: '#e3e6eb',
  'text-faint': '#8a919e',
};

const cache = new Map<string, string>();

/** A token from tokens.css (`--danger`) as a value for SVG attributes: recharts draws with attributes, not classes. */
export function token(name: string): string {
  let value = cache.get(name);
  if (value === undefined) {
    value = getComputedStyle(document.documentElement).getPropertyValue(`--${name}`).trim() || FALLBACK[name] || '#8a919e';
    cache.set(name, value);
  }
  return value;
}

/** The seed's category colour: system blue, user green, workflow cyan, rule yellow, integration gray. */
export const categoryColour = (category: string): string => token(`colour-${colourOf(category)}`);
