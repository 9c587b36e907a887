import type { Locator, Page } from '@playwright/test';

/** Recent activity across all emails, with its filters. */
export class ActivityPage {
  readonly list: Locator;
  readonly rows: Locator;
  readonly eventTypeFilter: Locator;
  readonly empty: Locator;
  readonly count: Locator;

  constructor(readonly page: Page) {
    this.list = page.getByTestId('activity-list');
    this.rows = page.getByTestId('activity-row');
    this.eventTypeFilter = page.getByTestId('filter-event-type');
    this.empty = page.getByTestId('activity-empty');
    this.count = page.getByTestId('activity-count');
  }

  async goto(): Promise<void> {
    await this.page.goto('/#/activity');
    await this.rows.first().waitFor();
  }

  category(category: string): Locator {
    return this.page.getByTestId(`filter-category-${category}`);
  }

  async filterByEventType(eventType: string): Promise<void> {
    await this.eventTypeFilter.selectOption(eventType);
    await this.page.waitForURL((url) => url.hash.includes(`type=${eventType}`));
  }

  async eventTypesShown(): Promise<string[]> {
    return this.rows.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-event-type') ?? ''));
  }
}
