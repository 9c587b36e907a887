import { TimelinePage } from './pages/timeline.page';
import { expect, test } from './support/test';

test.describe('at 1024×700', () => {
  test.use({ viewport: { width: 1024, height: 700 } });

  test('an event whose description is one long word wraps inside the timeline (issue 11, item 5)', async ({ page, data }) => {
    const timeline = new TimelinePage(page);
    await timeline.gotoPermalink(data.longWordEmailId);
    await timeline.waitForEvents();
    const description = timeline.events.first().getByTestId('event-description');
    await expect(description).toContainText('x'.repeat(40));
    const sizes = await timeline.scroller.evaluate((scroller) => {
      const event = scroller.querySelector<HTMLElement>('[data-testid="timeline-event"]')!;
      const text = event.querySelector<HTMLElement>('[data-testid="event-description"]')!;
      return { scroll: scroller.scrollWidth, client: scroller.clientWidth, event: event.getBoundingClientRect().right, pane: scroller.getBoundingClientRect().right, text: text.scrollWidth - text.clientWidth };
    });
    expect(sizes.scroll).toBeLessThanOrEqual(sizes.client);
    expect(sizes.event).toBeLessThanOrEqual(sizes.pane);
    expect(sizes.text).toBeLessThanOrEqual(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
  });

  test('the timeline header stays readable: the whole subject, the received date on one line (issue 11, item 5)', async ({ page, data }) => {
    const timeline = new TimelinePage(page);
    await timeline.gotoPermalink(data.timelineEmailId);
    await expect(timeline.subject).toHaveText(data.timelineSubject);
    // Not cut off: the subject's text fits its box (it may take two lines).
    const subject = await timeline.subject.evaluate((el) => ({ w: el.scrollWidth - el.clientWidth, h: el.scrollHeight - el.clientHeight, width: el.clientWidth }));
    expect(subject.w).toBeLessThanOrEqual(0);
    expect(subject.h).toBeLessThanOrEqual(1);
    expect(subject.width).toBeGreaterThan(300);
    const received = page.getByTestId('timeline-received');
    await expect(received).toHaveText(/^received \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    const lineHeight = await received.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 20);
    expect((await received.boundingBox())!.height).toBeLessThan(lineHeight * 1.5);
    // The order toggle and the count are on screen, not pushed out.
    await expect(timeline.newestFirst).toBeInViewport();
    await expect(timeline.count).toBeInViewport();
    expect(await timeline.pane.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  });
});

test('the email header shows status, classification, processing time and an error badge that opens the errors (issue 11, item 10)', async ({ page, data }) => {
  const timeline = new TimelinePage(page);
  await timeline.gotoPermalink(data.bigEmailId);
  await expect(page.getByTestId('timeline-status')).toHaveText('Status active');
  await expect(page.getByTestId('timeline-classification')).toHaveText('Class invoice');
  await expect(page.getByTestId('timeline-processing')).toHaveText(/^Took \d+ d \d+ h$/);
  await expect(page.getByTestId('timeline-errors')).toHaveText('500 errors');
  // The trail's exact size, before its later pages are loaded.
  await expect(timeline.count).toHaveText('5,000 events');
  await page.getByTestId('timeline-errors').click();
  await expect(page).toHaveURL(new RegExp(`#/activity\\?.*email=${data.bigEmailId}`));
  await expect(page).toHaveURL(/type=error/);

  await timeline.gotoPermalink(data.timelineEmailId);
  await expect(page.getByTestId('timeline-status')).toHaveText('Status processed');
  await expect(page.getByTestId('timeline-processing')).toHaveText(/^Took 3 d \d+ h$/);
  await expect(page.getByTestId('timeline-facts')).not.toHaveAttribute('aria-busy');
  await expect(page.getByTestId('timeline-errors')).toHaveCount(0);
});
