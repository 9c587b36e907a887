import type { Locator, Page } from '@playwright/test';

/** The frame around every screen: sidebar sections and the data-source header. */
export class AppShell {
  readonly sidebar: Locator;
  readonly sourceStatus: Locator;
  readonly sourceKind: Locator;
  readonly sourceState: Locator;
  readonly offlineBanner: Locator;
  readonly copyLink: Locator;
  readonly copyLinkStatus: Locator;
  readonly copyLinkField: Locator;

  constructor(readonly page: Page) {
    this.sidebar = page.getByTestId('sidebar');
    this.sourceStatus = page.getByTestId('source-status');
    this.sourceKind = page.getByTestId('source-kind');
    this.sourceState = page.getByTestId('source-state');
    this.offlineBanner = page.getByTestId('offline-banner');
    this.copyLink = page.getByTestId('copy-link');
    this.copyLinkStatus = page.getByTestId('copy-link-status');
    this.copyLinkField = page.getByTestId('copy-link-field');
  }

  navLink(section: 'emails' | 'activity' | 'analytics' | 'retention' | 'reports' | 'settings' | 'journal' | 'integrity' | 'help'): Locator {
    return this.page.getByTestId(`nav-${section}`);
  }

  async openSection(section: 'emails' | 'activity' | 'analytics' | 'retention' | 'reports' | 'settings' | 'journal' | 'integrity' | 'help'): Promise<void> {
    await this.navLink(section).click();
  }
}
