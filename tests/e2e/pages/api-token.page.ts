import type { Locator, Page } from '@playwright/test';

/** The screen a token-protected `serve` shows in browser mode until the user pastes its API token. */
export class ApiTokenScreen {
  readonly screen: Locator;
  readonly input: Locator;
  readonly submit: Locator;
  readonly refused: Locator;

  constructor(readonly page: Page) {
    this.screen = page.getByTestId('api-token-screen');
    this.input = page.getByTestId('api-token-input');
    this.submit = page.getByTestId('api-token-submit');
    this.refused = page.getByTestId('api-token-refused');
  }

  /** Pastes the token and connects; the page reloads with it. */
  async enter(token: string): Promise<void> {
    await this.input.fill(token);
    await Promise.all([this.page.waitForEvent('load'), this.submit.click()]);
  }
}
