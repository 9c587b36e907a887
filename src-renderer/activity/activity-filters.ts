import { EVENT_CATEGORIES, EVENT_TYPE_PATTERN, type EventCategory } from '../../src-main/contract/taxonomy';
import { isKnownCategory } from '../components/category-badge';

export interface ActivityFilters {
  eventTypes: string[];
  eventCategories: EventCategory[];
}

const listOf = (text: string | null): string[] =>
  (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);

/** Reads the filters from the URL (`#/activity?type=error,read&category=user`), dropping what is not valid. */
export function filtersFromParams(params: URLSearchParams): ActivityFilters {
  return {
    eventTypes: [...new Set(listOf(params.get('type')).filter((type) => EVENT_TYPE_PATTERN.test(type)))],
    eventCategories: EVENT_CATEGORIES.filter((category) => listOf(params.get('category')).filter(isKnownCategory).includes(category)),
  };
}

export function paramsOfFilters(filters: ActivityFilters): Record<string, string | undefined> {
  return {
    type: filters.eventTypes.length ? filters.eventTypes.join(',') : undefined,
    category: filters.eventCategories.length ? filters.eventCategories.join(',') : undefined,
  };
}
