import type { Locator, Page } from '@playwright/test';

/** The Emails screen: the search field and its virtualised result list. */
export class EmailsPage {
  readonly search: Locator;
  readonly results: Locator;
  readonly rows: Locator;
  readonly selectedRow: Locator;
  readonly empty: Locator;
  readonly count: Locator;
  readonly placeholder: Locator;

  constructor(readonly page: Page) {
    this.search = page.getByTestId('email-search');
    this.results = page.getByTestId('email-results');
    this.rows = page.getByTestId('email-row');
    this.selectedRow = page.locator('[data-testid="email-row"][data-selected="true"]');
    this.empty = page.getByTestId('email-empty');
    this.count = page.getByTestId('email-count');
    this.placeholder = page.getByTestId('timeline-placeholder');
  }

  async goto(query?: string): Promise<void> {
    await this.page.goto(query ? `/#/emails?q=${encodeURIComponent(query)}` : '/#/emails');
    await this.rows.first().or(this.empty).waitFor();
  }

  row(emailId: number): Locator {
    return this.page.locator(`[data-testid="email-row"][data-email-id="${emailId}"]`);
  }

  /** Types into the search like a user and waits for the debounced search to land in the URL. */
  async searchFor(text: string): Promise<void> {
    await this.search.fill(text);
    await this.page.waitForURL((url) => new URLSearchParams(url.hash.split('?')[1] ?? '').get('q') === text.trim());
    await this.count.filter({ hasNotText: 'Searching' }).waitFor();
  }

  async focusSearchWithSlash(): Promise<void> {
    await this.page.locator('body').press('/');
  }

  async open(emailId: number): Promise<void> {
    await this.row(emailId).click();
  }
}
