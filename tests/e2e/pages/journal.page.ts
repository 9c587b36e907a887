import type { Locator, Page } from '@playwright/test';

/** The admin journal: every write, newest first, with its filters and the selected entry's detail. */
export class JournalPage {
  readonly screen: Locator;
  readonly list: Locator;
  readonly rows: Locator;
  readonly empty: Locator;
  readonly count: Locator;
  readonly actionFilter: Locator;
  readonly actorFilter: Locator;
  readonly detail: Locator;

  constructor(readonly page: Page) {
    this.screen = page.getByTestId('journal-page');
    this.list = page.getByTestId('journal-list');
    this.rows = page.getByTestId('journal-row');
    this.empty = page.getByTestId('journal-empty');
    this.count = page.getByTestId('journal-count');
    this.actionFilter = page.getByTestId('journal-filter-action');
    this.actorFilter = page.getByTestId('journal-filter-actor');
    this.detail = page.getByTestId('journal-detail');
  }

  async goto(query = ''): Promise<void> {
    await this.page.goto(`/#/journal${query ? `?${query}` : ''}`);
    await this.rows.first().or(this.empty).waitFor();
  }

  row(entryId: number): Locator {
    return this.page.locator(`[data-testid="journal-row"][data-entry-id="${entryId}"]`);
  }
}
