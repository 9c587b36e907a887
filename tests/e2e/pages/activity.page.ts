import type { Locator, Page } from '@playwright/test';

/** The activity explorer: recent events across all emails, its filters and live mode. */
export class ActivityPage {
  readonly list: Locator;
  readonly rows: Locator;
  readonly eventTypeFilter: Locator;
  readonly userFilter: Locator;
  readonly textFilter: Locator;
  readonly emailFilter: Locator;
  readonly fromFilter: Locator;
  readonly toFilter: Locator;
  readonly metaKey: Locator;
  readonly metaValue: Locator;
  readonly metaAdd: Locator;
  readonly metaChips: Locator;
  readonly empty: Locator;
  readonly count: Locator;
  readonly liveToggle: Locator;
  readonly liveStatus: Locator;
  readonly newEvents: Locator;

  constructor(readonly page: Page) {
    this.list = page.getByTestId('activity-list');
    this.rows = page.getByTestId('activity-row');
    this.eventTypeFilter = page.getByTestId('filter-event-type');
    this.userFilter = page.getByTestId('filter-user');
    this.textFilter = page.getByTestId('filter-text');
    this.emailFilter = page.getByTestId('filter-email');
    this.fromFilter = page.getByTestId('filter-from');
    this.toFilter = page.getByTestId('filter-to');
    this.metaKey = page.getByTestId('filter-meta-key');
    this.metaValue = page.getByTestId('filter-meta-value');
    this.metaAdd = page.getByTestId('filter-meta-add');
    this.metaChips = page.getByTestId('filter-meta-chip');
    this.empty = page.getByTestId('activity-empty');
    this.count = page.getByTestId('activity-count');
    this.liveToggle = page.getByTestId('live-toggle');
    this.liveStatus = page.getByTestId('live-status');
    this.newEvents = page.getByTestId('live-new-events');
  }

  async goto(query = ''): Promise<void> {
    await this.page.goto(`/#/activity${query ? `?${query}` : ''}`);
    await this.rows.first().or(this.empty).waitFor();
  }

  /** The filter state the URL holds, as the app reads it. */
  async urlParams(): Promise<URLSearchParams> {
    return new URLSearchParams(new URL(this.page.url()).hash.split('?')[1] ?? '');
  }

  async waitForParam(name: string, value: string | null): Promise<void> {
    await this.page.waitForURL((url) => new URLSearchParams(url.hash.split('?')[1] ?? '').get(name) === value);
  }

  category(category: string): Locator {
    return this.page.getByTestId(`filter-category-${category}`);
  }

  private async pick(picker: Locator, testId: string, value: string): Promise<void> {
    await picker.click();
    await this.page.locator(`[data-testid="${testId}-option"][data-value="${value}"] input`).check();
    await this.page.keyboard.press('Escape');
  }

  async filterByEventType(eventType: string): Promise<void> {
    await this.pick(this.eventTypeFilter, 'filter-event-type', eventType);
    await this.page.waitForURL((url) => (new URLSearchParams(url.hash.split('?')[1] ?? '').get('type') ?? '').split(',').includes(eventType));
  }

  async filterByUser(userId: number): Promise<void> {
    await this.pick(this.userFilter, 'filter-user', String(userId));
    await this.page.waitForURL((url) => (new URLSearchParams(url.hash.split('?')[1] ?? '').get('user') ?? '').split(',').includes(String(userId)));
  }

  async filterByText(text: string): Promise<void> {
    await this.textFilter.fill(text);
    await this.waitForParam('text', text);
  }

  async addMetadata(key: string, value: string): Promise<void> {
    await this.metaKey.selectOption(key);
    await this.metaValue.fill(value);
    await this.metaAdd.click();
    await this.page.waitForURL((url) => new URLSearchParams(url.hash.split('?')[1] ?? '').getAll('meta').includes(`${key}=${value}`));
  }

  /** Waits until the list shows the answer for the filters now in the URL. */
  async settled(): Promise<void> {
    await this.count.filter({ hasNotText: 'Loading' }).waitFor();
    await this.rows.first().or(this.empty).waitFor();
  }

  async attribute(name: string): Promise<string[]> {
    return this.rows.evaluateAll((nodes, attr) => nodes.map((node) => node.getAttribute(attr) ?? ''), `data-${name}`);
  }

  async eventTypesShown(): Promise<string[]> {
    return this.attribute('event-type');
  }

  async descriptionsShown(): Promise<string[]> {
    return this.page.getByTestId('activity-description').allInnerTexts();
  }
}
