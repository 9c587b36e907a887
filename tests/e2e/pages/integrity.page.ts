import type { Locator, Page } from '@playwright/test';

/** The Integrity screen (issue 15): the newest checkpoint, the last verification, Verify now with progress, and the failures. */
export class IntegrityPage {
  readonly root: Locator;
  readonly checkpointNumber: Locator;
  readonly checkpointSealed: Locator;
  readonly verifyNow: Locator;
  readonly stop: Locator;
  readonly progress: Locator;
  readonly report: Locator;
  readonly verdict: Locator;
  readonly checkedAt: Locator;
  readonly keySource: Locator;
  readonly failures: Locator;
  readonly failureLinks: Locator;
  readonly neverVerified: Locator;
  readonly unavailable: Locator;
  readonly navLink: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('integrity-page');
    this.checkpointNumber = page.getByTestId('integrity-checkpoint-number');
    this.checkpointSealed = page.getByTestId('integrity-checkpoint-sealed');
    this.verifyNow = page.getByTestId('integrity-verify');
    this.stop = page.getByTestId('integrity-stop');
    this.progress = page.getByTestId('integrity-progress');
    this.report = page.getByTestId('integrity-report');
    this.verdict = page.getByTestId('integrity-verdict');
    this.checkedAt = page.getByTestId('integrity-checked-at');
    this.keySource = page.getByTestId('integrity-key-source');
    this.failures = page.getByTestId('integrity-failure');
    this.failureLinks = page.getByTestId('integrity-failure-link');
    this.neverVerified = page.getByTestId('integrity-never-verified');
    this.unavailable = page.getByTestId('integrity-unavailable');
    this.navLink = page.getByTestId('nav-integrity');
  }

  async goto(base?: string): Promise<void> {
    await this.page.goto(`${base ?? ''}/#/integrity`);
    await this.root.waitFor();
  }

  /** Verify now from the keyboard, then wait for the verification to end and its report to show. */
  async verifyFromKeyboard(): Promise<void> {
    await this.verifyNow.focus();
    await this.page.keyboard.press('Enter');
    await this.report.waitFor();
    await this.verifyNow.waitFor();
  }
}
