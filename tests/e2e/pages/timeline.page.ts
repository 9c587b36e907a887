import type { Locator, Page } from '@playwright/test';

/** An email's "Log" timeline: header, order toggle, virtualised events and their metadata. */
export class TimelinePage {
  readonly pane: Locator;
  readonly subject: Locator;
  readonly emailId: Locator;
  readonly events: Locator;
  readonly scroller: Locator;
  readonly newestFirst: Locator;
  readonly oldestFirst: Locator;
  readonly error: Locator;
  readonly backToEmails: Locator;
  readonly end: Locator;
  readonly count: Locator;
  readonly gaps: Locator;

  constructor(readonly page: Page) {
    this.pane = page.getByTestId('timeline-pane');
    this.subject = page.getByTestId('timeline-subject');
    this.emailId = page.getByTestId('timeline-email-id');
    this.events = page.getByTestId('timeline-event');
    this.scroller = page.getByTestId('timeline-scroll');
    this.newestFirst = page.getByTestId('order-desc');
    this.oldestFirst = page.getByTestId('order-asc');
    this.error = page.getByTestId('timeline-error');
    this.backToEmails = page.getByTestId('back-to-emails');
    this.end = page.getByTestId('timeline-end');
    this.count = page.getByTestId('timeline-count');
    this.gaps = page.getByTestId('timeline-gap');
  }

  /** Opens an email's timeline by its permalink, as a bookmark or a shared link would. */
  async gotoPermalink(emailId: number | string): Promise<void> {
    await this.page.goto(`/#/emails/${emailId}`);
  }

  async waitForEvents(): Promise<void> {
    await this.events.first().waitFor();
  }

  event(eventType: string): Locator {
    return this.page.locator(`[data-testid="timeline-event"][data-event-type="${eventType}"]`);
  }

  /** The created_at of the events on screen, top to bottom. */
  async visibleTimestamps(): Promise<string[]> {
    return this.events.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-created-at') ?? ''));
  }

  async expandMetadata(event: Locator): Promise<Locator> {
    await event.getByTestId('metadata-toggle').click();
    return event.getByTestId('metadata-json');
  }
}
