import type { Locator, Page } from '@playwright/test';

/** Settings › Admin connection: the saved connection that retention and holds write through. */
export class AdminConnectionSection {
  readonly section: Locator;
  readonly browserNote: Locator;
  readonly saved: Locator;
  readonly url: Locator;
  readonly password: Locator;
  readonly saveButton: Locator;
  readonly testButton: Locator;
  readonly removeButton: Locator;
  readonly outcome: Locator;

  constructor(readonly page: Page) {
    this.section = page.getByTestId('settings-admin-connection');
    this.browserNote = page.getByTestId('settings-admin-browser-note');
    this.saved = page.getByTestId('admin-connection-saved');
    this.url = page.getByTestId('admin-connection-url');
    this.password = page.getByTestId('admin-connection-password');
    this.saveButton = page.getByTestId('admin-connection-save');
    this.testButton = page.getByTestId('admin-connection-test');
    this.removeButton = page.getByTestId('admin-connection-remove');
    this.outcome = page.getByTestId('admin-connection-outcome');
  }

  async goto(): Promise<void> {
    await this.page.goto('/#/settings');
    await this.section.waitFor();
  }

  async save(url: string, password: string): Promise<void> {
    await this.url.fill(url);
    await this.password.fill(password);
    await this.saveButton.click();
  }
}
